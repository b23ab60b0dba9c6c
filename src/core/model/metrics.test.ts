import { describe, expect, it } from 'vitest';
import { accuracyOf, argmaxRows, confusionCount, confusionMatrix, regressionMetrics } from './metrics';

describe('confusion matrix', () => {
  it('counts true classes by row and predictions by column', () => {
    const m = confusionMatrix([0, 0, 1, 2, 2, 2], [0, 1, 1, 2, 0, 2], 3);
    expect(Array.from(m.counts)).toEqual([1, 1, 0, 0, 1, 0, 1, 0, 2]);
    expect(confusionCount(m, 2, 0)).toBe(1);
    expect(accuracyOf(m)).toBeCloseTo(4 / 6);
  });

  it('ignores labels outside the classes and refuses mismatched lengths', () => {
    expect(accuracyOf(confusionMatrix([0, 5], [0, 0], 2))).toBe(1);
    expect(accuracyOf(confusionMatrix([], [], 2))).toBe(0);
    expect(() => confusionMatrix([0], [], 2)).toThrow(RangeError);
  });

  it('takes the first of tied maxima, like argMax', () => {
    expect(Array.from(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0], 3))).toEqual([1, 0]);
  });
});

describe('regression metrics', () => {
  it('computes MAE, MSE and R²', () => {
    const m = regressionMetrics([1, 2, 3, 4], [1, 2, 4, 2]);
    expect(m.mae).toBeCloseTo(0.75);
    expect(m.mse).toBeCloseTo(1.25);
    expect(m.r2).toBeCloseTo(1 - 5 / 5);
    expect(regressionMetrics([1, 2, 3], [1, 2, 3]).r2).toBe(1);
  });

  it('gives NaN R² when the targets do not vary, and NaN everything for no rows', () => {
    expect(regressionMetrics([2, 2], [1, 3]).r2).toBeNaN();
    expect(regressionMetrics([], []).mse).toBeNaN();
  });
});
