/**
 * The models evaluations, predictions and comparisons run: which one the Train tab asks (the live model
 * or a version), loading it, and the feature scaling it was trained with, applied to the rows it is given.
 */
import {
  applyNormalization,
  denormalizeTargets,
  normalizationFromJson,
  type DataPart,
  type NormalizationStats,
  type PreparedData,
} from '../core/data';
import type { PredictionMatrix } from '../core/diff/predictions';
import { GraftError } from '../core/errors';
import { shortId, type VersionId } from '../core/hashing';
import { isJsonObject } from '../core/json';
import { dataLabel } from './DataSelection.svelte';
import type { History } from './History.svelte';
import { t } from './i18n';
import type { LiveModel } from './LiveModel.svelte';
import { openLive } from './ModelFit.svelte';
import type { RowData, TrainingServices, VersionReader } from '../core/ports';

/** Which model to evaluate or ask: the live one, or a saved version. */
export type ModelChoice = 'live' | VersionId;

/** How many first parents to follow looking for the data a version's weights were trained on. */
const MAX_ANCESTRY = 200;

/** `raw` rows of features scaled as `stats` says, shaped for the model. */
export function scaledInputs(
  stats: NormalizationStats,
  raw: Float32Array,
  rows: number,
  features: number,
): RowData {
  return { values: applyNormalization(stats, raw, features), shape: [rows, features] };
}

export class ModelSource<M> {
  readonly #history: History;
  readonly #liveModel: LiveModel<M>;
  readonly #reader: VersionReader;
  readonly #svc: Pick<TrainingServices<M>, 'predict' | 'dispose'>;
  #choice = $state.raw<ModelChoice>('live');
  #versionModel: { readonly id: VersionId; readonly model: Promise<M> } | null = null;

  constructor(
    history: History,
    live: LiveModel<M>,
    reader: VersionReader,
    services: Pick<TrainingServices<M>, 'predict' | 'dispose'>,
  ) {
    this.#history = history;
    this.#liveModel = live;
    this.#reader = reader;
    this.#svc = services;
  }

  /** The model chosen for evaluation and predictions; the live one when the chosen version is not in the open repository. */
  get choice(): ModelChoice {
    const c = this.#choice;
    return c === 'live' || this.#history.versions.some((v) => v.id === c) ? c : 'live';
  }

  choose(choice: ModelChoice): void {
    this.#choice = choice;
  }

  /** The chosen model in a sentence: "version 1a2b3c4", "the live model". */
  label(choice: ModelChoice): string {
    if (choice !== 'live') return t('training.model.version', { id: shortId(choice) });
    const live = this.#liveModel.live;
    return t(live?.pending ? 'training.model.liveUnsaved' : 'training.model.live');
  }

  /** The model behind a choice; a version is loaded once and kept while it stays chosen. */
  async model(choice: ModelChoice): Promise<M> {
    if (choice === 'live') {
      const live = openLive(this.#liveModel, this.#history);
      if (!live) throw new GraftError('error.repo/not-found.no-model');
      return live.model;
    }
    const cached = this.#versionModel;
    if (cached?.id === choice) return cached.model;
    if (cached)
      void cached.model.then(
        (m) => this.#svc.dispose(m),
        () => undefined,
      );
    const model = this.#liveModel.materialize(choice);
    this.#versionModel = { id: choice, model };
    try {
      return await model;
    } catch (e) {
      if (this.#versionModel?.model === model) this.#versionModel = null;
      throw e;
    }
  }

  /**
   * The feature scaling a model was trained with: from the live model's unsaved run, else from the nearest
   * version in its ancestry that was trained (an edit keeps its parent's scaling), else this data's own.
   */
  async scaling(
    choice: ModelChoice,
    prepared: PreparedData,
  ): Promise<{ stats: NormalizationStats; from: string }> {
    const features = prepared.dataset.features;
    const live = this.#liveModel.live;
    const unsaved = choice === 'live' ? live?.pending?.provenance['dataset'] : undefined;
    const from: VersionId | null = choice === 'live' ? (live?.base ?? null) : choice;
    const { record, where } = unsaved
      ? { record: unsaved, where: t('training.scaling.liveRun') }
      : from
        ? await this.#storedData(from)
        : { record: null, where: '' };
    if (isJsonObject(record)) {
      try {
        const stats = normalizationFromJson(record['normalization']);
        const name = typeof record['name'] === 'string' ? record['name'] : t('training.scaling.itsData');
        if (stats.method === 'none' || stats.offset.length === features)
          return { stats, from: t('training.scaling.learned', { data: name, where }) };
      } catch {
        // An unreadable record falls back to this data's own scaling, and says so below.
      }
    }
    return {
      stats: prepared.normalization,
      from: t('training.scaling.own', { data: dataLabel(prepared.dataset) }),
    };
  }

  /** A version's outputs on `part`, in the data's own units; the model is loaded for this and let go after. */
  async predictVersion(id: VersionId, prepared: PreparedData, part: DataPart): Promise<PredictionMatrix> {
    const model = await this.#liveModel.materialize(id);
    try {
      const { stats } = await this.scaling(id, prepared);
      const features = prepared.dataset.features;
      const out = await this.#svc.predict(model, scaledInputs(stats, part.x, part.rows, features));
      const outputs = out.shape[1] ?? 1;
      const values =
        prepared.dataset.task === 'regression' ? denormalizeTargets(stats, out.values) : out.values;
      return { data: values, shape: [part.rows, outputs] };
    } finally {
      this.#svc.dispose(model);
    }
  }

  async #storedData(id: VersionId): Promise<{ record: unknown; where: string }> {
    let current: VersionId | undefined = id;
    for (let i = 0; current && i < MAX_ANCESTRY; i++) {
      const version = await this.#reader.getVersion(current);
      const record = version.provenance['dataset'];
      if (record) return { record, where: t('training.model.version', { id: shortId(version.id) }) };
      current = version.parents[0];
    }
    return { record: null, where: '' };
  }
}
