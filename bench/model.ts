// The storage and bundle figures' model, about 64 MiB of float32 weights, and committing it as the app does.
import * as tf from '@tensorflow/tfjs';
import type { VersionId } from '../src/core/hashing';
import { mulberry32 } from '../src/core/random';
import type { RepoId } from '../src/core/versions/types';
import { snapshotModel } from '../src/ml/snapshot';
import type { DexieVersionStore } from '../src/storage/DexieVersionStore';

// 2048 → 4 × Dense 2048 → Dense 10: 4 × 2048² = 16,777,216 kernel floats (64 MiB) plus a 80 KiB head.
export const INPUTS = 2048;
export const HIDDEN = [2048, 2048, 2048, 2048] as const;
export const OUTPUTS = 10;

export function buildModel(): tf.LayersModel {
  return denseStack('bench_mlp', INPUTS, HIDDEN, OUTPUTS);
}

/** Dense ReLU layers of `hidden` units on `inputs` features, then a softmax head; zero-initialised (fast). */
export function denseStack(
  name: string,
  inputs: number,
  hidden: readonly number[],
  outputs: number,
): tf.LayersModel {
  const model = tf.sequential({ name });
  hidden.forEach((units, i) =>
    model.add(
      tf.layers.dense({
        name: `dense_${i}`,
        units,
        activation: 'relu',
        kernelInitializer: 'zeros',
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    ),
  );
  model.add(
    tf.layers.dense({ name: 'head', units: outputs, activation: 'softmax', kernelInitializer: 'zeros' }),
  );
  return model;
}

export const rng = mulberry32(2024);

/** New random weights for one layer, straight from Float32Arrays (initialisers are slow on big kernels). */
export function randomizeLayer(layer: tf.layers.Layer): void {
  const fresh = layer.weights.map((w) => {
    const shape = w.shape as number[];
    const size = shape.reduce((n, d) => n * d, 1);
    const scale = 1 / Math.sqrt(shape.length > 1 ? (shape[0] as number) : 1);
    const values = new Float32Array(size);
    for (let i = 0; i < size; i++) values[i] = (rng() * 2 - 1) * scale;
    return tf.tensor(values, shape, 'float32');
  });
  layer.setWeights(fresh);
  tf.dispose(fresh);
}

/** A save of `model`, as the app makes one: a base version, or a training step on `parent`. */
export async function commitModel(
  store: DexieVersionStore,
  repoId: RepoId,
  parent: VersionId | null,
  model: tf.LayersModel,
): ReturnType<DexieVersionStore['commit']> {
  return store.commit({
    repoId,
    parent,
    message: parent ? 'new head' : 'base',
    change: parent ? 'trained' : 'created',
    snapshot: await snapshotModel(model),
    provenance: { app: 'graft' },
  });
}
