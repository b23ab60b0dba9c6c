/** Whether the live model fits the chosen data, what it would need to, and the settings that suit both. */
import type { Dataset } from '../core/data';
import { formatShape } from '../core/model/analyze';
import { shapeText, type ShapeWords } from '../core/model/shapeText';
import type { LossName, TrainConfig } from '../core/model/training';
import type { DataFit } from './Builder.svelte';
import { dataLabel, type DataSelection } from './DataSelection.svelte';
import type { History } from './History.svelte';
import { t } from './i18n';
import type { Live, LiveModel } from './LiveModel.svelte';

/** A mismatch between the live model and the data set, and what the model would need to fit. */
export interface Compatibility {
  readonly problems: readonly string[];
  readonly fit: DataFit;
}

const product = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
/** Words for one example's shape: with the batch left out, any dimension not fixed is of any size. */
const perExampleWords = (): ShapeWords => ({ batch: t('common.anyDim'), any: t('common.anyDim') });

/** The loss a model with `units` outputs needs for this data. */
export function lossFor(dataset: Dataset, units: number | null): LossName {
  if (dataset.task === 'regression') return 'meanSquaredError';
  return units === 1 ? 'binaryCrossentropy' : 'categoricalCrossentropy';
}

/** The live model, when it belongs to the open repository: the one the Train tab works with. */
export function openLive<M>(
  liveModel: Pick<LiveModel<M>, 'live'>,
  history: Pick<History, 'repoId'>,
): Live<M> | null {
  const live = liveModel.live;
  return live && live.repoId === history.repoId ? live : null;
}

export class ModelFit<M> {
  readonly #history: History;
  readonly #liveModel: LiveModel<M>;
  readonly #data: DataSelection;

  /** The live model of the open repository, if any. */
  readonly live: Live<M> | null = $derived.by(() => openLive(this.#liveModel, this.#history));

  /** Output units of the live model's last layer; null when it has no fixed output. */
  readonly outputUnits: number | null = $derived.by(() => {
    const shape = this.live?.summary.outputShape;
    const last = shape ? shape[shape.length - 1] : null;
    return typeof last === 'number' ? last : null;
  });

  readonly compatibility: Compatibility | null = $derived.by(() => {
    const live = this.live;
    const d = this.#data.dataset;
    if (!live || !d) return null;
    const problems: string[] = [];
    const input = live.summary.inputShape?.slice(1) ?? [];
    if (input.some((n) => n === null)) problems.push(t('training.misfit.variableInput'));
    else if (product(input as number[]) !== d.features)
      problems.push(
        t('training.misfit.features', {
          values: product(input as number[]),
          shape: formatShape(input as number[]),
          data: dataLabel(d),
          features: d.features,
        }),
      );
    const units = this.outputUnits;
    const outputRank = (live.summary.outputShape?.length ?? 2) - 1;
    let outputs: number | null = null;
    if (outputRank !== 1)
      problems.push(
        t(d.task === 'regression' ? 'training.misfit.outputValues' : 'training.misfit.outputScores', {
          shape: shapeText((live.summary.outputShape ?? []).slice(1), perExampleWords()),
        }),
      );
    else if (d.task === 'regression') {
      if (units !== 1) {
        outputs = 1;
        problems.push(t('training.misfit.regression', { count: units ?? 0, label: d.labelName }));
      }
    } else {
      const classes = d.classNames.length;
      if (!(units === classes || (units === 1 && classes === 2))) {
        outputs = classes;
        problems.push(t('training.misfit.classes', { count: units ?? 0, data: dataLabel(d), classes }));
      }
    }
    return { problems, fit: { name: dataLabel(d), features: d.features, outputs, task: d.task } };
  });

  /** Settings that suit this data and model: the data's template's, with the loss the model's output needs. */
  readonly suggestedConfig: TrainConfig = $derived.by(() => {
    const d = this.#data.dataset;
    const config = this.#data.templateConfig;
    return d ? { ...config, loss: lossFor(d, this.outputUnits) } : config;
  });

  constructor(history: History, live: LiveModel<M>, data: DataSelection) {
    this.#history = history;
    this.#liveModel = live;
    this.#data = data;
  }
}
