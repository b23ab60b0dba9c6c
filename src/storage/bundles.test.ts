import { strToU8, unzipSync, zipSync } from 'fflate';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLE_FORMAT_VERSION, readManifest, type BundleManifest } from '../core/bundle/manifest';
import { MANIFEST_FILE, blobPath, modelCardPath, modelJsonPath } from '../core/bundle/names';
import type { ErrorCode } from '../core/errors';
import { toHex, type VersionId } from '../core/hashing';
import type { ModelSnapshot } from '../core/ports';
import { floats, tinySnapshot } from '../core/testVersions';
import { summaryShapes } from '../core/versions/summary';
import type { RepoId, Version } from '../core/versions/types';
import { versionIdOf } from '../core/versions/version';
import type { ImportReport } from '../core/ports';
import { exportBundle, exportTfjsModel, importBundle } from './bundles';
import type { DexieVersionStore } from './DexieVersionStore';
import { bundleBytes, dumpStore, freshStore, rejects } from './testDb';

// ---- helpers --------------------------------------------------------------------------------------

let clock = Date.parse('2026-03-01T10:00:00.000Z');
const tick = () => new Date((clock += 60_000)).toISOString();

/** A repository with history: main v1 → v2 → v4, experiment v1 → v3, tag best → v2. */
async function history(store: DexieVersionStore = freshStore()) {
  const repo = await store.createRepository('Iris “classifier” <b>v2</b>', { description: 'A test model' });
  const commit = async (parent: VersionId | null, kernel: number[], message: string, branch = 'main') =>
    (
      await store.commit({
        repoId: repo.id,
        branch,
        parent,
        message,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot(kernel, [0.5, -0.5]),
        provenance: { app: 'graft', backend: 'cpu', tfjsVersion: '4.22.0', dataset: { name: 'iris' } },
        metrics: parent ? { loss: 0.25, accuracy: 0.9 } : {},
        createdAt: tick(),
      })
    ).version.id;
  const v1 = await commit(null, [1, 2, 3, 4], 'first');
  const v2 = await commit(v1, [2, 2, 3, 4], 'second');
  await store.setRef(repo.id, 'experiment', 'branch', v1);
  const v3 = await commit(v1, [9, 9, 9, 9], 'wild idea', 'experiment');
  await store.setRef(repo.id, 'best', 'tag', v2);
  const v4 = await commit(v2, [3, 2, 3, 4], 'third');
  return { store, repo, commit, v1, v2, v3, v4 };
}

const refsOf = async (store: DexieVersionStore, repoId: Parameters<DexieVersionStore['listRefs']>[0]) =>
  (await store.listRefs(repoId))
    .map((r) => ({ name: r.name, kind: r.kind, target: r.target }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));

const actions = (report: ImportReport) =>
  Object.fromEntries(
    report.refs.map((r) => [r.name, r.importedAs ? `${r.action}:${r.importedAs}` : r.action]),
  );

// ---- round trips ----------------------------------------------------------------------------------

describe('export and import', () => {
  it('carries a whole repository into a fresh browser: same history, refs, HEAD and bytes', async () => {
    const a = await history();
    const progress: [number, number][] = [];
    const exported = await exportBundle(
      a.store,
      { repoId: a.repo.id, scope: { kind: 'repository' } },
      (d, t) => progress.push([d, t]),
    );
    expect(exported.fileName).toBe(`iris-classifier-b-v2-b--all--${a.v4.slice(0, 8)}.graft.zip`);
    expect(exported.stats).toMatchObject({ versions: 4, refs: 3, omittedBlobs: 0 });
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);

    const b = freshStore();
    const report = await importBundle(b, await bundleBytes(exported));
    expect(report.repository).toEqual({ id: a.repo.id, name: a.repo.name, created: true });
    expect(report.addedVersions).toHaveLength(4);
    expect(report.existingVersions).toEqual([]);
    expect(actions(report)).toEqual({ main: 'created', experiment: 'created', best: 'created' });
    expect(report.warnings).toEqual([]);

    expect(await b.listVersions(a.repo.id)).toEqual(await a.store.listVersions(a.repo.id));
    expect(await refsOf(b, a.repo.id)).toEqual(await refsOf(a.store, a.repo.id));
    const [repoA, repoB] = [await a.store.getRepository(a.repo.id), await b.getRepository(a.repo.id)];
    expect(repoB).toMatchObject({ name: repoA.name, head: repoA.head, description: 'A test model' });
    for (const id of [a.v1, a.v2, a.v3, a.v4]) {
      expect(await b.getVersion(id)).toEqual(await a.store.getVersion(id));
      const [la, lb] = [await a.store.load(id), await b.load(id)];
      expect(lb.topology).toEqual(la.topology);
      expect(lb.tensors.map((t) => new Uint8Array(t.data))).toEqual(
        la.tensors.map((t) => new Uint8Array(t.data)),
      );
      expect((await b.verify(id)).ok).toBe(true);
    }
    expect(await b.gc({ dryRun: true })).toMatchObject({ versions: [], blobs: 0 });
  });

  it('changes nothing when the same bundle is imported twice', async () => {
    const a = await history();
    const bytes = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } }),
    );
    const b = freshStore();
    await importBundle(b, bytes);
    const before = await dumpStore(b);
    const again = await importBundle(b, bytes);
    expect(again.addedVersions).toEqual([]);
    expect(again.existingVersions).toHaveLength(4);
    expect(again.addedBlobs).toBe(0);
    expect(again.repository.created).toBe(false);
    expect(new Set(again.refs.map((r) => r.action))).toEqual(new Set(['unchanged']));
    expect(await dumpStore(b)).toBe(before);
  });

  it('adds only what is new from an overlapping history, fast-forwarding branches', async () => {
    const a = await history();
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'branch', name: 'main' } }),
      ),
    );
    expect((await b.listVersions(a.repo.id)).length).toBe(3);
    const v5 = await a.commit(a.v4, [4, 2, 3, 4], 'fourth');
    const report = await importBundle(
      b,
      await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } })),
    );
    expect(new Set(report.addedVersions)).toEqual(new Set([a.v3, v5]));
    expect(report.addedBlobs).toBe(2); // the two new kernels; topology and bias are shared
    expect(actions(report)).toEqual({ main: 'moved', experiment: 'created', best: 'unchanged' });
    expect(report.refs.find((r) => r.name === 'main')?.previous).toBe(a.v4);
    expect(await refsOf(b, a.repo.id)).toEqual(await refsOf(a.store, a.repo.id));
    expect((await b.refLog(a.repo.id, 'main')).map((e) => [e.from, e.to])).toEqual([
      [null, a.v4],
      [a.v4, v5],
    ]);
  });

  it('imports a clashing branch under a new name and finds it again next time', async () => {
    const a = await history();
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } })),
    );
    const theirs = await a.commit(a.v4, [5, 5, 5, 5], 'theirs');
    const mine = (
      await b.commit({
        repoId: a.repo.id,
        parent: a.v4,
        message: 'mine',
        change: 'trained',
        snapshot: tinySnapshot([6, 6, 6, 6], [0.5, -0.5]),
        provenance: { app: 'graft' },
      })
    ).version.id;
    await a.store.setRef(a.repo.id, 'best', 'tag', theirs);
    const bytes = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } }),
    );
    const report = await importBundle(b, bytes);
    expect(actions(report)).toEqual({
      main: 'renamed:main-imported',
      experiment: 'unchanged',
      best: 'renamed:best-imported',
    });
    const refs = await refsOf(b, a.repo.id);
    expect(refs.find((r) => r.name === 'main')?.target).toBe(mine);
    expect(refs.find((r) => r.name === 'main-imported')?.target).toBe(theirs);
    expect(refs.find((r) => r.name === 'best')?.target).toBe(a.v2);
    const before = await dumpStore(b);
    expect(actions(await importBundle(b, bytes))).toEqual({
      main: 'unchanged:main-imported',
      experiment: 'unchanged',
      best: 'unchanged:best-imported',
    });
    expect(await dumpStore(b)).toBe(before);
  });

  it('keeps the local branch when it is already ahead of the imported one', async () => {
    const a = await history();
    const b = freshStore();
    const old = await exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'branch', name: 'main' } });
    await importBundle(
      b,
      await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } })),
    );
    await a.commit(a.v4, [7, 7, 7, 7], 'later');
    await importBundle(
      b,
      await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } })),
    );
    const report = await importBundle(b, await bundleBytes(old));
    expect(report.refs.find((r) => r.name === 'main')?.action).toBe('unchanged');
  });

  it('makes a thin bundle that leaves out what the receiver holds', async () => {
    const a = await history();
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'branch', name: 'main' } }),
      ),
    );
    const v5 = await a.commit(a.v4, [8, 8, 8, 8], 'after the first share');
    const full = await exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } });
    const thin = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: { kind: 'repository' },
      thinAgainst: [a.v4],
    });
    expect(thin.fileName).toMatch(/--thin\.graft\.zip$/);
    expect(thin.stats.blobs).toBe(2); // v3's and v5's kernels
    expect(thin.stats.omittedBlobs).toBe(5); // the topology, the bias and three kernels of main
    expect(thin.file.size).toBeLessThan(full.file.size);

    const fresh = freshStore();
    const e = await rejects(importBundle(fresh, await bundleBytes(thin)));
    expect(e.code).toBe('bundle/missing-file');
    expect(e.message).toMatch(/thin bundle/);
    expect(await dumpStore(fresh)).toBe(await dumpStore(freshStore()));

    const report = await importBundle(b, await bundleBytes(thin));
    expect(new Set(report.addedVersions)).toEqual(new Set([a.v3, v5]));
    expect((await b.verify(v5)).ok).toBe(true);
    expect(new Uint8Array((await b.load(a.v3)).tensors[0]!.data)).toEqual(floats([9, 9, 9, 9]));
  });

  it('exports a range and a single version, which need their parents at the receiver', async () => {
    const a = await history();
    const first = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: { kind: 'range', from: null, to: a.v1 },
    });
    const short1 = a.v1.slice(0, 8);
    expect(first.fileName).toBe(`iris-classifier-b-v2-b--range-start-${short1}--${short1}.graft.zip`);
    const b = freshStore();
    const report = await importBundle(b, await bundleBytes(first));
    expect(report.addedVersions).toEqual([a.v1]);
    // No ref of the bundle reaches v1, so a new branch keeps it from being garbage-collected.
    expect(actions(report)).toEqual({ [`imported-${short1}`]: 'created' });
    expect((await b.getRepository(a.repo.id)).head).toEqual({ kind: 'branch', name: `imported-${short1}` });

    const second = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: { kind: 'range', from: a.v1, to: a.v2 },
    });
    const r2 = await importBundle(b, await bundleBytes(second));
    expect(r2.addedVersions).toEqual([a.v2]);
    expect(actions(r2)).toEqual({ best: 'created' });

    const one = await exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'version', id: a.v4 } });
    expect(one.stats.versions).toBe(1);
    const e = await rejects(importBundle(freshStore(), await bundleBytes(one)));
    expect(e.code).toBe('bundle/missing-parent');
    expect(e.message).toContain(a.v2.slice(0, 8));
    const later = await importBundle(b, await bundleBytes(one));
    expect(later.addedVersions).toEqual([a.v4]);
    expect(actions(later)).toEqual({ main: 'created' });

    const between = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: { kind: 'range', from: a.v1, to: a.v4 },
    });
    const m = await manifestOf(await bundleBytes(between));
    expect(m.versions.map((v) => v.id)).toEqual([a.v2, a.v4]);
    expect(
      (
        await rejects(
          exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: a.v3, to: a.v4 } }),
        )
      ).code,
    ).toBe('version/invalid');
    expect(
      (await rejects(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'branch', name: 'nope' } })))
        .code,
    ).toBe('ref/not-found');
  });

  it('warns about NaN and infinite weights without refusing them', async () => {
    const store = freshStore();
    const repo = await store.createRepository('Diverged');
    await store.commit({
      repoId: repo.id,
      parent: null,
      message: 'blew up',
      change: 'trained',
      snapshot: tinySnapshot([NaN, Infinity, 1, -Infinity], [0, 0]),
      provenance: { app: 'graft' },
    });
    const bytes = await bundleBytes(exportBundle(store, { repoId: repo.id, scope: { kind: 'repository' } }));
    const report = await importBundle(freshStore(), bytes);
    expect(report.warnings).toHaveLength(1);
    expect(report.warnings[0]).toMatch(/“dense\/kernel”.*3 NaN or infinite values/);
  });

  it('writes a readable layout: manifest, model.json per version pointing at blobs, model cards', async () => {
    const a = await history();
    const exported = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: { kind: 'repository' },
    });
    const { stats } = exported;
    const files = unzipSync(await bundleBytes(exported));
    const m = readManifest(JSON.parse(new TextDecoder().decode(files[MANIFEST_FILE])));
    expect(m).toMatchObject({
      format: 'graft-bundle',
      formatVersion: BUNDLE_FORMAT_VERSION,
      head: { kind: 'branch', name: 'main' },
    });
    expect(m.versions.map((v) => v.id)).toEqual(
      [a.v1, a.v2, a.v3, a.v4].filter((id) => m.versions.some((v) => v.id === id)),
    );
    expect(m.versions.findIndex((v) => v.id === a.v1)).toBe(0);
    const modelJson = JSON.parse(new TextDecoder().decode(files[modelJsonPath(a.v2)]));
    expect(modelJson).toMatchObject({ format: 'layers-model', convertedBy: 'Graft' });
    const v2 = m.versions.find((v) => v.id === a.v2) as Version;
    expect(modelJson.weightsManifest).toEqual(
      v2.tensors.map((t) => ({
        paths: [`../../blobs/${t.hash}`],
        weights: [{ name: t.name, shape: t.shape, dtype: t.dtype }],
      })),
    );
    for (const t of v2.tensors) expect(files[blobPath(t.hash)]).toBeDefined();
    const card = new TextDecoder().decode(files[modelCardPath(a.v2)]);
    expect(card).toContain('second');
    expect(card).toContain('Iris “classifier” \\<b\\>v2\\</b\\>');
    expect(card).toContain('| accuracy | 0.9 |');
    expect(card).toMatch(/\| dense\/kernel \| \[2, 2\] \| float32 \| 16 \|/);
    // Weights are stored, not deflated: the bundle stays close to the bytes of its distinct blobs.
    expect(stats.blobBytes).toBe(m.blobs.reduce((n, b) => n + b.size, 0));
  });

  it('keeps a bundle within 1% of the bytes of its distinct blobs', async () => {
    const store = freshStore();
    const repo = await store.createRepository('Large');
    const big = (seed: number) => Array.from({ length: 2 ** 18 }, (_, i) => Math.sin(i * 0.37 + seed));
    const base = tinySnapshot(big(1), big(2).slice(0, 2));
    const v1 = await store.commit({
      repoId: repo.id,
      parent: null,
      message: 'a',
      change: 'created',
      snapshot: base,
      provenance: { app: 'graft' },
    });
    // A second version sharing the kernel: the bundle carries it once.
    await store.commit({
      repoId: repo.id,
      parent: v1.version.id,
      message: 'b',
      change: 'trained',
      snapshot: tinySnapshot(big(1), [7, 7]),
      provenance: { app: 'graft' },
    });
    const exported = await exportBundle(store, { repoId: repo.id, scope: { kind: 'repository' } });
    const { stats } = exported;
    expect(stats.blobBytes).toBeLessThan(2 ** 20 + 1000);
    expect((await bundleBytes(exported)).byteLength / stats.blobBytes).toBeLessThan(1.01);
  });

  it('exports one version as the two files tf.io.browserDownloads writes', async () => {
    const a = await history();
    const files = await exportTfjsModel(a.store, a.v2);
    expect(files.modelFileName).toBe('model.json');
    expect(files.weightsFileName).toBe('model.weights.bin');
    expect(files.modelJson.weightsManifest).toEqual([
      {
        paths: ['./model.weights.bin'],
        weights: [
          { name: 'dense/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'dense/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ]);
    expect(files.weightsBin).toEqual(new Uint8Array([...floats([2, 2, 3, 4]), ...floats([0.5, -0.5])]));
    expect(files.modelJson.modelTopology).toEqual(tinySnapshot([1, 2, 3, 4], [0, 0]).topology);
    expect((await exportTfjsModel(a.store, a.v2, { baseName: 'Iris v2' })).weightsFileName).toBe(
      'iris-v2.weights.bin',
    );
  });
});

async function manifestOf(bytes: Uint8Array): Promise<BundleManifest> {
  return readManifest(JSON.parse(new TextDecoder().decode(unzipSync(bytes)[MANIFEST_FILE])));
}

// ---- damaged and hostile bundles -------------------------------------------------------------------

type Files = Record<string, Uint8Array>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const u32 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint32(at, true);
const u16 = (b: Uint8Array, at: number) => new DataView(b.buffer, b.byteOffset).getUint16(at, true);
const put32 = (b: Uint8Array, at: number, v: number) =>
  new DataView(b.buffer, b.byteOffset).setUint32(at, v, true);
const put16 = (b: Uint8Array, at: number, v: number) =>
  new DataView(b.buffer, b.byteOffset).setUint16(at, v, true);

/** Where one file's central and local headers are in a zip fflate wrote (no archive comment). */
function headers(zip: Uint8Array, name: string): { central: number; local: number; data: number } {
  const end = zip.length - 22;
  let at = u32(zip, end + 16);
  for (let i = 0; i < u16(zip, end + 10); i++) {
    const nameLength = u16(zip, at + 28);
    const local = u32(zip, at + 42);
    if (decode(zip.subarray(at + 46, at + 46 + nameLength)) === name)
      return { central: at, local, data: local + 30 + u16(zip, local + 26) + u16(zip, local + 28) };
    at += 46 + nameLength + u16(zip, at + 30) + u16(zip, at + 32);
  }
  throw new Error(`no ${name}`);
}

function mutated(bytes: Uint8Array, change: (copy: Uint8Array) => void): Uint8Array {
  const copy = bytes.slice();
  change(copy);
  return copy;
}

const rezip = (files: Files) => zipSync(files, { level: 6 });
const manifestJson = (files: Files): Json => JSON.parse(decode(files[MANIFEST_FILE]));
const withManifestText = (files: Files, edit: (text: string) => string) =>
  rezip({ ...files, [MANIFEST_FILE]: strToU8(edit(decode(files[MANIFEST_FILE]))) });
const withManifest = (files: Files, edit: (m: Json) => void) => {
  const m = manifestJson(files);
  edit(m);
  return rezip({ ...files, [MANIFEST_FILE]: strToU8(JSON.stringify(m)) });
};

/** Edits the newest version and gives it the id its new content hashes to, so only the edit is wrong. */
async function withTipEdited(files: Files, edit: (v: Json, m: Json) => void): Promise<Uint8Array> {
  const m = manifestJson(files);
  const tip = m.versions.at(-1);
  const old: string = tip.id;
  edit(tip, m);
  const { id: _id, ...content } = tip;
  const fresh = await versionIdOf(content);
  const text = JSON.stringify(m).replaceAll(old, fresh);
  const out: Files = { [MANIFEST_FILE]: strToU8(text) };
  for (const [name, data] of Object.entries(files))
    if (name !== MANIFEST_FILE) out[name.replace(old, fresh)] = data;
  return rezip(out);
}

function nested(depth: number): Json {
  let v: Json = { leaf: true };
  for (let i = 0; i < depth; i++) v = { v };
  return v;
}

describe('a damaged or hostile bundle is refused with its own error and changes nothing', () => {
  let a: Awaited<ReturnType<typeof history>>;
  let good: Uint8Array;
  let files: Files;
  let kernelHash: string;
  let topologyHash: string;
  let tip: string;
  let versionOnly: Uint8Array;
  let thin: Uint8Array;

  beforeAll(async () => {
    a = await history();
    good = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: null, to: a.v4 } }),
    );
    files = unzipSync(good);
    const m = manifestJson(files);
    tip = m.versions.at(-1).id;
    kernelHash = m.versions.at(-1).tensors[0].hash;
    topologyHash = m.versions.at(-1).topologyHash;
    versionOnly = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'version', id: a.v4 } }),
    );
    thin = await bundleBytes(
      exportBundle(a.store, {
        repoId: a.repo.id,
        scope: { kind: 'repository' },
        thinAgainst: [a.v2],
      }),
    );
  });

  const cases: [string, ErrorCode, () => Uint8Array | Promise<Uint8Array>][] = [
    // the zip itself
    ['an empty file', 'bundle/corrupt', () => new Uint8Array(0)],
    ['a file that is not a zip', 'bundle/corrupt', () => strToU8('<html><script>alert(1)</script></html>')],
    ...[1, 30, 200, 0.5, 0.9, -1, -22].map((at): [string, ErrorCode, () => Uint8Array] => [
      `a bundle truncated at ${at}`,
      'bundle/corrupt',
      () => good.slice(0, at < 1 && at > 0 ? Math.floor(good.length * at) : at < 0 ? good.length + at : at),
    ]),
    [
      'a flipped byte in the compressed manifest',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, MANIFEST_FILE);
          z[h.data + 20] = (z[h.data + 20] as number) ^ 0x55;
        }),
    ],
    [
      'a flipped byte in the directory',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          z[headers(z, MANIFEST_FILE).central] = 0;
        }),
    ],
    [
      'a file whose header names another file',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, blobPath(kernelHash));
          z[h.local + 30 + 10] = 'x'.charCodeAt(0);
        }),
    ],
    [
      'the same file twice',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, blobPath(kernelHash));
          z.set(strToU8(blobPath(topologyHash)), h.central + 46);
          z.set(strToU8(blobPath(topologyHash)), h.local + 30);
        }),
    ],
    [
      'an unknown compression method',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, MANIFEST_FILE);
          put16(z, h.central + 10, 12);
          put16(z, h.local + 8, 12);
        }),
    ],
    [
      'a wrong CRC on the manifest',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, MANIFEST_FILE);
          put32(z, h.central + 16, u32(z, h.central + 16) ^ 1);
          put32(z, h.local + 14, u32(z, h.local + 14) ^ 1);
        }),
    ],
    [
      'a declared size far beyond the file (zip bomb)',
      'bundle/too-large',
      () =>
        mutated(good, (z) => {
          const h = headers(z, MANIFEST_FILE);
          put32(z, h.central + 24, 900 * 1024 * 1024);
          put32(z, h.local + 22, 900 * 1024 * 1024);
        }),
    ],
    [
      'a declared size beyond any one file',
      'bundle/too-large',
      () =>
        mutated(good, (z) => {
          const h = headers(z, blobPath(kernelHash));
          put32(z, h.central + 24, 0xfffffff0);
          put32(z, h.central + 20, 0xfffffff0);
        }),
    ],
    [
      'a manifest that inflates to more than it declares',
      'bundle/too-large',
      () =>
        mutated(good, (z) => {
          const h = headers(z, MANIFEST_FILE);
          const smaller = u32(z, h.central + 24) - 100;
          put32(z, h.central + 24, smaller);
          put32(z, h.local + 22, smaller);
        }),
    ],
    [
      'a stored blob that claims more bytes than it has',
      'bundle/corrupt',
      () =>
        mutated(good, (z) => {
          const h = headers(z, blobPath(kernelHash));
          for (const at of [h.central + 20, h.central + 24, h.local + 18, h.local + 22]) put32(z, at, 20);
        }),
    ],
    // files
    [
      'no manifest',
      'bundle/missing-file',
      () => {
        const { [MANIFEST_FILE]: _m, ...rest } = files;
        return rezip(rest);
      },
    ],
    [
      'a missing blob',
      'bundle/missing-file',
      () => {
        const { [blobPath(kernelHash)]: _b, ...rest } = files;
        return rezip(rest);
      },
    ],
    [
      'a missing model card',
      'bundle/missing-file',
      () => {
        const { [modelCardPath(tip)]: _c, ...rest } = files;
        return rezip(rest);
      },
    ],
    [
      'a missing model.json',
      'bundle/missing-file',
      () => {
        const { [modelJsonPath(tip)]: _j, ...rest } = files;
        return rezip(rest);
      },
    ],
    [
      'an extra file',
      'bundle/extra-file',
      () => rezip({ ...files, 'index.html': strToU8('<script>x</script>') }),
    ],
    [
      'an extra blob',
      'bundle/extra-file',
      () => rezip({ ...files, [blobPath('f'.repeat(64))]: floats([1]) }),
    ],
    // blob content
    [
      'a flipped byte in a stored blob',
      'bundle/hash-mismatch',
      () =>
        mutated(good, (z) => {
          const h = headers(z, blobPath(kernelHash));
          z[h.data + 3] = (z[h.data + 3] as number) ^ 0x01;
        }),
    ],
    [
      'a blob replaced by other bytes of its size',
      'bundle/hash-mismatch',
      () => rezip({ ...files, [blobPath(kernelHash)]: floats([7, 7, 7, 7]) }),
    ],
    [
      'a blob shorter than its listed size',
      'bundle/size-mismatch',
      () => rezip({ ...files, [blobPath(topologyHash)]: files[blobPath(topologyHash)]!.slice(0, 10) }),
    ],
    [
      'a topology blob that is not JSON',
      'bundle/corrupt',
      async () => {
        const junk = strToU8('not json at all');
        const hash = toHex(new Uint8Array(await crypto.subtle.digest('SHA-256', junk)));
        const out: Files = {};
        for (const [name, data] of Object.entries(files)) out[name.replace(topologyHash, hash)] = data;
        out[blobPath(hash)] = junk;
        const m = JSON.parse(decode(out[MANIFEST_FILE]).replaceAll(topologyHash, hash));
        for (const v of m.versions) {
          v.topologyHash = hash;
          const { id: oldId, ...content } = v;
          const id = await versionIdOf(content);
          for (const other of m.versions)
            other.parents = other.parents.map((p: string) => (p === oldId ? id : p));
          v.id = id;
          m.blobs.find((b: Json) => b.hash === hash).size = junk.length;
          for (const name of Object.keys(out))
            if (name.includes(oldId)) {
              out[name.replace(oldId, id)] = out[name] as Uint8Array;
              delete out[name];
            }
          m.refs = m.refs.map((r: Json) => (r.target === oldId ? { ...r, target: id } : r));
          if (m.scope.to === oldId) m.scope.to = id;
          if (m.head?.version === oldId) m.head.version = id;
        }
        out[MANIFEST_FILE] = strToU8(JSON.stringify(m));
        return rezip(out);
      },
    ],
    // the manifest
    [
      'a manifest that is not JSON',
      'bundle/manifest-invalid',
      () => rezip({ ...files, [MANIFEST_FILE]: strToU8('{"format":') }),
    ],
    [
      'a manifest that is not UTF-8',
      'bundle/manifest-invalid',
      () => rezip({ ...files, [MANIFEST_FILE]: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) }),
    ],
    [
      'a manifest that is a list',
      'bundle/manifest-invalid',
      () => rezip({ ...files, [MANIFEST_FILE]: strToU8('[]') }),
    ],
    ['another format', 'bundle/manifest-invalid', () => withManifest(files, (m) => (m.format = 'tfjs'))],
    [
      'a newer format version',
      'bundle/newer-format',
      () => withManifest(files, (m) => (m.formatVersion = BUNDLE_FORMAT_VERSION + 1)),
    ],
    ['format version 0', 'bundle/manifest-invalid', () => withManifest(files, (m) => (m.formatVersion = 0))],
    [
      'format version as text',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.formatVersion = '1')),
    ],
    [
      'an unknown top-level field',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.extra = 1)),
    ],
    [
      'versions that are not a list',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions = {})),
    ],
    [
      'an altered message',
      'bundle/hash-mismatch',
      () => withManifest(files, (m) => (m.versions.at(-1).message = 'not what was saved')),
    ],
    [
      'an altered parent list',
      'bundle/hash-mismatch',
      () => withManifest(files, (m) => m.versions.at(-1).parents.reverse().push('0'.repeat(64))),
    ],
    [
      'a message that is a number',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].message = 42)),
    ],
    [
      'an unknown field in a version',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].secret = 'x')),
    ],
    [
      'a version of another repository',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].repoId = 'other')),
    ],
    [
      'a huge number',
      'bundle/manifest-invalid',
      () => withManifestText(files, (t) => t.replace('"loss": 0.25', '"loss": 1e999')),
    ],
    [
      'a blob size beyond safe integers',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.blobs[0].size = 1e20)),
    ],
    [
      'a negative dimension',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].tensors[0].shape = [-2, -2])),
    ],
    [
      'a fractional dimension',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].tensors[0].shape = [2.5, 2])),
    ],
    [
      'an absurd shape',
      'bundle/manifest-invalid',
      () =>
        withTipEdited(files, (v) => {
          v.tensors[0].shape = [1e6, 1e6, 1e6];
          v.tensors[0].byteLength = 4e18;
        }),
    ],
    [
      'too many dimensions',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].tensors[0].shape = Array(20).fill(1))),
    ],
    [
      'an unknown dtype',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].tensors[0].dtype = 'float64')),
    ],
    [
      'deep nesting',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].provenance.training = nested(200))),
    ],
    [
      'an overlong message',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.versions[0].message = 'x'.repeat(200_000))),
    ],
    [
      'a “__proto__” key',
      'bundle/manifest-invalid',
      () =>
        withManifestText(files, (t) =>
          t.replace('"dataset": {', '"dataset": {"__proto__": {"polluted": true},'),
        ),
    ],
    [
      'a ref to a version not in the bundle',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.refs[0].target = 'e'.repeat(64))),
    ],
    [
      'a ref name that is not allowed',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => (m.refs[0].name = 'bad name')),
    ],
    [
      'a ref name used twice',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => m.refs.push({ ...m.refs[0] })),
    ],
    [
      'a blob no version uses',
      'bundle/manifest-invalid',
      () => withManifest(files, (m) => m.blobs.push({ hash: 'c'.repeat(64), size: 4 })),
    ],
    [
      'a blob listed with the wrong size',
      'bundle/size-mismatch',
      () => withManifest(files, (m) => (m.blobs.find((b: Json) => b.hash === kernelHash).size = 12)),
    ],
    [
      'a topology listed with the wrong size',
      'bundle/size-mismatch',
      () => withManifest(files, (m) => (m.blobs.find((b: Json) => b.hash === topologyHash).size += 1)),
    ],
    [
      'a shape that disagrees with its blob',
      'bundle/size-mismatch',
      () =>
        withTipEdited(files, (v, m) => {
          v.tensors[0].shape = [2, 3];
          v.tensors[0].byteLength = 24;
          m.blobs.find((b: Json) => b.hash === kernelHash).size = 24;
        }),
    ],
    [
      'a byte length that disagrees with its shape',
      'bundle/size-mismatch',
      () => withTipEdited(files, (v) => (v.tensors[0].byteLength = 12)),
    ],
    [
      'a rollback that names nothing it restores',
      'bundle/manifest-invalid',
      () => withTipEdited(files, (v) => (v.change = 'rollback')),
    ],
  ];

  it.each(cases)('%s → %s', async (_what, code, make) => {
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: null, to: a.v1 } }),
      ),
    );
    const before = await dumpStore(b);
    const e = await rejects(importBundle(b, await make()));
    expect(e.code).toBe(code);
    expect(e.message.length).toBeGreaterThan(20);
    expect(await dumpStore(b)).toBe(before);
  });

  it('refuses a version whose parent is in neither the bundle nor the database', async () => {
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: null, to: a.v1 } }),
      ),
    );
    const before = await dumpStore(b);
    const e = await rejects(importBundle(b, versionOnly));
    expect(e.code).toBe('bundle/missing-parent');
    expect(await dumpStore(b)).toBe(before);
  });

  it('refuses a thin bundle where the blobs it leaves out are missing', async () => {
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: null, to: a.v1 } }),
      ),
    );
    const before = await dumpStore(b);
    expect((await rejects(importBundle(b, thin))).code).toBe('bundle/missing-file');
    expect(await dumpStore(b)).toBe(before);
  });

  it('rolls the whole import back when the database fails halfway', async () => {
    const b = freshStore();
    const before = await dumpStore(b);
    b.db.refLog.add = () => {
      throw new Error('simulated crash in the middle of the import');
    };
    const e = await rejects(importBundle(b, good));
    expect(e.code).toBe('storage/failed');
    expect(await dumpStore(b)).toBe(before);
  });

  it('the good bundle itself imports', async () => {
    const b = freshStore();
    expect((await importBundle(b, good)).addedVersions).toHaveLength(3);
  });
});

// ---- frozen bundles -------------------------------------------------------------------------------

const FROZEN = resolve(__dirname, '../../tests/fixtures/bundles');

/**
 * Bundles written by earlier Graft versions must import forever. Each format version has a frozen
 * bundle and what importing it must give. To add one for a new format version (never to rewrite an old
 * one): GRAFT_WRITE_FIXTURES=1 npx vitest run src/storage/bundles.test.ts -t frozen
 */
describe('frozen bundles', () => {
  /** Writes the frozen bundle `name` from `make` when asked to and it is missing; then imports it. */
  async function importFrozen(
    name: string,
    make: () => Promise<{
      store: DexieVersionStore;
      repo: { id: RepoId; name: string };
      versions: VersionId[];
    }>,
  ) {
    const zipPath = join(FROZEN, `${name}.graft.zip`);
    const expectedPath = join(FROZEN, `${name}.expected.json`);
    if (process.env.GRAFT_WRITE_FIXTURES === '1' && !existsSync(zipPath)) {
      const a = await make();
      const bytes = await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'repository' } }),
      );
      mkdirSync(FROZEN, { recursive: true });
      writeFileSync(zipPath, bytes);
      const loads = await Promise.all(a.versions.map((id) => a.store.load(id)));
      const expected = {
        repository: { id: a.repo.id, name: a.repo.name },
        versions: a.versions,
        refs: await refsOf(a.store, a.repo.id),
        head: (await a.store.getRepository(a.repo.id)).head,
        kernels: loads.map((l) => toHex(new Uint8Array(l.tensors[0]!.data))),
        summaries: loads.map((l) => l.version.summary),
      };
      writeFileSync(expectedPath, `${JSON.stringify(expected, null, 2)}\n`);
    }
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    const b = freshStore();
    const report = await importBundle(b, new Uint8Array(readFileSync(zipPath)));
    expect(report.repository).toEqual({ ...expected.repository, created: true });
    expect(new Set(report.addedVersions)).toEqual(new Set(expected.versions));
    expect(await refsOf(b, expected.repository.id)).toEqual(expected.refs);
    expect((await b.getRepository(expected.repository.id)).head).toEqual(expected.head);
    for (const [i, id] of (expected.versions as VersionId[]).entries()) {
      expect((await b.verify(id)).ok).toBe(true);
      expect(toHex(new Uint8Array((await b.load(id)).tensors[0]!.data))).toBe(expected.kernels[i]);
    }
    return { store: b, expected };
  }

  it('imports the frozen format-1 bundle with the same ids, refs and bytes', async () => {
    const { store, expected } = await importFrozen('format-1-repository', async () => {
      const a = await history();
      return { ...a, versions: [a.v1, a.v2, a.v3, a.v4] };
    });
    // Summaries from before format 2 read as they were written: one input, one output.
    for (const id of expected.versions as VersionId[]) {
      const { summary } = (await store.load(id)).version;
      expect(summary).not.toHaveProperty('inputShapes');
      expect(summary).not.toHaveProperty('outputShapes');
    }
  });

  it('imports the frozen format-2 bundle, whose second version has two inputs and two outputs', async () => {
    const { store, expected } = await importFrozen('format-2-repository', async () => {
      const store = freshStore();
      const repo = await store.createRepository('Two “in”, two out');
      const commit = async (parent: VersionId | null, snapshot: ModelSnapshot, message: string) =>
        (
          await store.commit({
            repoId: repo.id,
            branch: 'main',
            parent,
            message,
            change: parent ? 'imported' : 'created',
            snapshot,
            provenance: { app: 'graft' },
            metrics: {},
            createdAt: tick(),
          })
        ).version.id;
      const v1 = await commit(null, tinySnapshot([1, 2, 3, 4], [0.5, -0.5]), 'one in, one out');
      const twoByTwo = {
        ...tinySnapshot([5, 6, 7, 8], [0.5, -0.5]),
        summary: {
          className: 'Functional',
          layerCount: 5,
          paramCount: 10,
          ...summaryShapes(
            [
              [null, null, 3],
              [null, 2],
            ],
            [
              [null, 2],
              [null, 1],
            ],
          ),
        },
      };
      const v2 = await commit(v1, twoByTwo, 'two inputs, two outputs');
      await store.setRef(repo.id, 'v2', 'tag', v2);
      return { store, repo, versions: [v1, v2] };
    });
    const [, multi] = expected.versions as VersionId[];
    expect((await store.load(multi!)).version.summary).toEqual(expected.summaries[1]);
    expect(expected.summaries[1]).toMatchObject({
      inputShapes: [
        [null, null, 3],
        [null, 2],
      ],
      outputShapes: [
        [null, 2],
        [null, 1],
      ],
    });
  });
});
