import { describe, expect, it } from 'vitest';
import type { VersionId } from '../hashing';
import { mulberry32 } from '../random';
import { graphOf, log, type GraphNode } from './dag';
import { LANE_COLORS, laneRow, layoutLanes, type LaneInput, type LaneLayout, type LaneRow } from './lanes';

const rows = (spec: string): LaneInput[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((item) => {
      const [id, parents = ''] = item.split(':');
      return { id: id as string, parents: parents ? parents.split(',') : [] };
    });

const rowsOf = (l: LaneLayout): LaneRow[] => Array.from({ length: l.count }, (_, r) => laneRow(l, r));
const simple = (l: LaneLayout) =>
  rowsOf(l).map((r) => ({ lane: r.lane, edges: r.edges.map((e) => `${e.from}>${e.to}`) }));

/**
 * Checks that the drawing is the graph: every line continues row to row without gaps or forks, ends on a
 * node, and the lines leaving each node end exactly on its listed parents. Plain checks rather than one
 * `expect` per segment, which would make the 10,000-row case slow.
 */
function assertDrawsGraph(input: readonly LaneInput[], l: LaneLayout): void {
  const layout = { rows: rowsOf(l) };
  const fail = (why: string): never => {
    throw new Error(why);
  };
  const index = new Map(input.map((r, i) => [r.id, i]));
  const n = input.length;
  if (layout.rows.length !== n) fail(`${layout.rows.length} rows for ${n} versions`);
  // continuation[r]: where the line passing by in lane k at row r goes next (lines other than the node's).
  const continuation = layout.rows.map((row, r) => {
    const m = new Map<number, number>();
    for (const e of row.edges) {
      if (e.from === row.lane) continue;
      if (m.has(e.from)) fail(`two lines leave lane ${e.from} at row ${r}`);
      m.set(e.from, e.to);
    }
    return m;
  });
  for (let r = 0; r < n; r++) {
    const row = layout.rows[r]!;
    if (row.color < 0 || row.color >= LANE_COLORS) fail(`row ${r} has colour ${row.color}`);
    if (row.edges.length > 0 && r + 1 >= n) fail(`row ${r} draws past the end`);
    const into = new Set(r > 0 ? layout.rows[r - 1]!.edges.map((e) => e.to) : []);
    for (const e of row.edges) {
      const next = layout.rows[r + 1]!;
      if (e.to !== next.lane && !continuation[r + 1]!.has(e.to))
        fail(`line into lane ${e.to} stops at row ${r + 1}`);
      if (e.from !== row.lane && !into.has(e.from))
        fail(`line in lane ${e.from} at row ${r} comes from nowhere`);
      if (e.color < 0 || e.color >= LANE_COLORS) fail(`edge colour ${e.color} at row ${r}`);
    }
    const reached = new Set<string>();
    for (const e of row.edges) {
      if (e.from !== row.lane) continue;
      let at = r + 1;
      let laneNow = e.to;
      while (laneNow !== layout.rows[at]!.lane) {
        laneNow = continuation[at]!.get(laneNow)!;
        at++;
      }
      reached.add(input[at]!.id);
    }
    const expected = new Set(input[r]!.parents.filter((p) => (index.get(p) ?? -1) > r));
    if (reached.size !== expected.size || [...reached].some((p) => !expected.has(p)))
      fail(`row ${r} reaches [${[...reached].join(', ')}] but its parents are [${[...expected].join(', ')}]`);
  }
}

describe('layoutLanes', () => {
  it('keeps a straight history in one lane', () => {
    const input = rows('c:b b:a a');
    const l = layoutLanes(input);
    expect(simple(l)).toEqual([
      { lane: 0, edges: ['0>0'] },
      { lane: 0, edges: ['0>0'] },
      { lane: 0, edges: [] },
    ]);
    expect(l.width).toBe(1);
    expect(new Set(rowsOf(l).map((r) => r.color)).size).toBe(1);
    assertDrawsGraph(input, l);
  });

  it('draws a branch-off: a second line that joins its parent’s lane', () => {
    const input = rows('f:b c:b b:a a');
    const l = layoutLanes(input);
    expect(simple(l)).toEqual([
      { lane: 0, edges: ['0>0'] },
      { lane: 1, edges: ['0>0', '1>0'] },
      { lane: 0, edges: ['0>0'] },
      { lane: 0, edges: [] },
    ]);
    expect(laneRow(l, 2).forkPoint).toBe(true);
    expect(laneRow(l, 1).color).not.toBe(laneRow(l, 0).color);
    expect(l.width).toBe(2);
    assertDrawsGraph(input, l);
  });

  it('draws a merge: one line per parent, the second in a lane of its own', () => {
    const input = rows('m:d,f d:b f:b b');
    const l = layoutLanes(input);
    expect(simple(l)).toEqual([
      { lane: 0, edges: ['0>0', '0>1'] },
      { lane: 0, edges: ['1>1', '0>0'] },
      { lane: 1, edges: ['0>0', '1>0'] },
      { lane: 0, edges: [] },
    ]);
    expect(laneRow(l, 0).merge).toBe(true);
    expect(laneRow(l, 0).edges[1]?.color).toBe(laneRow(l, 2).color);
    assertDrawsGraph(input, l);
  });

  it('sends a merge’s second line into a lane that already waits for that parent', () => {
    // feature (f) is still open above the merge that takes it in.
    const input = rows('g:f m:d,f d:b f:b b');
    const l = layoutLanes(input);
    expect(laneRow(l, 1).lane).toBe(1);
    expect(laneRow(l, 1).edges.map((e) => `${e.from}>${e.to}`)).toEqual(['0>0', '1>1', '1>0']);
    assertDrawsGraph(input, l);
  });

  it('reuses a freed lane for the next new line', () => {
    // x ends (its parent is the root r), freeing lane 1 before y starts.
    const input = rows('a:b x:b b:c y:c c:r r');
    const l = layoutLanes(input);
    expect(rowsOf(l).map((r) => r.lane)).toEqual([0, 1, 0, 1, 0, 0]);
    expect(l.width).toBe(2);
    assertDrawsGraph(input, l);
  });

  it('draws unrelated roots and a lone version', () => {
    const input = rows('a:b b x y:z z');
    const l = layoutLanes(input);
    expect(rowsOf(l).map((r) => r.lane)).toEqual([0, 0, 0, 0, 0]);
    assertDrawsGraph(input, l);
  });

  it('marks a row whose parent is not listed, and draws no line for it', () => {
    const l = layoutLanes(rows('b:a a c:zzz'));
    expect(rowsOf(l).map((r) => [r.truncated, r.edges.length])).toEqual([
      [false, 1],
      [false, 0],
      [true, 0],
    ]);
  });

  it('ignores a parent listed above its child instead of leaking a lane', () => {
    const l = layoutLanes(rows('a b:a c'));
    expect(rowsOf(l).map((r) => r.lane)).toEqual([0, 0, 0]);
    expect(laneRow(l, 1).edges).toEqual([]);
    expect(laneRow(l, 1).truncated).toBe(false);
  });

  it('handles an empty list', () => {
    const l = layoutLanes([]);
    expect([l.count, l.width, l.edgeData.length]).toEqual([0, 0, 0]);
    expect(() => laneRow(l, 0)).toThrow(RangeError);
  });

  it('counts the previous row’s lines into a row in its width', () => {
    const l = layoutLanes(rows('m:a,b a:r b:r r'));
    expect(laneRow(l, 1).width).toBe(2);
    expect(laneRow(l, 2).lane).toBe(1);
  });
});

/**
 * A synthetic repository like a busy one: commits on up to a dozen open branches, new branches started
 * from recent versions, merges that close a branch, and now and then an unrelated import.
 */
function syntheticHistory(count: number, seed: number): GraphNode[] {
  const next = mulberry32(seed);
  // Random hex like real SHA-256 ids: long shared prefixes would make every id lookup slow.
  const id = (i: number) => {
    const words = mulberry32(i + 1);
    let hex = '';
    for (let k = 0; k < 8; k++)
      hex += Math.floor(words() * 2 ** 32)
        .toString(16)
        .padStart(8, '0');
    return hex as VersionId;
  };
  const at = (i: number) => new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  const nodes: GraphNode[] = [{ id: id(0), parents: [], createdAt: at(0) }];
  const heads: VersionId[] = [id(0)];
  for (let i = 1; i < count; i++) {
    const roll = next();
    const pick = () => Math.floor(next() * heads.length);
    let parents: VersionId[];
    if (roll < 0.05 && heads.length < 12) {
      const recent = Math.max(0, nodes.length - 300);
      parents = [nodes[recent + Math.floor(next() * (nodes.length - recent))]!.id];
      heads.push(id(i));
    } else if (roll < 0.09 && heads.length > 1) {
      const a = pick();
      const b = (a + 1 + Math.floor(next() * (heads.length - 1))) % heads.length;
      parents = [heads[a]!, heads[b]!];
      heads[a] = id(i);
      heads.splice(b, 1);
    } else if (roll < 0.092 && heads.length < 12) {
      parents = [];
      heads.push(id(i));
    } else {
      const h = pick();
      parents = [heads[h]!];
      heads[h] = id(i);
    }
    nodes.push({ id: id(i), parents, createdAt: at(i) });
  }
  return nodes;
}

describe('layoutLanes on 10,000 versions', () => {
  it('draws exactly the graph, in few lanes', () => {
    const nodes = syntheticHistory(10_000, 7);
    const g = graphOf(nodes);
    const ordered = log(g, g.keys());
    expect(ordered).toHaveLength(10_000);
    const layout = layoutLanes(ordered);
    assertDrawsGraph(ordered, layout);
    const all = rowsOf(layout);
    expect(all.some((r) => r.merge)).toBe(true);
    expect(all.some((r) => r.forkPoint)).toBe(true);
    expect(all.some((r) => r.truncated)).toBe(false);
    // Lanes are reused: a new column opens only when every open one carries a line.
    const mostLines = Math.max(...all.map((r) => new Set(r.edges.map((e) => e.from)).size));
    expect(layout.width).toBeLessThanOrEqual(mostLines + 1);
    expect(layout.width).toBeGreaterThan(1);
  });
});
