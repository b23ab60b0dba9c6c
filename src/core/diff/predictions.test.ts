import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import {
  argmax,
  diffPredictions,
  type ClassificationDiff,
  type PredictionDiff,
  type PredictionDiffOptions,
  type PredictionMatrix,
  type RegressionDiff,
} from './predictions';

const matrix = (rows: number[][]): PredictionMatrix => ({
  data: new Float32Array(rows.flat()),
  shape: [rows.length, rows[0]?.length ?? 1],
});

function run(a: PredictionMatrix, b: PredictionMatrix, options?: PredictionDiffOptions): PredictionDiff {
  const r = diffPredictions(a, b, options);
  if (!r.ok) throw r.error;
  return r.value;
}
const classify = (a: number[][], b: number[][], options?: PredictionDiffOptions) =>
  run(matrix(a), matrix(b), options) as ClassificationDiff;
const regress = (a: number[][], b: number[][], options?: PredictionDiffOptions) =>
  run(matrix(a), matrix(b), options) as RegressionDiff;

describe('argmax', () => {
  it('takes the first of equal maxima and skips non-finite scores', () => {
    expect(argmax([0.2, 0.5, 0.5], 0, 3)).toBe(1);
    expect(argmax([NaN, 0.1, Infinity, 0.05], 0, 4)).toBe(1);
    expect(argmax([NaN, NaN], 0, 2)).toBe(-1);
    expect(argmax([9, 1, 3, 2], 1, 3)).toBe(1);
  });
});

describe('classification', () => {
  const a = [
    [0.9, 0.1, 0],
    [0.2, 0.7, 0.1],
    [0.1, 0.1, 0.8],
    [0.6, 0.3, 0.1],
  ];
  const b = [
    [0.8, 0.2, 0],
    [0.2, 0.3, 0.5],
    [0.1, 0.1, 0.8],
    [0.3, 0.6, 0.1],
  ];

  it('reports the fraction of rows whose predicted class agrees and which rows differ', () => {
    const d = classify(a, b);
    expect(d.kind).toBe('classification');
    expect(d.rows).toBe(4);
    expect(d.classes).toBe(3);
    expect(d.agreeing).toBe(2);
    expect(d.agreement).toBe(0.5);
    expect(d.differing).toBe(2);
    expect(d.differingRows.map((r) => [r.row, r.before, r.after])).toEqual([
      [1, 1, 2],
      [3, 0, 1],
    ]);
    expect(d.differingRows[0]?.beforeScore).toBeCloseTo(0.7, 6);
    expect(d.differingRows[0]?.afterScore).toBeCloseTo(0.5, 6);
  });

  it('builds the confusion between the two versions’ labels', () => {
    expect(classify(a, b).confusion).toEqual([
      [1, 1, 0],
      [0, 0, 1],
      [0, 0, 1],
    ]);
  });

  it('with true labels, reports each version’s accuracy and the rows fixed and broken', () => {
    const d = classify(a, b, { labels: [0, 2, 2, 0] });
    expect(d.accuracy).toEqual({ before: 0.75, after: 0.75 });
    expect(d.fixed).toBe(1);
    expect(d.broken).toBe(1);
    expect(d.differingRows.map((r) => r.label)).toEqual([2, 0]);
  });

  it('caps the list of differing rows but counts them all', () => {
    const n = 500;
    const x = Array.from({ length: n }, () => [1, 0]);
    const y = Array.from({ length: n }, (_, i) => (i % 2 ? [0, 1] : [1, 0]));
    const d = classify(x, y, { maxRows: 10 });
    expect(d.differing).toBe(250);
    expect(d.differingRows).toHaveLength(10);
    expect(d.differingRows[0]?.row).toBe(1);
    expect(classify(x, y).differingRows).toHaveLength(100);
  });

  it('counts rows without a finite score as differing and leaves them out of the confusion', () => {
    const d = classify(
      [
        [NaN, NaN],
        [1, 0],
      ],
      [
        [NaN, NaN],
        [1, 0],
      ],
    );
    expect(d.invalidRows).toBe(1);
    expect(d.agreeing).toBe(1);
    expect(d.differingRows[0]).toMatchObject({ row: 0, before: -1, after: -1 });
    expect(d.confusion).toEqual([
      [1, 0],
      [0, 0],
    ]);
  });

  it('handles zero rows', () => {
    const d = run({ data: new Float32Array(0), shape: [0, 3] }, { data: [], shape: [0, 3] });
    expect(d).toMatchObject({ kind: 'classification', agreement: 1, differing: 0 });
  });

  it('treats one output as regression and several as classes unless told otherwise', () => {
    expect(regress([[0.2]], [[0.9]]).kind).toBe('regression');
    expect(run(matrix([[0.2, 0.3]]), matrix([[0.2, 0.3]])).kind).toBe('classification');
    expect(run(matrix([[0.2, 0.3]]), matrix([[0.2, 0.3]]), { mode: 'regression' }).kind).toBe('regression');
  });
});

describe('regression', () => {
  it('reports mean and max |Δ|, RMSE and the fraction within tolerance', () => {
    const d = regress([[1], [2], [3], [4]], [[1], [2.5], [2], [4.0000001]], { tolerance: 1e-3 });
    expect(d.kind).toBe('regression');
    expect(d.maxAbs).toBeCloseTo(1, 6);
    expect(d.meanAbs).toBeCloseTo(1.5 / 4, 6);
    expect(d.rmse).toBeCloseTo(Math.sqrt(1.25 / 4), 6);
    expect(d.within).toBe(2);
    expect(d.withinFraction).toBe(0.5);
    expect(d.differingRows.map((r) => [r.row, r.delta])).toEqual([
      [2, -1],
      [1, 0.5],
    ]);
  });

  it('judges a row with several outputs by its worst output', () => {
    const d = regress(
      [
        [0, 0],
        [0, 0],
      ],
      [
        [0, 0.2],
        [0.1, -0.3],
      ],
      { tolerance: 0.15, mode: 'regression' },
    );
    expect(d.outputs).toBe(2);
    expect(d.within).toBe(0);
    expect(d.differingRows.map((r) => [r.row, r.output])).toEqual([
      [1, 1],
      [0, 1],
    ]);
  });

  it('puts non-finite answers first and never within tolerance', () => {
    const d = regress([[1], [Infinity], [3]], [[1], [Infinity], [3.5]]);
    expect(d.nonFinite).toBe(1);
    expect(d.within).toBe(1);
    expect(d.differingRows[0]?.row).toBe(1);
    expect(Number.isNaN(d.differingRows[0]?.delta)).toBe(true);
    expect(d.maxAbs).toBe(0.5);
  });

  it('uses a default tolerance of 1e-6', () => {
    const d = regress([[1], [1]], [[1 + 1e-7], [1.01]]);
    expect(d.tolerance).toBe(1e-6);
    expect(d.within).toBe(1);
  });
});

describe('refusals', () => {
  it('refuses matrices that do not line up, with diff/incompatible', () => {
    const cases: [PredictionMatrix, PredictionMatrix, PredictionDiffOptions?][] = [
      [matrix([[1, 0]]), matrix([[1, 0, 0]])],
      [
        matrix([[1, 0]]),
        matrix([
          [1, 0],
          [0, 1],
        ]),
      ],
      [
        { data: [1, 2, 3], shape: [2, 2] },
        matrix([
          [1, 0],
          [0, 1],
        ]),
      ],
      [matrix([[1, 0]]), { data: [1, 0], shape: [1, 0] }],
      [matrix([[1, 0]]), matrix([[1, 0]]), { labels: [0, 1] }],
    ];
    for (const [x, y, o] of cases) {
      const r = diffPredictions(x, y, o);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(isGraftError(r.error, 'diff/incompatible')).toBe(true);
    }
  });

  it('says why in words', () => {
    const r = diffPredictions(
      matrix([[1, 0]]),
      matrix([
        [1, 0],
        [0, 1],
      ]),
    );
    expect(!r.ok && r.error.message).toMatch(/1 and 2 rows/);
  });
});
