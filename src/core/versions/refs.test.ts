import { describe, expect, it } from 'vitest';
import { assertRefName, freeRefName, refNameProblem } from './refs';

describe('ref names', () => {
  it('accepts ordinary branch and tag names', () => {
    for (const n of ['main', 'feature/wider-layer', 'best', 'v1.2', 'production'])
      expect(refNameProblem(n)).toBeNull();
  });
  it('refuses names git would refuse, saying why', () => {
    expect(refNameProblem('')).toMatch(/needed/);
    expect(refNameProblem('a b')).toMatch(/spaces/);
    expect(refNameProblem('a..b')).toMatch(/\.\./);
    expect(refNameProblem('/a')).toMatch(/slashes/);
    expect(refNameProblem('HEAD')).toMatch(/reserved/);
    expect(refNameProblem('x.lock')).toMatch(/lock/);
    expect(refNameProblem('-x')).toMatch(/start/);
    expect(() => assertRefName('a:b')).toThrow(/cannot be used as a name/);
  });
  it('finds a free name for a save that lost a race', () => {
    expect(freeRefName('main', new Set(['dev']))).toBe('main');
    expect(freeRefName('main', new Set(['main', 'main-2']))).toBe('main-3');
  });
});
