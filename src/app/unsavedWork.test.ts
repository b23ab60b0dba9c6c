/**
 * The Workspace asks before anything replaces a live model with unsaved work: checkout, rollback, roll
 * forward and opening another repository, each answered with save first / discard / cancel. Runs the real
 * Workspace over the real version store (fake-indexeddb) with a plain-data model in place of TF.js; it sits
 * in app/ because it wires storage into state, as compose.ts does.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VersionId } from '../core/hashing';
import type { RepoId, VersionRow } from '../core/versions/types';
import { freshStore } from '../storage/testDb';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import type { MlServices } from '../core/ports';
import type { LiveGuard, PendingChange } from '../state/LiveModel.svelte';
import {
  plain,
  PLAIN_ML,
  plainWorkspace,
  type PlainModel,
  type PlainWorkspace as Workspace,
} from './testPlainWorkspace';

// A copy of its own: one test breaks its snapshot for a while.
const ML: MlServices<PlainModel> = { ...PLAIN_ML };

const EDIT: PendingChange = {
  change: 'edited',
  description: 'added Dense layer “dense_3”',
  provenance: {},
  metrics: {},
};
const TRAINED: PendingChange = {
  change: 'trained',
  description: 'trained 5 epochs on Digits',
  provenance: {},
  metrics: { loss: 0.25 },
};

const open: Workspace[] = [];
const stores = new Map<Workspace, DexieVersionStore>();
afterEach(() => {
  open.splice(0).forEach((ws) => ws.live.destroy());
  stores.clear();
});

/** Waits until the workspace's history shows what the store holds (it hears of changes asynchronously). */
async function synced(ws: Workspace): Promise<void> {
  const store = stores.get(ws)!;
  const repoId = ws.history.repoId!;
  const [versions, refs] = await Promise.all([store.listVersions(repoId), store.listRefs(repoId)]);
  const ids = (rows: readonly { id: string }[]) => rows.map((v) => v.id).sort();
  const targets = (rows: readonly { name: string; target: string }[]) =>
    rows.map((r) => `${r.name}@${r.target}`).sort();
  await vi.waitFor(() => {
    expect(ids(ws.history.versions)).toEqual(ids(versions));
    expect(targets(ws.history.refs)).toEqual(targets(refs));
  });
}

async function workspace(): Promise<Workspace> {
  const store = freshStore();
  const ws = plainWorkspace(store, async () => ML);
  open.push(ws);
  stores.set(ws, store);
  // As main.ts starts the app: the history first, then the runtime and the live model.
  await ws.live.init();
  await ws.live.startRuntime();
  return ws;
}

/** Saves a model with `values` on top of the live one, as an edit would. */
async function saveValues(ws: Workspace, message: string, ...values: number[]): Promise<VersionId> {
  await ws.live.replaceLive(plain(...values), { ...EDIT, description: message });
  await ws.live.save(message);
  expect(ws.activity.error).toBeNull();
  await synced(ws);
  return ws.live.live!.base!;
}

/**
 * A repository “Seed” with versions v1 [1, 1] and v2 [2, 2] on main, HEAD at v2, and a second repository
 * “Other” holding [9, 9]; the live model is Seed's v2.
 */
async function history() {
  const ws = await workspace();
  await ws.live.createFromTemplate('tiny', 'Other');
  await ws.live.save('Other model');
  await synced(ws);
  const other = ws.history.repoId!;
  await ws.live.createFromTemplate('tiny', 'Seed');
  await ws.live.save('First');
  await synced(ws);
  const seed = ws.history.repoId!;
  const v1 = ws.live.live!.base!;
  const v2 = await saveValues(ws, 'Second', 2, 2);
  expect(ws.live.question).toBeNull();
  return { ws, seed, other, v1, v2 };
}

const valuesOf = (ws: Workspace) => [...ws.live.live!.model.values];
const messages = (ws: Workspace) => ws.history.versions.map((v) => v.message);

/** Starts an action, checks it waits on a question naming the unsaved work, answers it, and waits for it. */
async function answered(
  ws: Workspace,
  action: () => Promise<unknown>,
  answer: 'save' | 'discard' | 'cancel',
  expected: { action: string; target: string },
): Promise<void> {
  let finished = false;
  const done = action().then(() => (finished = true));
  await Promise.resolve();
  expect(ws.live.question).toEqual({
    ...expected,
    lost: ['added Dense layer “dense_3”', 'trained 5 epochs on Digits'],
  });
  expect(finished).toBe(false); // nothing happens before the answer
  expect(ws.activity.busy).toBeNull();
  ws.live.answer(answer);
  expect(ws.live.question).toBeNull();
  await done;
  expect(ws.activity.error).toBeNull();
  await synced(ws);
}

/** Edits and trains the live model without saving: [7, 7]. */
async function unsavedWork(ws: Workspace): Promise<PlainModel> {
  const edited = plain(7, 7);
  await ws.live.replaceLive(edited, EDIT);
  await ws.live.replaceLive(edited, TRAINED);
  expect(ws.live.unsavedWork()).toEqual(['added Dense layer “dense_3”', 'trained 5 epochs on Digits']);
  return edited;
}

const SAVED_MESSAGE = 'Added Dense layer “dense_3”, then trained 5 epochs on Digits';

describe('nothing unsaved: no question', () => {
  it('checks out, rolls back, rolls forward and opens another model at once', async () => {
    const { ws, other, v1, v2 } = await history();
    await ws.live.checkout(v1);
    expect(ws.live.question).toBeNull();
    expect(valuesOf(ws)).toEqual([1, 1]);
    await ws.live.checkout(v2);
    await ws.live.rollback(v1);
    await synced(ws);
    expect(ws.live.question).toBeNull();
    expect(valuesOf(ws)).toEqual([1, 1]);
    await ws.live.rollForward(ws.history.versions.find((v) => v.id === ws.live.live!.base) as VersionRow);
    expect(ws.live.question).toBeNull();
    expect(valuesOf(ws)).toEqual([2, 2]);
    await ws.live.openRepository(other);
    expect(ws.live.question).toBeNull();
    expect(ws.history.repoId).toBe(other);
    expect(ws.activity.error).toBeNull();
  });
});

describe('check out with unsaved work', () => {
  it('cancel: the live model keeps its unsaved work and nothing else changes', async () => {
    const { ws, v1, v2 } = await history();
    const edited = await unsavedWork(ws);
    await answered(ws, () => ws.live.checkout(v1), 'cancel', { action: 'checkout', target: v1.slice(0, 8) });
    expect(ws.live.live!.model).toBe(edited);
    expect(edited.disposed).toBe(false);
    expect(ws.live.live!.base).toBe(v2);
    expect(ws.live.live!.pending?.description).toBe(
      'added Dense layer “dense_3”, then trained 5 epochs on Digits',
    );
    expect(messages(ws)).toEqual(['Second', 'First']);
  });

  it('discard: the version replaces the live model and no version is added', async () => {
    const { ws, v1 } = await history();
    const edited = await unsavedWork(ws);
    await answered(ws, () => ws.live.checkout(v1), 'discard', { action: 'checkout', target: v1.slice(0, 8) });
    expect(valuesOf(ws)).toEqual([1, 1]);
    expect(ws.live.live!.base).toBe(v1);
    expect(ws.live.live!.pending).toBeNull();
    expect(edited.disposed).toBe(true);
    expect(messages(ws)).toEqual(['Second', 'First']);
  });

  it('save first: the work becomes a version with the default message, then the checkout goes on', async () => {
    const { ws, v1, v2 } = await history();
    await unsavedWork(ws);
    await answered(ws, () => ws.live.checkout(v1), 'save', { action: 'checkout', target: v1.slice(0, 8) });
    expect(valuesOf(ws)).toEqual([1, 1]);
    expect(ws.live.live!.base).toBe(v1);
    const saved = ws.history.versions.find((v) => v.message === SAVED_MESSAGE)!;
    expect(saved.parents).toEqual([v2]);
    expect(ws.history.branchHead).toBe(saved.id);
    await ws.live.checkout(saved.id);
    expect(valuesOf(ws)).toEqual([7, 7]);
  });
});

describe('roll back with unsaved work', () => {
  it('cancel: no roll-back version, the unsaved work stays', async () => {
    const { ws, v1, v2 } = await history();
    const edited = await unsavedWork(ws);
    await answered(ws, () => ws.live.rollback(v1), 'cancel', { action: 'rollback', target: v1.slice(0, 8) });
    expect(ws.live.live!.model).toBe(edited);
    expect(ws.history.branchHead).toBe(v2);
    expect(ws.history.versions).toHaveLength(2);
  });

  it('discard: rolls back (a new version restoring v1) and drops the work', async () => {
    const { ws, v1, v2 } = await history();
    await unsavedWork(ws);
    await answered(ws, () => ws.live.rollback(v1), 'discard', { action: 'rollback', target: v1.slice(0, 8) });
    expect(valuesOf(ws)).toEqual([1, 1]);
    expect(ws.history.versions).toHaveLength(3);
    const rollback = ws.history.versions.find((v) => v.id === ws.history.branchHead)!;
    expect(rollback.change).toBe('rollback');
    expect(rollback.parents).toEqual([v2]);
    expect(ws.live.live!.base).toBe(rollback.id);
    expect(ws.history.versions.some((v) => v.message === SAVED_MESSAGE)).toBe(false);
  });

  it('save first: the work is saved, then the roll-back goes on top of it', async () => {
    const { ws, v1 } = await history();
    await unsavedWork(ws);
    await answered(ws, () => ws.live.rollback(v1), 'save', { action: 'rollback', target: v1.slice(0, 8) });
    expect(valuesOf(ws)).toEqual([1, 1]);
    const saved = ws.history.versions.find((v) => v.message === SAVED_MESSAGE)!;
    const rollback = ws.history.versions.find((v) => v.id === ws.history.branchHead)!;
    expect(rollback.change).toBe('rollback');
    expect(rollback.parents).toEqual([saved.id]);
    expect(ws.history.versions).toHaveLength(4);
  });
});

describe('roll forward with unsaved work', () => {
  /** Seed rolled back to v1, then edited without saving: rolling forward goes back to v2's content. */
  async function rolledBack() {
    const h = await history();
    await h.ws.live.rollback(h.v1);
    await synced(h.ws);
    const rollback = h.ws.history.versions.find((v) => v.id === h.ws.history.branchHead)!;
    const edited = await unsavedWork(h.ws);
    return { ...h, rollback, edited };
  }

  it('cancel: stays on the roll-back with the work', async () => {
    const { ws, v2, rollback, edited } = await rolledBack();
    await answered(ws, () => ws.live.rollForward(rollback), 'cancel', {
      action: 'rollForward',
      target: v2.slice(0, 8),
    });
    expect(ws.live.live!.model).toBe(edited);
    expect(ws.history.branchHead).toBe(rollback.id);
  });

  it('discard: rolls forward to v2 and drops the work', async () => {
    const { ws, v2, rollback } = await rolledBack();
    await answered(ws, () => ws.live.rollForward(rollback), 'discard', {
      action: 'rollForward',
      target: v2.slice(0, 8),
    });
    expect(valuesOf(ws)).toEqual([2, 2]);
    const forward = ws.history.versions.find((v) => v.id === ws.history.branchHead)!;
    expect(forward.parents).toEqual([rollback.id]);
    expect(ws.history.versions.some((v) => v.message === SAVED_MESSAGE)).toBe(false);
  });

  it('save first: saves the work on the roll-back, then rolls forward on top of it', async () => {
    const { ws, v2, rollback } = await rolledBack();
    await answered(ws, () => ws.live.rollForward(rollback), 'save', {
      action: 'rollForward',
      target: v2.slice(0, 8),
    });
    expect(valuesOf(ws)).toEqual([2, 2]);
    const saved = ws.history.versions.find((v) => v.message === SAVED_MESSAGE)!;
    expect(saved.parents).toEqual([rollback.id]);
    expect(ws.history.versions.find((v) => v.id === ws.history.branchHead)!.parents).toEqual([saved.id]);
  });
});

describe('open another repository with unsaved work', () => {
  it('cancel: stays in the repository with the work', async () => {
    const { ws, seed, other } = await history();
    const edited = await unsavedWork(ws);
    await answered(ws, () => ws.live.openRepository(other), 'cancel', { action: 'open', target: 'Other' });
    expect(ws.history.repoId).toBe(seed);
    expect(ws.live.live!.model).toBe(edited);
  });

  it('discard: opens the other repository and the work is gone from the first', async () => {
    const { ws, seed, other } = await history();
    await unsavedWork(ws);
    await answered(ws, () => ws.live.openRepository(other), 'discard', { action: 'open', target: 'Other' });
    expect(ws.history.repoId).toBe(other);
    expect(valuesOf(ws)).toEqual([1, 1]);
    await ws.live.openRepository(seed);
    await synced(ws);
    expect(ws.live.question).toBeNull();
    expect(messages(ws)).toEqual(['Second', 'First']);
  });

  it('save first: the work is a version in the first repository, then the other opens', async () => {
    const { ws, seed, other } = await history();
    await unsavedWork(ws);
    await answered(ws, () => ws.live.openRepository(other), 'save', { action: 'open', target: 'Other' });
    expect(ws.history.repoId).toBe(other as RepoId);
    await ws.live.openRepository(seed);
    await synced(ws);
    expect(messages(ws)).toEqual([SAVED_MESSAGE, 'Second', 'First']);
    expect(valuesOf(ws)).toEqual([7, 7]);
  });
});

describe('what else holds the live model', () => {
  it('a training run refuses any replacement with a notice, asking nothing', async () => {
    const { ws, other, v1, v2 } = await history();
    let training = true;
    ws.live.addLiveGuard({ inUse: () => training });
    await ws.live.checkout(v1);
    await ws.live.rollback(v1);
    await ws.live.openRepository(other);
    expect(ws.live.question).toBeNull();
    expect(ws.activity.notice).toMatch(/Training is running/);
    expect(ws.live.live!.base).toBe(v2);
    expect(ws.history.versions).toHaveLength(2);
    training = false;
    await ws.live.checkout(v1);
    expect(ws.live.live!.base).toBe(v1);
  });

  it('unapplied layer edits are asked about, kept by “Save first” and dropped by “Discard”', async () => {
    const { ws, v1, v2 } = await history();
    let draft: string[] = ['added Dense layer “dense_3”'];
    const calls: string[] = [];
    const guard: LiveGuard = {
      pendingEdits: () => draft,
      keepEdits: async () => {
        calls.push('keep');
        await ws.live.replaceLive(plain(3, 3), EDIT);
        draft = [];
        return true;
      },
      dropEdits: () => {
        calls.push('drop');
        draft = [];
      },
    };
    const release = ws.live.addLiveGuard(guard);
    let done = ws.live.checkout(v1);
    expect(ws.live.question?.lost).toEqual([
      'not yet applied in the layer editor: added Dense layer “dense_3”',
    ]);
    ws.live.answer('save');
    await done;
    await synced(ws);
    expect(calls).toEqual(['keep']);
    expect(ws.history.versions.find((v) => v.message === 'Added Dense layer “dense_3”')?.parents).toEqual([
      v2,
    ]);
    expect(valuesOf(ws)).toEqual([1, 1]);

    draft = ['removed Dropout layer “dropout_1”'];
    done = ws.live.checkout(v2);
    ws.live.answer('discard');
    await done;
    expect(calls).toEqual(['keep', 'drop']);
    expect(valuesOf(ws)).toEqual([2, 2]);

    release();
    draft = ['still here'];
    await ws.live.checkout(v1);
    expect(ws.live.question).toBeNull();
  });

  it('a save that fails stops the action: the work and the live model stay', async () => {
    const { ws, v1 } = await history();
    const edited = plain(5, 5);
    // A model that cannot be snapshotted cannot be saved.
    await ws.live.replaceLive(edited, EDIT);
    const snapshot = ML.snapshot;
    (ML as { snapshot: MlServices<PlainModel>['snapshot'] }).snapshot = () =>
      Promise.reject(new Error('GPU lost'));
    try {
      const done = ws.live.checkout(v1);
      ws.live.answer('save');
      await done;
    } finally {
      (ML as { snapshot: MlServices<PlainModel>['snapshot'] }).snapshot = snapshot;
    }
    expect(ws.activity.error?.message).toMatch(/GPU lost/);
    expect(ws.live.live!.model).toBe(edited);
    expect(ws.live.live!.pending).not.toBeNull();
  });
});

describe('saving', () => {
  it('saves one version after another on the same branch, however soon the next save comes', async () => {
    const ws = await workspace();
    await ws.live.createFromTemplate('tiny', 'Quick');
    // No waiting for the history to catch up between saves: each is clicked as soon as the last is done.
    await ws.live.save('First');
    const ids = [ws.live.live!.base!];
    for (const n of [2, 3, 4]) {
      await ws.live.replaceLive(plain(n, n), { ...EDIT, description: `edit ${n}` });
      await ws.live.save(`Save ${n}`);
      expect(ws.activity.error).toBeNull();
      ids.push(ws.live.live!.base!);
    }
    const store = stores.get(ws)!;
    const refs = await store.listRefs(ws.history.repoId!);
    expect(refs.map((r) => `${r.kind} ${r.name}`)).toEqual(['branch main']);
    expect(refs[0]?.target).toBe(ids[3]);
    const versions = await store.listVersions(ws.history.repoId!);
    const parentOf = new Map(versions.map((v) => [v.id, v.parents[0] ?? null]));
    expect(ids.map((id) => parentOf.get(id))).toEqual([null, ids[0], ids[1], ids[2]]);
    expect((await store.getRepository(ws.history.repoId!)).head).toEqual({ kind: 'branch', name: 'main' });
  });
});
