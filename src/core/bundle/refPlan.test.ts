import { describe, expect, it } from 'vitest';
import type { VersionId } from '../hashing';
import { graphOf } from '../versions/dag';
import type { Head, Ref, RefKind, RepoId } from '../versions/types';
import type { BundleRef } from './manifest';
import { importedName, planRefImport, type RefPlanInput } from './refPlan';

const id = (c: string) => c.repeat(64) as VersionId;
const [A, B, C, D, E] = ['a', 'b', 'c', 'd', 'e'].map(id) as [
  VersionId,
  VersionId,
  VersionId,
  VersionId,
  VersionId,
];
// A ← B ← C (main line), B ← D (a side line); E is a root of its own.
const graph = graphOf(
  [
    [A, []],
    [B, [A]],
    [C, [B]],
    [D, [B]],
    [E, []],
  ].map(([v, parents], i) => ({
    id: v as VersionId,
    parents: parents as VersionId[],
    createdAt: `2026-01-0${i + 1}`,
  })),
);

const local = (name: string, target: VersionId, kind: RefKind = 'branch'): Ref => ({
  repoId: 'r' as RepoId,
  name,
  kind,
  target,
  updatedAt: '2026-01-01',
});
const incoming = (name: string, target: VersionId, kind: RefKind = 'branch'): BundleRef => ({
  name,
  kind,
  target,
});

function plan(over: Partial<RefPlanInput>) {
  return planRefImport({
    graph,
    local: [],
    incoming: [],
    bundleVersions: [],
    localHead: { kind: 'branch', name: 'main' },
    bundleHead: null,
    ...over,
  });
}

const summary = (p: ReturnType<typeof plan>) =>
  p.refs.map((r) => `${r.name}:${r.action}${r.importedAs ? `→${r.importedAs}` : ''}`);

describe('planRefImport', () => {
  it('creates names the repository does not use and keeps equal refs', () => {
    expect(
      summary(
        plan({ incoming: [incoming('main', C), incoming('v1', A, 'tag')], local: [local('v1', A, 'tag')] }),
      ),
    ).toEqual(['main:created', 'v1:unchanged']);
  });

  it('fast-forwards a branch and keeps one that is already ahead', () => {
    const forward = plan({ local: [local('main', B)], incoming: [incoming('main', C)] });
    expect(summary(forward)).toEqual(['main:moved']);
    expect(forward.refs[0]?.previous).toBe(B);
    expect(summary(plan({ local: [local('main', C)], incoming: [incoming('main', A)] }))).toEqual([
      'main:unchanged',
    ]);
  });

  it('imports diverged branches, moved tags and kind clashes under new names, never overwriting', () => {
    const p = plan({
      local: [local('main', D), local('best', A, 'tag'), local('exp', A, 'tag'), local('main-imported', E)],
      incoming: [incoming('main', C), incoming('best', B, 'tag'), incoming('exp', C)],
    });
    expect(summary(p)).toEqual([
      'main:renamed→main-imported-2',
      'best:renamed→best-imported',
      'exp:renamed→exp-imported',
    ]);
  });

  it('finds its own renamed ref again instead of adding another', () => {
    const p = plan({
      local: [local('main', D), local('main-imported', E), local('main-imported-2', C)],
      incoming: [incoming('main', C)],
    });
    expect(summary(p)).toEqual(['main:unchanged→main-imported-2']);
  });

  it('does not rename into a name the bundle itself brings', () => {
    const p = plan({
      local: [local('main', D)],
      incoming: [incoming('main', C), incoming('main-imported', A)],
    });
    expect(summary(p)).toEqual(['main:renamed→main-imported-2', 'main-imported:created']);
  });

  it('keeps names within the length limit', () => {
    const long = `${'x'.repeat(99)}.`;
    expect(importedName('x'.repeat(100), 1)).toBe(`${'x'.repeat(91)}-imported`);
    expect(importedName(long, 12).length).toBeLessThanOrEqual(100);
    expect(importedName('feature/x', 2)).toBe('feature/x-imported-2');
  });

  it('adds a branch for incoming versions no ref would reach, so GC keeps them', () => {
    const p = plan({ local: [local('main', C)], incoming: [], bundleVersions: [D, E] });
    expect(summary(p)).toEqual([`imported-${'d'.repeat(8)}:created`, `imported-${'e'.repeat(8)}:created`]);
    const covered = plan({
      local: [local('main', C)],
      incoming: [incoming('v', D, 'tag')],
      bundleVersions: [B, D],
    });
    expect(summary(covered)).toEqual(['v:created']);
  });

  it('picks a HEAD for a new repository from the bundle, and leaves an existing one alone', () => {
    const fresh = (bundleHead: Head | null, refs: BundleRef[], versions: VersionId[] = []) =>
      plan({ localHead: null, bundleHead, incoming: refs, bundleVersions: versions }).head;
    expect(fresh({ kind: 'branch', name: 'dev' }, [incoming('main', C), incoming('dev', D)])).toEqual({
      kind: 'branch',
      name: 'dev',
    });
    expect(fresh({ kind: 'detached', version: D }, [incoming('x', D)])).toEqual({
      kind: 'branch',
      name: 'x',
    });
    expect(fresh({ kind: 'detached', version: A }, [incoming('t', A, 'tag')], [A])).toEqual({
      kind: 'detached',
      version: A,
    });
    expect(fresh(null, [])).toEqual({ kind: 'branch', name: 'main' });
    expect(
      plan({ incoming: [incoming('dev', D)], bundleHead: { kind: 'branch', name: 'dev' } }).head,
    ).toEqual({
      kind: 'branch',
      name: 'main',
    });
  });
});
