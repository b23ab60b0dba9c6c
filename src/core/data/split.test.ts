import { describe, expect, it } from 'vitest';
import { generateDataset } from './generated';
import { shuffledIndices, splitDataset, splitIndices, takeRows } from './split';
import type { ClassificationDataset, Dataset } from './types';

function toy(labels: number[]): ClassificationDataset {
  const rows = labels.length;
  return {
    id: 'toy',
    name: 'toy',
    task: 'classification',
    featureNames: ['a', 'b'],
    labelName: 'class',
    classNames: ['0', '1', '2'],
    x: Float32Array.from({ length: rows * 2 }, (_, i) => i),
    y: Int32Array.from(labels),
    rows,
    features: 2,
    inputShape: [2],
    source: { kind: 'generated', generator: 'xor', params: { n: rows, noise: 0, seed: 0 } },
  };
}

const sorted = (a: Int32Array): number[] => [...a].sort((p, q) => p - q);

describe('shuffledIndices', () => {
  it('is a permutation that depends only on the seed', () => {
    const a = shuffledIndices(100, 5);
    expect(sorted(a)).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(shuffledIndices(100, 5)).toEqual(a);
    expect(shuffledIndices(100, 6)).not.toEqual(a);
    expect(a).not.toEqual(Int32Array.from({ length: 100 }, (_, i) => i));
  });
});

describe('splitIndices', () => {
  const iris = toy(Array.from({ length: 150 }, (_, i) => Math.floor(i / 50)));

  it('covers every row exactly once, in the proportion asked', () => {
    const s = splitIndices(iris, { validationFraction: 0.2, seed: 1 });
    expect(s.train).toHaveLength(120);
    expect(s.validation).toHaveLength(30);
    expect(sorted(Int32Array.from([...s.train, ...s.validation]))).toEqual(
      Array.from({ length: 150 }, (_, i) => i),
    );
  });

  it('is stable for a seed and changes with it', () => {
    const a = splitIndices(iris, { validationFraction: 0.2, seed: 1 });
    expect(splitIndices(iris, { validationFraction: 0.2, seed: 1 })).toEqual(a);
    expect(splitIndices(iris, { validationFraction: 0.2, seed: 2 }).validation).not.toEqual(a.validation);
  });

  it('stratifies classification by default, so every class is in validation in proportion', () => {
    const s = splitIndices(iris, { validationFraction: 0.2, seed: 3 });
    expect(s.stratified).toBe(true);
    const perClass = [0, 0, 0];
    for (const i of s.validation) perClass[iris.y[i] ?? 0]! += 1;
    expect(perClass).toEqual([10, 10, 10]);
    // The training rows are shuffled, not grouped by class.
    const firstTen = [...s.train.subarray(0, 10)].map((i) => iris.y[i]);
    expect(new Set(firstTen).size).toBeGreaterThan(1);
  });

  it('hands the rows lost to rounding to the classes that lost most', () => {
    const d = toy([...Array<number>(7).fill(0), ...Array<number>(2).fill(1), ...Array<number>(1).fill(2)]);
    const s = splitIndices(d, { validationFraction: 0.3, seed: 1 });
    const perClass = [0, 0, 0];
    for (const i of s.validation) perClass[d.y[i] ?? 0]! += 1;
    // 3 rows: exact shares 2.1, 0.6, 0.3 → 2 and the one owed goes to class 1.
    expect(perClass).toEqual([2, 1, 0]);
  });

  it('can be told not to stratify, and never stratifies regression', () => {
    expect(splitIndices(iris, { validationFraction: 0.2, seed: 1, stratify: false }).stratified).toBe(false);
    const sine = generateDataset('sine', { n: 50 });
    const s = splitIndices(sine, { validationFraction: 0.2, seed: 1, stratify: true });
    expect(s.stratified).toBe(false);
    expect(s.validation).toHaveLength(10);
  });

  it('keeps at least one row on each side, and none in validation for 0', () => {
    const tiny = toy([0, 1, 0]);
    expect(splitIndices(tiny, { validationFraction: 0.01, seed: 1 }).validation).toHaveLength(1);
    expect(splitIndices(tiny, { validationFraction: 0.99, seed: 1 }).train).toHaveLength(1);
    const none = splitIndices(iris, { validationFraction: 0, seed: 1 });
    expect(none.validation).toHaveLength(0);
    expect(none.train).toHaveLength(150);
  });

  it('refuses a share outside [0, 1) and a seed that is not a whole number', () => {
    expect(() => splitIndices(iris, { validationFraction: 1, seed: 1 })).toThrow(/validation share/);
    expect(() => splitIndices(iris, { validationFraction: -0.1, seed: 1 })).toThrow(/validation share/);
    expect(() => splitIndices(iris, { validationFraction: 0.2, seed: 0.5 })).toThrow(/seed/);
  });
});

describe('takeRows and splitDataset', () => {
  it('copy the rows out in the order of the indices', () => {
    const d = toy([0, 1, 2, 0]);
    const part = takeRows(d, [2, 0]);
    expect([...part.x]).toEqual([4, 5, 0, 1]);
    expect([...part.y]).toEqual([2, 0]);
    expect(part.y).toBeInstanceOf(Int32Array);
    expect(part.rows).toBe(2);
    const sine: Dataset = generateDataset('sine', { n: 10 });
    expect(takeRows(sine, [1]).y).toBeInstanceOf(Float32Array);
  });

  it('materialises both parts of a split', () => {
    const d = generateDataset('circles', { n: 100 });
    const s = splitDataset(d, { validationFraction: 0.25, seed: 4 });
    expect(s.train.rows).toBe(75);
    expect(s.validation.rows).toBe(25);
    const first = s.validation.x.subarray(0, 2);
    const r = s.indices.validation[0] ?? 0;
    expect([...first]).toEqual([...d.x.subarray(r * 2, r * 2 + 2)]);
  });
});
