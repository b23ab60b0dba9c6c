import { describe, expect, it } from 'vitest';
import { halfEdge, stubDashes } from './lanePaths';

type Point = readonly [number, number];

/** The points of a path made of one M and then V or C commands, as the renderer reads them. */
function points(d: string): Point[] {
  const out: Point[] = [];
  for (const [, cmd, args] of d.matchAll(/([MVC])([^MVC]*)/g)) {
    const n = (args ?? '').split(/[ ,]+/).filter(Boolean).map(Number);
    if (cmd === 'V') out.push([(out.at(-1) as Point)[0], n[0] as number]);
    else for (let i = 0; i < n.length; i += 2) out.push([n[i] as number, n[i + 1] as number]);
  }
  return out;
}

/**
 * Convex in the way Skia decides it for a path that counts as "slow" or not: walking its points and the
 * closing edge, every turn is the same way or none (an exact zero, no tolerance).
 */
function convex(ps: readonly Point[]): boolean {
  const edges = ps.map((p, i) => {
    const q = ps[(i + 1) % ps.length] as Point;
    return [q[0] - p[0], q[1] - p[1]] as const;
  });
  const signs = new Set<number>();
  for (let i = 0; i < edges.length; i++) {
    const [ax, ay] = edges[i] as readonly [number, number];
    const [bx, by] = edges[(i + 1) % edges.length] as readonly [number, number];
    if ((ax === 0 && ay === 0) || (bx === 0 && by === 0)) continue;
    const cross = ax * by - ay * bx;
    if (cross !== 0) signs.add(Math.sign(cross));
  }
  return signs.size <= 1;
}

function cubicAt([p0, p1, p2, p3]: readonly Point[], t: number): Point {
  const u = 1 - t;
  const at = (k: 0 | 1) =>
    u * u * u * (p0 as Point)[k] +
    3 * u * u * t * (p1 as Point)[k] +
    3 * u * t * t * (p2 as Point)[k] +
    t * t * t * (p3 as Point)[k];
  return [at(0), at(1)];
}

const ROW = 56;
// Lane centres as HistoryGraph places them, for even and odd lane widths.
const LANE_PAIRS: [number, number][] = [
  [12, 28],
  [28, 12],
  [12, 124],
  [9.5, 20.5],
  [53.5, 9.5],
];

describe('lane paths', () => {
  it('draws each half of an S-curve as one convex cubic, so no row holds a concave path', () => {
    for (const [x1, x2] of LANE_PAIRS)
      for (const half of ['upper', 'lower'] as const) {
        const d = halfEdge(x1, x2, ROW / 2, ROW, half);
        expect(d.match(/M/g)).toHaveLength(1);
        expect(d.match(/C/g)).toHaveLength(1);
        expect(convex(points(d)), `${half} half of ${x1} → ${x2}: ${d}`).toBe(true);
      }
  });

  it('splits the S-curve the rows drew whole before, meeting at the row boundary', () => {
    for (const [x1, x2] of LANE_PAIRS) {
      const y1 = ROW / 2;
      const m = y1 + ROW / 2;
      const whole: Point[] = [
        [x1, y1],
        [x1, m],
        [x2, m],
        [x2, y1 + ROW],
      ];
      const upper = points(halfEdge(x1, x2, y1, ROW, 'upper'));
      const lower = points(halfEdge(x1, x2, y1, ROW, 'lower'));
      expect(upper.at(-1)).toEqual([(x1 + x2) / 2, m]);
      expect(lower[0]).toEqual(upper.at(-1));
      for (const t of [0, 0.1, 0.25, 0.4, 0.5]) {
        const [wx, wy] = cubicAt(whole, t);
        const [ux, uy] = cubicAt(upper, 2 * t);
        const [lx, ly] = cubicAt(lower, 2 * t);
        const [vx, vy] = cubicAt(whole, 0.5 + t);
        expect(ux).toBeCloseTo(wx, 9);
        expect(uy).toBeCloseTo(wy, 9);
        expect(lx).toBeCloseTo(vx, 9);
        expect(ly).toBeCloseTo(vy, 9);
      }
    }
  });

  it('draws a lane that does not move as a straight line to the boundary', () => {
    expect(halfEdge(12, 12, ROW / 2, ROW, 'upper')).toBe('M12,28V56');
    expect(halfEdge(12, 12, -ROW / 2, ROW, 'lower')).toBe('M12,0V28');
  });

  it('dashes a line to a hidden parent as stroke-dasharray 2 3 would', () => {
    expect(stubDashes(28, 28)).toEqual([28, 33, 38, 43, 48, 53]);
  });
});
