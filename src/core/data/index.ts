/** Data sets: shipped, generated and uploaded; splits, normalisation, fingerprints, and the data a version keeps. */
export * from './types';
export * from './csv';
export * from './shipped';
export * from './generated';
export * from './split';
export * from './normalize';
export * from './fingerprint';
export * from './prepare';
export * from './kept';
export * from './restore';
export type { DatasetLoader } from './loader';
