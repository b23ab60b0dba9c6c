/** Renamed to testTopologies.ts (test-only modules are test<Subject>.ts); this re-export goes after the merge. */
export * from './testTopologies';
