import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../core/json';
import { tensorBytes } from '../core/ports';
import { createLayer, insertLayer, updateLayer } from '../core/model/edit';
import type { ModelSpec } from '../core/model/spec';
import { DIGITS_CNN_SPEC, SEED_SPEC } from '../core/model/templates';
import { specFromTopology } from '../core/model/topology';
import { buildModel } from './build';
import { carryOverWeights } from './carryOver';
import { materializeModel, snapshotModel } from './snapshot';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function layerValues(model: tf.LayersModel, name: string): number[][] {
  const layer = model.layers.find((l) => l.name === name);
  if (!layer) throw new Error(`no layer ${name}`);
  return layer.getWeights().map((w) => Array.from(w.dataSync()));
}

/** The seed's edit: a Dense layer inserted before the output. */
function addDense(spec: ModelSpec, units: number): ModelSpec {
  return updateLayer(insertLayer(spec, createLayer('Dense', spec, 1, 'added'), 1), 'added', { units });
}

describe('carryOverWeights', () => {
  it('keeps the exact values of unchanged layers and leaves the new layer as initialised', () => {
    const before = tf.memory().numTensors;
    const oldModel = buildModel(SEED_SPEC, { seed: 1 });
    const newSpec = addDense(SEED_SPEC, 64);
    const newModel = buildModel(newSpec, { seed: 2 });
    const fresh = layerValues(newModel, 'dense_1');

    const report = carryOverWeights(oldModel, newModel, SEED_SPEC, newSpec);

    expect(report).toEqual({
      kept: ['hidden', 'output'],
      initialised: [{ name: 'dense_1', reason: 'new layer' }],
    });
    expect(layerValues(newModel, 'hidden')).toEqual(layerValues(oldModel, 'hidden'));
    expect(layerValues(newModel, 'output')).toEqual(layerValues(oldModel, 'output'));
    expect(layerValues(newModel, 'dense_1')).toEqual(fresh);

    const kept = layerValues(oldModel, 'hidden');
    oldModel.dispose();
    expect(layerValues(newModel, 'hidden')).toEqual(kept);
    newModel.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('initialises a layer whose weights change shape, and says why', () => {
    const oldModel = buildModel(SEED_SPEC, { seed: 1 });
    const newSpec = addDense(SEED_SPEC, 32);
    const newModel = buildModel(newSpec, { seed: 2 });
    const freshOutput = layerValues(newModel, 'output');
    const report = carryOverWeights(oldModel, newModel, SEED_SPEC, newSpec);
    expect(report).toEqual({
      kept: ['hidden'],
      initialised: [
        { name: 'dense_1', reason: 'new layer' },
        { name: 'output', reason: 'kernel changes shape from [64, 10] to [32, 10]' },
      ],
    });
    expect(layerValues(newModel, 'output')).toEqual(freshOutput);
    oldModel.dispose();
    newModel.dispose();
  });

  it('follows a renamed layer and carries BatchNormalization statistics', () => {
    const bn = createLayer('BatchNormalization', SEED_SPEC, 1, 'bn');
    const withBn: ModelSpec = insertLayer(SEED_SPEC, bn, 1);
    const oldModel = buildModel(withBn, { seed: 1 });
    tf.tidy(() => {
      // Training-mode calls move the moving mean and variance away from their 0 and 1 start.
      oldModel.apply(tf.randomNormal([16, 100], 3, 2, 'float32', 5), { training: true });
    });
    const newSpec = updateLayer(withBn, 'bn', { name: 'norm' });
    const newModel = buildModel(newSpec, { seed: 9 });
    const report = carryOverWeights(oldModel, newModel, withBn, newSpec);
    expect(report.kept).toEqual(['hidden', 'norm', 'output']);
    const stats = layerValues(oldModel, 'batch_normalization_1');
    expect(stats[2]?.some((v) => v !== 0)).toBe(true);
    expect(layerValues(newModel, 'norm')).toEqual(stats);
    oldModel.dispose();
    newModel.dispose();
  });

  it('training the new model leaves the old one alone', async () => {
    const oldModel = buildModel(SEED_SPEC, { seed: 1 });
    const newSpec = addDense(SEED_SPEC, 64);
    const newModel = buildModel(newSpec, { seed: 2 });
    carryOverWeights(oldModel, newModel, SEED_SPEC, newSpec);
    const oldValues = layerValues(oldModel, 'hidden');
    newModel.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    await newModel.fit(tf.ones([4, 100]), tf.zeros([4, 10]), { epochs: 1, verbose: 0 });
    expect(layerValues(newModel, 'hidden')).not.toEqual(oldValues);
    expect(layerValues(oldModel, 'hidden')).toEqual(oldValues);
    oldModel.dispose();
    newModel.dispose();
  });

  it('works on a checked-out version edited through its topology', async () => {
    const trained = buildModel(DIGITS_CNN_SPEC, { seed: 4 });
    const snapshot = await snapshotModel(trained);
    const checkedOut = await materializeModel({
      topology: snapshot.topology,
      tensors: await Promise.all(
        snapshot.tensors.map(async (t) => ({ entry: t, data: (await tensorBytes(t)).slice().buffer })),
      ),
    });
    trained.dispose();
    const read = specFromTopology(snapshot.topology as JsonObject);
    if (!read.ok) throw read.error;
    const oldSpec = read.value;
    const newSpec = updateLayer(
      insertLayer(oldSpec, createLayer('Dense', oldSpec, 4, 'hidden'), 4),
      'hidden',
      {
        units: 16,
      },
    );
    const edited = buildModel(newSpec, { seed: 5 });
    const report = carryOverWeights(checkedOut, edited, oldSpec, newSpec);
    expect(report.kept).toEqual(['conv']);
    expect(report.initialised.map((i) => i.name)).toEqual(['dense_1', 'output']);
    expect(layerValues(edited, 'conv')).toEqual(layerValues(checkedOut, 'conv'));
    checkedOut.dispose();
    edited.dispose();
  });

  it('does not copy into a model that differs from its spec', () => {
    const oldModel = buildModel(SEED_SPEC, { seed: 1 });
    const lying = buildModel({ ...SEED_SPEC, inputShape: [50] }, { seed: 1 });
    const report = carryOverWeights(lying, buildModel(SEED_SPEC, { seed: 3 }), SEED_SPEC, SEED_SPEC);
    expect(report.kept).toEqual(['output']);
    expect(report.initialised).toEqual([
      { name: 'hidden', reason: 'its weights in the previous model ([50, 64], [64]) do not fit' },
    ]);
    oldModel.dispose();
    lying.dispose();
  });
});
