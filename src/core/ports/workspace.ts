/** Everything the workspace takes from the outside world, in one bundle wired by app/compose.ts. */
import type { Location, Preferences, StorageManagerPort } from './browser';
import type { MlServices } from './ml';
import type { RepositoryWatcher, VersionStore } from './storage';

export interface Services<M> {
  readonly store: VersionStore & RepositoryWatcher;
  readonly ml: MlServices<M>;
  readonly prefs: Preferences;
  readonly location: Location;
  readonly storageManager: StorageManagerPort;
}
