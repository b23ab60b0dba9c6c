/**
 * Hostile files: valid bundles (made by the exporter) and TF.js model files (the fixtures, loose and
 * zipped) are mutated many times with a seeded generator. Every case must end in a clean import or a
 * GraftError with a specific code, within a time limit; after each, the database verifies, and after an
 * error it is exactly as it was. GRAFT_FUZZ_SEED=<n> reruns one seed; the seed and counts are printed.
 */
import * as tf from '@tensorflow/tfjs';
import { deflateSync, strToU8, unzipSync, zipSync, type Zippable } from 'fflate';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../../src/core/bundle/limits';
import { MANIFEST_FILE, blobPath, modelCardPath, modelJsonPath } from '../../src/core/bundle/names';
import { isGraftError, type ErrorCode } from '../../src/core/errors';
import { hashBlob, toHex, type VersionId } from '../../src/core/hashing';
import { tinySnapshot } from '../../src/core/testVersions';
import type { Version } from '../../src/core/versions/types';
import { versionIdOf } from '../../src/core/versions/version';
import type { NamedBytes } from '../../src/core/ports';
import { readModelFiles } from '../../src/ml/modelFiles';
import { exportBundle, importBundle } from '../../src/storage/bundles';
import type { DexieVersionStore } from '../../src/storage/DexieVersionStore';
import { bundleBytes, dumpStore, freshStore } from '../../src/storage/testDb';
import { verifyAll } from '../../src/storage/verifyAll';
import { Rng, concat, mutateText, paths, rawZip, withTimeout, type Json, type RawEntry } from './testFuzz';

const SEED = Number(process.env.GRAFT_FUZZ_SEED ?? 20260301) >>> 0;
const BUNDLE_CASES = Number(process.env.GRAFT_FUZZ_BUNDLE_CASES ?? 900);
const MODEL_CASES = Number(process.env.GRAFT_FUZZ_MODEL_CASES ?? 360);
/** A case that takes longer than this is a hang. */
const CASE_TIMEOUT_MS = 10_000;
/** Codes that mean "something escaped": an error nobody anticipated, wrapped at the last moment. */
const UNSPECIFIC: readonly ErrorCode[] = ['internal', 'storage/failed'];

// ---- zips, byte by byte --------------------------------------------------------------------------

const deflatedZeros = new Map<number, Uint8Array>();
function zerosEntry(name: string, size: number): RawEntry {
  if (!deflatedZeros.has(size)) deflatedZeros.set(size, deflateSync(new Uint8Array(size)));
  return {
    name,
    data: new Uint8Array(0),
    body: deflatedZeros.get(size),
    method: 8,
    declaredSize: size,
    crc: 0,
  };
}

/** Where each entry's central and local headers sit in a zip, to patch their fields. */
function headers(zip: Uint8Array): { central: number; local: number }[] {
  const v = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let end = zip.length - 22;
  while (end > 0 && v.getUint32(end, true) !== 0x06054b50) end--;
  const count = v.getUint16(end + 10, true);
  let at = v.getUint32(end + 16, true);
  const out: { central: number; local: number }[] = [];
  for (let i = 0; i < count; i++) {
    out.push({ central: at, local: v.getUint32(at + 42, true) });
    at += 46 + v.getUint16(at + 28, true) + v.getUint16(at + 30, true) + v.getUint16(at + 32, true);
  }
  return out;
}

const LIES = [0, 1, 0x7fffffff, 0xffffffff, LIMITS.maxBlobBytes + 1, 2 ** 31];

/** Byte-level damage any file can suffer in transit or at a hostile hand. */
function mutateZip(rng: Rng, zip: Uint8Array): { bytes: Uint8Array; how: string } {
  const bytes = zip.slice();
  const v = new DataView(bytes.buffer);
  const kind = rng.int(7);
  if (kind === 0) {
    const at = rng.int(bytes.length);
    return { bytes: bytes.slice(0, at), how: `truncate at ${at}` };
  }
  if (kind === 1) {
    const n = 1 + rng.int(8);
    for (let i = 0; i < n; i++) {
      const at = rng.int(bytes.length);
      bytes[at] = (bytes[at] as number) ^ (1 << rng.int(8));
    }
    return { bytes, how: `flip ${n} bits` };
  }
  const hs = headers(bytes);
  const h = rng.pick(hs);
  const lie = rng.chance(0.5) ? rng.pick(LIES) : rng.int(1 << 20);
  if (kind === 2) {
    const field = rng.pick([20, 24]);
    v.setUint32(h.central + field, lie, true);
    return { bytes, how: `central ${field === 20 ? 'compressed' : 'size'} = ${lie}` };
  }
  if (kind === 3) {
    const field = rng.pick([18, 22]);
    v.setUint32(h.local + field, lie, true);
    return { bytes, how: `local ${field === 18 ? 'compressed' : 'size'} = ${lie}` };
  }
  if (kind === 4) {
    const field = rng.pick([28, 30, 32, 42]);
    if (field === 42) v.setUint32(h.central + 42, rng.pick([0, lie, h.local + 1]), true);
    else v.setUint16(h.central + field, rng.int(0x10000), true);
    return { bytes, how: `central field ${field}` };
  }
  if (kind === 5) {
    let end = bytes.length - 22;
    while (end > 0 && v.getUint32(end, true) !== 0x06054b50) end--;
    const field = rng.pick([8, 10, 12, 16, 20]);
    if (field <= 10) v.setUint16(end + field, rng.pick([0, 1, 0xffff, hs.length + 1]), true);
    else if (field === 20) v.setUint16(end + 20, rng.int(0x10000), true);
    else v.setUint32(end + field, rng.pick([0, lie, 0xffffffff]), true);
    return { bytes, how: `end record field ${field}` };
  }
  // A run of bytes overwritten: a block lost on disk.
  const at = rng.int(bytes.length);
  const len = 1 + rng.int(64);
  for (let i = at; i < Math.min(bytes.length, at + len); i++) bytes[i] = rng.chance(0.5) ? 0 : rng.int(256);
  return { bytes, how: `overwrite ${len} bytes at ${at}` };
}

/** Entry-level damage: duplicates, missing and extra files, lying sizes, deflate bombs. */
function mutateEntries(rng: Rng, files: Record<string, Uint8Array>): { bytes: Uint8Array; how: string } {
  const names = Object.keys(files);
  const entries: RawEntry[] = names.map((name) => ({ name, data: files[name] as Uint8Array }));
  const i = rng.int(entries.length);
  const target = entries[i] as RawEntry;
  switch (rng.int(7)) {
    case 0:
      entries.push({ ...target });
      return { bytes: rawZip(entries), how: `duplicate ${target.name}` };
    case 1:
      entries.splice(i, 1);
      return { bytes: rawZip(entries), how: `drop ${target.name}` };
    case 2:
      entries.push({
        name: rng.pick(['extra.bin', 'blobs/x', `${target.name}/`, '../evil', 'a'.repeat(300)]),
        data: strToU8('hi'),
      });
      return { bytes: rawZip(entries), how: 'extra entry' };
    case 3: {
      const lie = rng.pick([target.data.length + 1, Math.max(0, target.data.length - 1), 0, 1 << 30]);
      entries[i] = {
        ...target,
        declaredSize: lie,
        localSize: lie,
        ...(rng.chance(0.5) ? { method: 8 } : {}),
      };
      return { bytes: rawZip(entries), how: `${target.name} declares ${lie} bytes` };
    }
    case 4: {
      entries[i] = { ...target, localSize: target.data.length + 1 + rng.int(100) };
      return { bytes: rawZip(entries), how: `${target.name} local size disagrees` };
    }
    case 5: {
      // A real bomb: zeros deflate about 1000:1.
      const size = rng.pick([1 << 20, 8 << 20, 32 << 20]);
      entries[i] = zerosEntry(target.name, size);
      return { bytes: rawZip(entries), how: `${target.name} replaced by ${size} deflated zeros` };
    }
    default: {
      // A lying bomb: tiny compressed data declaring a huge size.
      entries[i] = { ...target, method: 8, declaredSize: rng.pick([1 << 30, 0x7fffffff, 500 << 20]) };
      return { bytes: rawZip(entries), how: `${target.name} claims a huge inflated size` };
    }
  }
}

// ---- JSON damage ------------------------------------------------------------------------------------

function deep(depth: number): Json {
  let v: Json = 1;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

function weirdValue(rng: Rng, old: Json): Json {
  const candidates: (() => Json)[] = [
    () => null,
    () => true,
    () => -1,
    () => 0,
    () => 0.5,
    () => 1e308,
    () => -1e308,
    () => 2 ** 53 + 2,
    () => 2 ** 31,
    () => 4294967296,
    () => '',
    () => 'x'.repeat(1 + rng.int(200_000)),
    () => '<img src=x onerror=alert(1)>',
    () => '__proto__',
    () => [],
    () => {
      return {};
    },
    () => deep(50 + rng.int(200)),
    () => [old, old],
    () => (typeof old === 'string' ? `${old.slice(0, -1)}${old.endsWith('0') ? '1' : '0'}` : String(old)),
    () => (typeof old === 'number' ? old * 2 + 1 : 7),
    () => (typeof old === 'number' ? -old : -3),
    () => (Array.isArray(old) ? [...old, ...old] : [old]),
    () => (Array.isArray(old) ? old.slice(1) : { value: old }),
    () => rng.pick(['float16', 'int64', 'string', 'complex64', 'uint8', 'int32', 'bool']),
    () => Array.from({ length: 1 + rng.int(9) }, () => rng.pick([0, 1, 2 ** 20, 2 ** 40, -1, null])),
  ];
  return rng.pick(candidates)();
}

function mutateJson(rng: Rng, root: Json): { json: Json; how: string } {
  const copy = structuredClone(root) as Json;
  const all = paths(copy).filter((p) => p.length > 0);
  const path = rng.pick(all);
  let parent = copy as Record<string | number, Json>;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const key = path[path.length - 1] as string | number;
  const op = rng.int(10);
  if (op === 0 && !Array.isArray(parent)) {
    delete parent[key];
    return { json: copy, how: `delete ${path.join('.')}` };
  }
  if (op === 1 && !Array.isArray(parent)) {
    parent[rng.pick(['unknown', 'extra', '__proto__', 'constructor'])] = weirdValue(rng, null);
    return { json: copy, how: `add a key beside ${path.join('.')}` };
  }
  parent[key] = weirdValue(rng, parent[key] as Json);
  return { json: copy, how: `set ${path.join('.')}` };
}

// ---- bundles: valid inputs and consistent re-hashing ----------------------------------------------

let clock = Date.parse('2026-03-01T10:00:00.000Z');
const tick = () => new Date((clock += 60_000)).toISOString();

async function sourceBundles(): Promise<{ name: string; bytes: Uint8Array }[]> {
  const store = freshStore();
  const repo = await store.createRepository('Fuzz “source”');
  const commit = async (parent: VersionId | null, kernel: number[], message: string, branch = 'main') =>
    (
      await store.commit({
        repoId: repo.id,
        branch,
        parent,
        message,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot(kernel, [0.5, -0.5]),
        provenance: { app: 'graft', dataset: { name: 'iris' } },
        metrics: parent ? { loss: 0.25, accuracy: 0.9 } : {},
        createdAt: tick(),
      })
    ).version.id;
  const big = Array.from({ length: 64 }, (_, i) => Math.sin(i));
  const v1 = await commit(null, big, 'first');
  const v2 = await commit(
    v1,
    big.map((x) => x * 2),
    'second',
  );
  await store.setRef(repo.id, 'experiment', 'branch', v1);
  const v3 = await commit(v1, [Number.NaN, ...big.slice(1)], 'has a NaN', 'experiment');
  await store.setRef(repo.id, 'best', 'tag', v2);
  const v4 = await commit(
    v2,
    big.map((x) => x + 1),
    'third',
  );
  await store.rollback(repo.id, v2);
  const out = [
    { name: 'repository', scope: { kind: 'repository' } as const },
    { name: 'branch', scope: { kind: 'branch', name: 'experiment' } as const },
    { name: 'range', scope: { kind: 'range', from: v1, to: v4 } as const },
    { name: 'version', scope: { kind: 'version', id: v3 } as const },
    { name: 'selection', scope: { kind: 'versions', ids: [v1, v2] } as const },
  ];
  const bundles = [];
  for (const o of out)
    bundles.push({
      name: o.name,
      bytes: await bundleBytes(exportBundle(store, { repoId: repo.id, scope: o.scope })),
    });
  bundles.push({
    name: 'thin',
    bytes: await bundleBytes(
      exportBundle(store, { repoId: repo.id, scope: { kind: 'repository' }, thinAgainst: [v2] }),
    ),
  });
  return bundles;
}

/** Re-derives every version id after an edit (parents first), so damage reaches the checks after ids. */
async function rehash(files: Record<string, Uint8Array>): Promise<void> {
  let text = new TextDecoder().decode(files[MANIFEST_FILE]);
  const count = (JSON.parse(text) as { versions: unknown[] }).versions.length;
  for (let i = 0; i < count; i++) {
    const manifest = JSON.parse(text) as { versions: Version[] };
    const { id, ...content } = manifest.versions[i] as Version;
    let fresh: VersionId;
    try {
      fresh = await versionIdOf(content);
    } catch {
      return;
    }
    if (fresh === id) continue;
    text = text.split(id).join(fresh);
    for (const path of [modelJsonPath(id), modelCardPath(id)]) {
      const data = files[path];
      delete files[path];
      if (data) files[path.replace(id, fresh)] = data;
    }
  }
  files[MANIFEST_FILE] = strToU8(text);
}

const zipFiles = (files: Record<string, Uint8Array>) => {
  const input: Zippable = {};
  for (const [name, data] of Object.entries(files))
    input[name] = [data, { level: name.startsWith('blobs/') ? 0 : 6 }];
  return zipSync(input);
};

async function mutateBundle(rng: Rng, valid: Uint8Array): Promise<{ bytes: Uint8Array; how: string }> {
  const r = rng.int(10);
  if (r < 3) return mutateZip(rng, valid);
  const files = unzipSync(valid) as Record<string, Uint8Array>;
  if (r < 5) return mutateEntries(rng, files);
  const manifestText = new TextDecoder().decode(files[MANIFEST_FILE]);
  if (r === 5) {
    const m = mutateText(rng, manifestText);
    files[MANIFEST_FILE] = m.bytes;
    return { bytes: zipFiles(files), how: `manifest text: ${m.how}` };
  }
  if (r === 6) {
    // A blob changed, and everything above it re-hashed to match: only sizes and shapes can tell.
    const blobs = Object.keys(files).filter((n) => n.startsWith('blobs/'));
    if (blobs.length === 0) return mutateZip(rng, valid);
    const name = rng.pick(blobs);
    const old = files[name] as Uint8Array;
    const data = rng.chance(0.5)
      ? old.slice(0, rng.int(old.length))
      : concat([old, new Uint8Array(1 + rng.int(8))]);
    const hash = await hashBlob(data);
    const oldHash = name.slice('blobs/'.length);
    delete files[name];
    files[blobPath(hash)] = data;
    let text = manifestText.split(oldHash).join(hash);
    if (rng.chance(0.5))
      text = text.replace(new RegExp(`("hash": "${hash}",\\s*"size": )\\d+`), `$1${data.length}`);
    files[MANIFEST_FILE] = strToU8(text);
    await rehash(files);
    return {
      bytes: zipFiles(files),
      how: `blob ${oldHash.slice(0, 8)} resized to ${data.length}, re-hashed`,
    };
  }
  const m = mutateJson(rng, JSON.parse(manifestText) as Json);
  files[MANIFEST_FILE] = strToU8(JSON.stringify(m.json));
  if (r >= 8) await rehash(files);
  return { bytes: zipFiles(files), how: `manifest: ${m.how}${r >= 8 ? ', re-hashed' : ''}` };
}

// ---- model files -------------------------------------------------------------------------------------

const MODEL_DIRS = [
  resolve(__dirname, '../fixtures/tfjs-models'),
  resolve(__dirname, '../../../shared/fixtures/tfjs-models'),
];

function modelFixtures(): { name: string; files: NamedBytes[] }[] {
  const out: { name: string; files: NamedBytes[] }[] = [];
  for (const root of MODEL_DIRS) {
    let dirs: string[];
    try {
      dirs = readdirSync(root);
    } catch {
      continue;
    }
    for (const d of dirs)
      out.push({
        name: d,
        files: readdirSync(join(root, d))
          .filter((f) => f !== 'expected.json')
          .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(root, d, f))) })),
      });
  }
  return out;
}

function mutateModel(rng: Rng, files: readonly NamedBytes[]): { files: NamedBytes[]; how: string } {
  const copy = files.map((f) => ({ name: f.name, bytes: f.bytes.slice() }));
  const modelIndex = copy.findIndex((f) => f.name.endsWith('.json'));
  const model = copy[modelIndex] as NamedBytes;
  const weights = copy.filter((f) => !f.name.endsWith('.json'));
  const zipped = (list: NamedBytes[]) => {
    const input: Record<string, Uint8Array> = {};
    for (const f of list) input[f.name] = f.bytes;
    return zipSync(input);
  };
  switch (rng.int(8)) {
    case 0:
    case 1:
    case 2: {
      const m = mutateJson(rng, JSON.parse(new TextDecoder().decode(model.bytes)) as Json);
      copy[modelIndex] = { name: model.name, bytes: strToU8(JSON.stringify(m.json)) };
      return { files: copy, how: `model.json: ${m.how}` };
    }
    case 3: {
      const m = mutateText(rng, new TextDecoder().decode(model.bytes));
      copy[modelIndex] = { name: model.name, bytes: m.bytes };
      return { files: copy, how: `model.json text: ${m.how}` };
    }
    case 4: {
      const w = rng.pick(weights);
      const i = copy.indexOf(w);
      const op = rng.int(4);
      if (op === 0) copy[i] = { name: w.name, bytes: w.bytes.slice(0, rng.int(w.bytes.length)) };
      else if (op === 1)
        copy[i] = { name: w.name, bytes: concat([w.bytes, new Uint8Array(1 + rng.int(16))]) };
      else if (op === 2) copy.splice(i, 1);
      else {
        // Bits flipped in weights: still a loadable model, perhaps with NaN or infinite values.
        for (let k = 0; k < 1 + rng.int(16); k++) {
          const at = rng.int(w.bytes.length);
          w.bytes[at] = (w.bytes[at] as number) ^ (1 << rng.int(8));
        }
      }
      return {
        files: copy,
        how: `weight file ${w.name}: ${['truncated', 'extended', 'removed', 'bits flipped'][op]}`,
      };
    }
    case 5:
      copy.push({
        name: rng.pick(['extra.bin', 'other.json', '.DS_Store', 'model.h5']),
        bytes: strToU8('{}'),
      });
      return { files: copy, how: 'an extra file' };
    case 6:
      return {
        files: [{ name: 'model.zip', bytes: mutateZip(rng, zipped(copy)).bytes }],
        how: 'zipped, then damaged',
      };
    default: {
      const input: Record<string, Uint8Array> = {};
      for (const f of copy) input[f.name] = f.bytes;
      const m = mutateEntries(rng, input);
      return { files: [{ name: 'model.zip', bytes: m.bytes }], how: `zip: ${m.how}` };
    }
  }
}

// ---- running cases -----------------------------------------------------------------------------------

interface Tally {
  cases: number;
  imported: number;
  codes: Map<string, number>;
  failures: string[];
}

const newTally = (): Tally => ({ cases: 0, imported: 0, codes: new Map(), failures: [] });

/**
 * One case against `store`. After an error the database must dump exactly as before; after a clean import
 * it must verify (an unchanged database verified before, so it needs no second check).
 */
async function runCase(
  tally: Tally,
  store: DexieVersionStore,
  state: { dump: string },
  label: string,
  op: () => Promise<unknown>,
) {
  tally.cases++;
  if (process.env.GRAFT_FUZZ_TRACE) console.log(label);
  try {
    await withTimeout(op(), label, CASE_TIMEOUT_MS);
  } catch (e) {
    if (!isGraftError(e) || UNSPECIFIC.includes(e.code)) {
      const what = isGraftError(e) ? `GraftError ${e.code}` : e instanceof Error ? `${e.name}` : typeof e;
      tally.failures.push(`${label}: ${what}: ${e instanceof Error ? e.message.slice(0, 300) : String(e)}`);
      state.dump = await dumpStore(store);
      return;
    }
    tally.codes.set(e.code, (tally.codes.get(e.code) ?? 0) + 1);
    if ((await dumpStore(store)) !== state.dump) {
      tally.failures.push(`${label}: the database changed on error`);
      state.dump = await dumpStore(store);
    }
    return;
  }
  tally.imported++;
  state.dump = await dumpStore(store);
  const check = await verifyAll(store);
  if (!check?.ok) tally.failures.push(`${label}: the database no longer verifies`);
}

function report(what: string, tally: Tally, ms: number) {
  const codes = [...tally.codes]
    .sort((a, b) => b[1] - a[1])
    .map(([c, n]) => `${c} ${n}`)
    .join(', ');
  console.log(
    `fuzz ${what}: seed ${SEED}, ${tally.cases} cases in ${(ms / 1000).toFixed(1)} s, ${tally.imported} imported cleanly, errors: ${codes}`,
  );
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('hostile files', () => {
  it(`bundles: ${BUNDLE_CASES} mutations of exported bundles end in a clean import or a specific error`, async () => {
    const started = Date.now();
    const rng = new Rng(SEED);
    const valid = await sourceBundles();
    const store = freshStore();
    // The receiver already holds part of the history, so overlaps and refs are exercised too.
    await importBundle(store, (valid.find((b) => b.name === 'branch') as { bytes: Uint8Array }).bytes);
    const tally = newTally();
    const state = { dump: await dumpStore(store) };
    for (let i = 0; i < BUNDLE_CASES; i++) {
      const source = rng.pick(valid);
      const m = await mutateBundle(rng, source.bytes);
      await runCase(tally, store, state, `bundle case ${i} (${source.name}, ${m.how})`, () =>
        importBundle(store, m.bytes),
      );
    }
    report('bundles', tally, Date.now() - started);
    expect(tally.failures.slice(0, 20)).toEqual([]);
    expect(tally.cases).toBe(BUNDLE_CASES);
  }, 120_000);

  it(`model files: ${MODEL_CASES} mutations of TF.js models end in a clean import or a specific error`, async () => {
    const started = Date.now();
    const rng = new Rng(SEED ^ 0x9e3779b9);
    const fixtures = modelFixtures();
    expect(fixtures.length).toBeGreaterThanOrEqual(4);
    const store = freshStore();
    const repo = await store.createRepository('Imported');
    let parent: VersionId | null = null;
    const tensorsBefore = tf.memory().numTensors;
    const tally = newTally();
    const state = { dump: await dumpStore(store) };
    for (let i = 0; i < MODEL_CASES; i++) {
      const fixture = rng.pick(fixtures);
      const m = mutateModel(rng, fixture.files);
      if (process.env.GRAFT_FUZZ_TRACE)
        writeFileSync('/tmp/h5-case.json', JSON.stringify(m.files.map((f) => [f.name, toHex(f.bytes)])));
      await runCase(tally, store, state, `model case ${i} (${fixture.name}, ${m.how})`, async () => {
        // What the app does with files it accepts: read them, then save the model as a version.
        const read = await readModelFiles(m.files);
        const saved = await store.commit({
          repoId: repo.id,
          parent,
          message: `case ${i}`,
          change: 'imported',
          snapshot: read.snapshot,
          provenance: { app: 'graft' },
        });
        parent = saved.version.id;
      });
    }
    report('model files', tally, Date.now() - started);
    expect(tally.failures.slice(0, 20)).toEqual([]);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  }, 120_000);

  it('refuses deflate bombs before inflating them: a small file may not unpack to far more than itself', async () => {
    const valid = (await sourceBundles())[0] as { bytes: Uint8Array };
    const files = unzipSync(valid.bytes) as Record<string, Uint8Array>;
    const blob = Object.keys(files).find((n) => n.startsWith('blobs/')) as string;
    const entries: RawEntry[] = Object.entries(files).map(([name, data]) =>
      name === blob ? zerosEntry(name, 128 << 20) : { name, data },
    );
    const bomb = rawZip(entries);
    expect(bomb.length).toBeLessThan(1 << 20);
    const store = freshStore();
    const error = await importBundle(store, bomb).catch((e: unknown) => e);
    expect(isGraftError(error, 'bundle/too-large')).toBe(true);
    expect((error as Error).message).toMatch(/unpack|bomb/);
  }, 60_000);
});
