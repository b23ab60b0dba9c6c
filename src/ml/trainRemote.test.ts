/**
 * Training through the worker protocol, both ends in this process over a real MessageChannel (structured
 * clone and transfers as between a page and its worker): the same weights, history and callbacks as
 * training in place, Stop, checkpoints, NaN, frozen layers, and the ways a worker can fail.
 */
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { GraftError } from '../core/errors';
import { createLayer, insertLayer, updateLayer } from '../core/model/edit';
import type { EpochLogs, TrainConfig, TrainResult } from '../core/model/training';
import { buildModel } from './build';
import {
  BLOWUP,
  blowupData,
  caught,
  rebuilt,
  stateContents,
  throughBytes,
  TOY,
  TOY_CONFIG,
  values,
  weightBits,
  xor,
} from './testTraining';
import type { OptimizerState, TrainingCallbacks, TrainingData, TrainOutcome } from '../core/ports';
import { train } from './train';
import { serveTraining, TrainingClient, type TrainPort } from './trainRemote';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const CONFIG: TrainConfig = { ...TOY_CONFIG, validationSplit: 0.25 };

const withoutTimes = <R extends TrainResult>(r: R) => ({
  ...r,
  wallTimeMs: 0,
  history: r.history.map((h) => ({ ...h, timeMs: 0 })),
});

const channels: MessageChannel[] = [];
afterEach(() => {
  for (const c of channels.splice(0)) {
    c.port1.close();
    c.port2.close();
  }
});

/** A client and a served "worker" joined by a MessageChannel. */
function connected(): { client: TrainingClient; page: MessagePort } {
  const channel = new MessageChannel();
  channels.push(channel);
  const workerPort = channel.port2 as unknown as TrainPort;
  serveTraining(workerPort);
  return { client: new TrainingClient(channel.port1 as unknown as TrainPort), page: channel.port1 };
}

async function remote(
  client: TrainingClient,
  model: tf.LayersModel,
  data: TrainingData,
  config: TrainConfig,
  callbacks: TrainingCallbacks = {},
  resume: OptimizerState | null = null,
): Promise<TrainOutcome> {
  const outcome = await client.run(model, data, config, callbacks, { yieldEvery: 0 }, resume);
  if ('unavailable' in outcome) throw new Error(`unavailable: ${outcome.unavailable}`);
  return outcome;
}

describe('training in a worker', () => {
  it('ends with the same weights, history and batch reports as training in place', async () => {
    const { client } = connected();
    const data = xor(96);
    const run = async (where: 'here' | 'worker') => {
      const model = buildModel(TOY, { seed: 3 });
      const batches: string[] = [];
      const epochs: number[] = [];
      const callbacks: TrainingCallbacks = {
        onBatch: (e, b, n, logs) => batches.push(`${e}.${b}/${n}:${logs.loss}:${logs.acc}`),
        onEpoch: (e) => {
          epochs.push(e);
        },
      };
      const result =
        where === 'here'
          ? await train(model, data, CONFIG, callbacks, { yieldEvery: 0 })
          : await remote(client, model, data, CONFIG, callbacks);
      const out = { weights: values(model), result: withoutTimes(result), batches, epochs };
      model.dispose();
      return out;
    };
    const here = await run('here');
    const before = tf.memory().numTensors;
    const there = await run('worker');
    expect(there).toEqual(here);
    expect(there.batches).toHaveLength(3 * 5); // 72 training rows in batches of 16
    // The worker's model and everything it made were released; the caller's model was disposed by `run`.
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('sends back only what training changed: a frozen layer keeps its very tensors', async () => {
    const { client } = connected();
    const model = buildModel(updateLayer(TOY, 'hidden_1', { trainable: false }), { seed: 1 });
    const ids = () => model.weights.map((w) => w.read().dataId);
    const frozenBefore = model.getLayer('hidden_1').weights.map((w) => w.read().dataId);
    const before = ids();
    const initial = values(model);
    await remote(client, model, xor(64), CONFIG);
    expect(model.getLayer('hidden_1').weights.map((w) => w.read().dataId)).toEqual(frozenBefore);
    const after = ids();
    expect(after.filter((id, i) => id !== before[i])).toHaveLength(after.length - frozenBefore.length);
    expect(values(model)).not.toEqual(initial);
    model.dispose();
  });

  const bnOf = (m: tf.LayersModel) =>
    m.layers.find((l) => l.getClassName() === 'BatchNormalization') as tf.layers.Layer;

  it('carries BatchNormalization moving statistics and Dropout like training in place', async () => {
    const { client } = connected();
    const spec = insertLayer(
      insertLayer(TOY, createLayer('BatchNormalization', TOY, 1, 'bn'), 1),
      createLayer('Dropout', TOY, 2, 'drop'),
      2,
    );
    const noDropout = updateLayer(spec, 'drop', { rate: 0 });
    const here = buildModel(noDropout, { seed: 5 });
    const there = buildModel(noDropout, { seed: 5 });
    await train(here, xor(64), CONFIG, {}, { yieldEvery: 0 });
    const movingBefore = Array.from(bnOf(there).getWeights()[2]?.dataSync() ?? []);
    await remote(client, there, xor(64), CONFIG);
    expect(values(there)).toEqual(values(here));
    expect(Array.from(bnOf(there).getWeights()[2]?.dataSync() ?? [])).not.toEqual(movingBefore);
    here.dispose();
    there.dispose();
  });

  it('stops at the next batch when asked, keeping what was learned', async () => {
    const { client } = connected();
    const model = buildModel(TOY, { seed: 1 });
    const initial = values(model);
    const seen: number[] = [];
    let stop = false;
    const result = await remote(
      client,
      model,
      xor(320),
      // Node hands a port up to ~1,000 messages before another's: the run must be longer than that.
      { ...CONFIG, epochs: 2000, batchSize: 32, validationSplit: 0 },
      {
        shouldStop: () => stop,
        onBatch: (e, b) => {
          seen.push(e * 100 + b);
          if (seen.length === 3) stop = true;
        },
      },
    );
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBeLessThan(2000);
    expect(values(model)).not.toEqual(initial);
    model.dispose();
  });

  it('gives each checkpoint the weights of its epoch, and waits for it', async () => {
    const { client } = connected();
    const data = xor(64);
    const config = { ...CONFIG, epochs: 4, checkpointEvery: 2 };
    const snapshots = async (where: 'here' | 'worker') => {
      const model = buildModel(TOY, { seed: 2 });
      const seen: { epoch: number; weights: number[][] }[] = [];
      const callbacks: TrainingCallbacks = {
        onCheckpoint: async (epoch) => {
          await new Promise((r) => setTimeout(r, 20));
          seen.push({ epoch, weights: values(model) });
        },
      };
      if (where === 'here') await train(model, data, config, callbacks, { yieldEvery: 0 });
      else await remote(client, model, data, config, callbacks);
      model.dispose();
      return seen;
    };
    const here = await snapshots('here');
    expect(here.map((s) => s.epoch)).toEqual([1, 3]);
    expect(await snapshots('worker')).toEqual(here);
  });

  it('reports a NaN loss with its epoch and batch, leaving the broken weights in the model as in place', async () => {
    const { client } = connected();
    const data = blowupData();
    const config: TrainConfig = {
      ...CONFIG,
      optimizer: 'sgd',
      learningRate: 1e6,
      loss: 'meanSquaredError',
      epochs: 5,
      validationSplit: 0,
    };
    const here = buildModel(BLOWUP, { seed: 1 });
    const there = buildModel(BLOWUP, { seed: 1 });
    const local = await caught(train(here, data, config, {}, { yieldEvery: 0 }));
    const error = await caught(remote(client, there, data, config));
    expect(error).toBeInstanceOf(GraftError);
    expect(error.code).toBe('train/nan-loss');
    expect(error.message).toBe(local.message);
    expect({ ...error.data, history: [] }).toEqual({ ...local.data, history: [] });
    expect(values(there)).toEqual(values(here));
    here.dispose();
    there.dispose();
  });

  it('passes a refusal through as the same GraftError, and changes nothing', async () => {
    const { client } = connected();
    const model = buildModel(TOY, { seed: 1 });
    const initial = values(model);
    const bad: TrainingData = {
      xTrain: { values: new Float32Array(30), shape: [10, 3] },
      yTrain: xor(10).yTrain,
    };
    const local = await caught(train(buildModel(TOY, { seed: 1 }), bad, CONFIG));
    const error = await caught(remote(client, model, bad, CONFIG));
    expect([error.code, error.message]).toEqual([local.code, local.message]);
    expect(values(model)).toEqual(initial);
    model.dispose();
  });

  it('refuses a second run of a model that is already training', async () => {
    const { client } = connected();
    const model = buildModel(TOY, { seed: 1 });
    const first = remote(client, model, xor(64), CONFIG);
    expect((await caught(remote(client, model, xor(64), CONFIG))).code).toBe('train/busy');
    await first;
    model.dispose();
  });

  it('says "unavailable" without training when the worker cannot start the backend', async () => {
    const channel = new MessageChannel();
    channels.push(channel);
    serveTraining(channel.port2 as unknown as TrainPort);
    const reply = new Promise<unknown>((resolve) => {
      channel.port1.onmessage = (e) => resolve(e.data);
    });
    channel.port1.postMessage({
      type: 'train',
      id: 1,
      backend: 'no-such-backend',
      topology: {},
      weights: [],
      data: xor(8),
      config: CONFIG,
      options: {},
    });
    expect(await reply).toMatchObject({ type: 'failed', id: 1, unavailable: true, weights: null });
  });

  it('comes back unavailable when the worker dies before answering, and fails a run it had started', async () => {
    // A "worker" that never answers: the client is told it failed to load.
    const silent = new MessageChannel();
    channels.push(silent);
    const client = new TrainingClient(silent.port1 as unknown as TrainPort);
    const model = buildModel(TOY, { seed: 1 });
    const initial = values(model);
    const pending = client.run(model, xor(32), CONFIG);
    await new Promise((r) => setTimeout(r, 10));
    const lost = new GraftError('error.train/worker-failed');
    client.fail(lost);
    expect(await pending).toEqual({ unavailable: 'worker' });
    expect(values(model)).toEqual(initial);

    // A worker that answered with progress, then died.
    const { client: live, page } = connected();
    let failedOnce = false;
    const started = live.run(
      model,
      xor(640),
      { ...CONFIG, epochs: 50 },
      {
        onBatch: () => {
          if (failedOnce) return;
          failedOnce = true;
          live.fail(lost);
        },
      },
    );
    await expect(started).rejects.toBe(lost);
    // This "worker" lives on (a real one is terminated): stop its run so it does not outlast the test.
    page.postMessage({ type: 'stop', id: 1 });
    await new Promise((r) => setTimeout(r, 50));
    model.dispose();
  });

  it('keeps the epoch logs the page receives identical to the result', async () => {
    const { client } = connected();
    const model = buildModel(TOY, { seed: 4 });
    const epochs: EpochLogs[] = [];
    const result = await remote(client, model, xor(64), CONFIG, {
      onEpoch: (_, logs) => {
        epochs.push(logs);
      },
    });
    expect(epochs).toEqual(result.history);
    model.dispose();
  });
  it('continues an optimizer state there as in place, bringing back the final state and each checkpoint’s', async () => {
    const { client } = connected();
    const data = xor(96);
    const config = { ...CONFIG, epochs: 2, checkpointEvery: 1 };
    const first = buildModel(TOY, { seed: 3 });
    const half = await train(first, data, config, {}, { yieldEvery: 0 });
    const resume = await throughBytes(half.optimizer);
    const kept = await stateContents(resume);
    const continued = async (where: 'here' | 'worker') => {
      const model = await rebuilt(first);
      const checkpoints: unknown[] = [];
      const epochs: number[] = [];
      const callbacks: TrainingCallbacks = {
        onEpoch: (e) => {
          epochs.push(e);
        },
        onCheckpoint: async (e, logs, optimizer) => {
          checkpoints.push({ e, epoch: logs.epoch, state: await stateContents(optimizer) });
        },
      };
      const outcome =
        where === 'here'
          ? await train(model, data, config, callbacks, { yieldEvery: 0 }, resume)
          : await remote(client, model, data, config, callbacks, resume);
      const out = {
        weights: weightBits(model),
        result: withoutTimes(outcome),
        state: await stateContents(outcome.optimizer),
        checkpoints,
        epochs,
      };
      model.dispose();
      return out;
    };
    const here = await continued('here');
    expect(here.result.firstEpoch).toBe(2);
    expect(here.epochs).toEqual([2, 3]);
    expect(here.state.meta).toMatchObject({ epochs: 4, iterations: 20 });
    expect(here.checkpoints).toHaveLength(2);
    const there = await continued('worker');
    expect(there).toEqual(here);
    // The caller's state went as a copy: it is whole and unchanged.
    expect(await stateContents(resume)).toEqual(kept);
    first.dispose();
  });

  it('sends a state whose tensors are read on demand, as a stored one may be', async () => {
    const { client } = connected();
    const data = xor(64);
    const model = buildModel(TOY, { seed: 3 });
    const half = await train(model, data, CONFIG, {}, { yieldEvery: 0 });
    const lazy: OptimizerState = {
      ...half.optimizer,
      tensors: half.optimizer.tensors.map(({ data: bytes, ...t }) => ({
        ...t,
        read: () => Promise.resolve((bytes as Uint8Array<ArrayBuffer>).slice()),
        onHashed: () => undefined,
      })),
    };
    const here = await rebuilt(model);
    const there = await rebuilt(model);
    const a = await train(here, data, CONFIG, {}, { yieldEvery: 0 }, half.optimizer);
    const b = await remote(client, there, data, CONFIG, {}, lazy);
    expect(weightBits(there)).toEqual(weightBits(here));
    expect(await stateContents(b.optimizer)).toEqual(await stateContents(a.optimizer));
    for (const m of [model, here, there]) m.dispose();
  });
});
