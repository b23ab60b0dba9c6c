/**
 * How a bundle's branches and tags land in a repository that may already have its own. The rule, in
 * git's spirit but never destructive:
 * - a name the repository does not use is created;
 * - a branch moves only forward: when the local branch is an ancestor of the incoming one (fast-forward),
 *   and stays when it already contains the incoming one;
 * - anything else (diverged branches, a tag pointing elsewhere, a tag/branch kind clash) is kept beside
 *   the local ref as `<name>-imported` (then `-imported-2`, …), and a later import of the same bundle finds
 *   that ref again instead of adding another.
 * Every version a bundle brings must end up reachable from some ref, or GC would remove it; versions no
 * ref reaches get a branch `imported-<shortid>`.
 */
import { shortId, type VersionId } from '../hashing';
import { ancestors, isAncestor, type Graph } from '../versions/dag';
import { refNameProblem } from '../versions/refs';
import { DEFAULT_BRANCH, type Head, type Ref, type RefKind } from '../versions/types';
import type { BundleRef } from './manifest';

export type RefAction = 'created' | 'moved' | 'unchanged' | 'renamed';

export interface RefImport {
  /** The ref's name in the bundle; for the branches added to keep versions reachable, its new name. */
  readonly name: string;
  readonly kind: RefKind;
  readonly target: VersionId;
  readonly action: RefAction;
  /** The local name, when it differs from `name`. */
  readonly importedAs?: string;
  /** Where a moved branch pointed before. */
  readonly previous?: VersionId;
}

export interface RefPlanInput {
  /** This repository's versions, local and incoming. */
  readonly graph: Graph;
  readonly local: readonly Ref[];
  readonly incoming: readonly BundleRef[];
  readonly bundleVersions: readonly VersionId[];
  /** The repository's HEAD, or null when the import creates the repository. */
  readonly localHead: Head | null;
  readonly bundleHead: Head | null;
}

export interface RefPlan {
  readonly refs: readonly RefImport[];
  /** HEAD for a repository the import creates (the local HEAD is never changed). */
  readonly head: Head;
}

/** The same limit refs.ts enforces; the suffix must fit inside it. */
const MAX_REF_NAME = 100;

export function planRefImport(input: RefPlanInput): RefPlan {
  const local = new Map(input.local.map((r) => [r.name, r]));
  const taken = new Set([...local.keys(), ...input.incoming.map((r) => r.name)]);
  const refs = input.incoming.map((ref) => planOne(input.graph, ref, local, taken));
  refs.push(...keepReachable(input, refs, taken));
  return { refs, head: input.localHead ?? newHead(input, refs) };
}

function planOne(g: Graph, ref: BundleRef, local: ReadonlyMap<string, Ref>, taken: Set<string>): RefImport {
  const mine = local.get(ref.name);
  const base = { name: ref.name, kind: ref.kind, target: ref.target };
  if (!mine) return { ...base, action: 'created' };
  if (mine.kind === ref.kind && mine.target === ref.target) return { ...base, action: 'unchanged' };
  if (mine.kind === 'branch' && ref.kind === 'branch') {
    if (isAncestor(g, mine.target, ref.target)) return { ...base, action: 'moved', previous: mine.target };
    if (isAncestor(g, ref.target, mine.target)) return { ...base, action: 'unchanged' };
  }
  for (let i = 1; ; i++) {
    const candidate = importedName(ref.name, i);
    const existing = local.get(candidate);
    if (existing?.kind === ref.kind && existing.target === ref.target)
      return { ...base, action: 'unchanged', importedAs: candidate };
    if (!taken.has(candidate)) {
      taken.add(candidate);
      return { ...base, action: 'renamed', importedAs: candidate };
    }
  }
}

/** `<name>-imported`, `<name>-imported-2`, …, shortening `name` when the result would be too long. */
export function importedName(name: string, attempt: number): string {
  const suffix = attempt === 1 ? '-imported' : `-imported-${attempt}`;
  const base = name.slice(0, MAX_REF_NAME - suffix.length).replace(/[./-]+$/, '');
  const candidate = `${base}${suffix}`;
  return refNameProblem(candidate) === null ? candidate : `imported${suffix}`;
}

const localName = (r: RefImport): string => r.importedAs ?? r.name;

function keepReachable(input: RefPlanInput, planned: readonly RefImport[], taken: Set<string>): RefImport[] {
  const finalTargets = new Map<string, VersionId>(input.local.map((r) => [r.name, r.target]));
  for (const r of planned) finalTargets.set(localName(r), r.target);
  const roots = [...finalTargets.values()];
  if (input.localHead?.kind === 'detached') roots.push(input.localHead.version);
  const reachable = ancestors(input.graph, roots);
  const incoming = new Set(input.bundleVersions);
  const hasChildInBundle = new Set<VersionId>();
  for (const id of input.bundleVersions)
    for (const p of input.graph.get(id)?.parents ?? []) if (incoming.has(p)) hasChildInBundle.add(p);
  const added: RefImport[] = [];
  for (const id of input.bundleVersions) {
    if (reachable.has(id) || hasChildInBundle.has(id)) continue;
    let name = `imported-${shortId(id)}`;
    for (let i = 2; taken.has(name); i++) name = `imported-${shortId(id)}-${i}`;
    taken.add(name);
    added.push({ name, kind: 'branch', target: id, action: 'created' });
    for (const a of ancestors(input.graph, id)) reachable.add(a);
  }
  return added;
}

function newHead(input: RefPlanInput, refs: readonly RefImport[]): Head {
  const branches = refs.filter((r) => r.kind === 'branch' && r.action !== 'unchanged');
  const wanted = input.bundleHead;
  if (wanted?.kind === 'branch') {
    const match = branches.find((r) => r.name === wanted.name);
    if (match) return { kind: 'branch', name: localName(match) };
  }
  if (wanted?.kind === 'detached') {
    const at = branches.find((r) => r.target === wanted.version);
    return at ? { kind: 'branch', name: localName(at) } : wanted;
  }
  const first = branches[0];
  return first ? { kind: 'branch', name: localName(first) } : { kind: 'branch', name: DEFAULT_BRANCH };
}
