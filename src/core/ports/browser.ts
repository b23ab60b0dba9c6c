/** The few browser facilities the app's state uses, each behind a port so tests can hand in their own. */

/** Small settings that survive a reload (localStorage in the app). */
export interface Preferences {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** The URL: which repository and version a reload or a shared link opens. */
export interface Location {
  read(): { repo: string | null; version: string | null };
  write(state: { repo: string | null; version: string | null }): void;
}

/** The browser's room for this origin, in bytes. */
export interface StorageEstimate {
  readonly usage: number;
  readonly quota: number;
}

/** The browser's storage manager: room used, quota, and whether data is protected from eviction. */
export interface StorageManagerPort {
  /** Null where the browser does not say. */
  estimate(): Promise<StorageEstimate | null>;
  persisted(): Promise<boolean>;
  persist(): Promise<boolean>;
}
