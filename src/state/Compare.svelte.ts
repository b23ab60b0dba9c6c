/** Comparing versions: which are picked, and the topology, weight, metric and behaviour diffs between them. */
import { toGraftError, type GraftError } from '../core/errors';
import type { VersionId } from '../core/hashing';
import { compareMetrics, historyOf, type MetricComparison } from '../core/diff/metrics';
import { diffPredictions, type PredictionDiff, type PredictionMatrix } from '../core/diff/predictions';
import { diffTopology, parseTopology, weightLayerNames, type TopologyDiff } from '../core/diff/topology';
import { diffWeights, tensorsToRead, valuesByName, type WeightDiff } from '../core/diff/weights';
import type { Version } from '../core/versions/types';
import type { DataPart, PreparedData } from '../core/data';
import type { VersionReader } from '../core/ports';
import type { Activity } from './Activity.svelte';
import { evaluationRows, type DataSelection } from './DataSelection.svelte';
import type { History } from './History.svelte';

export const MAX_PICKS = 4;

/** Predictions of two versions on the same rows of the chosen data. */
export interface BehaviourSource {
  readonly label: string;
  readonly classNames?: readonly string[];
  predict(
    a: VersionId,
    b: VersionId,
  ): Promise<{ a: PredictionMatrix; b: PredictionMatrix; labels?: ArrayLike<number> }>;
}

/** Runs a version on rows of the chosen data, in the data's own units (the Train tab's `ModelSource`). */
export interface VersionRunner {
  predictVersion(id: VersionId, prepared: PreparedData, part: DataPart): Promise<PredictionMatrix>;
}

/** Two versions' predictions on the evaluation rows of `prepared`, each with the scaling it was trained with. */
export function behaviourOn(prepared: PreparedData, runner: VersionRunner): BehaviourSource {
  const dataset = prepared.dataset;
  const rows = evaluationRows(prepared);
  return {
    label: rows.label,
    ...(dataset.classNames ? { classNames: dataset.classNames } : {}),
    predict: async (a, b) => {
      const pa = await runner.predictVersion(a, prepared, rows.part);
      const pb = await runner.predictVersion(b, prepared, rows.part);
      return { a: pa, b: pb, ...(dataset.task === 'classification' ? { labels: rows.part.y } : {}) };
    },
  };
}

export interface Comparison {
  readonly versions: readonly Version[];
  readonly topology: TopologyDiff | null;
  readonly weights: WeightDiff | null;
  readonly metrics: MetricComparison | null;
  readonly behaviour: PredictionDiff | null;
  /** Why a section could not be compared; the view words it in the active language. */
  readonly errors: { topology?: GraftError; weights?: GraftError; behaviour?: GraftError };
  readonly pending: { weights?: boolean; behaviour?: boolean };
}

export class CompareState {
  readonly #activity: Activity;
  readonly #history: History;
  readonly #reader: VersionReader;
  readonly #data: DataSelection;
  readonly #runner: VersionRunner;
  #generation = 0;

  picks = $state.raw<readonly VersionId[]>([]);
  result = $state.raw<Comparison | null>(null);
  /** How to compare behaviour: on the app's chosen data, when there is one. */
  readonly behaviourSource: BehaviourSource | null = $derived.by(() => {
    const prepared = this.#data.prepared;
    return prepared ? behaviourOn(prepared, this.#runner) : null;
  });

  /** `data` is the app's one data selection: choosing or splitting data again compares behaviour anew. */
  constructor(
    activity: Activity,
    history: History,
    reader: VersionReader,
    data: DataSelection,
    runner: VersionRunner,
  ) {
    this.#activity = activity;
    this.#history = history;
    this.#reader = reader;
    this.#data = data;
    this.#runner = runner;
    data.watch(() => {
      if (this.picks.length >= 2) void this.compute();
    });
  }

  /**
   * Adds a version. With nothing picked, “Compare” on a version means “what changed in it”: it is paired
   * with its first parent. Returns true when two or more versions are picked.
   */
  pick(id: VersionId): boolean {
    if (!this.picks.includes(id)) {
      const row = this.#history.versions.find((v) => v.id === id);
      const first = row?.parents[0];
      this.picks = this.picks.length === 0 && first ? [first, id] : [...this.picks, id].slice(-MAX_PICKS);
    }
    if (this.picks.length >= 2) void this.compute();
    return this.picks.length >= 2;
  }

  remove(id: VersionId): void {
    this.picks = this.picks.filter((p) => p !== id);
    if (this.picks.length >= 2) void this.compute();
    else this.result = null;
  }

  clear(): void {
    this.picks = [];
    this.result = null;
  }

  /** The first pick is the baseline; topology, weights and behaviour compare it with the last pick. */
  async compute(): Promise<void> {
    const generation = ++this.#generation;
    const current = () => generation === this.#generation;
    const ids = this.picks;
    const errors: Comparison['errors'] = {};
    try {
      const versions = await Promise.all(ids.map((id) => this.#reader.getVersion(id)));
      const a = versions[0] as Version;
      const b = versions[versions.length - 1] as Version;
      const [ta, tb] = await Promise.all([this.#reader.getTopology(a.id), this.#reader.getTopology(b.id)]);
      const topo = diffTopology(ta, tb, { tensors: { before: a.tensors, after: b.tensors } });
      if (!topo.ok) errors.topology = topo.error;
      const metrics = compareMetrics(
        versions.map((v) => ({ id: v.id, metrics: v.metrics, history: historyOf(v.provenance) })),
      );
      const hasBehaviour = this.behaviourSource !== null;
      if (!current()) return;
      this.result = {
        versions,
        topology: topo.ok ? topo.value : null,
        weights: diffWeights(a.tensors, b.tensors),
        metrics,
        behaviour: null,
        errors: { ...errors },
        pending: { weights: true, behaviour: hasBehaviour },
      };

      // Only tensors present in both with the same shape and different bytes need reading.
      const names = tensorsToRead(a.tensors, b.tensors);
      const [va, vb] = await Promise.all([
        this.#reader.loadTensors(a.id, names),
        this.#reader.loadTensors(b.id, names),
      ]);
      const parsed = parseTopology(tb);
      const weights = diffWeights(a.tensors, b.tensors, {
        ...(parsed.ok ? weightLayerNames(parsed.value) : {}),
        values: { before: valuesByName(va), after: valuesByName(vb) },
      });
      if (!current() || !this.result) return;
      this.result = { ...this.result, weights, pending: { ...this.result.pending, weights: false } };

      const source = this.behaviourSource;
      if (source) {
        try {
          const p = await source.predict(a.id, b.id);
          const diff = diffPredictions(p.a, p.b, p.labels ? { labels: p.labels } : {});
          if (!current() || !this.result) return;
          this.result = {
            ...this.result,
            behaviour: diff.ok ? diff.value : null,
            errors: diff.ok ? this.result.errors : { ...this.result.errors, behaviour: diff.error },
            pending: { ...this.result.pending, behaviour: false },
          };
        } catch (e) {
          if (!current() || !this.result) return;
          this.result = {
            ...this.result,
            errors: { ...this.result.errors, behaviour: toGraftError(e) },
            pending: { ...this.result.pending, behaviour: false },
          };
        }
      }
    } catch (e) {
      if (current()) this.#activity.report(e);
    }
  }
}
