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
import { writeKerasFile } from '../../src/ml/kerasFiles';
import { snapshotModel } from '../../src/ml/snapshot';
import { FIXTURES, importModel, maxDifference, predict } from './kerasFixtures';

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
const dir = mkdtempSync(join(tmpdir(), 'graft-keras-'));
const results = new Map<string, CheckResult>();
const graftOutputs = new Map<string, Float32Array[]>();
let report = '';

beforeAll(async () => {
  await tf.setBackend('cpu');
  const python = kerasPython();
  for (const f of exported) {
    const model = await importModel((f.files.keras ?? f.files.h5) as string);
    const outputs = await predict(model, f.inputs);
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
        inputs: f.inputs,
        outputs: outputs.map((y, i) => ({ shape: f.outputs[i]?.shape, data: Array.from(y) })),
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
