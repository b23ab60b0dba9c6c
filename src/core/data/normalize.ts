/**
 * Feature scaling learned from the training rows only (validation rows must not leak into it), kept as
 * JSON in a version's provenance so that any later prediction scales its input exactly as training did.
 *
 * Regression targets are standardised too, by default: diabetes targets run from 25 to 346, and an
 * unscaled mean squared error in the thousands makes the usual learning rates diverge. The model then
 * predicts scaled targets; `denormalizeTargets` maps its outputs back to the data's own units.
 */
import { GraftError } from '../errors';
import type { JsonObject } from '../json';
import type { Dataset } from './types';

export type FeatureScaling = 'standard' | 'minmax' | 'none';

export interface NormalizationStats {
  readonly method: FeatureScaling;
  /** Per feature, `scaled = (x - offset) / scale`. Empty for `none`. */
  readonly offset: readonly number[];
  readonly scale: readonly number[];
  /** Present when regression targets are standardised: `scaled = (y - offset) / scale`. */
  readonly target?: { readonly offset: number; readonly scale: number };
}

export interface NormalizationOptions {
  /** `standard` (mean 0, standard deviation 1) unless told otherwise. */
  readonly features?: FeatureScaling;
  /** `standard` for regression unless told otherwise; classification labels are never scaled. */
  readonly target?: 'standard' | 'none';
}

/** Features that never change (the blank border pixels of the digits) get scale 1, not a division by 0. */
function safeScale(s: number): number {
  return s > 0 && Number.isFinite(s) ? s : 1;
}

export function computeNormalization(
  data: Pick<Dataset, 'x' | 'y' | 'features' | 'task'>,
  trainRows: ArrayLike<number>,
  options: NormalizationOptions = {},
): NormalizationStats {
  const method = options.features ?? 'standard';
  const { features } = data;
  const n = trainRows.length;
  if (n === 0) {
    throw new GraftError('error.data/invalid.normalize-no-rows');
  }
  const offset: number[] = [];
  const scale: number[] = [];
  if (method !== 'none') {
    for (let f = 0; f < features; f++) {
      const column = (i: number): number => data.x[(trainRows[i] ?? 0) * features + f] ?? 0;
      if (method === 'minmax') {
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < n; i++) {
          const v = column(i);
          if (v < min) min = v;
          if (v > max) max = v;
        }
        offset.push(min);
        scale.push(safeScale(max - min));
      } else {
        const { mean, std } = meanStd(n, column);
        offset.push(mean);
        scale.push(safeScale(std));
      }
    }
  }
  const targetMethod = data.task === 'regression' ? (options.target ?? 'standard') : 'none';
  if (targetMethod === 'none') return { method, offset, scale };
  const { mean, std } = meanStd(n, (i) => data.y[trainRows[i] ?? 0] ?? 0);
  return { method, offset, scale, target: { offset: mean, scale: safeScale(std) } };
}

/** Two passes in float64: the one-pass formula loses the variance of large, close values. */
function meanStd(n: number, value: (i: number) => number): { mean: number; std: number } {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += value(i);
  const mean = sum / n;
  let squares = 0;
  for (let i = 0; i < n; i++) {
    const d = value(i) - mean;
    squares += d * d;
  }
  return { mean, std: Math.sqrt(squares / n) };
}

/** Scales rows (rows × features, row-major) into a new array. */
export function applyNormalization(
  stats: NormalizationStats,
  x: Float32Array,
  features: number,
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(x.length);
  if (stats.method === 'none') {
    out.set(x);
    return out;
  }
  if (stats.offset.length !== features || x.length % features !== 0) {
    throw new GraftError('error.data/invalid.normalize-width', {
      expected: stats.offset.length,
      got: features,
    });
  }
  for (let i = 0; i < x.length; i++) {
    const f = i % features;
    out[i] = ((x[i] ?? 0) - (stats.offset[f] ?? 0)) / (stats.scale[f] ?? 1);
  }
  return out;
}

export function normalizeTargets(stats: NormalizationStats, y: Float32Array): Float32Array<ArrayBuffer> {
  const out = new Float32Array(y.length);
  const t = stats.target;
  for (let i = 0; i < y.length; i++) out[i] = t ? ((y[i] ?? 0) - t.offset) / t.scale : (y[i] ?? 0);
  return out;
}

/** A model's regression outputs back in the data's own units. */
export function denormalizeTargets(
  stats: NormalizationStats,
  scaled: ArrayLike<number>,
): Float32Array<ArrayBuffer> {
  const out = new Float32Array(scaled.length);
  const t = stats.target;
  for (let i = 0; i < scaled.length; i++)
    out[i] = t ? (scaled[i] ?? 0) * t.scale + t.offset : (scaled[i] ?? 0);
  return out;
}

export function normalizationToJson(stats: NormalizationStats): JsonObject {
  const json: JsonObject = { method: stats.method, offset: [...stats.offset], scale: [...stats.scale] };
  if (stats.target) json['target'] = { offset: stats.target.offset, scale: stats.target.scale };
  return json;
}

/** Reads stats back from a version's provenance, refusing anything that would scale inputs wrongly. */
export function normalizationFromJson(json: unknown): NormalizationStats {
  const bad = (why: string): GraftError =>
    new GraftError('error.data/invalid.normalize-stored', { json, why });
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw bad('not an object');
  const o = json as Record<string, unknown>;
  const method = o['method'];
  if (method !== 'standard' && method !== 'minmax' && method !== 'none')
    throw bad(`unknown method ${String(method)}`);
  const numbers = (v: unknown, name: string): number[] => {
    if (!Array.isArray(v) || !v.every((n) => typeof n === 'number' && Number.isFinite(n))) {
      throw bad(`${name} is not a list of numbers`);
    }
    return v as number[];
  };
  const offset = numbers(o['offset'], 'offset');
  const scale = numbers(o['scale'], 'scale');
  if (offset.length !== scale.length) throw bad('offset and scale differ in length');
  if (method === 'none' && offset.length > 0) throw bad('"none" has no per-feature values');
  if (scale.some((s) => s <= 0)) throw bad('a scale is not positive');
  const t = o['target'];
  if (t === undefined) return { method, offset, scale };
  if (typeof t !== 'object' || t === null) throw bad('target is not an object');
  const [tOffset, tScale] = numbers(
    [(t as Record<string, unknown>)['offset'], (t as Record<string, unknown>)['scale']],
    'target',
  );
  if (tOffset === undefined || tScale === undefined || tScale <= 0) throw bad('target scale is not positive');
  return { method, offset, scale, target: { offset: tOffset, scale: tScale } };
}
