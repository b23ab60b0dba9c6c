/**
 * The data set the app works on, chosen once and seen everywhere: the Train tab trains, evaluates and
 * predicts on it, the builder offers its input shape, and Compare runs versions on its evaluation rows.
 */
import {
  prepareDataset,
  takeRows,
  type DataPart,
  type Dataset,
  type DatasetLoader,
  type PreparedData,
} from '../core/data';
import type { Result } from '../core/errors';
import { MODEL_TEMPLATES } from '../core/model/templates';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../core/model/training';
import type { Activity } from './Activity.svelte';
import { locale, t } from './i18n';

/** The data module's id of the data a template names: a shipped id or a generator's kind. */
export function templateKey(dataset: Dataset): string | null {
  const s = dataset.source;
  return s.kind === 'shipped' ? s.id : s.kind === 'generated' ? s.generator : null;
}

/** The data set's name in the active language: shipped and generated sets have one in the catalogue. */
export function dataLabel(dataset: Dataset): string {
  const key = `data.set.${templateKey(dataset) ?? ''}.name`;
  return locale.has(key) ? t(key) : dataset.name;
}

/** The rows evaluations and comparisons use: the validation rows, or every row when there are none. */
export function evaluationRows(prepared: PreparedData): { part: DataPart; label: string } {
  const validation = prepared.split.validation;
  const which = validation.length > 0 ? validation : prepared.split.train;
  const part = takeRows(prepared.dataset, which);
  return {
    part,
    label: t(validation.length > 0 ? 'training.rows.validation' : 'training.rows.all', {
      count: part.rows,
      data: dataLabel(prepared.dataset),
    }),
  };
}

type SplitSettings = Pick<TrainConfig, 'seed' | 'validationSplit'>;

export class DataSelection {
  readonly #activity: Activity;
  readonly #listeners = new Set<() => void>();

  /** Where the picker loads shipped, generated and uploaded data from. */
  readonly loader: DatasetLoader;
  #dataset = $state.raw<Dataset | null>(null);
  #prepared = $state.raw<PreparedData | null>(null);
  #chosen = $state(0);

  /** Templates that suit the chosen data set, to suggest when the model does not. */
  readonly suitedTemplates = $derived.by(() => {
    const key = this.dataset ? templateKey(this.dataset) : null;
    return key ? MODEL_TEMPLATES.filter((t) => t.datasets.includes(key)) : [];
  });

  /** Settings that suit this data before any model is considered: its first suited template's. */
  readonly templateConfig: TrainConfig = $derived({
    ...DEFAULT_TRAIN_CONFIG,
    ...(this.suitedTemplates[0]?.training ?? {}),
  });

  constructor(activity: Activity, loader: DatasetLoader) {
    this.#activity = activity;
    this.loader = loader;
  }

  get dataset(): Dataset | null {
    return this.#dataset;
  }

  /** The data as the last run (or the default settings) split and scaled it. */
  get prepared(): PreparedData | null {
    return this.#prepared;
  }

  /** Counts the choices made: results worked out on earlier data compare it with the one they saw. */
  get chosen(): number {
    return this.#chosen;
  }

  /** Calls `listener` whenever the prepared data changes (a new choice, a new split, or none); returns how to stop. */
  watch(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes `dataset` the data to work on, split and scaled with its template's settings until a run says otherwise. */
  use(dataset: Dataset): Promise<Result<void>> {
    return this.#activity.run(t('training.busy.prepare'), async () => {
      this.#dataset = dataset;
      this.#prepared = null;
      this.#chosen++;
      const config = this.templateConfig;
      this.#set(await split(dataset, config));
    });
  }

  clear(): void {
    this.#dataset = null;
    this.#chosen++;
    this.#set(null);
  }

  /** The data split and scaled as `config` asks, splitting again only when its seed or validation share differ. */
  async splitFor(dataset: Dataset, config: SplitSettings): Promise<PreparedData> {
    const fraction = config.validationSplit ?? 0;
    const p = this.#prepared;
    if (p && p.dataset === dataset && p.split.seed === config.seed && p.split.validationFraction === fraction)
      return p;
    const prepared = await split(dataset, config);
    this.#set(prepared);
    return prepared;
  }

  #set(prepared: PreparedData | null): void {
    this.#prepared = prepared;
    for (const listener of this.#listeners) listener();
  }
}

function split(dataset: Dataset, config: SplitSettings): Promise<PreparedData> {
  return prepareDataset(dataset, { validationFraction: config.validationSplit ?? 0, seed: config.seed });
}
