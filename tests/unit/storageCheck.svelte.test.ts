// StorageCheck over the real store on fake-indexeddb: verify, cancel, and export what is intact.
import { describe, expect, it } from 'vitest';
import { openBundle } from '../../src/core/bundle/read';
import type { VersionId } from '../../src/core/hashing';
import { tinySnapshot } from '../../src/core/testVersions';
import { exportBundle } from '../../src/storage/bundles';
import type { DexieVersionStore } from '../../src/storage/DexieVersionStore';
import { freshStore } from '../../src/storage/testDb';
import { verifyAll } from '../../src/storage/verifyAll';
import { StorageCheck } from '../../src/state/StorageCheck.svelte';
import { Activity } from '../../src/state/Activity.svelte';
import { storedBytes } from '../../src/storage/blobValue';

let clock = Date.parse('2026-05-01T10:00:00.000Z');

async function setup(options: { onProgress?: (doneBlobs: number) => void } = {}) {
  const store = freshStore();
  const repo = await store.createRepository('Digits');
  const commit = async (parent: VersionId | null, k: number, branch = 'main') =>
    (
      await store.commit({
        repoId: repo.id,
        branch,
        parent,
        message: `v${k}`,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot([k, 2, 3, 4], [0.5, -0.5]),
        provenance: { app: 'graft' },
        createdAt: new Date((clock += 60_000)).toISOString(),
      })
    ).version.id;
  const v1 = await commit(null, 1);
  const v2 = await commit(v1, 2);
  await store.setRef(repo.id, 'side', 'branch', v1);
  const v3 = await commit(v1, 3, 'side');
  const saved: { data: Uint8Array | Blob; fileName: string }[] = [];
  const ws = new Activity();
  const check = new StorageCheck(ws, {
    verifyAll: (onProgress, signal) =>
      verifyAll(store, {
        signal,
        onProgress: (p) => {
          onProgress(p);
          options.onProgress?.(p.doneBlobs);
        },
      }),
    exportBundle: (request, onProgress) => exportBundle(store, request, onProgress),
    saveFile: (data, fileName) => saved.push({ data, fileName }),
  });
  return { store, repo, v1, v2, v3, ws, check, saved };
}

async function damage(store: DexieVersionStore, id: VersionId) {
  const kernel = (await store.getVersion(id)).tensors.find((t) => t.name === 'dense/kernel')!;
  const row = (await store.db.blobs.get(kernel.hash))!;
  const bytes = new Uint8Array(await storedBytes(row.data));
  bytes[1] = (bytes[1] as number) ^ 0x10;
  await store.db.blobs.put({ ...row, data: new Blob([bytes]) });
}

describe('StorageCheck', () => {
  it('says everything is intact and leaves nothing to repair', async () => {
    const s = await setup();
    await s.check.start();
    expect(s.check.open).toBe(true);
    expect(s.check.running).toBe(false);
    expect(s.check.report?.ok).toBe(true);
    expect(s.check.damaged).toEqual([]);
    expect(s.ws.notice).toMatch(/intact/i);
    expect(s.ws.error).toBeNull();
  });

  it('names the damaged version and exports exactly the intact ones', async () => {
    const s = await setup();
    await damage(s.store, s.v2);
    await s.check.start();
    expect(s.check.report?.ok).toBe(false);
    expect(s.ws.notice).toMatch(/damaged/i);
    const [repo] = s.check.damaged;
    expect(repo?.name).toBe('Digits');
    expect(repo?.damaged.map((d) => d.id)).toEqual([s.v2]);
    expect(repo?.affectedRefs.map((r) => r.name)).toEqual(['main']);

    await s.check.exportIntact(s.repo.id);
    expect(s.ws.error).toBeNull();
    expect(s.saved).toHaveLength(1);
    const opened = await openBundle(new Uint8Array(await (s.saved[0]!.data as Blob).arrayBuffer()));
    expect(opened.manifest.versions.map((v) => v.id).sort()).toEqual([s.v1, s.v3].sort());
    expect(opened.manifest.scope).toEqual({ kind: 'versions', ids: [s.v1, s.v3] });
    expect(s.check.lastExport).toMatchObject({ repoId: s.repo.id, versions: [s.v1, s.v3] });
    expect(s.check.exporting).toBeNull();
  });

  it('stops when cancelled, reporting nothing and keeping the workspace free of errors', async () => {
    const seen: { running: boolean; done: number }[] = [];
    let check: StorageCheck | null = null;
    const s = await setup({
      onProgress: (done) => {
        seen.push({ running: check?.running ?? false, done: check?.progress?.doneBlobs ?? -1 });
        if (done === 1) check?.cancel();
      },
    });
    check = s.check;
    await s.check.start();
    // Cancel came after the first of 5 blobs: no further progress, no report.
    expect(seen).toEqual([
      { running: true, done: 0 },
      { running: true, done: 1 },
    ]);
    expect(s.check.cancelled).toBe(true);
    expect(s.check.report).toBeNull();
    expect(s.check.running).toBe(false);
    expect(s.check.progress).toBeNull();
    expect(s.ws.error).toBeNull();
  });
});
