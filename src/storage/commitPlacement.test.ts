/** The one commit path on the real store: where a save goes is decided and carried out in one transaction. */
import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import { tinySnapshot } from '../core/testVersions';
import type { SaveTarget } from '../core/versions/placement';
import { freshStore, rejects } from './testDb';

async function seeded() {
  const store = freshStore();
  const repo = await store.createRepository('Seed model');
  const commit = (parent: VersionId | null, kernel: number[], target?: SaveTarget, message = 'v') =>
    store.commit({
      repoId: repo.id,
      ...(target ? { target } : {}),
      parent,
      message,
      change: parent ? 'trained' : 'created',
      snapshot: tinySnapshot(kernel, [0, 0]),
      provenance: { app: 'graft', backend: 'cpu' },
    });
  const v1 = (await commit(null, [1, 1, 1, 1], undefined, 'one')).version.id;
  const v2 = (await commit(v1, [2, 2, 2, 2], undefined, 'two')).version.id;
  const head = async () => (await store.getRepository(repo.id)).head;
  const refs = async () =>
    Object.fromEntries((await store.listRefs(repo.id)).map((r) => [r.name, r.target] as const));
  return { store, repo, commit, v1, v2, head, refs };
}

describe('a save of the live model', () => {
  it('on an older version starts a new branch there, moves it and makes it current, in one go', async () => {
    const { store, repo, commit, v1, v2, head, refs } = await seeded();
    const r = await commit(v1, [3, 3, 3, 3], { kind: 'head', seen: { branch: 'main', target: v2 } }, 'three');
    expect(r).toMatchObject({ branch: 'main-2', branchedOff: true });
    expect(r.conflict).toBeUndefined();
    expect(await refs()).toEqual({ main: v2, 'main-2': r.version.id });
    expect(await head()).toEqual({ kind: 'branch', name: 'main-2' });
    expect(await store.refLog(repo.id, 'main-2')).toMatchObject([
      { from: null, to: v1, reason: { code: 'saved-on-older' } },
      { from: v1, to: r.version.id, reason: { code: 'saved', change: 'trained', message: 'three' } },
    ]);
  });

  it('keeps both lines, and makes its own current, when another tab moved the branch meanwhile', async () => {
    const { store, repo, commit, v1, v2, head, refs } = await seeded();
    // This tab saw main at v1 and builds on it; another tab has since saved v2 there.
    const r = await commit(v1, [3, 3, 3, 3], { kind: 'head', seen: { branch: 'main', target: v1 } });
    expect(r).toMatchObject({ branch: 'main-2', conflict: { requestedBranch: 'main', theirHead: v2 } });
    expect(r.branchedOff).toBeUndefined();
    expect(await refs()).toEqual({ main: v2, 'main-2': r.version.id });
    expect(await head()).toEqual({ kind: 'branch', name: 'main-2' });
    expect(await store.refLog(repo.id, 'main-2')).toMatchObject([
      { from: null, to: r.version.id, reason: { code: 'saved-conflict', branch: 'main' } },
    ]);
  });

  it('from a detached HEAD starts “branch” at its version', async () => {
    const { store, repo, commit, v1, v2, head, refs } = await seeded();
    await store.setHead(repo.id, { kind: 'detached', version: v1 });
    const r = await commit(v1, [3, 3, 3, 3], { kind: 'head' });
    expect(r).toMatchObject({ branch: 'branch', branchedOff: true });
    expect(await refs()).toEqual({ main: v2, branch: r.version.id });
    expect(await head()).toEqual({ kind: 'branch', name: 'branch' });
  });
});

describe('a checkpoint', () => {
  it('creates its side branch at the parent in the commit’s transaction; HEAD stays', async () => {
    const { store, repo, commit, v2, head, refs } = await seeded();
    const r = await commit(v2, [4, 4, 4, 4], { kind: 'checkpoint', name: 'run-1/epoch-1' });
    expect(await refs()).toEqual({ main: v2, 'run-1/epoch-1': r.version.id });
    expect(await head()).toEqual({ kind: 'branch', name: 'main' });
    expect(await store.refLog(repo.id, 'run-1/epoch-1')).toMatchObject([
      { from: null, to: v2, reason: { code: 'checkpoint' } },
      { from: v2, to: r.version.id },
    ]);
  });

  it('that fails leaves no branch, no version and no ref log behind', async () => {
    const { store, repo, commit, v2, refs } = await seeded();
    const before = { refs: await refs(), log: (await store.refLog(repo.id)).length };
    // The ref log refuses the move's entry: the branch created just before it must go too.
    store.db.refLog.hook('creating', (_key, entry) => {
      if (entry.to !== v2) throw new Error('disk trouble');
    });
    await rejects(commit(v2, [4, 4, 4, 4], { kind: 'checkpoint', name: 'run-1/epoch-1' }));
    expect(await refs()).toEqual(before.refs);
    expect(await store.refLog(repo.id)).toHaveLength(before.log);
    expect(await store.listVersions(repo.id)).toHaveLength(2);
  });

  it('refuses a parent from elsewhere and leaves no branch behind', async () => {
    const { commit, refs, v2 } = await seeded();
    const e = await rejects(
      commit('e'.repeat(64) as VersionId, [4, 4, 4, 4], { kind: 'checkpoint', name: 'c' }),
    );
    expect(e.code).toBe('version/invalid');
    expect(await refs()).toEqual({ main: v2 });
  });
});

describe('starting a branch', () => {
  it('creates it and makes it current together, or does neither', async () => {
    const { store, repo, v1, v2, head, refs } = await seeded();
    await store.startBranch(repo.id, 'idea', v1);
    expect(await refs()).toEqual({ main: v2, idea: v1 });
    expect(await head()).toEqual({ kind: 'branch', name: 'idea' });
    expect(await store.refLog(repo.id, 'idea')).toMatchObject([{ reason: { code: 'branch-created' } }]);

    await store.setHead(repo.id, { kind: 'branch', name: 'main' });
    const e = await rejects(store.startBranch(repo.id, 'idea', v2));
    expect(e.code).toBe('ref/exists');
    expect(await head()).toEqual({ kind: 'branch', name: 'main' });
    expect(await refs()).toEqual({ main: v2, idea: v1 });
  });
});

describe('the ref log', () => {
  it('stores reasons as codes with their data', async () => {
    const { store, repo, v1, v2 } = await seeded();
    await store.setRef(repo.id, 'best', 'tag', v1);
    await store.setRef(repo.id, 'best', 'tag', v2, { reason: { code: 'tag-moved', from: v1 } });
    await store.renameRef(repo.id, 'best', 'top');
    await store.deleteRef(repo.id, 'top');
    expect((await store.refLog(repo.id)).filter((e) => e.kind === 'tag').map((e) => e.reason)).toEqual([
      { code: 'tag-placed' },
      { code: 'tag-moved', from: v1 },
      { code: 'renamed', from: 'best', to: 'top' },
      { code: 'renamed', from: 'best', to: 'top' },
      { code: 'deleted' },
    ]);
  });
});
