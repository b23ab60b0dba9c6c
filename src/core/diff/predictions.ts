/**
 * Behaviour diff: how two versions' predictions on the same rows differ. Classification compares the
 * predicted classes (argmax); regression compares the values.
 */
import { err, GraftError, ok, type ErrorData, type ErrorKey, type Result } from '../errors';

/** A row-major `rows × outputs` matrix, as `tensor.dataSync()` returns it. */
export interface PredictionMatrix {
  readonly data: ArrayLike<number>;
  readonly shape: readonly [rows: number, outputs: number];
}

export interface ClassRowDiff {
  readonly row: number;
  /** Predicted classes; -1 when the row holds no finite score. */
  readonly before: number;
  readonly after: number;
  /** The winning score on each side (a probability after softmax). */
  readonly beforeScore: number;
  readonly afterScore: number;
  /** The true class, when labels were given. */
  readonly label?: number;
}

export interface ClassificationDiff {
  readonly kind: 'classification';
  readonly rows: number;
  readonly classes: number;
  readonly agreeing: number;
  /** agreeing / rows; 1 for zero rows. */
  readonly agreement: number;
  readonly differing: number;
  /** The first `maxRows` differing rows, in row order. */
  readonly differingRows: readonly ClassRowDiff[];
  /** confusion[i][j]: rows the older version put in class i and the newer in class j. */
  readonly confusion: readonly (readonly number[])[];
  /** Rows with no finite score on either side: they count as differing and stay out of `confusion`. */
  readonly invalidRows: number;
  /** With labels: each version's accuracy and the rows one got right that the other did not. */
  readonly accuracy?: { readonly before: number; readonly after: number };
  readonly fixed?: number;
  readonly broken?: number;
}

export interface RegressionRowDiff {
  readonly row: number;
  /** For several outputs, the output with the largest |Δ| in that row. */
  readonly output: number;
  readonly before: number;
  readonly after: number;
  readonly delta: number;
}

export interface RegressionDiff {
  readonly kind: 'regression';
  readonly rows: number;
  readonly outputs: number;
  readonly meanAbs: number;
  readonly maxAbs: number;
  readonly rmse: number;
  readonly tolerance: number;
  /** Rows all of whose outputs moved by at most `tolerance`. */
  readonly within: number;
  readonly withinFraction: number;
  /** The rows beyond tolerance with the largest |Δ| first, at most `maxRows`. */
  readonly differingRows: readonly RegressionRowDiff[];
  /** Elements where either side is NaN or ±Infinity; such a row is never within tolerance. */
  readonly nonFinite: number;
}

export type PredictionDiff = ClassificationDiff | RegressionDiff;

export interface PredictionDiffOptions {
  /** `auto`: one output is regression, several are class scores. */
  readonly mode?: 'auto' | 'classification' | 'regression';
  /** How many differing rows to list; default 100. */
  readonly maxRows?: number;
  /** Regression: the largest |Δ| that still counts as the same answer; default 1e-6. */
  readonly tolerance?: number;
  /** Classification: each row's true class, for accuracy and fixed/broken counts. */
  readonly labels?: ArrayLike<number>;
}

export const DEFAULT_MAX_ROWS = 100;
export const DEFAULT_TOLERANCE = 1e-6;

function incompatible(key: ErrorKey & `error.diff/incompatible.${string}`, data: ErrorData): Result<never> {
  return err(new GraftError(key, data));
}

function checkMatrix(m: PredictionMatrix, which: 'older' | 'newer'): Result<never> | null {
  const [rows, outputs] = m.shape;
  if (!Number.isSafeInteger(rows) || rows < 0 || !Number.isSafeInteger(outputs) || outputs < 1)
    return incompatible(`error.diff/incompatible.predictions-${which}-shape`, { rows, outputs });
  if (m.data.length !== rows * outputs)
    return incompatible(`error.diff/incompatible.predictions-${which}-values`, {
      values: m.data.length,
      rows,
      outputs,
    });
  return null;
}

/** Index of the largest finite value in `data[offset, offset+n)`; first wins ties; -1 when none is finite. */
export function argmax(data: ArrayLike<number>, offset: number, n: number): number {
  let best = -1;
  let bestValue = -Infinity;
  for (let j = 0; j < n; j++) {
    const v = data[offset + j] as number;
    if (Number.isFinite(v) && (best < 0 || v > bestValue)) {
      best = j;
      bestValue = v;
    }
  }
  return best;
}

export function diffPredictions(
  before: PredictionMatrix,
  after: PredictionMatrix,
  options: PredictionDiffOptions = {},
): Result<PredictionDiff> {
  const problem = checkMatrix(before, 'older') ?? checkMatrix(after, 'newer');
  if (problem) return problem;
  const [rows, outputs] = before.shape;
  if (after.shape[0] !== rows)
    return incompatible('error.diff/incompatible.predictions-rows', { rows, other: after.shape[0] });
  if (after.shape[1] !== outputs)
    return incompatible('error.diff/incompatible.predictions-outputs', { outputs, other: after.shape[1] });
  const mode = options.mode ?? 'auto';
  const maxRows = Math.max(0, Math.floor(options.maxRows ?? DEFAULT_MAX_ROWS));
  if (mode === 'regression' || (mode === 'auto' && outputs === 1))
    return ok(regression(before, after, maxRows, options.tolerance ?? DEFAULT_TOLERANCE));
  if (options.labels && options.labels.length !== rows)
    return incompatible('error.diff/incompatible.predictions-labels', {
      labels: options.labels.length,
      rows,
    });
  return ok(classification(before, after, maxRows, options.labels));
}

function classification(
  before: PredictionMatrix,
  after: PredictionMatrix,
  maxRows: number,
  labels: ArrayLike<number> | undefined,
): ClassificationDiff {
  const [rows, classes] = before.shape;
  const confusion = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  const differingRows: ClassRowDiff[] = [];
  let agreeing = 0;
  let invalidRows = 0;
  let rightBefore = 0;
  let rightAfter = 0;
  let fixed = 0;
  let broken = 0;
  for (let r = 0; r < rows; r++) {
    const offset = r * classes;
    const x = argmax(before.data, offset, classes);
    const y = argmax(after.data, offset, classes);
    if (x >= 0 && y >= 0) (confusion[x] as number[])[y] = ((confusion[x] as number[])[y] as number) + 1;
    else invalidRows++;
    const label = labels?.[r];
    if (label !== undefined) {
      const a = x === label;
      const b = y === label;
      if (a) rightBefore++;
      if (b) rightAfter++;
      if (b && !a) fixed++;
      if (a && !b) broken++;
    }
    if (x >= 0 && x === y) {
      agreeing++;
      continue;
    }
    if (differingRows.length < maxRows) {
      const row: ClassRowDiff = {
        row: r,
        before: x,
        after: y,
        beforeScore: x >= 0 ? (before.data[offset + x] as number) : NaN,
        afterScore: y >= 0 ? (after.data[offset + y] as number) : NaN,
      };
      differingRows.push(label === undefined ? row : { ...row, label });
    }
  }
  const base: ClassificationDiff = {
    kind: 'classification',
    rows,
    classes,
    agreeing,
    agreement: rows === 0 ? 1 : agreeing / rows,
    differing: rows - agreeing,
    differingRows,
    confusion,
    invalidRows,
  };
  if (!labels) return base;
  return {
    ...base,
    accuracy: { before: rows === 0 ? 0 : rightBefore / rows, after: rows === 0 ? 0 : rightAfter / rows },
    fixed,
    broken,
  };
}

function regression(
  before: PredictionMatrix,
  after: PredictionMatrix,
  maxRows: number,
  tolerance: number,
): RegressionDiff {
  const [rows, outputs] = before.shape;
  let sumAbs = 0;
  let sumSq = 0;
  let maxAbs = 0;
  let counted = 0;
  let nonFinite = 0;
  let within = 0;
  const beyond: RegressionRowDiff[] = [];
  for (let r = 0; r < rows; r++) {
    let rowWorst: RegressionRowDiff | null = null;
    let rowOk = true;
    for (let j = 0; j < outputs; j++) {
      const i = r * outputs + j;
      const x = before.data[i] as number;
      const y = after.data[i] as number;
      if (!Number.isFinite(x) || !Number.isFinite(y)) {
        nonFinite++;
        rowOk = false;
        // A non-finite answer is worse than any finite miss, even the same Infinity on both sides.
        if (rowWorst === null || !Number.isNaN(rowWorst.delta))
          rowWorst = { row: r, output: j, before: x, after: y, delta: NaN };
        continue;
      }
      const d = y - x;
      const ad = Math.abs(d);
      sumAbs += ad;
      sumSq += d * d;
      counted++;
      if (ad > maxAbs) maxAbs = ad;
      if (ad > tolerance) {
        rowOk = false;
        if (rowWorst === null || (!Number.isNaN(rowWorst.delta) && ad > Math.abs(rowWorst.delta)))
          rowWorst = { row: r, output: j, before: x, after: y, delta: d };
      }
    }
    if (rowOk) within++;
    else if (rowWorst) beyond.push(rowWorst);
  }
  const size = (d: number) => (Number.isNaN(d) ? Infinity : Math.abs(d));
  beyond.sort((a, b) => size(b.delta) - size(a.delta) || a.row - b.row);
  return {
    kind: 'regression',
    rows,
    outputs,
    meanAbs: counted === 0 ? 0 : sumAbs / counted,
    maxAbs,
    rmse: counted === 0 ? 0 : Math.sqrt(sumSq / counted),
    tolerance,
    within,
    withinFraction: rows === 0 ? 1 : within / rows,
    differingRows: beyond.slice(0, maxRows),
    nonFinite,
  };
}
