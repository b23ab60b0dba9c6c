// Commit → checkout through the real store (fake-indexeddb) and the real TF.js runtime (CPU backend).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSeedModel } from '../../src/ml/testModels';
import { materializeModel, snapshotModel } from '../../src/ml/snapshot';
import { freshStore } from '../../src/storage/testDb';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

async function predict(model: tf.LayersModel, input: tf.Tensor): Promise<Float32Array> {
  const out = model.predict(input) as tf.Tensor;
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}

describe('a model committed and checked out', () => {
  it('predicts bit-identically, reads only changed weights on the next save, and leaks no tensors', async () => {
    const store = freshStore();
    const repo = await store.createRepository('Seed');
    const model = createSeedModel(7);
    const input = tf.randomNormal([5, 100], 0, 1, 'float32', 3);
    const expected = await predict(model, input);

    const first = await store.commit({
      repoId: repo.id,
      parent: null,
      message: 'seed',
      change: 'created',
      snapshot: await snapshotModel(model),
      provenance: { app: 'graft' },
    });
    expect(first.blobsWritten).toBe(5); // topology + 2 kernels + 2 biases

    // After a save the runtime knows every hash: a snapshot carries them all.
    const again = await snapshotModel(model);
    expect(again.tensors.every((t) => t.hash)).toBe(true);

    // Retrain only the last layer: the next save reads and stores only its weights.
    const [kernel, bias] = model.layers[1]!.getWeights();
    const newKernel = tf.add(kernel!, 0.5);
    model.layers[1]!.setWeights([newKernel, bias!]);
    newKernel.dispose(); // getWeights returns the variables themselves: only the new tensor is ours
    const afterEdit = await snapshotModel(model);
    // The bias was written back unchanged (same TF.js data), so only the kernel is unknown.
    expect(afterEdit.tensors.filter((t) => !t.hash).map((t) => t.name)).toEqual([
      model.layers[1]!.weights[0]!.originalName,
    ]);
    const second = await store.commit({
      repoId: repo.id,
      parent: first.version.id,
      message: 'last layer',
      change: 'trained',
      snapshot: afterEdit,
      provenance: { app: 'graft' },
    });
    expect(second.blobsWritten).toBe(1); // the bias did not change, so it is the same blob
    expect(second.bytesWritten).toBe(64 * 10 * 4);
    const edited = await predict(model, input);

    const tensorsBefore = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const a = await materializeModel(await store.load(first.version.id));
      expect(await predict(a, input)).toEqual(expected);
      a.dispose();
      const b = await materializeModel(await store.load(second.version.id));
      expect(await predict(b, input)).toEqual(edited);
      b.dispose();
    }
    expect(tf.memory().numTensors).toBe(tensorsBefore);

    // A checked-out model knows its hashes too, so saving it unchanged reads nothing.
    const checkedOut = await materializeModel(await store.load(second.version.id));
    expect((await snapshotModel(checkedOut)).tensors.every((t) => t.hash)).toBe(true);
    checkedOut.dispose();
    model.dispose();
    input.dispose();
  });
});
