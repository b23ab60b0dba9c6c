/** Arithmetic for the line chart: value ranges, round tick values, and downsampling that keeps spikes. */

export interface Extent {
  readonly min: number;
  readonly max: number;
}

/** The finite range of all `values`; null when there is none. A flat range is widened so it can be drawn. */
export function extentOf(series: readonly ArrayLike<number>[]): Extent | null {
  let min = Infinity;
  let max = -Infinity;
  for (const values of series)
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  if (min > max) return null;
  if (min === max) {
    const pad = Math.abs(min) * 0.05 || 0.5;
    return { min: min - pad, max: max + pad };
  }
  return { min, max };
}

/** About `count` round values (1, 2 or 5 × 10ⁿ apart) covering [min, max]. */
export function niceTicks(min: number, max: number, count = 4): number[] {
  if (!(max > min) || !Number.isFinite(min) || !Number.isFinite(max)) return [];
  const span = max - min;
  const magnitude = 10 ** Math.floor(Math.log10(span / Math.max(1, count)));
  const steps = [1, 2, 5, 10].map((m) => m * magnitude);
  const step = steps.reduce((best, s) =>
    Math.abs(span / s - count) < Math.abs(span / best - count) ? s : best,
  );
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step)
    ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/**
 * At most about 2 × `buckets` points: the first, lowest, highest and last of each bucket of x, in order.
 * A loss spike stays visible however many batches there are, and a few thousand points cost a few hundred.
 * Non-finite values are dropped. Works on indices and allocates only the points it keeps, so a run of a
 * million batches redraws in milliseconds rather than stalling on a million throwaway objects.
 */
export function downsample(xs: ArrayLike<number>, ys: ArrayLike<number>, buckets: number): Point[] {
  const n = Math.min(xs.length, ys.length);
  const x = (i: number) => xs[i] as number;
  const y = (i: number) => ys[i] as number;
  const finite = (i: number) => Number.isFinite(x(i)) && Number.isFinite(y(i));
  let count = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < n; i++)
    if (finite(i)) {
      count++;
      if (first < 0) first = i;
      last = i;
    }
  if (count <= buckets * 2 || buckets < 1) {
    const all: Point[] = [];
    for (let i = 0; i < n; i++) if (finite(i)) all.push({ x: x(i), y: y(i) });
    return all;
  }
  const x0 = x(first);
  const width = (x(last) - x0) / buckets || 1;
  const bucketOf = (i: number) => Math.min(buckets - 1, Math.floor((x(i) - x0) / width));
  const out: Point[] = [];
  let i = first;
  while (i <= last) {
    const bucket = bucketOf(i);
    const start = i;
    let lo = i;
    let hi = i;
    let end = i;
    for (i++; i <= last; i++) {
      if (!finite(i)) continue;
      if (bucketOf(i) !== bucket) break;
      if (y(i) < y(lo)) lo = i;
      if (y(i) > y(hi)) hi = i;
      end = i;
    }
    const keep = [start, lo, hi, end].filter((k, j, all) => all.indexOf(k) === j).sort((a, b) => x(a) - x(b));
    for (const k of keep) out.push({ x: x(k), y: y(k) });
  }
  return out;
}

/** An SVG path through `points` mapped by `sx`/`sy`, one `M…L…` run. */
export function pathThrough(
  points: readonly Point[],
  sx: (x: number) => number,
  sy: (y: number) => number,
): string {
  let d = '';
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as Point;
    d += `${i === 0 ? 'M' : 'L'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`;
  }
  return d;
}

/** A metric for an axis label or a tooltip: 4 significant digits, no exponent for everyday values. */
export function formatMetric(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}
