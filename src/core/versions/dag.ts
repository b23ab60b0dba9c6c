/** Ancestry over the version graph, given only each version's parents. Pure and synchronous. */
import type { VersionId } from '../hashing';

export interface GraphNode {
  readonly id: VersionId;
  readonly parents: readonly VersionId[];
  readonly createdAt: string;
}

export type Graph<N extends GraphNode = GraphNode> = ReadonlyMap<VersionId, N>;

export function graphOf<N extends GraphNode>(nodes: Iterable<N>): Map<VersionId, N> {
  const g = new Map<VersionId, N>();
  for (const n of nodes) g.set(n.id, n);
  return g;
}

/** All versions reachable from `from` through parents, including `from` itself. Missing parents are skipped. */
export function ancestors(g: Graph, from: VersionId | Iterable<VersionId>): Set<VersionId> {
  const seen = new Set<VersionId>();
  const stack: VersionId[] = typeof from === 'string' ? [from] : [...from];
  while (stack.length) {
    const id = stack.pop() as VersionId;
    if (seen.has(id)) continue;
    const node = g.get(id);
    if (!node) continue;
    seen.add(id);
    for (const p of node.parents) if (!seen.has(p)) stack.push(p);
  }
  return seen;
}

export function isAncestor(g: Graph, ancestor: VersionId, of: VersionId): boolean {
  return ancestors(g, of).has(ancestor);
}

/**
 * The log from one or more heads: every reachable version once, children always before their parents,
 * and among versions free to go next the newest first (git's `--topo-order` with date tie-breaks).
 */
export function log<N extends GraphNode>(g: Graph<N>, heads: VersionId | Iterable<VersionId>): N[] {
  const reach = ancestors(g, heads);
  const pendingChildren = new Map<VersionId, number>();
  for (const id of reach) pendingChildren.set(id, 0);
  for (const id of reach) {
    for (const p of (g.get(id) as N).parents) {
      if (reach.has(p)) pendingChildren.set(p, (pendingChildren.get(p) ?? 0) + 1);
    }
  }
  const ready: N[] = [];
  for (const id of reach) if (pendingChildren.get(id) === 0) ready.push(g.get(id) as N);
  const out: N[] = [];
  const newerFirst = (a: N, b: N) =>
    a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;
  while (ready.length) {
    ready.sort(newerFirst);
    const n = ready.shift() as N;
    out.push(n);
    for (const p of n.parents) {
      if (!reach.has(p)) continue;
      const left = (pendingChildren.get(p) as number) - 1;
      pendingChildren.set(p, left);
      if (left === 0) ready.push(g.get(p) as N);
    }
  }
  return out;
}

/**
 * The best common ancestors of `a` and `b`: common ancestors that are not ancestors of another common
 * ancestor (git merge-base --all). Empty when the two lines share no history.
 */
export function commonAncestors(g: Graph, a: VersionId, b: VersionId): VersionId[] {
  const common = [...ancestors(g, a)].filter((id) => ancestors(g, b).has(id));
  const commonSet = new Set(common);
  const dominated = new Set<VersionId>();
  for (const id of common) {
    for (const anc of ancestors(g, id)) if (anc !== id && commonSet.has(anc)) dominated.add(anc);
  }
  return common.filter((id) => !dominated.has(id));
}

/** A single best common ancestor, newest first when there are several; null when none. */
export function commonAncestor(g: Graph, a: VersionId, b: VersionId): VersionId | null {
  const all = commonAncestors(g, a, b);
  if (all.length === 0) return null;
  all.sort((x, y) => ((g.get(x)?.createdAt ?? '') < (g.get(y)?.createdAt ?? '') ? 1 : -1));
  return all[0] ?? null;
}

/** Versions that no root reaches: what GC may remove once the user deletes the refs that held them. */
export function unreachable(g: Graph, roots: Iterable<VersionId>): VersionId[] {
  const keep = ancestors(g, roots);
  return [...g.keys()].filter((id) => !keep.has(id));
}

/** Direct children of each version, for deletion checks and graph drawing. */
export function childrenOf(g: Graph): Map<VersionId, VersionId[]> {
  const kids = new Map<VersionId, VersionId[]>();
  for (const n of g.values()) {
    for (const p of n.parents) {
      const list = kids.get(p);
      if (list) list.push(n.id);
      else kids.set(p, [n.id]);
    }
  }
  return kids;
}
