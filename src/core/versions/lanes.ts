/**
 * Commit-graph layout in the manner of `git log --graph`: for versions listed children-first (as `log()`
 * returns them), each row gets a lane (column) and the line segments that join it to the next row.
 * One pass, O(rows × active lanes); lanes freed by ended lines are reused.
 */

export interface LaneInput {
  readonly id: string;
  readonly parents: readonly string[];
}

/** A line from lane `from` at this row's centre to lane `to` at the next row's centre. */
export interface LaneEdge {
  readonly from: number;
  readonly to: number;
  /** Colour index in [0, LANE_COLORS). */
  readonly color: number;
}

export interface LaneRow {
  readonly lane: number;
  readonly color: number;
  /** Segments to the next row: lines passing by, this version's lines to its parents, lines converging. */
  readonly edges: readonly LaneEdge[];
  /** Columns this row needs to draw its node, its own edges and the previous row's edges into it. */
  readonly width: number;
  /** Two or more of its parents are in the list. */
  readonly merge: boolean;
  /** Lines from two or more children end here: where a branch was started. */
  readonly forkPoint: boolean;
  /** A parent is not in the list (filtered out or not loaded), so its line is not drawn. */
  readonly truncated: boolean;
}

/**
 * The layout as flat typed arrays, one entry per row, so that 10,000 rows cost a handful of allocations;
 * `laneRow` turns one row into an object when it is drawn (a virtualised list draws only a few dozen).
 */
export interface LaneLayout {
  readonly count: number;
  /** The widest row's width. */
  readonly width: number;
  readonly lane: Int32Array;
  readonly color: Uint8Array;
  readonly rowWidth: Int32Array;
  /** Bit flags: MERGE, FORK_POINT, TRUNCATED. */
  readonly flags: Uint8Array;
  /** Row r's edges are triples (from, to, colour) in `edgeData` from `edgeStart[r]` to `edgeStart[r + 1]`. */
  readonly edgeStart: Int32Array;
  readonly edgeData: Int32Array;
}

export const MERGE = 1;
export const FORK_POINT = 2;
export const TRUNCATED = 4;

/** How many distinct lane colours the layout cycles through; the UI provides as many. */
export const LANE_COLORS = 8;

/** Row `r` of a layout as an object. */
export function laneRow(layout: LaneLayout, r: number): LaneRow {
  if (!Number.isInteger(r) || r < 0 || r >= layout.count)
    throw new RangeError(`Row ${r} is outside a layout of ${layout.count} rows.`);
  const edges: LaneEdge[] = [];
  for (let i = layout.edgeStart[r] as number; i < (layout.edgeStart[r + 1] as number); i += 3)
    edges.push({
      from: layout.edgeData[i] as number,
      to: layout.edgeData[i + 1] as number,
      color: layout.edgeData[i + 2] as number,
    });
  const flags = layout.flags[r] as number;
  return {
    lane: layout.lane[r] as number,
    color: layout.color[r] as number,
    edges,
    width: layout.rowWidth[r] as number,
    merge: (flags & MERGE) !== 0,
    forkPoint: (flags & FORK_POINT) !== 0,
    truncated: (flags & TRUNCATED) !== 0,
  };
}

/**
 * Lays out `rows`, which must list every child before its parents. A parent listed above its child, or not
 * at all, gets no line (and the row is marked `truncated` when it is missing), so a filtered list still
 * draws sensibly.
 */
export function layoutLanes(rows: readonly LaneInput[]): LaneLayout {
  const n = rows.length;
  // Most parents are the very next row; the id → row map is built only when one is not.
  let position: Map<string, number> | null = null;
  const rowOf = (id: string, r: number): number | undefined => {
    if (r + 1 < n && (rows[r + 1] as LaneInput).id === id) return r + 1;
    if (position === null) {
      position = new Map<string, number>();
      for (let i = 0; i < n; i++) position.set((rows[i] as LaneInput).id, i);
    }
    return position.get(id);
  };

  // active[k]: the row that the line in lane k is heading down to, or FREE. Row numbers rather than ids
  // keep the inner loops on small integers instead of 64-character string compares.
  const FREE = -1;
  const active: number[] = [];
  const colors: number[] = [];
  let nextColor = 0;
  const freshColor = () => {
    const c = nextColor;
    nextColor = (nextColor + 1) % LANE_COLORS;
    return c;
  };
  const freeLane = () => {
    const k = active.indexOf(FREE);
    return k < 0 ? active.length : k;
  };

  const laneOf = new Int32Array(n);
  const colorOf = new Uint8Array(n);
  const rowWidth = new Int32Array(n);
  const flags = new Uint8Array(n);
  const edgeStart = new Int32Array(n + 1);
  let edgeData = new Int32Array(Math.max(48, n * 6));
  let used = 0;
  const addEdge = (from: number, to: number, color: number) => {
    if (used + 3 > edgeData.length) {
      const grown = new Int32Array(edgeData.length * 2);
      grown.set(edgeData);
      edgeData = grown;
    }
    edgeData[used] = from;
    edgeData[used + 1] = to;
    edgeData[used + 2] = color;
    used += 3;
  };

  const shown: number[] = [];
  let widest = 0;
  let incomingWidth = 0;
  for (let r = 0; r < n; r++) {
    const row = rows[r] as LaneInput;
    let lane = -1;
    let joined = 0;
    for (let k = 0; k < active.length; k++) {
      if (active[k] !== r) continue;
      if (lane < 0) lane = k;
      else {
        active[k] = FREE;
        joined++;
      }
    }
    if (lane < 0) {
      lane = freeLane();
      active[lane] = FREE;
      colors[lane] = freshColor();
    }
    const color = colors[lane] as number;

    shown.length = 0;
    let truncated = false;
    for (const p of row.parents) {
      const at = rowOf(p, r);
      if (at === undefined) truncated = true;
      else if (at > r) shown.push(at);
    }

    const first = used;
    edgeStart[r] = first;
    for (let k = 0; k < active.length; k++) {
      if (k !== lane && active[k] !== FREE) addEdge(k, k, colors[k] as number);
    }
    active[lane] = shown.length > 0 ? (shown[0] as number) : FREE;
    if (shown.length > 0) addEdge(lane, lane, color);
    for (let i = 1; i < shown.length; i++) {
      const p = shown[i] as number;
      let j = active.indexOf(p);
      if (j < 0) {
        j = freeLane();
        active[j] = p;
        colors[j] = freshColor();
      }
      addEdge(lane, j, colors[j] as number);
    }

    // Lines heading for the next row converge on the lane its node will take: the lowest one expecting it.
    const nextLane = active.indexOf(r + 1);
    let width = Math.max(lane + 1, incomingWidth);
    let outgoing = 0;
    for (let i = first; i < used; i += 3) {
      const to = edgeData[i + 1] as number;
      const mapped = nextLane >= 0 && active[to] === r + 1 ? nextLane : to;
      edgeData[i + 1] = mapped;
      width = Math.max(width, (edgeData[i] as number) + 1, mapped + 1);
      outgoing = Math.max(outgoing, mapped + 1);
    }
    while (active.length > 0 && active[active.length - 1] === FREE) active.pop();

    incomingWidth = outgoing;
    widest = Math.max(widest, width);
    laneOf[r] = lane;
    colorOf[r] = color;
    rowWidth[r] = width;
    flags[r] = (shown.length > 1 ? MERGE : 0) | (joined > 0 ? FORK_POINT : 0) | (truncated ? TRUNCATED : 0);
  }
  edgeStart[n] = used;
  return {
    count: n,
    width: widest,
    lane: laneOf,
    color: colorOf,
    rowWidth,
    flags,
    edgeStart,
    edgeData: edgeData.subarray(0, used),
  };
}
