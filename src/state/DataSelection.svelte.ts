/**
 * The data set the app works on, chosen once and seen everywhere: the Train tab trains, evaluates and
 * predicts on it, the builder offers its input shape, and Compare runs versions on its evaluation rows.
 * It follows the live model's version: after a reload or a checkout, that version's data comes back from
 * what the version keeps, unless the user chose other data on purpose.
 */
import { untrack } from 'svelte';
import {
  keptDataOf,
  matchPickedCsv,
  prepareDataset,
  readDataRecord,
  restoreDataset,
  takeRows,
  type DataPart,
  type DataRecord,
  type Dataset,
  type DatasetLoader,
  type PreparedData,
  type TextFile,
} from '../core/data';
import { err, GraftError, ok, toGraftError, type Result } from '../core/errors';
import type { VersionId } from '../core/hashing';
import type { DataBlob, DataSelectionStore } from '../core/ports';
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

/** The name of the data a version records, in the active language as `dataLabel` words it. */
function recordLabel(record: DataRecord): string {
  const s = record.source;
  const key = `data.set.${s.kind === 'shipped' ? s.id : s.kind === 'generated' ? s.generator : ''}.name`;
  return s.kind !== 'csv' && locale.has(key) ? t(key) : record.name;
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

/** How far back an edited version is followed to the trained one whose data it has. */
const MAX_ANCESTRY = 200;

/**
 * What the version the live model comes from says of its data. `versionId` is the version that records
 * and keeps it: the live model's own, or the trained one an edit was made on.
 */
export type VersionData =
  | { readonly status: 'restoring'; readonly versionId: VersionId; readonly record: DataRecord }
  /** The data in use is the version's. */
  | { readonly status: 'in-use'; readonly versionId: VersionId; readonly record: DataRecord }
  /** The user chose other data; the version's can be had with `restoreFor`. */
  | { readonly status: 'other'; readonly versionId: VersionId; readonly record: DataRecord }
  /**
   * The version's data is not in this browser: `not-kept` when the version was saved before Graft kept
   * data, `not-here` when it was (and was cleaned up, or came in a bundle without it). A CSV can be picked
   * again (`pickAgain`).
   */
  | {
      readonly status: 'missing';
      readonly versionId: VersionId;
      readonly record: DataRecord;
      readonly reason: 'not-kept' | 'not-here';
    };

/** What `restoreFor` did: the version's data is in use, is not in this browser, or there is none to have. */
export type RestoreStatus = 'restored' | 'missing' | 'none';

export class DataSelection {
  readonly #activity: Activity;
  readonly #listeners = new Set<() => void>();

  /** Where the picker loads shipped, generated and uploaded data from. */
  readonly loader: DatasetLoader;
  readonly #store: DataSelectionStore | null;
  #dataset = $state.raw<Dataset | null>(null);
  #prepared = $state.raw<PreparedData | null>(null);
  #kept = $state.raw<DataBlob | null>(null);
  #chosen = $state(0);
  /**
   * Whether the data in use is a version's (restored, or found to be the followed version's), and so
   * follows the next version; false for data the user chose that is not the version's.
   */
  #fromVersion = false;
  #versionData = $state.raw<VersionData | null>(null);
  /** The version followed last, and a count that lets only the newest follow-up act. */
  #followed: VersionId | null = null;
  #follows = 0;

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

  /** Without a store, it keeps no data with versions and restores none (the builder's tests). */
  constructor(activity: Activity, loader: DatasetLoader, store: DataSelectionStore | null = null) {
    this.#activity = activity;
    this.loader = loader;
    this.#store = store;
  }

  get dataset(): Dataset | null {
    return this.#dataset;
  }

  /** The data as the last run (or the default settings) split and scaled it. */
  get prepared(): PreparedData | null {
    return this.#prepared;
  }

  /**
   * The bytes a version trained on the data in use keeps (`keptDataOf`): what a save passes as
   * `CommitRequest.data`. Null for a shipped set, or no data.
   */
  get kept(): DataBlob | null {
    return this.#kept;
  }

  /** What the live model's version says of its data; null when it names none. */
  get versionData(): VersionData | null {
    return this.#versionData;
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
      this.#kept = null;
      this.#fromVersion = false;
      const chosen = ++this.#chosen;
      const config = this.templateConfig;
      const prepared = await split(dataset, config);
      const kept = await keptDataOf(dataset);
      if (this.#chosen !== chosen) return;
      this.#kept = kept;
      this.#set(prepared);
      const v = this.#versionData;
      if (!v || v.status === 'restoring') return;
      if (await this.#takeIfSame(v, () => this.#versionData === v)) {
        // The file of a version whose data was missing, chosen the usual way: kept with it again.
        if (v.status === 'missing' && kept && this.#store) await this.#store.keepData(v.versionId, kept);
      } else if (v.status === 'in-use') this.#versionData = { ...v, status: 'other' };
    });
  }

  clear(): void {
    this.#dataset = null;
    this.#kept = null;
    this.#fromVersion = false;
    this.#chosen++;
    this.#set(null);
    const v = this.#versionData;
    if (v?.status === 'in-use') this.#versionData = { ...v, status: 'other' };
  }

  /**
   * Follows the version `base()` names (the live model's): compose.ts wires it for the app's lifetime.
   * Returns how to stop.
   */
  follow(base: () => VersionId | null): () => void {
    return $effect.root(() => {
      $effect(() => {
        const id = base();
        untrack(() => void this.followVersion(id));
      });
    });
  }

  /**
   * The live model now comes from version `id` (a save, a checkout, the reload that opened it). Its data
   * is restored when there is none in use or the data in use came with an earlier version; data the
   * user chose stays, and the version's is offered (`versionData.status` 'other').
   */
  async followVersion(id: VersionId | null): Promise<void> {
    if (id === this.#followed) return;
    this.#followed = id;
    const follow = ++this.#follows;
    try {
      const found = id && this.#store ? await this.#recordOf(id) : null;
      if (follow !== this.#follows) return;
      if (!found) {
        this.#versionData = null;
        return;
      }
      const other: VersionData = { status: 'other', ...found };
      if (await this.#takeIfSame(other, () => follow === this.#follows)) return;
      if (follow !== this.#follows) return;
      if (this.#dataset === null || this.#fromVersion)
        await this.#restore(found.versionId, found.record, follow);
      else this.#versionData = other;
    } catch (e) {
      // A version that cannot be read is the history's to report; the data in use stays as it is.
      if (follow === this.#follows) this.#activity.report(e);
    }
  }

  /** Puts version `id`'s data (or that of the trained version it was made from) in use, whatever is in use. */
  async restoreFor(id: VersionId): Promise<Result<RestoreStatus>> {
    const follow = ++this.#follows;
    try {
      const found = this.#store ? await this.#recordOf(id) : null;
      if (!found) return ok('none');
      const status = await this.#restore(found.versionId, found.record, follow);
      return status ? ok(status) : ok('none');
    } catch (e) {
      this.#activity.report(e);
      return err(toGraftError(e));
    }
  }

  /**
   * The file of a version whose data is missing, picked again: read with the options the version
   * recorded, and used (and kept with the version again) only when its rows have the version's
   * fingerprint. Otherwise `data/invalid` saying it is different data; nothing changes.
   */
  async pickAgain(file: TextFile): Promise<Result<void>> {
    const wanted = this.#versionData;
    try {
      if (!wanted || wanted.status !== 'missing' || !this.#store)
        throw new GraftError('error.data/invalid.not-a-file', { name: wanted?.record.name ?? file.name });
      const prepared = await matchPickedCsv(wanted.record, await this.loader.readCsv(file), file.name);
      const blob = await keptDataOf(prepared.dataset);
      if (this.#versionData !== wanted) return ok(undefined);
      this.#useVersionData(prepared, blob);
      this.#versionData = { status: 'in-use', versionId: wanted.versionId, record: wanted.record };
      if (blob) await this.#store.keepData(wanted.versionId, blob);
      return ok(undefined);
    } catch (e) {
      return err(toGraftError(e));
    }
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

  /** The nearest version from `id` back that records data: `id` itself, or what it was edited or rolled back from. */
  async #recordOf(id: VersionId): Promise<{ versionId: VersionId; record: DataRecord } | null> {
    const store = this.#store;
    let current: VersionId | undefined = id;
    for (let i = 0; store && current && i < MAX_ANCESTRY; i++) {
      const version = await store.getVersion(current);
      const json = version.provenance.dataset;
      if (json !== undefined) {
        const record = readDataRecord(json);
        return record ? { versionId: version.id, record } : null;
      }
      current = version.restoredFrom ?? version.parents[0];
    }
    return null;
  }

  /**
   * Whether the data in use is `v`'s (the same rows, with its split the same fingerprint). If so, and
   * `current()` still, it takes the version's split, and `v` is in use.
   */
  async #takeIfSame(v: VersionData, current: () => boolean): Promise<boolean> {
    const d = this.#dataset;
    const { record } = v;
    if (!d || d.rows !== record.rows || d.features !== record.features || d.task !== record.task)
      return false;
    const p = this.#prepared;
    const { seed, validationFraction, stratified } = record.split;
    const prepared =
      p &&
      p.dataset === d &&
      p.split.seed === seed &&
      p.split.validationFraction === validationFraction &&
      p.split.stratified === stratified
        ? p
        : await prepareDataset(d, { seed, validationFraction, stratify: stratified });
    if (prepared.fingerprint !== record.fingerprint || this.#dataset !== d || !current()) return false;
    if (prepared !== this.#prepared) this.#set(prepared);
    // Once it is the version's data, it follows the version like data restored for it.
    this.#fromVersion = true;
    this.#versionData = { status: 'in-use', versionId: v.versionId, record };
    return true;
  }

  /** Restores the version's data; what it did, or null when a newer follow-up took over. */
  async #restore(versionId: VersionId, record: DataRecord, follow: number): Promise<RestoreStatus | null> {
    const store = this.#store;
    if (!store) return null;
    this.#versionData = { status: 'restoring', versionId, record };
    const chosen = this.#chosen;
    const done = await this.#activity.run(t('data.busy.restore', { name: recordLabel(record) }), async () => {
      const bytes = record.source.kind === 'shipped' ? null : await store.loadData(versionId);
      const restored = await restoreDataset(record, bytes, this.loader);
      if (follow !== this.#follows) return null;
      if (restored.status === 'missing') {
        this.#versionData = { status: 'missing', versionId, record, reason: restored.reason };
        // Data that came with the previous version is not this one's: better none than the wrong one.
        if (this.#fromVersion && this.#chosen === chosen) this.clear();
        return 'missing';
      }
      // The user chose data meanwhile: theirs stays.
      if (this.#chosen !== chosen) {
        this.#versionData = { status: 'other', versionId, record };
        return null;
      }
      this.#useVersionData(restored.prepared, await keptDataOf(restored.prepared.dataset));
      this.#versionData = { status: 'in-use', versionId, record };
      return 'restored';
    });
    if (!done.ok && follow === this.#follows) this.#versionData = null;
    return done.ok ? done.value : null;
  }

  #useVersionData(prepared: PreparedData, kept: DataBlob | null): void {
    this.#dataset = prepared.dataset;
    this.#kept = kept;
    this.#fromVersion = true;
    this.#chosen++;
    this.#set(prepared);
  }

  #set(prepared: PreparedData | null): void {
    this.#prepared = prepared;
    for (const listener of this.#listeners) listener();
  }
}

function split(dataset: Dataset, config: SplitSettings): Promise<PreparedData> {
  return prepareDataset(dataset, { validationFraction: config.validationSplit ?? 0, seed: config.seed });
}
