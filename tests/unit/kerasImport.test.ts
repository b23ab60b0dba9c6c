// Every Keras fixture (tests/fixtures/keras, made by real Keras 3.15 with Keras's own outputs for a seeded
// input) imported through Graft's readers and run by TF.js on the CPU: predictions must equal Keras's own
// within 1e-5; files TF.js cannot run must be refused by layer, class and reason; weights-only files load
// into their base model and then predict what Keras predicted with them.
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { isGraftError } from '../../src/core/errors';
import { hdf5 } from '../../src/formats/hdf5';
import { readKerasFile } from '../../src/ml/kerasFiles';
import { applyWeights, planWeightsInto } from '../../src/ml/kerasWeights';
import {
  byId,
  FIXTURES,
  file,
  importModel,
  kindOf,
  maxDifference,
  predict,
  SEED_DIR,
  type Data,
  type Fixture,
} from './testKeras';

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
