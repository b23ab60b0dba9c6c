// Every Keras fixture (tests/fixtures/keras, made by real Keras 3.15 with Keras's own outputs for a seeded
// input) imported through Graft's readers and run by TF.js on the CPU: predictions must equal Keras's own
// within 1e-5; files TF.js cannot run must be refused by layer, class and reason; weights-only files load
// into their base model and then predict what Keras predicted with them.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGraftError } from '../../src/core/errors';
import { tensorBytes } from '../../src/core/ports';
import { hdf5 } from '../../src/formats/hdf5';
import { applyWeights, planWeightsInto, readKerasFile, type KerasFileKind } from '../../src/ml/kerasFiles';
import { materializeModel } from '../../src/ml/snapshot';

const DIR = 'tests/fixtures/keras';
const SEED_DIR = '../shared/fixtures/keras';

interface Data {
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
const byId = new Map(FIXTURES.map((f) => [f.id, f]));

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

function kindOf(path: string): KerasFileKind {
  return path.endsWith('.keras') ? 'keras-v3' : path.endsWith('.safetensors') ? 'safetensors' : 'hdf5';
}

function file(path: string) {
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

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const models = FIXTURES.flatMap((f) =>
  f.expect === 'ok'
    ? (['keras', 'h5'] as const).flatMap((k) => (f.files[k] ? [[f.id, f.files[k]] as const] : []))
    : [],
);

describe('Keras models import with Keras’s own predictions', () => {
  it.each([
    ['seed (shared)', 'seed-model.h5'],
    ['seed (shared)', 'seed-model.keras'],
  ])('%s %s', async (_id, name) => {
    const ref = JSON.parse(readFileSync(join(SEED_DIR, 'reference.json'), 'utf8')) as {
      inputShape: number[];
      input: number[];
      output: number[];
    };
    const model = await importModel(name, SEED_DIR);
    const [y] = await predict(model, [{ shape: ref.inputShape, data: ref.input }]);
    expect(maxDifference(y as Float32Array, ref.output)).toBeLessThan(1e-5);
    model.dispose();
  });

  it.each(models)('%s: %s', async (id, path) => {
    const fixture = byId.get(id) as Fixture;
    const before = tf.memory().numTensors;
    const model = await importModel(path);
    const ys = await predict(model, fixture.inputs);
    expect(ys).toHaveLength(fixture.outputs.length);
    ys.forEach((y, i) =>
      expect(maxDifference(y, (fixture.outputs[i] as Data).data), `output ${i}`).toBeLessThan(1e-5),
    );
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

const refused = FIXTURES.flatMap((f) =>
  f.expect === 'refused'
    ? (['keras', 'h5'] as const).flatMap((k) => (f.files[k] ? [[f.id, f.files[k]] as const] : []))
    : [],
);

describe('what TF.js cannot run is refused by layer, class and reason', () => {
  it.each(refused)('%s: %s', async (id, path) => {
    const fixture = byId.get(id) as Fixture;
    const before = tf.memory().numTensors;
    const error = await importModel(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isGraftError(error, 'import/unsupported-layer'), String(error)).toBe(true);
    if (!isGraftError(error)) return;
    expect(error.data).toMatchObject({
      layer: fixture.refusal?.layer,
      problem: fixture.refusal?.why,
    });
    expect(error.message).toContain(`“${fixture.refusal?.layer}”`);
    expect(tf.memory().numTensors).toBe(before);
  });
});

const weights = FIXTURES.filter((f) => f.files.weights && f.base);

describe('weights-only files load into their model', () => {
  it.each(weights.map((f) => [f.id, f.files.weights as string] as const))('%s: %s', async (id, path) => {
    const fixture = byId.get(id) as Fixture;
    const base = byId.get(fixture.base as string) as Fixture;
    const model = await importModel((base.files.keras ?? base.files.h5) as string);
    const content = await readKerasFile(file(path), hdf5, kindOf(path));
    expect(content.kind).toBe('weights');
    if (content.kind !== 'weights') return;
    const plan = planWeightsInto(model, content.weights);
    expect(plan.keptWeights, 'every weight of the model gets a value').toEqual([]);
    expect(applyWeights(model, content.weights, plan)).toBe(model.weights.length);
    const ys = await predict(model, fixture.inputs);
    ys.forEach((y, i) => expect(maxDifference(y, (fixture.outputs[i] as Data).data)).toBeLessThan(1e-5));
    model.dispose();
  });
});
