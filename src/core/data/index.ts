/** Data sets: shipped, generated and uploaded; splits, normalisation and fingerprints. */
export * from './types';
export * from './csv';
export * from './shipped';
export * from './generated';
export * from './split';
export * from './normalize';
export * from './fingerprint';
export * from './prepare';
export type { DatasetLoader } from './loader';
