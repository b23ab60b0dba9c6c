import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import { mulberry32 } from '../random';
import { generateDataset, GENERATORS } from './generated';
import type { GeneratorKind } from './types';

const KINDS: GeneratorKind[] = ['xor', 'spirals', 'circles', 'sine'];

describe('generated data sets', () => {
  it('are the same for the same seed, bit for bit', () => {
    for (const kind of KINDS) {
      const a = generateDataset(kind, { seed: 42 });
      const b = generateDataset(kind, { seed: 42 });
      expect(a.x).toEqual(b.x);
      expect(a.y).toEqual(b.y);
    }
  });

  it('differ for another seed', () => {
    for (const kind of KINDS) {
      expect(generateDataset(kind, { seed: 1 }).x).not.toEqual(generateDataset(kind, { seed: 2 }).x);
    }
  });

  it('do not drift: the first XOR point is drawn from mulberry32 the same way forever', () => {
    // Versions record a generated set by its parameters; a change here would break their fingerprints.
    const next = mulberry32(7);
    const px = next() * 2 - 1;
    const py = Math.sign(px) * next();
    const d = generateDataset('xor', { n: 4, noise: 0, seed: 7 });
    expect([...d.x.subarray(0, 2)]).toEqual([Math.fround(px), Math.fround(py)]);
  });

  it('use the defaults for parameters not given, and record all of them', () => {
    for (const g of GENERATORS) {
      const d = generateDataset(g.kind);
      expect(d.rows).toBe(g.defaults.n);
      expect(d.task).toBe(g.task);
      expect(d.id).toBe(`generated:${g.kind}`);
      expect(d.source).toEqual({ kind: 'generated', generator: g.kind, params: g.defaults });
      expect(d.x).toHaveLength(d.rows * d.features);
      expect(d.x.every(Number.isFinite)).toBe(true);
    }
    expect(generateDataset('xor', { n: 10 }).source).toEqual({
      kind: 'generated',
      generator: 'xor',
      params: { n: 10, noise: 0.1, seed: 1 },
    });
  });

  it('XOR labels points by whether x and y differ in sign, balanced', () => {
    const d = generateDataset('xor', { n: 1000, noise: 0, seed: 3 });
    let ones = 0;
    for (let i = 0; i < d.rows; i++) {
      const x = d.x[2 * i] ?? 0;
      const y = d.x[2 * i + 1] ?? 0;
      expect(d.y[i]).toBe(x * y < 0 ? 1 : 0);
      ones += d.y[i] ?? 0;
    }
    expect(ones).toBe(500);
    expect(generateDataset('xor', { n: 4 }).y).toEqual(new Int32Array([0, 1, 0, 1]));
  });

  it('circles put class 0 on the inner circle and 1 on the outer', () => {
    const d = generateDataset('circles', { n: 200, noise: 0, seed: 5 });
    for (let i = 0; i < d.rows; i++) {
      const r = Math.hypot(d.x[2 * i] ?? 0, d.x[2 * i + 1] ?? 0);
      expect(r).toBeCloseTo(d.y[i] === 0 ? 0.5 : 1, 5);
    }
    expect(d.classNames).toEqual(['inner', 'outer']);
  });

  it('spirals are two classes of equal size winding out to radius 1', () => {
    const d = generateDataset('spirals', { n: 300, noise: 0, seed: 5 });
    let max = 0;
    for (let i = 0; i < d.rows; i++) max = Math.max(max, Math.hypot(d.x[2 * i] ?? 0, d.x[2 * i + 1] ?? 0));
    expect(max).toBeLessThanOrEqual(1);
    expect(max).toBeGreaterThan(0.95);
    expect(d.y.filter((c) => c === 1)).toHaveLength(150);
  });

  it('the sine is sin(x) exactly without noise, and near it with noise', () => {
    const clean = generateDataset('sine', { n: 100, noise: 0, seed: 9 });
    expect(clean.task).toBe('regression');
    expect(clean.features).toBe(1);
    for (let i = 0; i < clean.rows; i++) {
      const x = clean.x[i] ?? 0;
      expect(x).toBeGreaterThanOrEqual(-Math.PI);
      expect(x).toBeLessThanOrEqual(Math.PI);
      expect(clean.y[i]).toBeCloseTo(Math.sin(x), 5);
    }
    const noisy = generateDataset('sine', { n: 2000, noise: 0.1, seed: 9 });
    let sq = 0;
    for (let i = 0; i < noisy.rows; i++) sq += ((noisy.y[i] ?? 0) - Math.sin(noisy.x[i] ?? 0)) ** 2;
    expect(Math.sqrt(sq / noisy.rows)).toBeCloseTo(0.1, 1);
  });

  it('refuses parameters it cannot honour, naming them', () => {
    const bad = (p: object): string => {
      try {
        generateDataset('xor', p);
      } catch (e) {
        expect(e).toBeInstanceOf(GraftError);
        expect((e as GraftError).code).toBe('data/invalid');
        return (e as GraftError).message;
      }
      throw new Error('expected an error');
    };
    expect(bad({ n: 3 })).toMatch(/number of points.*from 4 to 100,000; got 3/);
    expect(bad({ n: 10.5 })).toMatch(/whole number/);
    expect(bad({ n: 1e6 })).toMatch(/got 1000000/);
    expect(bad({ noise: -1 })).toMatch(/noise must be between 0 and 2/);
    expect(bad({ noise: NaN })).toMatch(/noise/);
    expect(bad({ seed: 1.5 })).toMatch(/seed must be a whole number/);
    expect(() => generateDataset('moons' as GeneratorKind)).toThrow(/no generated data set "moons"/);
  });
});
