/**
 * Per-tensor weight diff between two versions: which tensors did not move (equal content hash, so no
 * bytes are read), and for the others how far they moved, rolled up per layer.
 */
import { GraftError } from '../errors';
import type { StoredDType, TensorEntry } from '../versions/types';
import { elementCount } from '../versions/version';
import { layerPrefix, WeightLayerIndex } from './layerOfWeight';

export type NumericArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** What the diff reads of a tensor entry. */
export type WeightEntry = Pick<TensorEntry, 'name' | 'shape' | 'dtype' | 'hash'>;

/**
 * - `unchanged`: equal hash, so equal bytes; nothing was read.
 * - `changed`: bytes differ; `stats` says by how much when both sides' values were given.
 * - `reshaped`: shape or dtype differs, so element-wise figures would mean nothing.
 */
export type TensorStatus = 'unchanged' | 'changed' | 'reshaped' | 'added' | 'removed';

export interface DeltaStats {
  /** Elements compared: those finite on both sides. */
  readonly count: number;
  /** Elements left out because either side was NaN or ±Infinity. */
  readonly nonFinite: number;
  /** ‖after − before‖₂ */
  readonly l2: number;
  /** ‖before‖₂ and ‖after‖₂ */
  readonly normBefore: number;
  readonly normAfter: number;
  /** before · after, kept so layers can be rolled up exactly. */
  readonly dot: number;
  /** ‖Δ‖ / ‖before‖; null when `before` is all zeros (any change from zero is unbounded). */
  readonly relative: number | null;
  /** Cosine similarity of before and after; null when either is all zeros. */
  readonly cosine: number | null;
  readonly maxAbs: number;
  /** Σ|Δ|, kept for the per-layer mean. */
  readonly sumAbs: number;
  readonly meanAbs: number;
}

export interface TensorDiff {
  readonly name: string;
  readonly layer: string;
  readonly status: TensorStatus;
  readonly before: WeightEntry | null;
  readonly after: WeightEntry | null;
  /** For `changed` tensors whose values were given; null otherwise. */
  readonly stats: DeltaStats | null;
  /** False only when the values are known to be equal: equal hash, or every Δ exactly zero. */
  readonly moved: boolean;
}

export type LayerWeightStatus = 'unchanged' | 'changed' | 'added' | 'removed';

export interface LayerWeightDiff {
  readonly layer: string;
  /** `unchanged`: no tensor of the layer moved. `added`/`removed`: all its tensors are on one side only. */
  readonly status: LayerWeightStatus;
  readonly moved: boolean;
  readonly tensors: number;
  /** Tensors whose figures are in `stats`. */
  readonly compared: number;
  /** Tensors that changed but could not be measured: reshaped, or values not given. */
  readonly notCompared: number;
  /** The layer's tensors taken together as one vector; null when none was compared. */
  readonly stats: DeltaStats | null;
  readonly paramsBefore: number;
  readonly paramsAfter: number;
}

export interface WeightDiff {
  readonly tensors: readonly TensorDiff[];
  readonly layers: readonly LayerWeightDiff[];
  /** Layers present on both sides none of whose tensors moved: the fast-path answer. */
  readonly unmovedLayers: readonly string[];
  readonly counts: Readonly<Record<TensorStatus, number>>;
  /** All compared tensors taken together. */
  readonly overall: DeltaStats | null;
}

/** Each version's tensor values by weight name; a missing name just leaves that tensor unmeasured. */
export interface WeightValues {
  readonly before: ReadonlyMap<string, NumericArray>;
  readonly after: ReadonlyMap<string, NumericArray>;
}

export interface WeightDiffOptions {
  readonly values?: WeightValues;
  /** Layer names from the topology, to assign weights precisely; otherwise the name before the last `/`. */
  readonly layerNames?: Iterable<string>;
  /** Nested layer name → the top-level layer holding it. */
  readonly layerAliases?: ReadonlyMap<string, string>;
}

// Blocks keep the float64 rounding error near O(BLOCK + n/BLOCK)·ε rather than O(n)·ε for huge tensors.
const BLOCK = 4096;

/** Δ statistics of two equally long arrays, accumulated in float64 block by block. */
export function deltaStats(before: ArrayLike<number>, after: ArrayLike<number>): DeltaStats {
  if (before.length !== after.length)
    throw new GraftError('error.diff/incompatible.weights', { before: before.length, after: after.length });
  let dd = 0;
  let aa = 0;
  let bb = 0;
  let ab = 0;
  let sumAbs = 0;
  let maxAbs = 0;
  let count = 0;
  let nonFinite = 0;
  for (let start = 0; start < before.length; start += BLOCK) {
    const end = Math.min(before.length, start + BLOCK);
    let bdd = 0;
    let baa = 0;
    let bbb = 0;
    let bab = 0;
    let babs = 0;
    for (let i = start; i < end; i++) {
      const x = before[i] as number;
      const y = after[i] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        nonFinite++;
        continue;
      }
      const d = y - x;
      const ad = Math.abs(d);
      bdd += d * d;
      baa += x * x;
      bbb += y * y;
      bab += x * y;
      babs += ad;
      if (ad > maxAbs) maxAbs = ad;
      count++;
    }
    dd += bdd;
    aa += baa;
    bb += bbb;
    ab += bab;
    sumAbs += babs;
  }
  return finish({ count, nonFinite, dd, aa, bb, ab, sumAbs, maxAbs });
}

interface Sums {
  count: number;
  nonFinite: number;
  dd: number;
  aa: number;
  bb: number;
  ab: number;
  sumAbs: number;
  maxAbs: number;
}

function finish(s: Sums): DeltaStats {
  const l2 = Math.sqrt(s.dd);
  const normBefore = Math.sqrt(s.aa);
  const normAfter = Math.sqrt(s.bb);
  const cosine = normBefore > 0 && normAfter > 0 ? clamp(s.ab / (normBefore * normAfter), -1, 1) : null;
  return {
    count: s.count,
    nonFinite: s.nonFinite,
    l2,
    normBefore,
    normAfter,
    dot: s.ab,
    relative: normBefore > 0 ? l2 / normBefore : l2 === 0 ? 0 : null,
    cosine,
    maxAbs: s.maxAbs,
    sumAbs: s.sumAbs,
    meanAbs: s.count > 0 ? s.sumAbs / s.count : 0,
  };
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** Combines tensors' statistics as if their values were one long vector. */
export function combineStats(parts: Iterable<DeltaStats>): DeltaStats | null {
  const s: Sums = { count: 0, nonFinite: 0, dd: 0, aa: 0, bb: 0, ab: 0, sumAbs: 0, maxAbs: 0 };
  let any = false;
  for (const p of parts) {
    any = true;
    s.count += p.count;
    s.nonFinite += p.nonFinite;
    s.dd += p.l2 * p.l2;
    s.aa += p.normBefore * p.normBefore;
    s.bb += p.normAfter * p.normAfter;
    s.ab += p.dot;
    s.sumAbs += p.sumAbs;
    s.maxAbs = Math.max(s.maxAbs, p.maxAbs);
  }
  return any ? finish(s) : null;
}

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/** Reads a stored tensor's little-endian bytes as numbers, for `WeightValues`. */
export function tensorValues(dtype: StoredDType, data: ArrayBuffer): NumericArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(data);
    case 'int32':
      return new Int32Array(data);
    case 'bool':
      return new Uint8Array(data);
  }
}

/** Builds a `WeightValues` side from a loaded version's tensors. */
export function valuesByName(
  tensors: readonly { readonly entry: Pick<TensorEntry, 'name' | 'dtype'>; readonly data: ArrayBuffer }[],
): Map<string, NumericArray> {
  return new Map(tensors.map((t) => [t.entry.name, tensorValues(t.entry.dtype, t.data)]));
}

/** Names whose tensors must be read to measure a diff: present on both sides, same shape, different hash. */
export function tensorsToRead(before: readonly WeightEntry[], after: readonly WeightEntry[]): string[] {
  const old = new Map(before.map((t) => [t.name, t]));
  return after
    .filter((t) => {
      const o = old.get(t.name);
      return o !== undefined && o.hash !== t.hash && o.dtype === t.dtype && sameShape(o.shape, t.shape);
    })
    .map((t) => t.name);
}

function tensorDiff(
  name: string,
  layer: string,
  before: WeightEntry | undefined,
  after: WeightEntry | undefined,
  values: WeightValues | undefined,
): TensorDiff {
  const base = { name, layer, before: before ?? null, after: after ?? null };
  if (!before) return { ...base, status: 'added', stats: null, moved: true };
  if (!after) return { ...base, status: 'removed', stats: null, moved: true };
  if (before.dtype !== after.dtype || !sameShape(before.shape, after.shape))
    return { ...base, status: 'reshaped', stats: null, moved: true };
  if (before.hash === after.hash) return { ...base, status: 'unchanged', stats: null, moved: false };
  const x = values?.before.get(name);
  const y = values?.after.get(name);
  const n = elementCount(after.shape);
  if (!x || !y || x.length !== n || y.length !== n)
    return { ...base, status: 'changed', stats: null, moved: true };
  const stats = deltaStats(x, y);
  // Equal values with different bytes happen (−0 vs 0, NaN payloads): not a move.
  return { ...base, status: 'changed', stats, moved: stats.maxAbs > 0 || stats.nonFinite > 0 };
}

/** Compares two versions' tensors. Equal hashes short-cut to `unchanged` and their values are never read. */
export function diffWeights(
  before: readonly WeightEntry[],
  after: readonly WeightEntry[],
  options: WeightDiffOptions = {},
): WeightDiff {
  const index = options.layerNames ? new WeightLayerIndex(options.layerNames, options.layerAliases) : null;
  const layerOf = (name: string) => index?.layerOf(name) ?? layerPrefix(name);
  const old = new Map(before.map((t) => [t.name, t]));
  const fresh = new Map(after.map((t) => [t.name, t]));
  const names = [...after.map((t) => t.name), ...before.map((t) => t.name).filter((n) => !fresh.has(n))];

  const tensors = names.map((name) =>
    tensorDiff(name, layerOf(name), old.get(name), fresh.get(name), options.values),
  );
  const counts: Record<TensorStatus, number> = {
    unchanged: 0,
    changed: 0,
    reshaped: 0,
    added: 0,
    removed: 0,
  };
  for (const t of tensors) counts[t.status]++;

  const byLayer = new Map<string, TensorDiff[]>();
  for (const t of tensors) {
    const list = byLayer.get(t.layer);
    if (list) list.push(t);
    else byLayer.set(t.layer, [t]);
  }
  const layers: LayerWeightDiff[] = [...byLayer].map(([layer, ts]) => {
    const measured = ts.flatMap((t) => (t.stats ? [t.stats] : []));
    const status: LayerWeightStatus = ts.every((t) => t.status === 'added')
      ? 'added'
      : ts.every((t) => t.status === 'removed')
        ? 'removed'
        : ts.some((t) => t.moved)
          ? 'changed'
          : 'unchanged';
    return {
      layer,
      status,
      moved: status !== 'unchanged',
      tensors: ts.length,
      compared: measured.length,
      notCompared: ts.filter((t) => t.moved && t.stats === null).length,
      stats: combineStats(measured),
      paramsBefore: ts.reduce((n, t) => n + (t.before ? elementCount(t.before.shape) : 0), 0),
      paramsAfter: ts.reduce((n, t) => n + (t.after ? elementCount(t.after.shape) : 0), 0),
    };
  });

  return {
    tensors,
    layers,
    unmovedLayers: layers.filter((l) => l.status === 'unchanged').map((l) => l.layer),
    counts,
    overall: combineStats(tensors.flatMap((t) => (t.stats ? [t.stats] : []))),
  };
}
