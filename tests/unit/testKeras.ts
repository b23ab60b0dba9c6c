// The Keras fixtures (tests/fixtures/keras/manifest.json) and how the tests read and run them.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tensorBytes } from '../../src/core/ports';
import { hdf5 } from '../../src/formats/hdf5';
import { readKerasFile, type KerasFileKind } from '../../src/ml/kerasFiles';
import { materializeModel } from '../../src/ml/snapshot';

export const DIR = 'tests/fixtures/keras';
export const SEED_DIR = 'tests/fixtures/keras/seed';

export interface Data {
  readonly name?: string;
  readonly shape: number[];
  readonly dtype?: 'float32' | 'int32';
  readonly data: number[];
}

export interface Fixture {
  readonly id: string;
  readonly files: { keras?: string | null; h5?: string | null; weights?: string | null };
  readonly expect: 'ok' | 'refused';
  readonly refusal?: { layer: string; className: string; why: string };
  readonly base?: string;
  readonly inputs: Data[];
  readonly outputs: Data[];
}

export const FIXTURES = JSON.parse(readFileSync(join(DIR, 'manifest.json'), 'utf8')) as Fixture[];
export const byId = new Map(FIXTURES.map((f) => [f.id, f]));

/** Largest difference, relative for values far from zero (softmax outputs, big activations). */
export function maxDifference(got: ArrayLike<number>, want: readonly number[]): number {
  let worst = 0;
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as number;
    const diff = Math.abs((got[i] as number) - w) / Math.max(1, Math.abs(w));
    worst = Math.max(worst, Number.isNaN(diff) ? Infinity : diff);
  }
  return got.length === want.length ? worst : Infinity;
}

export function kindOf(path: string): KerasFileKind {
  return path.endsWith('.keras') ? 'keras-v3' : path.endsWith('.safetensors') ? 'safetensors' : 'hdf5';
}

export function file(path: string) {
  return {
    name: path.slice(path.lastIndexOf('/') + 1),
    bytes: new Uint8Array(readFileSync(join(DIR, path))),
  };
}

export async function importModel(path: string, dir = DIR): Promise<tf.LayersModel> {
  const bytes = new Uint8Array(readFileSync(join(dir, path)));
  const content = await readKerasFile({ name: path, bytes }, hdf5, kindOf(path));
  if (content.kind !== 'model') throw new Error(`${path} is not a whole model`);
  const tensors = await Promise.all(
    content.model.snapshot.tensors.map(async (t) => ({
      entry: t,
      data: (await tensorBytes(t)).slice().buffer,
    })),
  );
  return materializeModel({ topology: content.model.snapshot.topology, tensors });
}

/** Predictions for `inputs`; in a tidy, since TF.js's recurrent layers leak a tensor per call. */
export async function predict(model: tf.LayersModel, inputs: readonly Data[]): Promise<Float32Array[]> {
  const list = tf.tidy(() => {
    const xs = inputs.map((i) => tf.tensor(i.data, i.shape, i.dtype ?? 'float32'));
    const ys = model.predict(xs.length === 1 ? (xs[0] as tf.Tensor) : xs) as tf.Tensor | tf.Tensor[];
    return Array.isArray(ys) ? ys : [ys];
  });
  const out = await Promise.all(list.map(async (y) => (await y.data()) as Float32Array));
  tf.dispose(list);
  return out;
}
