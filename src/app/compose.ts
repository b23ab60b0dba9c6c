/** The one place that wires storage and ml into the app's state: it constructs and connects, nothing else. */
import type * as tf from '@tensorflow/tfjs';
import { createMl } from '../ml/mlServices';
import { BROWSER_LOCATION, BROWSER_PREFS, BROWSER_STORAGE } from './browser';
import { DexieVersionStore } from '../storage/DexieVersionStore';
import { GraftDb } from '../storage/db';
import type { VersionReader } from '../core/ports';
import { Activity } from '../state/Activity.svelte';
import { History } from '../state/History.svelte';
import { LiveModel as Live } from '../state/LiveModel.svelte';
import { StorageStatus } from '../state/StorageStatus.svelte';
import { CompareState } from '../state/Compare.svelte';
import { Share } from '../state/Share.svelte';
import { StorageCheck } from '../state/StorageCheck.svelte';
import { verifyAll } from '../storage/verifyAll';
import { createShareServices } from './shareServices';
import { Builder } from '../state/Builder.svelte';
import { DataSelection } from '../state/DataSelection.svelte';
import { ModelSource } from '../state/ModelSource.svelte';
import { Training } from '../state/Training.svelte';
import { createTrainingServices } from './trainingServices';
import { Tour } from '../state/Tour.svelte';

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

export function createCore(store = new DexieVersionStore(new GraftDb())): Core {
  const activity = new Activity();
  const repoHistory = new History(store, activity, BROWSER_LOCATION, BROWSER_PREFS);
  const storage = new StorageStatus(store, BROWSER_STORAGE, activity, () => repoHistory.repoId);
  const live = new Live({ store, ml: createMl(), prefs: BROWSER_PREFS }, activity, repoHistory, storage);
  store.watchSchema((event) => storage.databaseChanged(event));
  return { activity, history: repoHistory, liveModel: live, storage, reader: store };
}

/** The app's state: the core parts and the features, over one store. */
export function createApp(): Core & {
  share: Share<LiveModel>;
  compare: CompareState;
  builder: Builder<LiveModel>;
  training: Training<LiveModel>;
  tour: Tour;
  storageCheck: StorageCheck;
} {
  const store = new DexieVersionStore(new GraftDb());
  const core = createCore(store);
  const { activity, history: repoHistory, liveModel: live, reader } = core;
  const trainingServices = createTrainingServices(store);
  const shareServices = createShareServices(store);
  // One data selection and one model source: data chosen on the Train tab is what the builder offers
  // and what Compare runs versions on.
  const data = new DataSelection(activity, trainingServices.datasets, store);
  // After a reload, a checkout or a save, the data is the live model's version's (see DataSelection).
  data.follow(() => live.live?.base ?? null);
  const models = new ModelSource(repoHistory, live, reader, trainingServices);
  const compare = new CompareState(activity, repoHistory, reader, data, models);
  const builder = new Builder(activity, repoHistory, live, trainingServices, data);
  const training = new Training(activity, repoHistory, live, trainingServices, data, models);
  // Nothing replaces the live model while it trains, or before asking about the layer editor's draft.
  live.addLiveGuard({
    inUse: () => training.run.running,
    pendingEdits: () => builder.changes,
    keepEdits: async () => (await builder.apply()).ok,
    dropEdits: () => builder.discard(),
  });
  return {
    ...core,
    share: new Share(activity, repoHistory, live, shareServices),
    compare,
    builder,
    training,
    tour: new Tour(BROWSER_PREFS),
    storageCheck: new StorageCheck(activity, {
      verifyAll: (onProgress, signal) => verifyAll(store, { onProgress, signal }),
      exportBundle: shareServices.exportBundle,
      saveFile: shareServices.saveFile,
    }),
  };
}
