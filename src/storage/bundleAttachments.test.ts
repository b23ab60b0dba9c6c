// Bundles carry what versions keep beside their content: optimizer state always, the data trained on when
// asked. Verified like every other blob on the way in; a bundle from before they existed still imports.
import { strToU8, unzipSync, zipSync } from 'fflate';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, type BundleManifest } from '../core/bundle/manifest';
import { MANIFEST_FILE, blobPath } from '../core/bundle/names';
import { toHex, type VersionId } from '../core/hashing';
import type { DataBlob, OptimizerState } from '../core/ports';
import { dataBlob, tinyOptimizer, tinySnapshot } from '../core/testVersions';
import type { RepoId } from '../core/versions/types';
import { bundleDataBytes, exportBundle, importBundle } from './bundles';
import type { DexieVersionStore } from './DexieVersionStore';
import { bundleBytes, dumpStore, freshStore, rejects } from './testDb';

let clock = Date.parse('2026-06-01T10:00:00.000Z');
const tick = () => new Date((clock += 60_000)).toISOString();

const CSV = 'x1,x2,label\n0.5,1.5,a\n2.5,0.5,b\n';
const adam = (n: number) =>
  tinyOptimizer(
    { kernel: [n, n + 0.1, n + 0.2, n + 0.3], bias: [n + 0.4, n + 0.5] },
    { kernel: [n / 10, n / 10, n / 10, n], bias: [n / 100, n] },
    { iterations: n * 4, epochs: n },
  );

/** main: v1 (Adam, data) → v2 (Adam, same data) → v3 (no attachments), tag best → v2. */
async function history(store: DexieVersionStore = freshStore()) {
  const repo = await store.createRepository('Kept things');
  const data = await dataBlob(CSV);
  const save = async (
    parent: VersionId | null,
    kernel: number[],
    optimizer?: OptimizerState,
    kept?: DataBlob,
  ) =>
    (
      await store.commit({
        repoId: repo.id,
        branch: 'main',
        parent,
        message: `kernel ${kernel[0]}`,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot(kernel, [0.5, -0.5]),
        provenance: { app: 'graft', dataset: { name: 'points.csv' } },
        createdAt: tick(),
        ...(optimizer ? { optimizer } : {}),
        ...(kept ? { data: kept } : {}),
      })
    ).version.id;
  const v1 = await save(null, [1, 2, 3, 4], adam(1), data);
  const v2 = await save(v1, [2, 2, 3, 4], adam(2), data);
  await store.setRef(repo.id, 'best', 'tag', v2);
  const v3 = await save(v2, [3, 2, 3, 4]);
  return { store, repo, data, v1, v2, v3 };
}

const all = { kind: 'repository' } as const;
const manifestOf = (bytes: Uint8Array): BundleManifest =>
  readManifest(JSON.parse(new TextDecoder().decode(unzipSync(bytes)[MANIFEST_FILE])));
const stateHex = async (store: DexieVersionStore, id: VersionId) =>
  (await store.loadOptimizerState(id))?.tensors.map((t) => [t.name, toHex(t.data as Uint8Array)]);

describe('bundles carry optimizer state, and data when asked', () => {
  it('always carries optimizer state, leaving the data out by default', async () => {
    const a = await history();
    const exported = await exportBundle(a.store, { repoId: a.repo.id, scope: all });
    expect(exported.stats).toMatchObject({
      versions: 3,
      dataBytes: a.data.bytes.byteLength,
      includesData: false,
      blobs: 1 + 4 + 8,
    });
    const manifest = manifestOf(await bundleBytes(exported));
    expect(manifest.attachments?.map((x) => [x.version, Object.keys(x).sort()])).toEqual([
      [a.v1, ['optimizer', 'version']],
      [a.v2, ['optimizer', 'version']],
    ]);
    expect(Object.keys(unzipSync(await bundleBytes(exported)))).not.toContain(blobPath(a.data.hash));

    const b = freshStore();
    const report = await importBundle(b, await bundleBytes(exported));
    expect(report.addedBlobs).toBe(1 + 4 + 8);
    for (const id of [a.v1, a.v2]) {
      expect((await b.getAttachments(id)).optimizer).toEqual((await a.store.getAttachments(id)).optimizer);
      expect(await stateHex(b, id)).toEqual(await stateHex(a.store, id));
      expect(await b.loadData(id)).toBeNull();
      expect((await b.verify(id)).ok).toBe(true);
    }
    expect(await b.getAttachments(a.v3)).toEqual({});
  });

  it('packs each kept data set once with includeData, and the receiver can read it back', async () => {
    const a = await history();
    const request = { repoId: a.repo.id, scope: all, includeData: true };
    const exported = await exportBundle(a.store, request);
    expect(exported.stats).toMatchObject({
      dataBytes: a.data.bytes.byteLength,
      includesData: true,
      blobs: 14,
    });
    expect(await bundleDataBytes(a.store, request)).toBe(a.data.bytes.byteLength);
    const b = freshStore();
    await importBundle(b, await bundleBytes(exported));
    for (const id of [a.v1, a.v2]) {
      expect(await b.getAttachments(id)).toEqual(await a.store.getAttachments(id));
      expect(new TextDecoder().decode((await b.loadData(id)) as Uint8Array)).toBe(CSV);
    }
    expect((await b.db.blobs.get(a.data.hash))?.kind).toBe('data');
  });

  it('bundleDataBytes counts the distinct data the scope’s versions keep, without exporting', async () => {
    const a = await history();
    const other = await dataBlob(`${CSV}9,9,c\n`);
    await a.store.keepData(a.v3, other);
    const repo = a.repo.id;
    expect(await bundleDataBytes(a.store, { repoId: repo, scope: all })).toBe(
      a.data.bytes.byteLength + other.bytes.byteLength,
    );
    expect(await bundleDataBytes(a.store, { repoId: repo, scope: { kind: 'version', id: a.v2 } })).toBe(
      a.data.bytes.byteLength,
    );
    expect(
      await bundleDataBytes(a.store, { repoId: repo, scope: { kind: 'range', from: a.v2, to: a.v3 } }),
    ).toBe(other.bytes.byteLength);
  });

  it('gives versions already here the attachments they lack; importing again changes nothing', async () => {
    const a = await history();
    const b = freshStore();
    await importBundle(b, await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: all })));
    expect(await b.loadData(a.v1)).toBeNull();
    const withData = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: all, includeData: true }),
    );
    const report = await importBundle(b, withData);
    expect(report.addedVersions).toEqual([]);
    expect([report.addedBlobs, report.addedBytes]).toEqual([1, a.data.bytes.byteLength]);
    expect(await b.getAttachments(a.v1)).toEqual(await a.store.getAttachments(a.v1));
    expect(new TextDecoder().decode((await b.loadData(a.v2)) as Uint8Array)).toBe(CSV);
    const before = await dumpStore(b);
    await importBundle(b, withData);
    expect(await dumpStore(b)).toBe(before);
  });

  it('a thin bundle leaves out what the receiver holds and still carries the attachments it may lack', async () => {
    const a = await history();
    const b = freshStore();
    await importBundle(
      b,
      await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'range', from: null, to: a.v1 } }),
      ),
    );
    // As if v1 had come here before versions kept anything beside their content.
    const { attachments: _kept, ...bare } = (await b.db.manifests.get(a.v1))!;
    await b.db.manifests.put(bare);
    expect(await b.getAttachments(a.v1)).toEqual({});
    const thin = await exportBundle(a.store, {
      repoId: a.repo.id,
      scope: all,
      thinAgainst: [a.v1],
      includeData: true,
    });
    // v1's topology, kernel and bias are left out; its optimizer state and the data travel.
    expect(thin.stats.omittedBlobs).toBe(3);
    await importBundle(b, await bundleBytes(thin));
    for (const id of [a.v1, a.v2, a.v3]) {
      expect(await b.getAttachments(id)).toEqual(await a.store.getAttachments(id));
      expect((await b.verify(id)).ok).toBe(true);
    }
  });

  it('refuses the whole bundle, writing nothing, when an optimizer or data blob is damaged', async () => {
    const a = await history();
    const bytes = await bundleBytes(
      exportBundle(a.store, { repoId: a.repo.id, scope: all, includeData: true }),
    );
    const files = unzipSync(bytes);
    const m = (await a.store.getAttachments(a.v2)).optimizer!.tensors[1]!.hash;
    for (const hash of [m, a.data.hash]) {
      const damaged = files[blobPath(hash)]!.slice();
      damaged[0] = damaged[0]! ^ 0xff;
      const b = freshStore();
      await importBundle(
        b,
        await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: { kind: 'version', id: a.v1 } })),
      );
      const before = await dumpStore(b);
      const e = await rejects(importBundle(b, zipSync({ ...files, [blobPath(hash)]: damaged })));
      expect(e.code).toBe('bundle/hash-mismatch');
      expect(await dumpStore(b)).toBe(before);
    }
  });

  it('refuses an optimizer tensor whose blob does not fit its shape, writing nothing', async () => {
    const a = await history();
    const files = unzipSync(await bundleBytes(exportBundle(a.store, { repoId: a.repo.id, scope: all })));
    const manifest = JSON.parse(new TextDecoder().decode(files[MANIFEST_FILE]));
    manifest.attachments[0].optimizer.tensors[0].shape = [4, 2];
    manifest.attachments[0].optimizer.tensors[0].byteLength = 32;
    const hash = manifest.attachments[0].optimizer.tensors[0].hash;
    manifest.blobs.find((x: { hash: string }) => x.hash === hash).size = 32;
    const b = freshStore();
    const e = await rejects(
      importBundle(b, zipSync({ ...files, [MANIFEST_FILE]: strToU8(JSON.stringify(manifest)) })),
    );
    expect(e.code).toBe('bundle/size-mismatch');
    expect(await b.listRepositories()).toEqual([]);
  });

  it('exports a version whose message was amended (the note is not part of its content)', async () => {
    const a = await history();
    await a.store.amendMessage(a.v2, 'trained two epochs on points.csv');
    const exported = await exportBundle(a.store, { repoId: a.repo.id, scope: all });
    expect(manifestOf(await bundleBytes(exported)).versions.map((v) => v.id)).toEqual([a.v1, a.v2, a.v3]);
  });
});

// ---- the frozen format-3 bundle ------------------------------------------------------------------

const FROZEN = resolve(__dirname, '../../tests/fixtures/bundles');

/**
 * Format 3 added attachments. Its frozen bundle (written once by this code with
 * GRAFT_WRITE_FIXTURES=1 npx vitest run src/storage/bundleAttachments.test.ts -t frozen; never rewritten)
 * must import forever with its optimizer states and data.
 */
describe('frozen bundles', () => {
  it('imports the frozen format-3 bundle with its optimizer states and kept data, byte for byte', async () => {
    const zipPath = join(FROZEN, 'format-3-repository.graft.zip');
    const expectedPath = join(FROZEN, 'format-3-repository.expected.json');
    if (process.env.GRAFT_WRITE_FIXTURES === '1' && !existsSync(zipPath)) {
      const a = await history();
      const bytes = await bundleBytes(
        exportBundle(a.store, { repoId: a.repo.id, scope: all, includeData: true }),
      );
      writeFileSync(zipPath, bytes);
      const versions = [a.v1, a.v2, a.v3];
      const expected = {
        repository: { id: a.repo.id, name: a.repo.name },
        versions,
        attachments: await Promise.all(versions.map((id) => a.store.getAttachments(id))),
        optimizerBytes: await Promise.all(versions.map((id) => stateHex(a.store, id))),
        data: CSV,
      };
      writeFileSync(expectedPath, `${JSON.stringify(expected, null, 2)}\n`);
    }
    const expected = JSON.parse(readFileSync(expectedPath, 'utf8'));
    const b = freshStore();
    const report = await importBundle(b, new Uint8Array(readFileSync(zipPath)));
    expect(report.repository).toEqual({ ...expected.repository, created: true });
    expect(manifestOf(new Uint8Array(readFileSync(zipPath))).formatVersion).toBe(3);
    for (const [i, id] of (expected.versions as VersionId[]).entries()) {
      expect((await b.verify(id)).ok).toBe(true);
      expect(await b.getAttachments(id)).toEqual(expected.attachments[i]);
      expect((await stateHex(b, id)) ?? null).toEqual(expected.optimizerBytes[i]);
      const data = await b.loadData(id);
      expect(data && new TextDecoder().decode(data)).toBe(
        expected.attachments[i].data ? expected.data : null,
      );
    }
    expect((expected.attachments as object[]).filter((x) => 'optimizer' in x)).toHaveLength(2);
  });

  it('imports the frozen format-1 and format-2 bundles with no attachments', async () => {
    for (const name of ['format-1-repository', 'format-2-repository']) {
      const b = freshStore();
      const report = await importBundle(b, new Uint8Array(readFileSync(join(FROZEN, `${name}.graft.zip`))));
      for (const id of report.addedVersions) expect(await b.getAttachments(id)).toEqual({});
      expect(report.repository.id as RepoId).toBeTruthy();
    }
  });
});
