/** Asking the live model or a version about one example, typed or drawn, in the data's own units. */
import { denormalizeTargets } from '../core/data';
import { GraftError, toGraftError } from '../core/errors';
import type { DataSelection } from './DataSelection.svelte';
import type { Live, LiveModel } from './LiveModel.svelte';
import { scaledInputs, type ModelChoice, type ModelSource } from './ModelSource.svelte';
import type { TrainingServices } from '../core/ports';

export interface TryResult<M> {
  readonly choice: ModelChoice;
  readonly live: Live<M> | null;
  /** Class probabilities (classification) or the predicted value in the data's units (regression). */
  readonly scores: readonly number[] | null;
  readonly best: number | null;
  readonly value: number | null;
  readonly classNames: readonly string[];
}

/** Probabilities per class from a model's output row: a sigmoid's one value becomes [1 − p, p]. */
export function classScores(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  if (values.length === 1) {
    const p = values[0] ?? 0;
    return [1 - p, p];
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3) return values;
  // Raw scores (a linear last layer): softmax them for display.
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

type Outcome<M> = { readonly tried: TryResult<M> } | { readonly error: GraftError };

export class Predictions<M> {
  readonly #liveModel: LiveModel<M>;
  readonly #svc: Pick<TrainingServices<M>, 'predict'>;
  readonly #data: DataSelection;
  readonly #models: ModelSource<M>;
  /** The last answer or why there is none, and which choice of data it was asked on. */
  #last = $state.raw<{ readonly outcome: Outcome<M>; readonly chosen: number } | null>(null);
  #running = false;
  #next: { readonly values: readonly number[]; readonly choice: ModelChoice } | null = null;

  readonly #outcome: Outcome<M> | null = $derived.by(() =>
    this.#last && this.#last.chosen === this.#data.chosen ? this.#last.outcome : null,
  );
  /** Why the last example could not be predicted, in the active language when it was asked. */
  readonly error: GraftError | null = $derived(
    this.#outcome && 'error' in this.#outcome ? this.#outcome.error : null,
  );
  /** The last answer, while the model it came from is still the one it names. */
  readonly current: TryResult<M> | null = $derived.by(() => {
    const tried = this.#outcome && 'tried' in this.#outcome ? this.#outcome.tried : null;
    return tried && (tried.choice !== 'live' || tried.live === this.#liveModel.live) ? tried : null;
  });

  constructor(
    live: LiveModel<M>,
    services: Pick<TrainingServices<M>, 'predict'>,
    data: DataSelection,
    models: ModelSource<M>,
  ) {
    this.#liveModel = live;
    this.#svc = services;
    this.#data = data;
    this.#models = models;
  }

  /**
   * Predicts one example given in the data's own units (a typed row, or a drawn digit's 0–16 pixels).
   * Calls made while one is running are coalesced: only the latest input is predicted next.
   */
  async predictExample(values: readonly number[], choice: ModelChoice = this.#models.choice): Promise<void> {
    if (this.#running) {
      this.#next = { values, choice };
      return;
    }
    this.#running = true;
    try {
      const chosen = this.#data.chosen;
      this.#last = { outcome: await this.#predictOne(values, choice), chosen };
    } finally {
      this.#running = false;
    }
    const next = this.#next;
    this.#next = null;
    if (next) await this.predictExample(next.values, next.choice);
  }

  async #predictOne(values: readonly number[], choice: ModelChoice): Promise<Outcome<M>> {
    const dataset = this.#data.dataset;
    const prepared = this.#data.prepared;
    try {
      if (!dataset || !prepared) throw new GraftError('error.data/invalid.no-data');
      if (values.length !== dataset.features)
        throw new GraftError('error.data/invalid.try-count', {
          features: dataset.features,
          given: values.length,
        });
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new GraftError('error.data/invalid.try-not-number', {
          feature: dataset.featureNames[bad] ?? { part: 'errorPart.feature-n', vars: { n: bad + 1 } },
        });
      const live = this.#liveModel.live;
      const model = await this.#models.model(choice);
      const { stats } = await this.#models.scaling(choice, prepared);
      const input = scaledInputs(stats, Float32Array.from(values), 1, dataset.features);
      const out = await this.#svc.predict(model, input);
      const asked = { choice, live: choice === 'live' ? live : null };
      if (dataset.task === 'regression') {
        const value = denormalizeTargets(stats, out.values.subarray(0, 1))[0] ?? NaN;
        return { tried: { ...asked, scores: null, best: null, value, classNames: [] } };
      }
      const scores = classScores(out.values);
      const best = scores.indexOf(Math.max(...scores));
      return { tried: { ...asked, scores, best, value: null, classNames: dataset.classNames } };
    } catch (e) {
      return { error: toGraftError(e) };
    }
  }
}
