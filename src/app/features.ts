/**
 * The ML runtime and the features built on it — the Model, Train, Compare and Share tabs, the welcome
 * screen's model templates and imports, the tour — loaded after the first paint: app/compose.ts imports
 * this module dynamically. TF.js, ml/ and the training code are not needed to list and read the history,
 * so the page paints and shows it without them.
 */
import type * as tf from '@tensorflow/tfjs';
import { createMl } from '../ml/mlServices';
import type { DexieVersionStore } from '../storage/DexieVersionStore';
import type { MlServices, ShareServices } from '../core/ports';
import { Builder } from '../state/Builder.svelte';
import { CompareState } from '../state/Compare.svelte';
import { DataSelection } from '../state/DataSelection.svelte';
import { ModelSource } from '../state/ModelSource.svelte';
import { Share } from '../state/Share.svelte';
import { Training } from '../state/Training.svelte';
import type { Core } from './compose';
import { createShareServices } from './shareServices';
import { createTrainingServices } from './trainingServices';
import ModelScreen from '../ui/model/ModelScreen.svelte';
import NewModelDialog from '../ui/model/NewModelDialog.svelte';
import TrainScreen from '../ui/training/TrainScreen.svelte';
import ComparePanel from '../ui/compare/ComparePanel.svelte';
import SharePanel from '../ui/share/SharePanel.svelte';
import ImportDialogs from '../ui/share/ImportDialogs.svelte';
import ImportPickers from '../ui/share/ImportPickers.svelte';
import TourCard from '../ui/help/Tour.svelte';

/** The views of the features, drawn by App.svelte once this module is here. */
const VIEWS = {
  ModelScreen,
  NewModelDialog,
  TrainScreen,
  ComparePanel,
  SharePanel,
  ImportDialogs,
  ImportPickers,
  TourCard,
};

/** The features' state, over the core's store and live model, with their views. */
export interface Features {
  readonly ml: MlServices<tf.LayersModel>;
  readonly shareServices: ShareServices<tf.LayersModel>;
  readonly share: Share<tf.LayersModel>;
  readonly compare: CompareState;
  readonly builder: Builder<tf.LayersModel>;
  readonly training: Training<tf.LayersModel>;
  readonly views: typeof VIEWS;
}

export function createFeatures(store: DexieVersionStore, core: Core): Features {
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
    ml: createMl(),
    shareServices,
    share: new Share(activity, repoHistory, live, shareServices),
    compare,
    builder,
    training,
    views: VIEWS,
  };
}
