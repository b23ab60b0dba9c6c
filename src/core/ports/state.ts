/**
 * The ports each part of the app's state takes, wired by app/compose.ts; each part gets only what it calls.
 * (Activity takes nothing from outside; features such as Share or Training take their own services.)
 */
import type { Preferences } from './browser';
import type { MlServices } from './ml';
import type { RepositoryWatcher, VersionStore } from './storage';

/** The store's part the history uses: listing, live queries, refs and version housekeeping. */
export type HistoryStore = Pick<
  VersionStore & RepositoryWatcher,
  | 'listRepositories'
  | 'getRepository'
  | 'listVersions'
  | 'listRefs'
  | 'watchRepository'
  | 'watchRepositories'
  | 'verify'
  | 'setRef'
  | 'renameRef'
  | 'previewDeleteRef'
  | 'deleteRef'
  | 'refLog'
  | 'amendMessage'
  | 'deleteVersion'
>;

/**
 * The store's part the live model uses: open, load and save versions, roll back, start a branch, and read
 * what its version keeps beside it (the optimizer state a run continues).
 */
export type LiveModelStore = Pick<
  VersionStore,
  | 'commit'
  | 'createRepository'
  | 'getRepository'
  | 'listRefs'
  | 'load'
  | 'loadOverlapped'
  | 'rollback'
  | 'setHead'
  | 'startBranch'
  | 'getAttachments'
  | 'loadOptimizerState'
>;

/** What the live model takes: its part of the store, the ML runtime, and preferences (the chosen backend). */
export interface LiveModelServices<M> {
  readonly store: LiveModelStore;
  /**
   * The ML runtime, loaded on first call (the same one every time): TF.js and the code built on it load
   * after the page's first paint, so the history can be listed and read before they arrive.
   */
  readonly ml: () => Promise<MlServices<M>>;
  readonly prefs: Preferences;
}

/** The store's part the storage status uses: usage figures and clean-up. */
export type StorageStatusStore = Pick<VersionStore, 'usage' | 'gc'>;

/** The store's part the data selection uses: what a version says of its data, and the bytes it keeps. */
export type DataSelectionStore = Pick<VersionStore, 'getVersion' | 'loadData' | 'keepData'>;
