/** Metrics and training curves of two or more versions, aligned side by side with deltas against the first. */
import { isJsonObject } from '../json';
import type { Metrics, Provenance } from '../versions/types';

/** Whether a bigger value of a metric is better; null when the name does not say. */
export type MetricDirection = 'higher' | 'lower' | null;

/** Per-epoch values by metric name; null where an epoch has no usable value. */
export type History = Readonly<Record<string, readonly (number | null)[]>>;

const LOWER =
  /(^|_)(loss|mse|mae|mape|msle|rmse|error|crossentropy|hinge|kld|kl_divergence|logcosh|poisson)$/;
const HIGHER = /(^|_)(acc|accuracy|auc|precision|recall|f1|f1_score|r2|iou|top_k_categorical_accuracy)$/;
const SPLIT = /^(val|test|train|validation)_/;

export function metricDirection(name: string): MetricDirection {
  const base = name.toLowerCase().replace(SPLIT, '');
  if (LOWER.test(base)) return 'lower';
  if (HIGHER.test(base)) return 'higher';
  return null;
}

const HEADLINE = ['val_acc', 'val_accuracy', 'acc', 'accuracy', 'val_loss', 'loss'];

/** The one metric a history row shows: held-out accuracy when there is one, else loss, else any. */
export function headlineMetric(metrics: Metrics): { readonly name: string; readonly value: number } | null {
  for (const name of HEADLINE) {
    const value = metrics[name];
    if (value !== undefined) return { name, value };
  }
  const [first] = Object.keys(metrics).sort();
  return first === undefined ? null : { name: first, value: metrics[first] as number };
}

/** Reads `provenance.training.history`, keeping only arrays and only finite numbers in them. */
export function historyOf(provenance: Provenance | null | undefined): History {
  const history = provenance?.training?.['history'];
  if (!isJsonObject(history)) return {};
  const out: Record<string, (number | null)[]> = {};
  for (const [name, values] of Object.entries(history)) {
    // TF.js's History keeps the epoch indices beside the metrics; they are the x axis, not a curve.
    if (!Array.isArray(values) || name === 'epoch') continue;
    out[name] = values.map((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null));
  }
  return out;
}

/** Sorts metric names so each training figure sits next to its validation twin: acc, val_acc, loss, val_loss. */
export function compareMetricNames(a: string, b: string): number {
  const baseA = a.replace(SPLIT, '');
  const baseB = b.replace(SPLIT, '');
  const rank = (base: string) => {
    const d = metricDirection(base);
    return d === 'higher' ? 0 : d === 'lower' ? 1 : 2;
  };
  return (
    rank(baseA) - rank(baseB) ||
    baseA.localeCompare(baseB) ||
    Number(SPLIT.test(a)) - Number(SPLIT.test(b)) ||
    a.localeCompare(b)
  );
}

export interface MetricSource {
  /** A column key, such as a version id. */
  readonly id: string;
  readonly metrics: Metrics;
  readonly history?: History;
}

export interface MetricRow {
  readonly name: string;
  readonly direction: MetricDirection;
  /** One per source, in the order given; null where that version lacks the metric. */
  readonly values: readonly (number | null)[];
  /** value − first source's value; null where either is missing. The first column's delta is 0 or null. */
  readonly deltas: readonly (number | null)[];
  /** Whether each column is better than the first; null when unknown (missing, or no direction). */
  readonly improved: readonly (boolean | null)[];
  /** The column with the best value; null without a direction or values. Ties go to the earliest. */
  readonly best: number | null;
}

export interface CurveComparison {
  readonly name: string;
  readonly direction: MetricDirection;
  /** The longest history's length. */
  readonly epochs: number;
  /** One series per source, padded with null to `epochs`; an empty series where that version has none. */
  readonly series: readonly (readonly (number | null)[])[];
  /** Per source and epoch: value − first source's value at that epoch. */
  readonly deltas: readonly (readonly (number | null)[])[];
  /** Each source's last value. */
  readonly final: readonly (number | null)[];
  /** Finite values' range over all series, for a shared axis; null when none. */
  readonly range: { readonly min: number; readonly max: number } | null;
}

export interface MetricComparison {
  readonly columns: readonly string[];
  readonly metrics: readonly MetricRow[];
  readonly curves: readonly CurveComparison[];
}

function better(direction: MetricDirection, value: number, than: number): boolean | null {
  if (direction === null) return null;
  return direction === 'higher' ? value > than : value < than;
}

function metricRow(name: string, sources: readonly MetricSource[]): MetricRow {
  const direction = metricDirection(name);
  const values = sources.map((s) => {
    const v = s.metrics[name];
    return v !== undefined && Number.isFinite(v) ? v : null;
  });
  const base = values[0] ?? null;
  const deltas = values.map((v) => (v === null || base === null ? null : v - base));
  const improved = values.map((v, i) =>
    i === 0 || v === null || base === null ? null : better(direction, v, base),
  );
  let best: number | null = null;
  let bestValue = 0;
  if (direction !== null) {
    for (const [i, v] of values.entries()) {
      if (v === null || (best !== null && !better(direction, v, bestValue))) continue;
      best = i;
      bestValue = v;
    }
  }
  return { name, direction, values, deltas, improved, best };
}

function curve(name: string, sources: readonly MetricSource[]): CurveComparison {
  const raw = sources.map((s) => s.history?.[name] ?? []);
  const epochs = Math.max(0, ...raw.map((r) => r.length));
  const series = raw.map((r) =>
    r.length === 0 ? [] : Array.from({ length: epochs }, (_, e) => r[e] ?? null),
  );
  const first = series[0] ?? [];
  const deltas = series.map((s) =>
    s.map((v, e) => {
      const b = first[e] ?? null;
      return v === null || b === null ? null : v - b;
    }),
  );
  let min = Infinity;
  let max = -Infinity;
  for (const s of series)
    for (const v of s) {
      if (v === null) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  const final = raw.map((r) => {
    for (let e = r.length - 1; e >= 0; e--) if (r[e] !== null && r[e] !== undefined) return r[e] as number;
    return null;
  });
  return {
    name,
    direction: metricDirection(name),
    epochs,
    series,
    deltas,
    final,
    range: min <= max ? { min, max } : null,
  };
}

/** Lines up every metric and every training curve any of the sources has. */
export function compareMetrics(sources: readonly MetricSource[]): MetricComparison {
  const metricNames = new Set<string>();
  const curveNames = new Set<string>();
  for (const s of sources) {
    for (const name of Object.keys(s.metrics)) metricNames.add(name);
    for (const name of Object.keys(s.history ?? {})) curveNames.add(name);
  }
  return {
    columns: sources.map((s) => s.id),
    metrics: [...metricNames].sort(compareMetricNames).map((name) => metricRow(name, sources)),
    curves: [...curveNames].sort(compareMetricNames).map((name) => curve(name, sources)),
  };
}
