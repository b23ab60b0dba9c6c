/**
 * Start-up before the ML runtime: the history is listed and read without it; the runtime, when it comes,
 * makes the branch head the live model unless an action begun meanwhile replaced it; a runtime that fails
 * to load is reported and tried again by the next action that needs it. The real state over the real store
 * (fake-indexeddb), with a plain-data model in place of TF.js and a runtime whose arrival the test decides.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { VersionId } from '../core/hashing';
import type { MlServices } from '../core/ports';
import type { LiveModel } from '../state/LiveModel.svelte';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import { freshFactory, freshStore } from '../storage/testDb';
import { plain, PLAIN_ML, plainWorkspace, type PlainModel } from './testPlainWorkspace';

/** A runtime that arrives when the test says (`arrive`), or fails (`fail`); `asked` counts the loads. */
function heldRuntime() {
  const runtime = {
    asked: 0,
    arrive: () => {},
    fail: (_e: Error) => {},
    load: (): Promise<MlServices<PlainModel>> => {
      runtime.asked++;
      return new Promise((resolve, reject) => {
        runtime.arrive = () => resolve(PLAIN_ML);
        runtime.fail = reject;
      });
    },
  };
  return runtime;
}

const opened: LiveModel<PlainModel>[] = [];
afterEach(() => opened.splice(0).forEach((live) => live.destroy()));

function workspace(store: DexieVersionStore, ml: () => Promise<MlServices<PlainModel>>) {
  const ws = plainWorkspace(store, ml);
  opened.push(ws.live);
  return ws;
}

/** A database with one repository of two versions, [1, 1] then [2, 2] (the head); returns their ids. */
async function twoVersions(factory: IDBFactory, name: string): Promise<[VersionId, VersionId]> {
  const ws = workspace(freshStore(factory, name), async () => PLAIN_ML);
  await ws.live.init();
  expect((await ws.live.createFromTemplate('tiny', 'Tiny')).ok).toBe(true);
  await ws.live.save('one');
  const first = ws.live.live!.base!;
  await ws.live.replaceLive(plain(2, 2), {
    change: 'edited',
    description: 'two',
    provenance: {},
    metrics: {},
  });
  await ws.live.save('two');
  const second = ws.live.live!.base!;
  expect(ws.activity.error).toBeNull();
  return [first, second];
}

describe('start-up before the ML runtime', () => {
  it('lists the history and reads a version without the runtime, then makes the head live when it comes (read meanwhile)', async () => {
    const factory = freshFactory();
    const [, head] = await twoVersions(factory, 'listed');
    const runtime = heldRuntime();
    const store = freshStore(factory, 'listed');
    const reads = vi.spyOn(store, 'loadOverlapped');
    const ws = workspace(store, runtime.load);
    await ws.live.init();
    expect(runtime.asked).toBe(0);
    expect(ws.live.ready).toBe(true);
    expect(ws.history.versions.map((v) => v.message).sort()).toEqual(['one', 'two']);
    ws.history.select(head);
    expect(ws.history.selected?.message).toBe('two');
    expect(ws.live.live).toBeNull();
    expect(ws.live.runtime).toBe('loading');
    expect(ws.live.templates).toBeNull();

    const started = ws.live.startRuntime();
    await vi.waitFor(() => expect(runtime.asked).toBe(1));
    // The head's weights are read while the runtime is still on its way.
    expect(reads.mock.calls).toEqual([[head]]);
    runtime.arrive();
    await started;
    expect(reads).toHaveBeenCalledTimes(1);
    expect(ws.live.runtime).toBe('ready');
    expect(ws.live.backend?.active).toBe('cpu');
    expect(ws.live.live?.base).toBe(head);
    expect(ws.live.live?.model.values).toEqual([2, 2]);
    expect(ws.live.templates?.map((t) => t.id)).toEqual(['tiny']);
    expect(ws.activity.error).toBeNull();
  });

  it('a checkout begun while the runtime loads is what the live model becomes, not the head', async () => {
    const factory = freshFactory();
    const [first] = await twoVersions(factory, 'raced');
    const runtime = heldRuntime();
    const ws = workspace(freshStore(factory, 'raced'), runtime.load);
    await ws.live.init();
    const started = ws.live.startRuntime();
    const checkout = ws.live.checkout(first);
    await vi.waitFor(() => expect(runtime.asked).toBe(1));
    runtime.arrive();
    await Promise.all([started, checkout]);
    expect((await checkout).ok).toBe(true);
    expect(ws.live.live?.base).toBe(first);
    expect(ws.live.live?.model.values).toEqual([1, 1]);
    // One load served both.
    expect(runtime.asked).toBe(1);
  });

  it('a runtime that fails to load is reported, and the next action that needs it loads it again', async () => {
    const factory = freshFactory();
    const [first, head] = await twoVersions(factory, 'failed');
    const runtime = heldRuntime();
    const ws = workspace(freshStore(factory, 'failed'), runtime.load);
    await ws.live.init();
    const started = ws.live.startRuntime();
    await vi.waitFor(() => expect(runtime.asked).toBe(1));
    runtime.fail(new Error('Failed to fetch dynamically imported module'));
    await started;
    expect(ws.live.runtime).toBe('failed');
    expect(ws.activity.error?.message).toContain('Failed to fetch dynamically imported module');
    expect(ws.live.live).toBeNull();
    // The history is still there to read.
    expect(ws.history.versions.map((v) => v.id).sort()).toEqual([first, head].sort());

    const checkout = ws.live.checkout(first);
    await vi.waitFor(() => expect(runtime.asked).toBe(2));
    runtime.arrive();
    expect((await checkout).ok).toBe(true);
    expect(ws.live.runtime).toBe('ready');
    expect(ws.live.live?.base).toBe(first);
  });
});
