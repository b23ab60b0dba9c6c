/** Evaluating the live model or a version on the chosen data's evaluation rows, and how long the result holds. */
import { denormalizeTargets, normalizeTargets } from '../core/data';
import { GraftError, type Result } from '../core/errors';
import { regressionMetrics } from '../core/model/metrics';
import type { Activity } from './Activity.svelte';
import { evaluationRows, type DataSelection } from './DataSelection.svelte';
import { t } from './i18n';
import type { Live, LiveModel } from './LiveModel.svelte';
import { scaledInputs, type ModelChoice, type ModelSource } from './ModelSource.svelte';
import type { ModelEvaluation, RowData, TrainingServices } from '../core/ports';

export interface EvaluationView<M> {
  readonly choice: ModelChoice;
  /** The live model as it was when evaluated: the result is hidden once it changes. */
  readonly live: Live<M> | null;
  readonly label: string;
  readonly rows: string;
  readonly normalization: string;
  readonly result: ModelEvaluation;
  readonly classNames: readonly string[] | null;
}

export class Evaluation<M> {
  readonly #activity: Activity;
  readonly #liveModel: LiveModel<M>;
  readonly #svc: Pick<TrainingServices<M>, 'evaluate' | 'predict'>;
  readonly #data: DataSelection;
  readonly #models: ModelSource<M>;
  /** The last result, and which choice of data it was worked out on. */
  #last = $state.raw<{ readonly view: EvaluationView<M>; readonly chosen: number } | null>(null);

  /** The last evaluation, while the data is the same and the model it measured is still the one it names. */
  readonly current: EvaluationView<M> | null = $derived.by(() => {
    const last = this.#last;
    if (!last || last.chosen !== this.#data.chosen) return null;
    return last.view.choice !== 'live' || last.view.live === this.#liveModel.live ? last.view : null;
  });

  constructor(
    activity: Activity,
    live: LiveModel<M>,
    services: Pick<TrainingServices<M>, 'evaluate' | 'predict'>,
    data: DataSelection,
    models: ModelSource<M>,
  ) {
    this.#activity = activity;
    this.#liveModel = live;
    this.#svc = services;
    this.#data = data;
    this.#models = models;
  }

  /** Loss and accuracy with a confusion matrix, or regression errors, of a model on the evaluation rows. */
  evaluate(choice: ModelChoice = this.#models.choice): Promise<Result<void>> {
    return this.#activity.run(t('training.busy.evaluate'), async () => {
      const dataset = this.#data.dataset;
      const prepared = this.#data.prepared;
      const chosen = this.#data.chosen;
      if (!dataset || !prepared) throw new GraftError('error.data/invalid.evaluate-no-data');
      const live = this.#liveModel.live;
      const model = await this.#models.model(choice);
      const { stats, from } = await this.#models.scaling(choice, prepared);
      const rows = evaluationRows(prepared);
      const x = scaledInputs(stats, rows.part.x, rows.part.rows, dataset.features);
      const regression = dataset.task === 'regression';
      const truth = rows.part.y;
      const y: RowData = {
        values: regression ? normalizeTargets(stats, truth as Float32Array) : truth,
        shape: [rows.part.rows],
      };
      let result = await this.#svc.evaluate(model, x, y, { task: dataset.task });
      if (regression && stats.target) {
        // Errors in the data's own units, not in the scaled units the model was trained on.
        const predicted = await this.#svc.predict(model, x);
        const m = regressionMetrics(truth, denormalizeTargets(stats, predicted.values));
        result = { ...result, mae: m.mae, mse: m.mse, r2: m.r2 };
      }
      this.#last = {
        chosen,
        view: {
          choice,
          live: choice === 'live' ? live : null,
          label: this.#models.label(choice),
          rows: rows.label,
          normalization: from,
          result,
          classNames: dataset.classNames ?? null,
        },
      };
    });
  }
}
