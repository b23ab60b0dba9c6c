/** What the app's state needs from the outside world, wired up in app/compose.ts. */
import type { LayerInfo, LoadedVersion, ModelSnapshot, RepositoryWatcher, VersionStore } from '../core/ports';
import type { ModelSummary } from '../core/versions/types';

export type BackendChoice = 'webgl' | 'cpu';

export interface BackendInfo {
  readonly active: string;
  readonly requested: BackendChoice;
  readonly fallbackReason?: string;
}

export interface ModelTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
}

export interface ProbeResult {
  readonly rows: number;
  readonly outputs: Float32Array;
  readonly fingerprint: string;
}

/** The ML side, with the live model type kept opaque so state never touches TF.js. */
export interface MlServices<M> {
  readonly templates: readonly ModelTemplate[];
  startBackend(choice: BackendChoice): Promise<BackendInfo>;
  /** Switches backend and rebuilds `model` there from its own weights. */
  moveToBackend(model: M, choice: BackendChoice): Promise<{ model: M; backend: BackendInfo }>;
  createFromTemplate(id: string): M;
  snapshot(model: M): Promise<ModelSnapshot>;
  materialize(loaded: LoadedVersion): Promise<M>;
  summarize(model: M): ModelSummary;
  describeLayers(model: M): LayerInfo[];
  probe(model: M): Promise<ProbeResult>;
  dispose(model: M): void;
  environment(): { backend: string; tfjsVersion: string; userAgent: string };
  tensorCount(): number;
}

export interface Preferences {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** The URL: which repository and version a reload or a shared link opens. */
export interface Location {
  read(): { repo: string | null; version: string | null };
  write(state: { repo: string | null; version: string | null }): void;
}

/** The browser's storage manager: room used, quota, and whether data is protected from eviction. */
export interface StorageManagerPort {
  estimate(): Promise<{ usage: number; quota: number } | null>;
  persisted(): Promise<boolean>;
  persist(): Promise<boolean>;
}

export interface Services<M> {
  readonly store: VersionStore & RepositoryWatcher;
  readonly ml: MlServices<M>;
  readonly prefs: Preferences;
  readonly location: Location;
  readonly storageManager: StorageManagerPort;
}
