import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../hashing';
import { generateDataset } from './generated';
import {
  applyNormalization,
  computeNormalization,
  denormalizeTargets,
  normalizationFromJson,
  normalizationToJson,
  normalizeTargets,
} from './normalize';
import type { Dataset } from './types';

function regression(x: number[], y: number[], features: number): Dataset {
  return {
    id: 'r',
    name: 'r',
    task: 'regression',
    featureNames: Array.from({ length: features }, (_, i) => `f${i}`),
    labelName: 't',
    x: Float32Array.from(x),
    y: Float32Array.from(y),
    rows: y.length,
    features,
    inputShape: [features],
    source: { kind: 'generated', generator: 'sine', params: { n: y.length, noise: 0, seed: 0 } },
  };
}

describe('normalisation', () => {
  const d = regression([1, 10, 3, 10, 5, 10, 1000, 10], [100, 200, 300, 999], 2);

  it('learns mean and standard deviation from the training rows only', () => {
    const stats = computeNormalization(d, [0, 1, 2]);
    expect(stats.method).toBe('standard');
    expect(stats.offset).toEqual([3, 10]);
    expect(stats.scale[0]).toBeCloseTo(Math.sqrt(8 / 3), 12);
    // A constant feature gets scale 1 rather than a division by zero.
    expect(stats.scale[1]).toBe(1);
    expect(stats.target).toEqual({ offset: 200, scale: Math.sqrt(20000 / 3) });
  });

  it('scales any rows with the training stats', () => {
    const stats = computeNormalization(d, [0, 1, 2]);
    const out = applyNormalization(stats, d.x, 2);
    expect(out[0]).toBeCloseTo(-2 / Math.sqrt(8 / 3), 6);
    expect(out[1]).toBe(0);
    // The held-out outlier is scaled, not learned from.
    expect(out[6]).toBeCloseTo(997 / Math.sqrt(8 / 3), 3);
    expect(d.x[0]).toBe(1);
  });

  it('min/max maps the training range onto [0, 1]', () => {
    const stats = computeNormalization(d, [0, 1, 2], { features: 'minmax' });
    expect(stats.offset).toEqual([1, 10]);
    expect(stats.scale).toEqual([4, 1]);
    expect([...applyNormalization(stats, d.x.subarray(0, 6), 2)]).toEqual([0, 0, 0.5, 0, 1, 0]);
  });

  it('"none" passes features through unchanged', () => {
    const stats = computeNormalization(d, [0, 1], { features: 'none', target: 'none' });
    expect(stats).toEqual({ method: 'none', offset: [], scale: [] });
    expect(applyNormalization(stats, d.x, 2)).toEqual(d.x);
  });

  it('round-trips regression targets through scaling and back', () => {
    const stats = computeNormalization(d, [0, 1, 2, 3]);
    const scaled = normalizeTargets(stats, d.y as Float32Array);
    expect(scaled.reduce((a, b) => a + b, 0)).toBeCloseTo(0, 4);
    const back = denormalizeTargets(stats, scaled);
    [...d.y].forEach((v, i) => expect(back[i]).toBeCloseTo(v, 3));
  });

  it('never scales classification labels', () => {
    const xor = generateDataset('xor');
    const stats = computeNormalization(xor, [0, 1, 2, 3], { target: 'standard' });
    expect(stats.target).toBeUndefined();
  });

  it('refuses input with a different number of features', () => {
    const stats = computeNormalization(d, [0, 1]);
    expect(() => applyNormalization(stats, new Float32Array(3), 3)).toThrow(/learned for 2 features/);
    expect(() => computeNormalization(d, [])).toThrow(/at least one training row/);
  });

  it('serialises to JSON that hashes and reads back to the same scaling', () => {
    const stats = computeNormalization(d, [0, 1, 2]);
    const json = normalizationToJson(stats);
    expect(() => canonicalJson(json)).not.toThrow();
    const back = normalizationFromJson(JSON.parse(JSON.stringify(json)));
    expect(back).toEqual(stats);
    expect(applyNormalization(back, d.x, 2)).toEqual(applyNormalization(stats, d.x, 2));
  });

  it('refuses stored stats that would scale inputs wrongly', () => {
    const ok = { method: 'standard', offset: [0], scale: [1] };
    expect(normalizationFromJson(ok)).toEqual(ok);
    for (const bad of [
      null,
      [],
      { ...ok, method: 'zscore' },
      { ...ok, offset: [0, 1] },
      { ...ok, scale: [0] },
      { ...ok, scale: ['1'] },
      { method: 'none', offset: [1], scale: [1] },
      { ...ok, target: { offset: 0, scale: -1 } },
      { ...ok, target: 'x' },
    ]) {
      expect(() => normalizationFromJson(bad)).toThrow(/stored normalisation is unreadable/);
    }
  });
});
