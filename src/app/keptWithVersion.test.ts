/**
 * What a version keeps beside it, through the real LiveModel over the real store (fake-indexeddb), with a
 * plain-data model in place of TF.js: a trained change's optimizer state and data are saved with the
 * version, come back after a reload (a new LiveModel on the same database) ready to continue, and an edit
 * leaves none to continue.
 */
import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it } from 'vitest';
import { hashBlob } from '../core/hashing';
import type { DataBlob, OptimizerState } from '../core/ports';
import { freshFactory, freshStore } from '../storage/testDb';
import type { LiveModel, PendingChange } from '../state/LiveModel.svelte';
import { plain, plainWorkspace, type PlainModel } from './testPlainWorkspace';

const f32 = (values: readonly number[]) => new Uint8Array(new Float32Array(values).buffer);

const STATE: OptimizerState = {
  optimizer: 'adam',
  learningRate: 0.01,
  iterations: 8,
  epochs: 2,
  weights: [{ name: 'dense/kernel', shape: [2] }],
  tensors: [
    { name: 'dense/kernel/m', shape: [2], dtype: 'float32', data: f32([0.5, -0.25]) },
    { name: 'dense/kernel/v', shape: [2], dtype: 'float32', data: f32([0.125, 0.0625]) },
  ],
};

async function dataBlob(): Promise<DataBlob> {
  const bytes = new TextEncoder().encode('x,y\n1,0\n2,1\n');
  return { hash: await hashBlob(bytes), bytes };
}

const open: LiveModel<PlainModel>[] = [];
afterEach(() => open.splice(0).forEach((live) => live.destroy()));

/** The app's state parts over one database, as compose.ts connects them; opening it again is a reload. */
async function workspace(factory: IDBFactory, name: string) {
  const store = freshStore(factory, name);
  const { activity, live } = plainWorkspace(store);
  open.push(live);
  // As main.ts starts the app: the history first, then the runtime and the live model.
  await live.init();
  await live.startRuntime();
  return { store, activity, live };
}

const trained = async (): Promise<PendingChange> => ({
  change: 'trained',
  description: 'trained 2 epochs on xy',
  provenance: { dataset: { name: 'xy' } },
  metrics: { loss: 0.5 },
  optimizer: STATE,
  data: await dataBlob(),
});

describe('a version keeps its optimizer state and data', () => {
  it('saves them beside the version, and after a reload offers the state to continue', async () => {
    const factory = freshFactory();
    const ws = await workspace(factory, 'kept');
    await ws.live.createFromTemplate('tiny', 'Kept');
    await ws.live.replaceLive(plain(3, 4), await trained());
    await ws.live.save('Trained');
    expect(ws.activity.error).toBeNull();
    const id = ws.live.live!.base!;
    expect(ws.live.live!.kept.optimizer).toMatchObject({ optimizer: 'adam', iterations: 8, epochs: 2 });
    expect(ws.live.live!.kept.data?.byteLength).toBe((await dataBlob()).bytes.byteLength);
    const attachments = await ws.store.getAttachments(id);
    expect(attachments.optimizer?.iterations).toBe(8);
    expect(attachments.data?.hash).toBe((await dataBlob()).hash);

    ws.live.destroy();
    const again = await workspace(factory, 'kept');
    expect(again.live.live?.base).toBe(id);
    expect(again.live.live?.kept.optimizer).toMatchObject({ iterations: 8, epochs: 2 });
    const state = await again.live.optimizerState();
    expect(state?.tensors.map((t) => [...new Float32Array(t.data!.slice().buffer)])).toEqual([
      [0.5, -0.25],
      [0.125, 0.0625],
    ]);
  });

  it('keeps none to continue after an edit, and saves the edited version without a state', async () => {
    const ws = await workspace(freshFactory(), 'edited');
    await ws.live.createFromTemplate('tiny', 'Edited');
    await ws.live.replaceLive(plain(3, 4), await trained());
    expect((await ws.live.optimizerState())?.iterations).toBe(8);
    await ws.live.replaceLive(plain(3, 4, 5), {
      change: 'edited',
      description: 'added a weight',
      provenance: {},
      metrics: {},
    });
    expect(await ws.live.optimizerState()).toBeNull();
    await ws.live.save('Trained, then edited');
    expect(ws.activity.error).toBeNull();
    const attachments = await ws.store.getAttachments(ws.live.live!.base!);
    expect(attachments.optimizer).toBeUndefined();
    expect(attachments.data?.hash).toBe((await dataBlob()).hash);
    expect(await ws.live.optimizerState()).toBeNull();
  });
});
