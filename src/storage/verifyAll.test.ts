import { describe, expect, it } from 'vitest';
import { openBundle } from '../core/bundle/read';
import type { VersionId } from '../core/hashing';
import { tinySnapshot } from '../core/testVersions';
import type { RepoId } from '../core/versions/types';
import { exportBundle, importBundle } from './bundles';
import type { DexieVersionStore } from './DexieVersionStore';
import { bundleBytes, freshStore } from './testDb';
import type { VerifyAllProgress } from '../core/ports';
import { verifyAll } from './verifyAll';
import { storedBytes } from './blobValue';

let clock = Date.parse('2026-04-01T10:00:00.000Z');
const tick = () => new Date((clock += 60_000)).toISOString();

/** main: v1 → v2 → v4, experiment: v1 → v3, tag best → v2. Every version has its own kernel. */
async function history(store: DexieVersionStore, name = 'Iris') {
  const repo = await store.createRepository(name);
  const commit = async (parent: VersionId | null, kernel: number[], message: string, branch = 'main') =>
    (
      await store.commit({
        repoId: repo.id,
        branch,
        parent,
        message,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot(kernel, [0.5, -0.5]),
        provenance: { app: 'graft' },
        createdAt: tick(),
      })
    ).version.id;
  const v1 = await commit(null, [1, 2, 3, 4], 'first');
  const v2 = await commit(v1, [2, 2, 3, 4], 'second');
  await store.setRef(repo.id, 'experiment', 'branch', v1);
  const v3 = await commit(v1, [9, 9, 9, 9], 'wild idea', 'experiment');
  await store.setRef(repo.id, 'best', 'tag', v2);
  const v4 = await commit(v2, [3, 2, 3, 4], 'third');
  return { repo, v1, v2, v3, v4 };
}

async function kernelHash(store: DexieVersionStore, id: VersionId) {
  const v = await store.getVersion(id);
  return v.tensors.find((t) => t.name === 'dense/kernel')!.hash;
}

/** Flips one byte of a stored blob, keeping its size: what a disk error or a stray write would do. */
async function alter(store: DexieVersionStore, hash: string) {
  const row = (await store.db.blobs.get(hash as never))!;
  const bytes = new Uint8Array(await storedBytes(row.data));
  bytes[0] = (bytes[0] as number) ^ 0xff;
  await store.db.blobs.put({ ...row, data: new Blob([bytes]) });
}

describe('verifyAll', () => {
  it('says everything is fine on an intact store, re-hashing every blob with steady progress', async () => {
    const store = freshStore();
    const a = await history(store);
    await history(store, 'Wine');
    const progress: VerifyAllProgress[] = [];
    const report = (await verifyAll(store, { onProgress: (p) => progress.push(p) }))!;
    expect(report.ok).toBe(true);
    expect(report.damagedBlobs).toBe(0);
    // Per repository: 1 topology + 4 kernels + 1 shared bias; the two repositories share all of them.
    expect(report.checkedBlobs).toBe(6);
    expect(report.checkedBytes).toBe((await store.usage()).bytes);
    expect(report.repositories.map((r) => [r.name, r.versions, r.damaged.length])).toEqual([
      ['Iris', 4, 0],
      ['Wine', 4, 0],
    ]);
    const iris = report.repositories[0]!;
    expect(iris.id).toBe(a.repo.id);
    expect([...iris.exportable].sort()).toEqual([a.v1, a.v2, a.v3, a.v4].sort());
    expect(progress[0]).toMatchObject({ doneBlobs: 0, totalBlobs: 6 });
    expect(progress.at(-1)).toMatchObject({ doneBlobs: 6, totalBlobs: 6 });
    expect(progress.at(-1)!.doneBytes).toBe(progress.at(-1)!.totalBytes);
    for (let i = 1; i < progress.length; i++)
      expect(progress[i]!.doneBytes).toBeGreaterThanOrEqual(progress[i - 1]!.doneBytes);
  });

  it('names the versions, refs and tensors an altered and a missing blob damage, and what stays exportable', async () => {
    const store = freshStore();
    const a = await history(store);
    await alter(store, await kernelHash(store, a.v2));
    await store.db.blobs.delete(await kernelHash(store, a.v3));
    const report = (await verifyAll(store))!;
    expect(report.ok).toBe(false);
    expect(report.damagedBlobs).toBe(2);
    const iris = report.repositories[0]!;
    expect(iris.damaged.map((d) => [d.id, d.problems.map((p) => `${p.tensor}:${p.problem}`)])).toEqual([
      [a.v2, ['dense/kernel:corrupt']],
      [a.v3, ['dense/kernel:missing']],
    ]);
    expect(iris.affectedRefs.map((r) => [r.name, r.kind, r.tipDamaged, r.damagedInHistory])).toEqual([
      ['best', 'tag', true, 1],
      ['experiment', 'branch', true, 1],
      ['main', 'branch', false, 1],
    ]);
    // v4 is intact but builds on v2: a bundle of it alone could not be imported anywhere.
    expect(iris.exportable).toEqual([a.v1]);
    expect(iris.intactOnDamaged).toEqual([a.v4]);
  });

  it('catches a version record altered after it was saved and a parent that is gone', async () => {
    const store = freshStore();
    const a = await history(store);
    const manifest = (await store.db.manifests.get(a.v3))!;
    await store.db.manifests.put({ ...manifest, provenance: { app: 'evil' } });
    await store.db.versions.delete(a.v1);
    await store.db.manifests.delete(a.v4);
    const iris = (await verifyAll(store))!.repositories[0]!;
    const byId = new Map(iris.damaged.map((d) => [d.id, d]));
    expect(byId.get(a.v3)).toMatchObject({ idMatches: false, missingParents: [a.v1] });
    expect(byId.get(a.v2)).toMatchObject({ idMatches: true, missingParents: [a.v1] });
    expect(byId.get(a.v4)).toMatchObject({ manifestPresent: false, missingParents: [] });
    expect(iris.exportable).toEqual([]);
  });

  it('stops as soon as it is cancelled and returns nothing', async () => {
    const store = freshStore();
    await history(store);
    const controller = new AbortController();
    let calls = 0;
    const report = await verifyAll(store, {
      signal: controller.signal,
      onProgress: (p) => {
        calls++;
        if (p.doneBlobs === 2) controller.abort();
      },
    });
    expect(report).toBeNull();
    expect(calls).toBe(3);
  });

  it('exports exactly the intact versions as a bundle that imports on its own', async () => {
    const store = freshStore();
    const a = await history(store);
    await store.db.blobs.delete(await kernelHash(store, a.v3));
    const iris = (await verifyAll(store))!.repositories[0]!;
    expect(iris.exportable).toEqual([a.v1, a.v2, a.v4]);
    const out = await exportBundle(store, {
      repoId: a.repo.id as RepoId,
      scope: { kind: 'versions', ids: iris.exportable },
    });
    expect(out.fileName).toMatch(/--selection-3--/);
    const opened = await openBundle(await bundleBytes(out));
    expect(opened.manifest.versions.map((v) => v.id)).toEqual([a.v1, a.v2, a.v4]);
    expect(opened.manifest.refs.map((r) => r.name).sort()).toEqual(['best', 'main']);
    const fresh = freshStore();
    const report = await importBundle(fresh, await bundleBytes(out));
    expect(report.addedVersions).toEqual([a.v1, a.v2, a.v4]);
    expect((await verifyAll(fresh))!.ok).toBe(true);
  });
});
