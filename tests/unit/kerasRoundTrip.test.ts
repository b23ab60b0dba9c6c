// The round trip through real Keras: every Keras fixture is imported by Graft, run by TF.js, exported as
// `.keras` and `.safetensors`, and then Python — Keras 3 on the JAX CPU backend and the `safetensors`
// package, from the environment scripts/keras-env.mjs makes — loads each file and checks it: the same
// predictions within 1e-5, the same layer names and frozen flags, every tensor bit for bit, and the
// metadata. Nothing is skipped: without that Python the test fails (the environment is part of `npm test`).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorBytes } from '../../src/core/ports';
import { versionSafetensors } from '../../src/core/keras/safetensors';
import { hdf5 } from '../../src/formats/hdf5';
import { writeKerasFile } from '../../src/ml/kerasWrite';
import { buildModel } from '../../src/ml/build';
import { createLayer, insertLayer } from '../../src/core/model/edit';
import { MODEL_TEMPLATES } from '../../src/core/model/templates';
import type { ModelSpec } from '../../src/core/model/spec';
import { snapshotModel } from '../../src/ml/snapshot';
import { FIXTURES, importModel, maxDifference, predict, type Data } from './testKeras';

interface CheckResult {
  readonly id: string;
  readonly ok: boolean;
  readonly problems: readonly string[];
  readonly maxDiff: number | null;
  readonly checked: readonly string[];
}

/** Python with Keras 3 (JAX), h5py and safetensors: made once, cached (scripts/keras-env.mjs). */
function kerasPython(): string {
  const r = spawnSync(process.execPath, ['scripts/keras-env.mjs'], { encoding: 'utf8' });
  if (r.status !== 0)
    throw new Error(`scripts/keras-env.mjs could not make the Keras environment:\n${r.stderr}`);
  const lines = r.stdout.trim().split('\n');
  return lines[lines.length - 1] as string;
}

const exported = FIXTURES.filter((f) => f.expect === 'ok' && (f.files.keras || f.files.h5));

/** Models made in Graft itself: every template, and one with an LSTM added in the layer editor. */
function graftModels(): { id: string; spec: ModelSpec }[] {
  const sequence: ModelSpec = { name: 'sequence', inputShape: [6, 3], layers: [] };
  const withLstm = insertLayer(sequence, createLayer('LSTM', sequence, 0, 'lstm'));
  const withHead = insertLayer(withLstm, createLayer('Dense', withLstm, 1, 'head'));
  return [
    ...MODEL_TEMPLATES.map((t) => ({ id: `template_${t.id}`, spec: t.spec })),
    { id: 'editor_lstm', spec: withHead },
  ];
}

/** Seeded inputs for a model Graft built: values in [-1, 1] for each input shape. */
function inputsFor(model: tf.LayersModel) {
  return model.inputs.map((input, i) => {
    const shape = [2, ...input.shape.slice(1).map((d) => d ?? 4)];
    return {
      name: input.name,
      shape,
      dtype: 'float32' as const,
      data: Array.from(tf.tidy(() => tf.randomUniform(shape, -1, 1, 'float32', 7 + i).dataSync())),
    };
  });
}
const dir = mkdtempSync(join(tmpdir(), 'graft-keras-'));
const results = new Map<string, CheckResult>();
const graftOutputs = new Map<string, Float32Array[]>();
let report = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  const python = kerasPython();
  const models: { id: string; model: () => Promise<tf.LayersModel>; inputs?: Data[]; outputs?: Data[] }[] = [
    ...exported.map((f) => ({
      id: f.id,
      model: () => importModel((f.files.keras ?? f.files.h5) as string),
      inputs: f.inputs,
      outputs: f.outputs,
    })),
    ...graftModels().map((g) => ({ id: g.id, model: async () => buildModel(g.spec, { seed: 42 }) })),
  ];
  for (const f of models) {
    const model = await f.model();
    const inputs = f.inputs ?? inputsFor(model);
    const outputs = await predict(model, inputs);
    graftOutputs.set(f.id, outputs);
    const snapshot = await snapshotModel(model);
    const tensors = await Promise.all(
      snapshot.tensors.map(async (t) => ({ entry: t, data: (await tensorBytes(t)).slice() })),
    );
    const versionId = createHash('sha256').update(f.id).digest('hex');
    const topologyHash = createHash('sha256').update(JSON.stringify(snapshot.topology)).digest('hex');
    writeFileSync(
      join(dir, `${f.id}.keras`),
      await writeKerasFile(model, hdf5, {
        graftVersionId: versionId,
        savedAt: new Date('2026-12-06T00:00:00Z'),
      }),
    );
    writeFileSync(
      join(dir, `${f.id}.safetensors`),
      versionSafetensors({ version: { id: versionId, topologyHash }, tensors }),
    );
    writeFileSync(
      join(dir, `${f.id}.expect.json`),
      JSON.stringify({
        id: f.id,
        inputs,
        outputs: outputs.map((y, i) => ({
          shape: f.outputs?.[i]?.shape ?? [
            inputs[0]?.shape[0] ?? 1,
            ...(model.outputs[i]?.shape.slice(1) ?? []),
          ],
          data: Array.from(y),
        })),
        // Input layers are not layers in Keras's sense (a Sequential does not list them).
        layers: model.layers
          .filter((l) => l.getClassName() !== 'InputLayer')
          .map((l) => ({ name: l.name, trainable: l.trainable })),
        tensors: tensors.map((t) => ({
          name: t.entry.name,
          dtype: t.entry.dtype,
          shape: t.entry.shape,
          sha256: createHash('sha256').update(t.data).digest('hex'),
        })),
        metadata: { format: 'tf', 'graft.version': versionId, 'graft.topology': topologyHash },
      }),
    );
    model.dispose();
  }
  const run = spawnSync(python, ['tests/keras/check_export.py', dir], {
    encoding: 'utf8',
    env: { ...process.env, KERAS_BACKEND: 'jax', TF_CPP_MIN_LOG_LEVEL: '3' },
    maxBuffer: 64 * 1024 * 1024,
  });
  report = `${run.stdout}\n${run.stderr.slice(-4000)}`;
  if (run.status !== 0 && run.status !== 1) throw new Error(`check_export.py failed to run:\n${report}`);
  const parsed = JSON.parse(run.stdout) as { results: CheckResult[] };
  for (const r of parsed.results) results.set(r.id, r);
}, 20 * 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('every model Graft makes goes back to Keras', () => {
  it.each(graftModels().map((g) => g.id))(
    '%s: Keras loads Graft’s .keras with the same predictions',
    (id) => {
      const r = results.get(id);
      expect(r, report).toBeDefined();
      expect(r?.problems, report).toEqual([]);
      expect(r?.ok).toBe(true);
    },
  );
});

describe('every imported Keras model goes back to Keras', () => {
  it.each(exported.map((f) => f.id))(
    '%s: Keras loads Graft’s .keras and .safetensors with the same predictions and bytes',
    (id) => {
      const fixture = exported.find((f) => f.id === id);
      const graft = graftOutputs.get(id) ?? [];
      // Graft's own predictions are Keras's (the import test), so the round trip is Keras → Graft → Keras.
      graft.forEach((y, i) => expect(maxDifference(y, fixture?.outputs[i]?.data ?? [])).toBeLessThan(1e-5));
      const r = results.get(id);
      expect(r, report).toBeDefined();
      expect(r?.problems, report).toEqual([]);
      expect(r?.checked).toEqual(expect.arrayContaining([`${id}.keras`, `${id}.safetensors`]));
      expect(r?.ok).toBe(true);
    },
  );
});
