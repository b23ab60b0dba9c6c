/** Ref names follow git's rules closely enough that a Graft branch could be a git branch. */
import { GraftError } from '../errors';

const MAX_REF_NAME = 100;

export function refNameProblem(name: string): string | null {
  if (name.length === 0) return 'a name is needed';
  if (name.length > MAX_REF_NAME) return `a name can be at most ${MAX_REF_NAME} characters`;
  if (name === 'HEAD') return '"HEAD" is reserved';
  // Control characters are exactly what this check must catch.
  // eslint-disable-next-line no-control-regex
  if (/[\s~^:?*[\\\u0000-\u001f\u007f]/.test(name))
    return 'spaces and the characters ~ ^ : ? * [ \\ are not allowed';
  if (name.startsWith('/') || name.endsWith('/') || name.includes('//')) return 'slashes must separate words';
  if (name.startsWith('-')) return 'a name cannot start with "-"';
  if (name.includes('..') || name.endsWith('.') || name.includes('@{'))
    return '".." "@{" and a final "." are not allowed';
  if (name.split('/').some((part) => part.startsWith('.') || part.endsWith('.lock')))
    return 'no part may start with "." or end with ".lock"';
  return null;
}

export function assertRefName(name: string): void {
  const problem = refNameProblem(name);
  if (problem) throw new GraftError('error.ref/invalid-name.rule', { name, problem });
}

/** A free name derived from `base`, for a save that lost a race with another tab: `main-2`, `main-3`… */
export function freeRefName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}
