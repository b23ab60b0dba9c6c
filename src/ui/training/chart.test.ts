import { describe, expect, it } from 'vitest';
import { downsample, extentOf, formatMetric, niceTicks, pathThrough } from './chart';

describe('chart arithmetic', () => {
  it('finds the finite extent, widening a flat one', () => {
    expect(
      extentOf([
        [3, 1, Number.NaN],
        [Infinity, 2],
      ]),
    ).toEqual({ min: 1, max: 3 });
    expect(extentOf([[2, 2]])).toEqual({ min: 1.9, max: 2.1 });
    expect(extentOf([[0]])).toEqual({ min: -0.5, max: 0.5 });
    expect(extentOf([[], [Number.NaN]])).toBeNull();
  });

  it('picks round ticks', () => {
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 1, 2)).toEqual([0, 0.5, 1]);
    expect(niceTicks(0.13, 2.4, 4)).toEqual([0.5, 1, 1.5, 2]);
    expect(niceTicks(1, 30, 5)).toEqual([5, 10, 15, 20, 25, 30]);
    expect(niceTicks(1, 1)).toEqual([]);
  });

  it('downsamples thousands of points to a few per bucket, keeping a spike and both ends', () => {
    const n = 5000;
    const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
    const ys = Float64Array.from({ length: n }, (_, i) => (i === 2345 ? 100 : Math.sin(i / 50)));
    const points = downsample(xs, ys, 300);
    expect(points.length).toBeLessThanOrEqual(4 * 300);
    expect(points.length).toBeGreaterThan(300);
    expect(points.some((p) => p.y === 100)).toBe(true);
    expect(points[0]).toEqual({ x: 1, y: ys[0] });
    expect(points[points.length - 1]).toEqual({ x: n, y: ys[n - 1] });
    expect(points.every((p, i) => i === 0 || p.x > (points[i - 1]?.x ?? -Infinity))).toBe(true);
  });

  it('keeps short series as they are, minus non-finite values', () => {
    expect(downsample([1, 2, 3], [0.5, Number.NaN, 0.25], 100)).toEqual([
      { x: 1, y: 0.5 },
      { x: 3, y: 0.25 },
    ]);
  });

  it('downsamples a long series with gaps: gaps are skipped, and the ends are the first and last finite points', () => {
    const n = 100_000;
    const xs = Float64Array.from({ length: n }, (_, i) => i + 1);
    // A diverged run: NaN losses at the start and the end, and every 7th value lost in between.
    const ys = Float64Array.from({ length: n }, (_, i) =>
      i < 10 || i >= n - 10 || i % 7 === 0 ? Number.NaN : i === 54_321 ? -5 : Math.cos(i / 500),
    );
    const points = downsample(xs, ys, 300);
    expect(points.length).toBeLessThanOrEqual(4 * 300);
    expect(points.every((p) => Number.isFinite(p.y))).toBe(true);
    expect(points[0]).toEqual({ x: 11, y: ys[10] });
    expect(points[points.length - 1]).toEqual({ x: n - 10, y: ys[n - 11] });
    expect(points.some((p) => p.x === 54_322 && p.y === -5)).toBe(true);
    expect(points.every((p, i) => i === 0 || p.x > (points[i - 1]?.x ?? -Infinity))).toBe(true);
  });

  it('writes one path run and readable numbers', () => {
    expect(
      pathThrough(
        [
          { x: 1, y: 2 },
          { x: 2, y: 4 },
        ],
        (x) => x * 10,
        (y) => 100 - y,
      ),
    ).toBe('M10.0,98.0L20.0,96.0');
    expect(formatMetric(0.123456)).toBe('0.1235');
    expect(formatMetric(12345678)).toBe('1.23e+7');
    expect(formatMetric(0)).toBe('0');
  });
});
