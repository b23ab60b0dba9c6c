/**
 * The contracts between layers, one file per boundary: storage/ and ml/ implement them, app/ wires the
 * implementations in, state/ depends on nothing else. Data types that cross a boundary are declared here
 * too, so no layer keeps a copy of another's.
 *
 *   snapshot      a model's topology and weights on their way between the ML runtime and the store
 *   storage       the version store and its live views (storage/DexieVersionStore.ts)
 *   storageCheck  "Verify storage" and its report (storage/verifyAll.ts)
 *   bundles       bundles of history out and in (storage/bundles.ts)
 *   ml            backends, templates, snapshot ⇄ live model, layer tables (ml/, app/compose.ts)
 *   training      build, train, evaluate, predict, checkpoints (ml/, app/trainingServices.ts)
 *   share         model files in and out, and sharing as a whole (ml/, storage/, app/shareServices.ts)
 *   browser       preferences, the URL, the storage manager (app/compose.ts)
 *   state         the ports each part of the app's state takes (History, LiveModel, StorageStatus)
 *
 * Two contracts live beside the formats they carry and are re-exported here: the data picker's
 * `DatasetLoader` (core/data/loader.ts, app/datasetSource.ts) and the HDF5 reader and writer `Hdf5Io`
 * (core/keras/hdf5.ts, formats/).
 */
export { tensorBytes } from './snapshot';
export type * from './snapshot';
export type * from './storage';
export type * from './storageCheck';
export type * from './bundles';
export type * from './ml';
export type * from './training';
export type * from './share';
export type * from './browser';
export type * from './state';
export type { DatasetLoader } from '../data/loader';
export type { Hdf5Io } from '../keras/hdf5';
