import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import { parseShippedDataset, SHIPPED_DATASETS, shippedDatasetInfo } from './shipped';
import type { ShippedDatasetId } from './types';

const DIR = new URL('../../../public/datasets/', import.meta.url);

function readShipped(file: string): string {
  const bytes = readFileSync(new URL(file, DIR));
  return (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
}

function loadShipped(id: ShippedDatasetId) {
  const info = shippedDatasetInfo(id);
  if (!info) throw new Error(id);
  return parseShippedDataset(id, info.files.map(readShipped));
}

function classCounts(y: ArrayLike<number>, classes: number): number[] {
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < y.length; i++) counts[y[i] ?? 0]! += 1;
  return counts;
}

describe('the shipped data sets', () => {
  it('every catalogue entry parses to the shape it promises, with its credit', () => {
    for (const info of SHIPPED_DATASETS) {
      const d = loadShipped(info.id);
      expect(d.id).toBe(info.id);
      expect(d.task).toBe(info.task);
      expect(d.rows).toBe(info.rows);
      expect(d.features).toBe(info.features);
      expect(d.featureNames).toHaveLength(info.features);
      expect(new Set(d.featureNames).size).toBe(info.features);
      expect(d.x).toHaveLength(info.rows * info.features);
      expect(d.y).toHaveLength(info.rows);
      expect(d.inputShape.reduce((a, b) => a * b, 1)).toBe(info.features);
      expect(d.classNames?.length).toBe(info.classes);
      expect(d.credit).toBe(info.credit);
      expect(d.source).toEqual({ kind: 'shipped', id: info.id, files: info.files });
      expect(d.x.every(Number.isFinite)).toBe(true);
    }
  });

  it('ships every file the catalogue names, and the description beside it', () => {
    for (const info of SHIPPED_DATASETS) {
      for (const f of [...info.files, info.descriptionFile]) expect(readShipped(f).length).toBeGreaterThan(0);
    }
    const credits = readShipped('CREDITS.md');
    for (const info of SHIPPED_DATASETS) {
      expect(credits).toContain(info.name);
      expect(credits).toContain(info.sourceUrl);
    }
  });

  it('iris: 50 of each species, first row as in Fisher', () => {
    const d = loadShipped('iris');
    expect(d.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(classCounts(d.y, 3)).toEqual([50, 50, 50]);
    expect([...d.x.subarray(0, 4)]).toEqual([5.1, 3.5, 1.4, 0.2].map(Math.fround));
    expect(d.featureNames[0]).toBe('sepal length (cm)');
  });

  it('wine: the class distribution the description gives', () => {
    const d = loadShipped('wine');
    expect(classCounts(d.y, 3)).toEqual([59, 71, 48]);
    expect(d.x[12]).toBe(1065);
  });

  it('breast cancer: 212 malignant and 357 benign', () => {
    const d = loadShipped('breast-cancer');
    expect(d.classNames).toEqual(['malignant', 'benign']);
    expect(classCounts(d.y, 2)).toEqual([212, 357]);
    expect(d.featureNames[10]).toBe('radius error');
    expect(d.featureNames[20]).toBe('worst radius');
  });

  it('digits: 8×8 images with pixels 0–16 and all ten digits', () => {
    const d = loadShipped('digits');
    expect(d.inputShape).toEqual([8, 8, 1]);
    expect(d.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(d.x.reduce((a, b) => Math.min(a, b))).toBe(0);
    expect(d.x.reduce((a, b) => Math.max(a, b))).toBe(16);
    expect(d.x.every(Number.isInteger)).toBe(true);
    expect(classCounts(d.y, 10).every((c) => c >= 170 && c <= 190)).toBe(true);
    expect([...d.y.subarray(0, 3)]).toEqual([0, 1, 2]);
  });

  it('diabetes: raw features and a target from its own file', () => {
    const d = loadShipped('diabetes');
    expect(d.task).toBe('regression');
    expect(d.classNames).toBeUndefined();
    expect(d.y).toBeInstanceOf(Float32Array);
    expect([...d.x.subarray(0, 10)]).toEqual(
      [59, 2, 32.1, 101.0, 157, 93.2, 38.0, 4.0, 4.8598, 87].map(Math.fround),
    );
    expect([...d.y.subarray(0, 3)]).toEqual([151, 75, 141]);
    expect(Math.min(...d.y)).toBe(25);
    expect(Math.max(...d.y)).toBe(346);
  });

  it('names the file and row of a damaged file', () => {
    const info = shippedDatasetInfo('iris')!;
    const bad = (text: string): GraftError => {
      try {
        parseShippedDataset('iris', [text]);
      } catch (e) {
        return e as GraftError;
      }
      throw new Error('expected an error');
    };
    const good = readShipped('iris.csv');
    const lines = good.split('\n');
    lines[3] = '4.7,3.2,1.3,0';
    expect(bad(lines.join('\n')).message).toBe('iris.csv, row 4: 4 values, expected 5.');
    lines[3] = '4.7,x,1.3,0.2,0';
    expect(bad(lines.join('\n')).message).toBe('iris.csv, row 4, column 2: "x" is not a number.');
    lines[3] = '4.7,3.2,1.3,0.2,7';
    expect(bad(lines.join('\n')).message).toMatch(/row 4: the class is 7, but there are 3 classes/);
    expect(bad(good.split('\n').slice(0, 50).join('\n')).message).toBe(
      'iris.csv says it has 150 rows, but holds 49.',
    );
    expect(bad('').code).toBe('data/parse');
    expect(() =>
      parseShippedDataset('diabetes', [readShipped('diabetes_data_raw.csv.gz'), '1\n2\n']),
    ).toThrow(/2 targets for the 442 rows/);
    expect(info.files).toEqual(['iris.csv']);
  });

  it('reports a missing file or an unknown id as not found', () => {
    expect(() => parseShippedDataset('iris', [])).toThrow(GraftError);
    expect(() => parseShippedDataset('nope' as ShippedDatasetId, [])).toThrow(/no shipped data set "nope"/);
  });
});
