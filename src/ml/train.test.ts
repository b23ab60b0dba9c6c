import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGraftError } from '../core/errors';
import { createLayer, insertLayer, updateLayer } from '../core/model/edit';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import type { BatchLogs, EpochLogs } from '../core/model/training';
import { buildModel } from './build';
import { BLOWUP, blowupData, caught, TOY, TOY_CONFIG as CONFIG, values, xor } from './testTraining';
import type { TrainingData } from '../core/ports';
import { train } from './train';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('train', () => {
  it('drives the per-batch step of a functional model too', async () => {
    const input = tf.input({ shape: [2] });
    const hidden = tf.layers.dense({ units: 8, activation: 'tanh' }).apply(input) as tf.SymbolicTensor;
    const output = tf.layers.dense({ units: 2, activation: 'softmax' }).apply(hidden) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: output });
    const result = await train(model, xor(64), { ...CONFIG, epochs: 2, validationSplit: 0.25 });
    expect(result.history.map((h) => Number.isFinite(h.loss) && Number.isFinite(h.val_loss))).toEqual([
      true,
      true,
    ]);
    model.dispose();
  });

  it('learns XOR: the loss falls and accuracy rises', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const result = await train(model, xor(256), { ...CONFIG, epochs: 25 }, {}, { yieldEvery: 50 });
    const first = result.history[0] as EpochLogs;
    const last = result.history[result.history.length - 1] as EpochLogs;
    expect(result.epochsRun).toBe(25);
    expect(result.stoppedEarly).toBe(false);
    expect(result.backend).toBe('cpu');
    expect(last.loss).toBeLessThan(first.loss * 0.5);
    expect(last.acc).toBeGreaterThan(0.9);
    expect(result.wallTimeMs).toBeGreaterThan(0);
    model.dispose();
  });

  it('repeats bit for bit given the same seeds, and shuffles differently with another', async () => {
    const run = async (seed: number) => {
      const model = buildModel(TOY, { seed: 3 });
      const result = await train(model, xor(64), { ...CONFIG, seed }, {}, { yieldEvery: 0 });
      const out = { weights: values(model), losses: result.history.map((h) => h.loss) };
      model.dispose();
      return out;
    };
    const a = await run(11);
    const b = await run(11);
    const c = await run(12);
    expect(b).toEqual(a);
    expect(c.weights).not.toEqual(a.weights);
  });

  it('reports every batch in order, each epoch, and checkpoints every N epochs', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const batches: [number, number, number, BatchLogs][] = [];
    const epochs: EpochLogs[] = [];
    const checkpoints: number[] = [];
    const data = xor(100);
    await train(
      model,
      data,
      { ...CONFIG, epochs: 4, batchSize: 32, validationSplit: 0.2, checkpointEvery: 2 },
      {
        onBatch: (e, b, n, logs) => batches.push([e, b, n, logs]),
        onEpoch: (_, logs) => {
          epochs.push(logs);
        },
        onCheckpoint: (e) => {
          checkpoints.push(e);
        },
      },
      { yieldEvery: 0 },
    );
    // 80 training rows in batches of 32: 3 batches per epoch.
    expect(batches.map(([e, b, n]) => [e, b, n])).toEqual(
      [0, 1, 2, 3].flatMap((e) => [0, 1, 2].map((b) => [e, b, 3])),
    );
    expect(batches.every(([, , , l]) => Number.isFinite(l.loss) && l.acc !== undefined)).toBe(true);
    expect(epochs.map((l) => l.epoch)).toEqual([0, 1, 2, 3]);
    for (const l of epochs) {
      expect(Object.keys(l).sort()).toEqual(
        ['acc', 'batches', 'epoch', 'loss', 'timeMs', 'totalBatches', 'val_acc', 'val_loss'].sort(),
      );
      expect(l.batches).toBe(3);
    }
    // The epoch loss is the size-weighted mean of its batches (32, 32 and 16 rows).
    const e0 = batches.filter(([e]) => e === 0).map(([, , , l]) => l.loss);
    expect(epochs[0]?.loss).toBeCloseTo(((e0[0] ?? 0) * 32 + (e0[1] ?? 0) * 32 + (e0[2] ?? 0) * 16) / 80, 5);
    expect(checkpoints).toEqual([1, 3]);
    model.dispose();
  });

  it('validates on the last rows of the split, in inference mode, as model.evaluate would', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const data = xor(100);
    const result = await train(
      model,
      data,
      { ...CONFIG, epochs: 2, validationSplit: 0.25 },
      {},
      { yieldEvery: 0 },
    );
    const last = result.history[1] as EpochLogs;
    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const x = tf.tensor2d(data.xTrain.values.slice(150), [25, 2]);
    const y = tf.oneHot(tf.tensor1d(Array.from(data.yTrain.values.slice(75)), 'int32'), 2);
    const [loss, acc] = model.evaluate(x, y, { batchSize: 25 }) as tf.Scalar[];
    expect(last.val_loss).toBeCloseTo(loss?.dataSync()[0] ?? NaN, 5);
    expect(last.val_acc).toBeCloseTo(acc?.dataSync()[0] ?? NaN, 5);
    tf.dispose([x, y, loss, acc]);
    model.dispose();
  });

  it('stops at the next batch when asked, keeping what was learned', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const initial = values(model);
    let asked = 0;
    const seen: number[] = [];
    const result = await train(
      model,
      xor(160),
      { ...CONFIG, epochs: 5 },
      { shouldStop: () => ++asked > 13, onBatch: (e, b) => seen.push(e * 10 + b) },
      { yieldEvery: 0 },
    );
    // 10 batches per epoch: the 14th question comes before epoch 2's fourth batch.
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(2);
    expect(result.history.map((h) => [h.batches, h.totalBatches])).toEqual([
      [10, 10],
      [3, 10],
    ]);
    expect(values(model)).not.toEqual(initial);
    model.dispose();
  });

  it('changes nothing when stopped before the first batch', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const initial = values(model);
    const result = await train(model, xor(32), CONFIG, { shouldStop: () => true });
    expect(result).toMatchObject({ epochsRun: 0, stoppedEarly: true, history: [] });
    expect(values(model)).toEqual(initial);
    model.dispose();
  });

  it('stops on a NaN loss with the epoch and batch, and leaves the model usable', async () => {
    const model = buildModel(BLOWUP, { seed: 1 });
    const data = blowupData();
    const before = tf.memory().numTensors;
    const error = await caught(
      train(model, data, {
        ...CONFIG,
        optimizer: 'sgd',
        learningRate: 1e6,
        loss: 'meanSquaredError',
        epochs: 5,
      }),
    );
    expect(error.code).toBe('train/nan-loss');
    expect(error.message).toMatch(
      /^The loss became (NaN|infinite) in epoch 1, batch \d+, so training stopped\. A lower learning rate \(now 1000000\) or normalised inputs usually fix this\.$/,
    );
    expect(error.data).toMatchObject({ epoch: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const out = model.predict(tf.ones([1, 1])) as tf.Tensor;
    expect(out.shape).toEqual([1, 1]);
    out.dispose();
    model.dispose();
  });

  it('leaves exactly as many tensors as it found, with and without validation or a Stop', async () => {
    const withNoise = insertLayer(
      insertLayer(TOY, createLayer('BatchNormalization', TOY, 1, 'bn'), 1),
      createLayer('Dropout', TOY, 2, 'drop'),
      2,
    );
    const model = buildModel(withNoise, { seed: 1 });
    const data = xor(64);
    const before = tf.memory().numTensors;
    await train(model, data, { ...CONFIG, epochs: 1 });
    expect(tf.memory().numTensors).toBe(before);
    await train(model, data, { ...CONFIG, epochs: 2, validationSplit: 0.25 });
    expect(tf.memory().numTensors).toBe(before);
    let asked = 0;
    await train(
      model,
      data,
      { ...CONFIG, epochs: 2, optimizer: 'rmsprop' },
      { shouldStop: () => ++asked > 5 },
    );
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('does not touch frozen layers', async () => {
    const frozen = updateLayer(TOY, 'hidden_1', { trainable: false });
    const model = buildModel(frozen, { seed: 1 });
    const layer = (name: string) =>
      model
        .getLayer(name)
        .getWeights()
        .map((w) => Array.from(w.dataSync()));
    const [frozenBefore, nextBefore] = [layer('hidden_1'), layer('hidden_2')];
    await train(model, xor(64), { ...CONFIG, epochs: 2 });
    expect(layer('hidden_1')).toEqual(frozenBefore);
    expect(layer('hidden_2')).not.toEqual(nextBefore);
    model.dispose();
  });

  it('trains with sparse labels, a sigmoid output and a regression target', async () => {
    const data = xor(48);
    const sparse = buildModel(TOY, { seed: 1 });
    const a = await train(sparse, data, { ...CONFIG, loss: 'sparseCategoricalCrossentropy', epochs: 1 });
    expect(a.history[0]?.acc).toBeGreaterThanOrEqual(0);
    sparse.dispose();

    const binarySpec = updateLayer(TOY, 'output', { units: 1, activation: 'sigmoid' });
    const binary = buildModel(binarySpec, { seed: 1 });
    const b = await train(binary, data, { ...CONFIG, loss: 'binaryCrossentropy', epochs: 1 });
    expect(b.history[0]?.acc).toBeGreaterThanOrEqual(0);
    binary.dispose();

    const regression = buildModel(findTemplate('sine')?.spec as ModelSpec, { seed: 1 });
    const xs = Float32Array.from({ length: 40 }, (_, i) => i / 10);
    const r = await train(
      regression,
      { xTrain: { values: xs, shape: [40, 1] }, yTrain: { values: xs.map(Math.sin), shape: [40, 1] } },
      { ...CONFIG, loss: 'meanSquaredError', epochs: 2, validationSplit: 0.2 },
    );
    expect(Object.keys(r.history[1] ?? {})).not.toContain('acc');
    expect(r.history[1]?.val_loss).toBeGreaterThan(0);
    regression.dispose();
  });

  it('reshapes flat rows into the model input when the sizes agree', async () => {
    const spec: ModelSpec = {
      name: 'image',
      inputShape: [2, 1],
      layers: [
        { id: 'f', name: 'f', kind: 'Flatten', trainable: true },
        {
          id: 'o',
          name: 'o',
          kind: 'Dense',
          units: 2,
          activation: 'softmax',
          useBias: true,
          trainable: true,
        },
      ],
    };
    const model = buildModel(spec, { seed: 1 });
    const result = await train(model, xor(32), { ...CONFIG, epochs: 1 });
    expect(result.epochsRun).toBe(1);
    model.dispose();
  });

  it('explains data that does not fit the model', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const before = tf.memory().numTensors;
    const data = xor(8);
    const wrongWidth: TrainingData = { ...data, xTrain: { values: new Float32Array(24), shape: [8, 3] } };
    expect((await caught(train(model, wrongWidth, CONFIG))).message).toBe(
      "Each example of the training inputs has 3 values but the model takes [2] (2 values); change the model's input shape or pick matching data.",
    );
    const badLabel: TrainingData = {
      ...data,
      yTrain: { values: Float32Array.from([0, 1, 2, 0, 1, 0, 1, 0]), shape: [8] },
    };
    const e = await caught(train(model, badLabel, CONFIG));
    expect(e.code).toBe('train/invalid-config');
    expect(e.message).toBe(
      'Label 2 in row 3 of the training targets is not a class of this model, whose last layer has 2 outputs (classes 0 to 1).',
    );
    const ragged: TrainingData = { ...data, xTrain: { values: new Float32Array(15), shape: [8, 2] } };
    expect((await caught(train(model, ragged, CONFIG))).message).toBe(
      'the training inputs has 15 values but its shape [8, 2] needs 16.',
    );
    const mse = await caught(train(model, data, { ...CONFIG, loss: 'meanSquaredError' }));
    expect(mse.message).toBe(
      'the training targets has 1 value per row but the model outputs [2]; for meanSquaredError they must match.',
    );
    const config = await caught(train(model, data, { ...CONFIG, batchSize: 0 }));
    expect(isGraftError(config, 'train/invalid-config')).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('refuses to train a model that is already training', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const first = train(model, xor(64), CONFIG, {}, { yieldEvery: 0 });
    expect((await caught(train(model, xor(8), CONFIG))).code).toBe('train/busy');
    await first;
    model.dispose();
  });
});
