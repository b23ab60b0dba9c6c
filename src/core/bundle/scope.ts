/** Which versions and refs an export holds, from the repository's small version rows and refs. */
import { GraftError } from '../errors';
import { shortId, type VersionId } from '../hashing';
import { ancestors, log, type Graph, type GraphNode } from '../versions/dag';
import type { Head, Ref } from '../versions/types';
import type { BundleRef, BundleScope } from './manifest';

export interface ExportSelection {
  /** Parents before children. */
  readonly versionIds: readonly VersionId[];
  readonly refs: readonly BundleRef[];
  readonly head: Head | null;
  /** The newest version the scope is about: HEAD's, the branch's, the range's end, or the version. */
  readonly tip: VersionId;
}

const asBundleRef = (r: Ref): BundleRef => ({ name: r.name, kind: r.kind, target: r.target });

function parentsFirst(g: Graph, heads: Iterable<VersionId>, keep: ReadonlySet<VersionId>): VersionId[] {
  return log(g, heads)
    .map((n: GraphNode) => n.id)
    .filter((id) => keep.has(id))
    .reverse();
}

function need(g: Graph, id: VersionId): VersionId {
  if (!g.has(id)) throw new GraftError('error.storage/not-found.not-in-repo', { id, short: shortId(id) });
  return id;
}

/** The head a receiver should start from: a branch of the bundle at `tip` if there is one. */
function headAt(tip: VersionId, refs: readonly BundleRef[], preferred: Head): Head {
  const branches = refs.filter((r) => r.kind === 'branch' && r.target === tip);
  const pick = branches.find((r) => preferred.kind === 'branch' && r.name === preferred.name) ?? branches[0];
  return pick ? { kind: 'branch', name: pick.name } : { kind: 'detached', version: tip };
}

export function selectScope(g: Graph, refs: readonly Ref[], head: Head, scope: BundleScope): ExportSelection {
  switch (scope.kind) {
    case 'repository':
      return selectRepository(g, refs, head);
    case 'branch': {
      const ref = refs.find((r) => r.name === scope.name && r.kind === 'branch');
      if (!ref) throw new GraftError('error.ref/not-found.branch', { name: scope.name });
      const keep = ancestors(g, ref.target);
      return {
        versionIds: parentsFirst(g, [ref.target], keep),
        refs: [asBundleRef(ref), ...tagsIn(refs, keep)],
        head: { kind: 'branch', name: ref.name },
        tip: ref.target,
      };
    }
    case 'range':
      return selectRange(g, refs, head, scope.from, need(g, scope.to));
    case 'version': {
      const id = need(g, scope.id);
      const bundleRefs = refs.filter((r) => r.target === id).map(asBundleRef);
      return { versionIds: [id], refs: bundleRefs, head: headAt(id, bundleRefs, head), tip: id };
    }
    case 'versions':
      return selectVersions(g, refs, head, scope.ids);
  }
}

function tagsIn(refs: readonly Ref[], keep: ReadonlySet<VersionId>): BundleRef[] {
  return refs.filter((r) => r.kind === 'tag' && keep.has(r.target)).map(asBundleRef);
}

function selectRepository(g: Graph, refs: readonly Ref[], head: Head): ExportSelection {
  // Versions no ref or HEAD reaches are garbage waiting for GC; they do not travel.
  const roots = refs.map((r) => r.target);
  if (head.kind === 'detached') roots.push(head.version);
  const keep = ancestors(g, roots);
  if (keep.size === 0) throw new GraftError('error.storage/not-found.nothing-to-export');
  const headTarget =
    head.kind === 'detached'
      ? head.version
      : refs.find((r) => r.kind === 'branch' && r.name === head.name)?.target;
  const versionIds = parentsFirst(g, roots, keep);
  return {
    versionIds,
    refs: refs.map(asBundleRef),
    head,
    tip: headTarget ?? (versionIds[versionIds.length - 1] as VersionId),
  };
}

function selectRange(
  g: Graph,
  refs: readonly Ref[],
  head: Head,
  from: VersionId | null,
  to: VersionId,
): ExportSelection {
  const reach = ancestors(g, to);
  if (from !== null && !reach.has(need(g, from)))
    throw new GraftError('error.version/invalid.range-not-ancestor', {
      from: shortId(from),
      to: shortId(to),
    });
  const before = from === null ? new Set<VersionId>() : ancestors(g, from);
  const keep = new Set([...reach].filter((id) => !before.has(id)));
  if (keep.size === 0) throw new GraftError('error.version/invalid.range-empty');
  const bundleRefs = [
    ...refs.filter((r) => r.kind === 'branch' && r.target === to).map(asBundleRef),
    ...tagsIn(refs, keep),
  ];
  return {
    versionIds: parentsFirst(g, [to], keep),
    refs: bundleRefs,
    head: headAt(to, bundleRefs, head),
    tip: to,
  };
}

function selectVersions(
  g: Graph,
  refs: readonly Ref[],
  head: Head,
  ids: readonly VersionId[],
): ExportSelection {
  const keep = new Set(ids.map((id) => need(g, id)));
  if (keep.size === 0) throw new GraftError('error.version/invalid.nothing-chosen');
  const versionIds = parentsFirst(g, keep, keep);
  const bundleRefs = refs.filter((r) => keep.has(r.target)).map(asBundleRef);
  const headTarget =
    head.kind === 'detached'
      ? head.version
      : refs.find((r) => r.kind === 'branch' && r.name === head.name)?.target;
  const tip = headTarget && keep.has(headTarget) ? headTarget : (versionIds.at(-1) as VersionId);
  return { versionIds, refs: bundleRefs, head: headAt(tip, bundleRefs, head), tip };
}
