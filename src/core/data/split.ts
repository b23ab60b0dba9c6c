/** Train/validation splits that are the same for the same seed, so a version's data can be rebuilt exactly. */
import { GraftError } from '../errors';
import { mulberry32 } from '../random';
import type { Dataset } from './types';

export interface SplitOptions {
  /** Share of rows held out for validation, in [0, 1). */
  readonly validationFraction: number;
  readonly seed: number;
  /**
   * Keep each class's share the same in both parts (on by default for classification), so a small data
   * set like iris never ends up with a class missing from validation.
   */
  readonly stratify?: boolean;
}

export interface SplitIndices {
  readonly train: Int32Array<ArrayBuffer>;
  readonly validation: Int32Array<ArrayBuffer>;
  readonly seed: number;
  readonly validationFraction: number;
  readonly stratified: boolean;
}

/** Some rows of a data set, copied out in the order of the indices. */
export interface DataPart {
  readonly x: Float32Array<ArrayBuffer>;
  readonly y: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
  readonly rows: number;
}

export interface Split {
  readonly indices: SplitIndices;
  readonly train: DataPart;
  readonly validation: DataPart;
}

/** 0…n-1 in a seeded Fisher–Yates order. */
export function shuffledIndices(n: number, seed: number): Int32Array<ArrayBuffer> {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  shuffleInPlace(out, mulberry32(seed));
  return out;
}

function shuffleInPlace(a: Int32Array, next: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const t = a[i] ?? 0;
    a[i] = a[j] ?? 0;
    a[j] = t;
  }
}

export function splitIndices(
  data: Pick<Dataset, 'rows' | 'task' | 'y'>,
  options: SplitOptions,
): SplitIndices {
  const { validationFraction: f, seed } = options;
  const n = data.rows;
  if (!Number.isFinite(f) || f < 0 || f >= 1) {
    throw new GraftError('error.data/invalid.validation-share', { validationFraction: f });
  }
  if (!Number.isSafeInteger(seed)) {
    throw new GraftError('error.data/invalid.split-seed', { seed });
  }
  // At least one row on each side whenever a validation share was asked for and there are two rows.
  const target = f === 0 || n < 2 ? 0 : Math.min(n - 1, Math.max(1, Math.round(n * f)));
  const stratified = (options.stratify ?? data.task === 'classification') && data.task === 'classification';
  const next = mulberry32(seed);

  if (!stratified) {
    const order = shuffledIndices(n, seed);
    return {
      train: order.slice(target),
      validation: order.slice(0, target),
      seed,
      validationFraction: f,
      stratified,
    };
  }

  const byClass = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const c = data.y[i] ?? 0;
    const list = byClass.get(c);
    if (list) list.push(i);
    else byClass.set(c, [i]);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  // Largest remainders: each class gets its share rounded down, and the rows still owed to reach `target`
  // go to the classes that lost most to the rounding.
  const exact = classes.map((c) => ((byClass.get(c)?.length ?? 0) * target) / n);
  const quota = exact.map(Math.floor);
  const owed = target - quota.reduce((a, b) => a + b, 0);
  const byRemainder = classes
    .map((_, k) => k)
    .sort((a, b) => (exact[b] ?? 0) - (quota[b] ?? 0) - ((exact[a] ?? 0) - (quota[a] ?? 0)) || a - b);
  for (let k = 0; k < owed; k++) {
    const idx = byRemainder[k] ?? 0;
    quota[idx] = (quota[idx] ?? 0) + 1;
  }

  const train: number[] = [];
  const validation: number[] = [];
  classes.forEach((c, k) => {
    const members = Int32Array.from(byClass.get(c) ?? []);
    shuffleInPlace(members, next);
    const q = quota[k] ?? 0;
    for (let i = 0; i < members.length; i++) (i < q ? validation : train).push(members[i] ?? 0);
  });
  const trainIdx = Int32Array.from(train);
  const validationIdx = Int32Array.from(validation);
  // Without this, training would see the rows grouped class by class.
  shuffleInPlace(trainIdx, next);
  shuffleInPlace(validationIdx, next);
  return { train: trainIdx, validation: validationIdx, seed, validationFraction: f, stratified };
}

export function takeRows(data: Pick<Dataset, 'x' | 'y' | 'features'>, indices: ArrayLike<number>): DataPart {
  const { features } = data;
  const x = new Float32Array(indices.length * features);
  const y = data.y instanceof Int32Array ? new Int32Array(indices.length) : new Float32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] ?? 0;
    x.set(data.x.subarray(r * features, (r + 1) * features), i * features);
    y[i] = data.y[r] ?? 0;
  }
  return { x, y, rows: indices.length };
}

export function splitDataset(data: Dataset, options: SplitOptions): Split {
  const indices = splitIndices(data, options);
  return { indices, train: takeRows(data, indices.train), validation: takeRows(data, indices.validation) };
}
