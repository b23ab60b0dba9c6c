/** Moved to core/ports/; these re-exports keep other branches compiling until the merge. */
export type * from '../core/ports/ml';
export type * from '../core/ports/browser';
export type * from '../core/ports/training';
export type * from '../core/ports/workspace';
