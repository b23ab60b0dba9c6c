/**
 * The hardest split, with real TF.js (CPU) and the real store and bundle code: 2 epochs saved with
 * their optimizer state, the repository exported as a bundle and imported into another browser's empty
 * store, the version checked out there and 2 more epochs continuing it — bit for bit the weights of 4
 * epochs in one run. Afresh in the other browser (the bundle without the state) is a different run.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainConfig } from '../core/model/training';
import type { OptimizerState } from '../core/ports';
import { buildModel } from '../ml/build';
import { materializeModel, snapshotModel } from '../ml/snapshot';
import { TOY, TOY_CONFIG, weightBits, xor } from '../ml/testTraining';
import { train } from '../ml/train';
import { exportBundle, importBundle } from '../storage/bundles';
import { bundleBytes, freshStore } from '../storage/testDb';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const DATA = xor(220);
const CONFIG: TrainConfig = { ...TOY_CONFIG, validationSplit: 0.2, epochs: 2 };

async function straight(): Promise<number[][]> {
  const model = buildModel(TOY, { seed: 3 });
  await train(model, DATA, { ...CONFIG, epochs: 4 }, {}, { yieldEvery: 0 });
  const bits = weightBits(model);
  model.dispose();
  return bits;
}

/** 2 epochs here, a bundle, 2 epochs in another store: with the state carried, or without. */
async function throughBundle(carry: boolean): Promise<number[][]> {
  const here = freshStore();
  const repo = await here.createRepository('resume');
  const first = buildModel(TOY, { seed: 3 });
  const half = await train(first, DATA, CONFIG, {}, { yieldEvery: 0 });
  const saved = await here.commit({
    repoId: repo.id,
    parent: null,
    message: 'two epochs',
    change: 'trained',
    snapshot: await snapshotModel(first),
    provenance: { app: 'graft' },
    ...(carry ? { optimizer: half.optimizer } : {}),
  });
  first.dispose();
  const bundle = await exportBundle(here, { repoId: repo.id, scope: { kind: 'repository' } });
  here.close();

  const there = freshStore();
  await importBundle(there, await bundleBytes(bundle));
  const id = saved.version.id;
  const model = await materializeModel(await there.load(id));
  const state: OptimizerState | null = await there.loadOptimizerState(id);
  expect(state !== null).toBe(carry);
  const rest = await train(model, DATA, CONFIG, {}, { yieldEvery: 0 }, state);
  expect(rest.firstEpoch).toBe(carry ? 2 : 0);
  const bits = weightBits(model);
  model.dispose();
  there.close();
  return bits;
}

describe('training continued in another browser through a bundle', () => {
  it('2 epochs + bundle export/import + 2 epochs = 4 epochs, bit for bit; without the state it differs', async () => {
    const four = await straight();
    expect(await throughBundle(true)).toEqual(four);
    expect(await throughBundle(false)).not.toEqual(four);
  });
});
