import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensorBytes } from '../core/ports';
import { materializeModel, snapshotModel, summarize } from './snapshot';
import { twoInTwoOutLstm } from './testModels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('summarize', () => {
  it('records every input and output of a model with several', () => {
    const model = twoInTwoOutLstm();
    expect(summarize(model)).toEqual({
      className: 'Model',
      layerCount: 7,
      paramCount: model.countParams(),
      inputShape: [null, null, 81],
      outputShape: [null, 3],
      inputShapes: [
        [null, null, 81],
        [null, 4],
      ],
      outputShapes: [
        [null, 3],
        [null, 1],
      ],
    });
    model.dispose();
  });

  it('keeps the summary of a one-input, one-output model as it always was', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 2 })] });
    expect(summarize(model)).toEqual({
      className: 'Sequential',
      layerCount: 1,
      paramCount: 12,
      inputShape: [null, 5],
      outputShape: [null, 2],
    });
    model.dispose();
  });
});

describe('materializeModel', () => {
  const model = () => {
    const m = tf.sequential();
    m.add(tf.layers.dense({ units: 3, inputShape: [4], name: 'a', kernelInitializer: 'glorotUniform' }));
    m.add(tf.layers.batchNormalization({ name: 'bn' }));
    m.add(tf.layers.dense({ units: 2, name: 'b', kernelInitializer: 'glorotUniform' }));
    return m;
  };
  const loadedOf = async (m: tf.LayersModel) => {
    const snap = await snapshotModel(m);
    return {
      topology: snap.topology,
      tensors: await Promise.all(
        snap.tensors.map(async (t) => ({
          entry: { name: t.name, shape: [...t.shape], dtype: t.dtype },
          data: (await tensorBytes(t)).slice().buffer,
        })),
      ),
    };
  };

  it('predicts as the model it was saved from, with the same topology, its weights the loaded buffers', async () => {
    const original = model();
    const loaded = await loadedOf(original);
    const rebuilt = await materializeModel(loaded);
    const x = tf.tensor2d([[1, -2, 3, 0.5]]);
    expect(Array.from((rebuilt.predict(x) as tf.Tensor).dataSync())).toEqual(
      Array.from((original.predict(x) as tf.Tensor).dataSync()),
    );
    expect(rebuilt.toJSON(null, false)).toEqual(original.toJSON(null, false));
    // No copy: each weight's storage is the buffer that was read (the CPU backend keeps it as given).
    for (const [i, w] of rebuilt.weights.entries())
      expect(((await w.read().data()) as Float32Array).buffer).toBe(loaded.tensors[i]?.data);
    // TF.js's loader is left as it was found.
    expect(Object.prototype.hasOwnProperty.call(tf.LayersModel.prototype, 'loadWeights')).toBe(false);
    x.dispose();
    original.dispose();
    rebuilt.dispose();
  });

  it('gives weights with the same bytes storage of their own, and refuses weights that do not fit', async () => {
    const original = model();
    const loaded = await loadedOf(original);
    // Moving mean (zeros) and beta (zeros) are equal bytes; a store hands them over as one buffer.
    const shared = loaded.tensors.map((t) => ({ ...t }));
    const beta = shared.findIndex((t) => t.entry.name.endsWith('beta'));
    const mean = shared.findIndex((t) => t.entry.name.endsWith('moving_mean'));
    (shared[mean] as { data: ArrayBuffer }).data = (shared[beta] as { data: ArrayBuffer }).data;
    const rebuilt = await materializeModel({ topology: loaded.topology, tensors: shared });
    const storage = await Promise.all(
      rebuilt.weights.map(async (w) => ((await w.read().data()) as Float32Array).buffer),
    );
    expect(new Set(storage).size).toBe(storage.length);
    rebuilt.dispose();

    const short = loaded.tensors.map((t, i) => (i === 0 ? { ...t, data: t.data.slice(0, 8) } : t));
    await expect(materializeModel({ topology: loaded.topology, tensors: short })).rejects.toMatchObject({
      code: 'ml/model-invalid',
    });
    const missing = loaded.tensors.slice(1);
    await expect(materializeModel({ topology: loaded.topology, tensors: missing })).rejects.toMatchObject({
      code: 'ml/model-invalid',
    });
    expect(Object.prototype.hasOwnProperty.call(tf.LayersModel.prototype, 'loadWeights')).toBe(false);
    // Other loads meanwhile are not touched: TF.js's own loader still checks every weight.
    await expect(
      tf.loadLayersModel(
        tf.io.fromMemory({
          modelTopology: loaded.topology as object,
          weightSpecs: [],
          weightData: new ArrayBuffer(0),
        }),
      ),
    ).rejects.toThrow(/not set/);
    original.dispose();
  });
});
