import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGraftError } from '../core/errors';
import type { JsonObject } from '../core/json';
import { analyzeSpec } from '../core/model/analyze';
import type { LayerSpec, ModelSpec } from '../core/model/spec';
import { DIGITS_CNN_SPEC, MODEL_TEMPLATES, SEED_SPEC } from '../core/model/templates';
import { specFromTopology } from '../core/model/topology';
import { buildModel } from './build';
import { createSeedModel } from './testModels';
import { snapshotModel } from './snapshot';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const base = { trainable: true } as const;
/** One of every layer kind and option that changes shapes, in stacks TF.js accepts. */
const KITCHEN_SINK: ModelSpec = {
  name: 'kitchen_sink',
  inputShape: [50],
  layers: [
    { ...base, id: 'r', name: 'r', kind: 'Reshape', targetShape: [5, 10, 1] },
    {
      ...base,
      id: 'c1',
      name: 'c1',
      kind: 'Conv2D',
      filters: 4,
      kernelSize: [2, 3],
      strides: [1, 2],
      padding: 'same',
      activation: 'relu',
      useBias: true,
    },
    {
      ...base,
      id: 'c2',
      name: 'c2',
      kind: 'Conv2D',
      filters: 3,
      kernelSize: [2, 2],
      strides: [1, 1],
      padding: 'valid',
      activation: 'linear',
      useBias: false,
    },
    { ...base, id: 'p', name: 'p', kind: 'MaxPooling2D', poolSize: [2, 2], strides: [1, 2], padding: 'same' },
    { ...base, id: 'bn', name: 'bn', kind: 'BatchNormalization', momentum: 0.9, epsilon: 0.001 },
    { ...base, id: 'f', name: 'f', kind: 'Flatten' },
    { ...base, id: 'd', name: 'd', kind: 'Dropout', rate: 0.3 },
    { ...base, id: 'h', name: 'h', kind: 'Dense', units: 12, activation: 'tanh', useBias: false },
    { ...base, id: 'r2', name: 'r2', kind: 'Reshape', targetShape: [3, 4] },
    {
      ...base,
      id: 'l1',
      name: 'l1',
      kind: 'LSTM',
      units: 5,
      activation: 'tanh',
      recurrentActivation: 'sigmoid',
      returnSequences: true,
      useBias: true,
    },
    { ...base, id: 'seqdense', name: 'seqdense', kind: 'Dense', units: 2, activation: 'relu', useBias: true },
    {
      ...base,
      id: 'l2',
      name: 'l2',
      kind: 'LSTM',
      units: 4,
      activation: 'tanh',
      recurrentActivation: 'hardSigmoid',
      returnSequences: false,
      useBias: false,
      trainable: false,
    },
    { ...base, id: 'out', name: 'out', kind: 'Dense', units: 3, activation: 'softmax', useBias: true },
  ] as LayerSpec[],
};

function weightValues(model: tf.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('shape inference and parameter counts agree with TF.js', () => {
  for (const spec of [KITCHEN_SINK, ...MODEL_TEMPLATES.map((t) => t.spec)]) {
    it(spec.name, () => {
      const analysis = analyzeSpec(spec);
      expect(analysis.problems).toEqual([]);
      const model = buildModel(spec, { seed: 1 });
      try {
        expect(model.layers.map((l) => l.name)).toEqual(spec.layers.map((l) => l.name));
        model.layers.forEach((layer, i) => {
          const a = analysis.layers[i];
          expect(layer.outputShape, layer.name).toEqual([null, ...(a?.outputShape ?? [])]);
          expect(layer.countParams(), layer.name).toBe(a?.params);
          expect(
            layer.weights.map((w) => [w.originalName, w.shape]),
            layer.name,
          ).toEqual(a?.weights?.map((w) => [`${layer.name}/${w.name}`, w.shape]));
          const trainable = layer.trainableWeights.reduce(
            (n, w) => n + (w.shape as number[]).reduce((p, d) => p * d, 1),
            0,
          );
          expect(trainable, layer.name).toBe(a?.trainableParams);
        });
        expect(model.countParams()).toBe(analysis.totalParams);
      } finally {
        model.dispose();
      }
    });
  }

  it('TF.js refuses what validation refuses', () => {
    // Each of these stacks gets a problem from validateSpec; building them in TF.js directly must fail too.
    const attempts: (() => tf.layers.Layer[])[] = [
      () => [tf.layers.conv2d({ inputShape: [64], filters: 2, kernelSize: 3 })],
      () => [tf.layers.flatten({ inputShape: [5] })],
      () => [tf.layers.lstm({ inputShape: [12], units: 2 })],
    ];
    for (const layers of attempts) {
      expect(() => {
        const m = tf.sequential();
        for (const l of layers()) m.add(l);
      }).toThrow();
    }
  });

  it('TF.js builds a Reshape that loses values but fails on the first batch, which validation catches earlier', () => {
    const m = tf.sequential({ layers: [tf.layers.reshape({ inputShape: [64], targetShape: [8, 8, 2] })] });
    expect(() => m.predict(tf.zeros([1, 64]))).toThrow();
    m.dispose();
  });
});

describe('buildModel', () => {
  it('is deterministic given the seed, and the seed matters', () => {
    const a = buildModel(KITCHEN_SINK, { seed: 7 });
    const b = buildModel(KITCHEN_SINK, { seed: 7 });
    const c = buildModel(KITCHEN_SINK, { seed: 8 });
    try {
      expect(weightValues(a)).toEqual(weightValues(b));
      expect(weightValues(a)[0]).not.toEqual(weightValues(c)[0]);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  it('rebuilds the seed model bit for bit from the seed template', () => {
    const fromSpec = buildModel(SEED_SPEC, { seed: 42 });
    const original = createSeedModel(42);
    try {
      expect(weightValues(fromSpec)).toEqual(weightValues(original));
      expect(fromSpec.name).toBe('seed_mlp');
    } finally {
      fromSpec.dispose();
      original.dispose();
    }
  });

  it('freezes layers marked not trainable', () => {
    const frozen = {
      ...SEED_SPEC,
      layers: SEED_SPEC.layers.map((l, i) => (i === 0 ? { ...l, trainable: false } : l)),
    };
    const model = buildModel(frozen, { seed: 1 });
    expect(model.layers.map((l) => l.trainable)).toEqual([false, true]);
    expect(model.trainableWeights.map((w) => w.originalName)).toEqual(['output/kernel', 'output/bias']);
    model.dispose();
  });

  it('refuses an invalid spec with the problem, before TF.js sees it', () => {
    const before = tf.memory().numTensors;
    try {
      buildModel({ ...DIGITS_CNN_SPEC, layers: DIGITS_CNN_SPEC.layers.slice(1) }, { seed: 1 });
      expect.unreachable();
    } catch (e) {
      expect(isGraftError(e, 'model/invalid-stack')).toBe(true);
      expect((e as Error).message).toBe(
        'Layer 1 (Conv2D): needs a 3-D input [height, width, channels] but gets [64]; add a Reshape first',
      );
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('accepts a model name a person would type', () => {
    const model = buildModel({ ...SEED_SPEC, name: 'My iris model (v2)' }, { seed: 1 });
    expect(model.name).toBe('My iris model (v2)');
    model.dispose();
  });

  it('works out a -1 in a Reshape, so the layers after it can build', () => {
    const spec: ModelSpec = {
      name: 'minus_one',
      inputShape: [50],
      layers: [
        { ...base, id: 'r', name: 'r', kind: 'Reshape', targetShape: [5, -1] },
        { ...base, id: 'f', name: 'f', kind: 'Flatten' },
        { ...base, id: 'o', name: 'o', kind: 'Dense', units: 2, activation: 'linear', useBias: true },
      ],
    };
    const model = buildModel(spec, { seed: 1 });
    expect(model.layers[0]?.outputShape).toEqual([null, 5, 10]);
    expect(model.countParams()).toBe(102);
    model.dispose();
  });

  it('round-trips through the saved topology into the same spec', async () => {
    const model = buildModel(KITCHEN_SINK, { seed: 3 });
    const snapshot = await snapshotModel(model);
    const read = specFromTopology(snapshot.topology as JsonObject);
    model.dispose();
    expect(read).toEqual({ ok: true, value: KITCHEN_SINK });
  });
});
