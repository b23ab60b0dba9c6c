/** Moved to core/ports/storageCheck.ts; this re-export keeps other branches compiling until the merge. */
export type * from './ports/storageCheck';
