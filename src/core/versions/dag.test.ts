import { describe, expect, it } from 'vitest';
import type { VersionId } from '../hashing';
import {
  ancestors,
  childrenOf,
  commonAncestor,
  commonAncestors,
  graphOf,
  isAncestor,
  log,
  unreachable,
} from './dag';

const id = (c: string) => c.repeat(64) as VersionId;
const node = (c: string, parents: string[], minute: number) => ({
  id: id(c),
  parents: parents.map(id),
  createdAt: `2026-01-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
});

//   a ─ b ─ c ─ d (main)          merge m has parents d and f
//        └─ e ─ f (feature)        x: an unrelated root
const g = graphOf([
  node('a', [], 0),
  node('b', ['a'], 1),
  node('c', ['b'], 2),
  node('e', ['b'], 3),
  node('d', ['c'], 4),
  node('f', ['e'], 5),
  node('9', ['d', 'f'], 6),
  node('7', [], 7),
]);

describe('ancestry', () => {
  it('lists ancestors including the start', () => {
    expect(ancestors(g, id('d'))).toEqual(new Set(['d', 'c', 'b', 'a'].map(id)));
    expect(ancestors(g, id('9')).size).toBe(7);
  });
  it('answers is-ancestor both ways', () => {
    expect(isAncestor(g, id('a'), id('f'))).toBe(true);
    expect(isAncestor(g, id('f'), id('a'))).toBe(false);
    expect(isAncestor(g, id('c'), id('f'))).toBe(false);
  });
  it('finds the common ancestor of two branches', () => {
    expect(commonAncestor(g, id('d'), id('f'))).toBe(id('b'));
    expect(commonAncestor(g, id('9'), id('f'))).toBe(id('f'));
    expect(commonAncestor(g, id('d'), id('7'))).toBeNull();
    expect(commonAncestors(g, id('c'), id('c'))).toEqual([id('c')]);
  });
  it('logs children before parents, newest first', () => {
    expect(log(g, id('9')).map((n) => n.id[0])).toEqual(['9', 'f', 'd', 'e', 'c', 'b', 'a']);
    expect(log(g, [id('d'), id('7')]).map((n) => n.id[0])).toEqual(['7', 'd', 'c', 'b', 'a']);
  });
  it('keeps topological order even when clocks disagree', () => {
    const skewed = graphOf([node('a', [], 9), node('b', ['a'], 1)]);
    expect(log(skewed, id('b')).map((n) => n.id[0])).toEqual(['b', 'a']);
  });
  it('finds what no root reaches', () => {
    expect(unreachable(g, [id('d')]).sort()).toEqual(['e', 'f', '9', '7'].map(id).sort());
    expect(unreachable(g, [id('9'), id('7')])).toEqual([]);
  });
  it('maps children', () => {
    expect(childrenOf(g).get(id('b'))?.sort()).toEqual([id('c'), id('e')].sort());
  });
});
