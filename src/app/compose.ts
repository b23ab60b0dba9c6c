/**
 * The one place that wires storage and ml into the app's state: it constructs and connects, nothing else.
 * What the history needs is built at once; the ML runtime (TF.js) and the features built on it come from
 * app/features.ts, imported after the first paint (or by the first action that needs it).
 */
import type * as tf from '@tensorflow/tfjs';
import { BROWSER_LOCATION, BROWSER_PREFS, BROWSER_STORAGE, saveFile } from './browser';
import { DexieVersionStore } from '../storage/DexieVersionStore';
import { GraftDb } from '../storage/db';
import { GraftError } from '../core/errors';
import type { MlServices, VersionReader } from '../core/ports';
import { Activity } from '../state/Activity.svelte';
import { History } from '../state/History.svelte';
import { Lazy } from '../state/Lazy.svelte';
import { LiveModel as Live } from '../state/LiveModel.svelte';
import { StorageStatus } from '../state/StorageStatus.svelte';
import { StorageCheck } from '../state/StorageCheck.svelte';
import { verifyAll } from '../storage/verifyAll';
import { Tour } from '../state/Tour.svelte';
import type { Features } from './features';

export type LiveModel = tf.LayersModel;

/** The parts of the app's state every feature draws on, over one store. */
export interface Core {
  readonly activity: Activity;
  readonly history: History;
  readonly liveModel: Live<LiveModel>;
  readonly storage: StorageStatus;
  /** Stored versions read directly (details, diffs), not through the state. */
  readonly reader: VersionReader;
}

export function createCore(store: DexieVersionStore, ml: () => Promise<MlServices<LiveModel>>): Core {
  const activity = new Activity();
  const repoHistory = new History(store, activity, BROWSER_LOCATION, BROWSER_PREFS);
  const storage = new StorageStatus(store, BROWSER_STORAGE, activity, () => repoHistory.repoId);
  const live = new Live({ store, ml, prefs: BROWSER_PREFS }, activity, repoHistory, storage);
  store.watchSchema((event) => storage.databaseChanged(event));
  return { activity, history: repoHistory, liveModel: live, storage, reader: store };
}

/** The app's state: the core parts at once, and the features once they have loaded (app/features.ts). */
export function createApp(): Core & {
  features: Lazy<Features>;
  tour: Tour;
  storageCheck: StorageCheck;
} {
  const store = new DexieVersionStore(new GraftDb());
  const features: Lazy<Features> = new Lazy(async () => {
    const module = await import('./features').catch((e: unknown) => {
      // A chunk that cannot be fetched (offline before the service worker has cached it): say what failed.
      throw new GraftError(
        'error.ml/backend-unavailable.runtime',
        { detail: e instanceof Error ? e.message : String(e) },
        { cause: e },
      );
    });
    return module.createFeatures(store, core);
  });
  const core = createCore(store, async () => (await features.load()).ml);
  return {
    ...core,
    features,
    tour: new Tour(BROWSER_PREFS),
    storageCheck: new StorageCheck(core.activity, {
      verifyAll: (onProgress, signal) => verifyAll(store, { onProgress, signal }),
      exportBundle: async (request, onProgress) =>
        (await features.load()).shareServices.exportBundle(request, onProgress),
      saveFile,
    }),
  };
}
