/**
 * What the app-level tests of state over the real store share: a model that is plain data in place of
 * TF.js, the MlServices over it, and the app's state parts over one store, connected as compose.ts
 * connects them.
 */
import type { Location, MlServices, Preferences, StorageManagerPort } from '../core/ports';
import { Activity } from '../state/Activity.svelte';
import { History } from '../state/History.svelte';
import { LiveModel } from '../state/LiveModel.svelte';
import { StorageStatus } from '../state/StorageStatus.svelte';
import type { DexieVersionStore } from '../storage/DexieVersionStore';

/** A model as plain data: one weight tensor whose values say which model it is. */
export interface PlainModel {
  readonly values: readonly number[];
  disposed: boolean;
}

export const plain = (...values: number[]): PlainModel => ({ values, disposed: false });

/** The ML runtime over plain models: template `tiny` is [1, 1]; snapshots hold the values as float32. */
export const PLAIN_ML: MlServices<PlainModel> = {
  templates: [{ id: 'tiny', name: 'Tiny', description: 'two weights' }],
  startBackend: async () => ({ active: 'cpu', requested: 'cpu' }),
  moveToBackend: async (model) => ({ model, backend: { active: 'cpu', requested: 'cpu' } }),
  createFromTemplate: () => plain(1, 1),
  snapshot: async (model) => ({
    topology: { class_name: 'Sequential', config: { name: 'tiny', layers: [] } },
    summary: PLAIN_ML.summarize(model),
    tensors: [
      {
        name: 'dense/kernel',
        shape: [model.values.length],
        dtype: 'float32',
        data: new Uint8Array(new Float32Array(model.values).buffer),
      },
    ],
  }),
  materialize: async (loaded) => plain(...new Float32Array(loaded.tensors[0]!.data)),
  summarize: (model) => ({
    className: 'Sequential',
    layerCount: 1,
    paramCount: model.values.length,
    inputShape: null,
    outputShape: null,
  }),
  describeLayers: () => [],
  probe: () => Promise.reject(new Error('no probe for plain models')),
  dispose: (model) => {
    model.disposed = true;
  },
  environment: () => ({ backend: 'cpu', tfjsVersion: 'none', userAgent: 'vitest' }),
  tensorCount: () => 0,
};

export interface PlainWorkspace {
  readonly activity: Activity;
  readonly history: History;
  readonly live: LiveModel<PlainModel>;
}

/**
 * The app's state parts over `store`, as compose.ts connects them, with no preferences, location or
 * storage estimate; `ml` loads the runtime (at once by default). Nothing is started yet: the caller runs
 * `live.init()` (and `live.startRuntime()`) as main.ts would, and destroys `live` when done.
 */
export function plainWorkspace(
  store: DexieVersionStore,
  ml: () => Promise<MlServices<PlainModel>> = async () => PLAIN_ML,
): PlainWorkspace {
  const prefs: Preferences = { get: () => null, set: () => {} };
  const location: Location = { read: () => ({ repo: null, version: null }), write: () => {} };
  const manager: StorageManagerPort = {
    estimate: async () => null,
    persisted: async () => false,
    persist: async () => false,
  };
  const activity = new Activity();
  const history = new History(store, activity, location, prefs);
  const storage = new StorageStatus(store, manager, activity, () => history.repoId);
  const live = new LiveModel({ store, ml, prefs }, activity, history, storage);
  return { activity, history, live };
}
