/** Evaluation arithmetic on plain arrays: confusion matrices and regression errors. */

export interface ConfusionMatrix {
  /** Number of classes; rows are true classes, columns predicted ones. */
  readonly classes: number;
  /** Row-major, classes × classes counts. */
  readonly counts: Uint32Array;
}

export function confusionMatrix(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  classes: number,
): ConfusionMatrix {
  if (truth.length !== predicted.length)
    throw new RangeError(`${truth.length} true labels but ${predicted.length} predictions`);
  const counts = new Uint32Array(classes * classes);
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    if (t >= 0 && t < classes && p >= 0 && p < classes) counts[t * classes + p]! += 1;
  }
  return { classes, counts };
}

export function confusionCount(m: ConfusionMatrix, truth: number, predicted: number): number {
  return m.counts[truth * m.classes + predicted] ?? 0;
}

/** Share of rows on the diagonal; 0 for an empty matrix. */
export function accuracyOf(m: ConfusionMatrix): number {
  let right = 0;
  let all = 0;
  for (let t = 0; t < m.classes; t++)
    for (let p = 0; p < m.classes; p++) {
      const c = confusionCount(m, t, p);
      all += c;
      if (t === p) right += c;
    }
  return all === 0 ? 0 : right / all;
}

/** Index of the largest of each row of `width` values; ties go to the first, like argMax. */
export function argmaxRows(values: ArrayLike<number>, width: number): Int32Array {
  const rows = width > 0 ? Math.floor(values.length / width) : 0;
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let c = 0; c < width; c++) {
      const v = values[r * width + c] as number;
      if (v > bestValue) {
        bestValue = v;
        best = c;
      }
    }
    out[r] = best;
  }
  return out;
}

export interface RegressionMetrics {
  readonly mae: number;
  readonly mse: number;
  /** 1 − SSres/SStot over all outputs; NaN when the targets do not vary. */
  readonly r2: number;
}

export function regressionMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>): RegressionMetrics {
  if (truth.length !== predicted.length)
    throw new RangeError(`${truth.length} targets but ${predicted.length} predictions`);
  const n = truth.length;
  if (n === 0) return { mae: NaN, mse: NaN, r2: NaN };
  let mean = 0;
  for (let i = 0; i < n; i++) mean += truth[i] as number;
  mean /= n;
  let abs = 0;
  let sq = 0;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i] as number;
    const d = t - (predicted[i] as number);
    abs += Math.abs(d);
    sq += d * d;
    tot += (t - mean) * (t - mean);
  }
  return { mae: abs / n, mse: sq / n, r2: tot === 0 ? NaN : 1 - sq / tot };
}
