import { describe, expect, it } from 'vitest';
import { hashBlob, type VersionId } from '../core/hashing';
import { floats, tinySnapshot } from '../core/testVersions';
import type { RepoId } from '../core/versions/types';
import type { DexieVersionStore } from './DexieVersionStore';
import { freshFactory, freshStore, rejects } from './testDb';

async function seeded(store: DexieVersionStore = freshStore()) {
  const repo = await store.createRepository('Seed model');
  const commit = (parent: VersionId | null, kernel: number[], message = 'v', bias = [0, 0]) =>
    store.commit({
      repoId: repo.id,
      parent,
      message,
      change: parent ? 'trained' : 'created',
      snapshot: tinySnapshot(kernel, bias),
      provenance: { app: 'graft', backend: 'cpu' },
    });
  return { store, repo, commit };
}

describe('commit', () => {
  it('stores a version, moves the branch and logs the move', async () => {
    const { store, repo, commit } = await seeded();
    const r = await commit(null, [1, 2, 3, 4], 'first');
    expect(r.branch).toBe('main');
    expect(r.conflict).toBeUndefined();
    expect(r.blobsWritten).toBe(3); // topology, kernel, bias
    const rows = await store.listVersions(repo.id);
    expect(rows.map((v) => v.id)).toEqual([r.version.id]);
    expect(rows[0]).not.toHaveProperty('tensors');
    expect(rows[0]?.totalBytes).toBe(24);
    expect(await store.listRefs(repo.id)).toMatchObject([
      { name: 'main', kind: 'branch', target: r.version.id },
    ]);
    expect(await store.refLog(repo.id, 'main')).toMatchObject([{ from: null, to: r.version.id }]);
    const full = await store.getVersion(r.version.id);
    expect(full.tensors.map((t) => t.name)).toEqual(['dense/kernel', 'dense/bias']);
    expect(full.tensors[0]?.hash).toBe(await hashBlob(floats([1, 2, 3, 4])));
  });

  it('gives back bit-identical bytes on load', async () => {
    const { store, commit } = await seeded();
    const kernel = [0.1, -2.5e-38, 3.4e38, Math.PI];
    const r = await commit(null, kernel);
    const loaded = await store.load(r.version.id);
    expect(new Uint8Array(loaded.tensors[0]!.data)).toEqual(floats(kernel));
    expect(loaded.topology).toEqual(tinySnapshot(kernel, [0, 0]).topology);
  });

  it('stores a tensor once across versions and repositories', async () => {
    const { store, commit } = await seeded();
    const a = await commit(null, [1, 2, 3, 4]);
    const b = await commit(a.version.id, [9, 2, 3, 4]);
    expect(b.blobsWritten).toBe(1);
    expect(b.bytesWritten).toBe(16); // only the changed kernel
    const other = await store.createRepository('Another');
    const c = await store.commit({
      repoId: other.id,
      parent: null,
      message: 'same weights elsewhere',
      change: 'imported',
      snapshot: tinySnapshot([1, 2, 3, 4], [0, 0]),
      provenance: { app: 'graft' },
    });
    expect(c.blobsWritten).toBe(0);
    expect((await store.usage()).blobs).toBe(4);
  });

  it('makes the version, manifest and ref appear together or not at all', async () => {
    const { store, repo, commit } = await seeded();
    const a = await commit(null, [1, 2, 3, 4]);
    const original = store.db.refLog.add.bind(store.db.refLog);
    store.db.refLog.add = () => {
      throw new Error('simulated crash in the middle of the commit transaction');
    };
    await rejects(commit(a.version.id, [5, 6, 7, 8]));
    store.db.refLog.add = original;
    expect((await store.listVersions(repo.id)).length).toBe(1);
    expect(await store.db.manifests.count()).toBe(1);
    expect((await store.listRefs(repo.id))[0]?.target).toBe(a.version.id);
    // The blobs written before the crash are unreferenced and GC finds them.
    const preview = await store.gc({ dryRun: true });
    expect(preview.blobs).toBe(1);
    expect(preview.bytes).toBe(16);
  });

  it('refuses a parent that is not in the repository and leaves nothing visible', async () => {
    const { store, repo, commit } = await seeded();
    const e = await rejects(commit('e'.repeat(64) as VersionId, [1, 2, 3, 4]));
    expect(e.code).toBe('version/invalid');
    expect(await store.listVersions(repo.id)).toEqual([]);
    expect(await store.listRefs(repo.id)).toEqual([]);
  });

  it('keeps both versions when two tabs save on the same parent', async () => {
    const factory = freshFactory();
    const tabA = freshStore(factory, 'shared');
    const tabB = freshStore(factory, 'shared');
    const { repo, commit } = await seeded(tabA);
    const base = await commit(null, [1, 2, 3, 4]);
    const [a, b] = await Promise.all([
      commit(base.version.id, [2, 2, 2, 2], 'from tab A'),
      tabB.commit({
        repoId: repo.id,
        parent: base.version.id,
        message: 'from tab B',
        change: 'trained',
        snapshot: tinySnapshot([3, 3, 3, 3], [0, 0]),
        provenance: { app: 'graft' },
      }),
    ]);
    const branches = [a.branch, b.branch].sort();
    expect(branches).toEqual(['main', 'main-2']);
    const loser = a.conflict ? a : b;
    expect(loser.conflict?.requestedBranch).toBe('main');
    const refs = await tabB.listRefs(repo.id);
    expect(new Set(refs.map((r) => r.target))).toEqual(new Set([a.version.id, b.version.id]));
    expect((await tabA.listVersions(repo.id)).length).toBe(3);
  });

  it('turns a full disk into storage/quota-exceeded and writes no version', async () => {
    const { store, repo, commit } = await seeded();
    store.db.blobs.bulkPut = (() =>
      Promise.reject(new DOMException('disk full', 'QuotaExceededError'))) as never;
    const e = await rejects(commit(null, [1, 2, 3, 4]));
    expect(e.code).toBe('storage/quota-exceeded');
    expect(e.message).toMatch(/Nothing was saved/);
    expect(await store.listVersions(repo.id)).toEqual([]);
  });

  it('rewrites blobs a GC removed between writing them and committing', async () => {
    const { store, repo, commit } = await seeded();
    const a = await commit(null, [1, 2, 3, 4]);
    const realWrite = store.db.transaction.bind(store.db);
    let first = true;
    // Run a GC right before the version transaction, as another tab might.
    store.db.transaction = ((...args: Parameters<typeof realWrite>) => {
      if (first && args[0] === 'rw' && Array.isArray(args[1]) && args[1].length === 6) {
        first = false;
        return store.gc({ dryRun: false }).then(() => realWrite(...args));
      }
      return realWrite(...args);
    }) as typeof store.db.transaction;
    const b = await commit(a.version.id, [7, 7, 7, 7]);
    expect((await store.verify(b.version.id)).ok).toBe(true);
    expect((await store.listRefs(repo.id))[0]?.target).toBe(b.version.id);
  });
});

describe('rollback', () => {
  it('restores an earlier version as a new version and can itself be undone', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1], 'one');
    const v2 = await commit(v1.version.id, [2, 2, 2, 2], 'two');
    const back = await store.rollback(repo.id, v1.version.id);
    expect(back.blobsWritten).toBe(0);
    expect(back.version.parents).toEqual([v2.version.id]);
    expect(back.version.restoredFrom).toBe(v1.version.id);
    expect(back.version.change).toBe('rollback');
    const ids = (await store.listVersions(repo.id)).map((v) => v.id);
    expect(ids).toEqual(expect.arrayContaining([v1.version.id, v2.version.id, back.version.id]));
    expect(new Uint8Array((await store.load(back.version.id)).tensors[0]!.data)).toEqual(
      floats([1, 1, 1, 1]),
    );
    // Roll forward: undo the rollback by rolling back to what was current before it.
    const forward = await store.rollback(repo.id, v2.version.id);
    expect(new Uint8Array((await store.load(forward.version.id)).tensors[0]!.data)).toEqual(
      floats([2, 2, 2, 2]),
    );
    expect((await store.listVersions(repo.id)).length).toBe(4);
    expect((await store.listRefs(repo.id))[0]?.target).toBe(forward.version.id);
    // Nothing became unreachable, so GC has nothing to take.
    expect(await store.gc({ dryRun: true })).toMatchObject({ versions: [], blobs: 0 });
  });

  it('refuses to roll back to the current version', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    expect((await rejects(store.rollback(repo.id, v1.version.id))).code).toBe('version/invalid');
  });
});

describe('verify and corrupt data', () => {
  it('reports and refuses a blob whose bytes no longer match its hash', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4]);
    expect((await store.verify(v.version.id)).ok).toBe(true);
    const kernelHash = (await store.getVersion(v.version.id)).tensors[0]!.hash;
    await store.db.blobs.update(kernelHash, { data: new Blob([floats([1, 2, 3, 5])]) });
    const report = await store.verify(v.version.id);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      { hash: kernelHash, tensor: 'weight “dense/kernel”', problem: 'corrupt' },
    ]);
    const e = await rejects(store.load(v.version.id));
    expect(e.code).toBe('storage/blob-corrupt');
    expect(e.message).toMatch(/dense\/kernel/);
  });

  it('reports a missing blob', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4]);
    const biasHash = (await store.getVersion(v.version.id)).tensors[1]!.hash;
    await store.db.blobs.delete(biasHash);
    expect((await store.verify(v.version.id)).problems).toMatchObject([
      { problem: 'missing', tensor: 'weight “dense/bias”' },
    ]);
    expect((await rejects(store.load(v.version.id))).code).toBe('storage/blob-missing');
  });

  it('notices a tampered version row', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4]);
    await store.db.versions.update(v.version.id, { message: 'rewritten' });
    expect(await store.verify(v.version.id)).toMatchObject({ ok: false, idMatches: false });
  });
});

describe('refs, deletion and GC', () => {
  it('moves tags and remembers where they pointed', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    const v2 = await commit(v1.version.id, [2, 2, 2, 2]);
    await store.setRef(repo.id, 'best', 'tag', v1.version.id);
    await store.setRef(repo.id, 'best', 'tag', v2.version.id);
    expect((await store.refLog(repo.id, 'best')).map((e) => [e.from, e.to])).toEqual([
      [null, v1.version.id],
      [v1.version.id, v2.version.id],
    ]);
    expect((await rejects(store.setRef(repo.id, 'main', 'tag', v1.version.id))).code).toBe('ref/exists');
    expect((await rejects(store.setRef(repo.id, 'bad name', 'tag', v1.version.id))).code).toBe(
      'ref/invalid-name',
    );
  });

  it('creates, renames and previews deleting branches', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    await store.setRef(repo.id, 'idea', 'branch', v1.version.id, { create: true });
    const taken = await rejects(store.setRef(repo.id, 'idea', 'branch', v1.version.id, { create: true }));
    expect(taken.code).toBe('ref/exists');
    // The error carries its key and the name, not a sentence; the message is the catalogue's English.
    expect(taken.key).toBe('error.ref/exists.branch');
    expect(taken.data).toEqual({ name: 'idea' });
    expect(taken.message).toBe('A branch named "idea" already exists; pick another name.');
    const idea = await store.commit({
      repoId: repo.id,
      branch: 'idea',
      parent: v1.version.id,
      message: 'only on idea',
      change: 'trained',
      snapshot: tinySnapshot([5, 5, 5, 5], [0, 0]),
      provenance: { app: 'graft' },
    });
    await store.renameRef(repo.id, 'idea', 'wider');
    expect((await store.listRefs(repo.id)).map((r) => r.name).sort()).toEqual(['main', 'wider']);
    const clash = await rejects(store.renameRef(repo.id, 'wider', 'main'));
    expect([clash.code, clash.key, clash.data]).toEqual([
      'ref/exists',
      'error.ref/exists.taken',
      { name: 'main' },
    ]);
    // Renaming the current branch keeps HEAD on it.
    await store.renameRef(repo.id, 'main', 'trunk');
    expect((await store.getRepository(repo.id)).head).toEqual({ kind: 'branch', name: 'trunk' });
    const preview = await store.previewDeleteRef(repo.id, 'wider');
    expect(preview.versions).toEqual([idea.version.id]);
    expect(preview.bytes).toBe(16);
    // A preview changes nothing.
    expect((await store.listRefs(repo.id)).length).toBe(2);
    expect((await store.previewDeleteRef(repo.id, 'trunk')).versions).toEqual([]);
  });

  it('amends a message without changing the version', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1], 'typo in messge');
    await store.amendMessage(v1.version.id, 'Fixed message');
    const [row] = await store.listVersions(repo.id);
    expect(row?.note?.message).toBe('Fixed message');
    expect(row?.message).toBe('typo in messge');
    expect(row?.id).toBe(v1.version.id);
    expect((await store.verify(v1.version.id)).ok).toBe(true);
    expect((await rejects(store.amendMessage(v1.version.id, '  '))).code).toBe('version/invalid');
  });

  it('frees a deleted branch’s own versions only through GC, and previews it first', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    await store.setRef(repo.id, 'experiment', 'branch', v1.version.id);
    const exp = await store.commit({
      repoId: repo.id,
      branch: 'experiment',
      parent: v1.version.id,
      message: 'wild idea',
      change: 'trained',
      snapshot: tinySnapshot([9, 9, 9, 9], [0, 0]),
      provenance: { app: 'graft' },
    });
    expect((await rejects(store.deleteRef(repo.id, 'main'))).code).toBe('ref/in-use');
    await store.deleteRef(repo.id, 'experiment');
    // Still there until GC: deleting a ref deletes no data.
    expect((await store.listVersions(repo.id)).length).toBe(2);
    const preview = await store.gc({ dryRun: true });
    expect(preview.versions).toEqual([exp.version.id]);
    expect(preview.bytes).toBe(16);
    expect((await store.listVersions(repo.id)).length).toBe(2);
    const done = await store.gc({ dryRun: false });
    expect(done).toMatchObject({ dryRun: false, blobs: 1, bytes: 16 });
    expect((await store.listVersions(repo.id)).map((v) => v.id)).toEqual([v1.version.id]);
    expect((await store.verify(v1.version.id)).ok).toBe(true);
  });

  it('deletes only versions nothing builds on, stepping branches back', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    const v2 = await commit(v1.version.id, [2, 2, 2, 2]);
    expect((await rejects(store.deleteVersion(v1.version.id))).code).toBe('version/has-children');
    await store.deleteVersion(v2.version.id);
    expect((await store.listRefs(repo.id))[0]?.target).toBe(v1.version.id);
    expect((await store.gc({ dryRun: false })).bytes).toBe(16);
    expect((await store.verify(v1.version.id)).ok).toBe(true);
  });

  it('deletes a repository without touching blobs another repository shares', async () => {
    const { store, repo, commit } = await seeded();
    await commit(null, [1, 1, 1, 1]);
    const other = await store.createRepository('Other');
    const o = await store.commit({
      repoId: other.id,
      parent: null,
      message: 'same',
      change: 'imported',
      snapshot: tinySnapshot([1, 1, 1, 1], [0, 0]),
      provenance: { app: 'graft' },
    });
    await store.deleteRepository(repo.id);
    expect((await rejects(store.getRepository(repo.id))).code).toBe('repo/not-found');
    await store.gc({ dryRun: false });
    expect((await store.verify(o.version.id)).ok).toBe(true);
  });

  it('counts storage per repository', async () => {
    const { store, repo, commit } = await seeded();
    const v1 = await commit(null, [1, 1, 1, 1]);
    await commit(v1.version.id, [2, 2, 2, 2]);
    const u = await store.usage(repo.id);
    expect(u.versions).toBe(2);
    expect(u.blobs).toBe(4); // one topology, two kernels, one bias
    expect((await store.usage()).bytes).toBe(u.bytes);
  });

  it('refuses bad repository names and unknown repositories', async () => {
    const store = freshStore();
    expect((await rejects(store.createRepository('   '))).code).toBe('repo/invalid-name');
    expect((await rejects(store.getRepository('nope' as RepoId))).code).toBe('repo/not-found');
  });
});

describe('topology reads', () => {
  it('reads only the verified topology of a version', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4]);
    expect(await store.getTopology(v.version.id)).toEqual(tinySnapshot([1, 2, 3, 4], [0, 0]).topology);
    const row = (await store.listVersions(v.version.repoId))[0]!;
    await store.db.blobs.update(row.topologyHash, { data: new Blob(['{}']) });
    expect((await rejects(store.getTopology(v.version.id))).code).toBe('storage/blob-corrupt');
  });
});

describe('partial weight reads', () => {
  it('reads only the named tensors, verified', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4], 'v', [7, 8]);
    const [bias, ...rest] = await store.loadTensors(v.version.id, ['dense/bias']);
    expect(rest).toEqual([]);
    expect(new Uint8Array(bias!.data)).toEqual(floats([7, 8]));
    await store.db.blobs.update(bias!.entry.hash, { data: new Blob([floats([7, 9])]) });
    expect((await rejects(store.loadTensors(v.version.id, ['dense/bias']))).code).toBe(
      'storage/blob-corrupt',
    );
  });
});

describe('overlapped checkout reads', () => {
  it('hands over verified bytes, and refuses a damaged blob before handing anything over', async () => {
    const { store, commit } = await seeded();
    const v = await commit(null, [1, 2, 3, 4]);
    const good = await store.loadOverlapped(v.version.id);
    await expect(good.verified).resolves.toBeUndefined();
    expect(new Uint8Array(good.tensors[0]!.data)).toEqual(floats([1, 2, 3, 4]));
    const kernel = (await store.getVersion(v.version.id)).tensors[0]!.hash;
    await store.db.blobs.update(kernel, { data: new Blob([floats([1, 2, 3, 5])]) });
    expect((await rejects(store.loadOverlapped(v.version.id))).code).toBe('storage/blob-corrupt');
    await store.db.blobs.delete(kernel);
    expect((await rejects(store.loadOverlapped(v.version.id))).code).toBe('storage/blob-missing');
  });
});
