/**
 * The Train tab's state, one part per concern: the chosen data (shared with the builder and Compare), how
 * the live model fits it, the run, its checkpoints, evaluation, and predictions on one example. Each part
 * is handed only what it uses; the screen hands each panel only its part.
 */
import type { Activity } from './Activity.svelte';
import { Checkpoints } from './Checkpoints.svelte';
import type { DataSelection } from './DataSelection.svelte';
import { Evaluation } from './Evaluation.svelte';
import type { History } from './History.svelte';
import type { LiveModel } from './LiveModel.svelte';
import { ModelFit } from './ModelFit.svelte';
import type { ModelSource } from './ModelSource.svelte';
import { Predictions } from './Predictions.svelte';
import type { TrainingServices } from '../core/ports';
import { TrainingRun } from './TrainingRun.svelte';

export class Training<M> {
  readonly data: DataSelection;
  readonly models: ModelSource<M>;
  readonly fit: ModelFit<M>;
  readonly checkpoints: Checkpoints<M>;
  readonly run: TrainingRun<M>;
  readonly evaluation: Evaluation<M>;
  readonly predictions: Predictions<M>;

  /** `data` and `models` are the app's one data selection and model source, which Compare runs on too. */
  constructor(
    activity: Activity,
    history: History,
    live: LiveModel<M>,
    services: TrainingServices<M>,
    data: DataSelection,
    models: ModelSource<M>,
  ) {
    this.data = data;
    this.models = models;
    this.fit = new ModelFit(history, live, data);
    this.checkpoints = new Checkpoints(activity, live, services);
    this.run = new TrainingRun(activity, live, services, {
      data,
      fit: this.fit,
      checkpoints: this.checkpoints,
    });
    this.evaluation = new Evaluation(activity, live, services, data, models);
    this.predictions = new Predictions(live, services, data, models);
  }
}
