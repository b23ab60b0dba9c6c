/** The browser's storage as Graft sees it: room used, persistence, clean-up, and the database's schema state. */
import { toGraftError, type Result } from '../core/errors';
import { formatBytes } from '../core/units';
import type {
  GcReport,
  SchemaEvent,
  StorageManagerPort,
  StorageStatusStore,
  StorageUsage,
} from '../core/ports';
import type { RepoId } from '../core/versions/types';
import type { Activity } from './Activity.svelte';
import { t } from './i18n';

export interface StorageInfo {
  readonly usage: number | null;
  readonly quota: number | null;
  readonly persisted: boolean;
  readonly repo: StorageUsage | null;
}

/** The database as other tabs left it (see `SchemaWatcher`); null while nothing is wrong. */
export type DatabaseState = Exclude<SchemaEvent, 'open'> | null;

export class StorageStatus {
  readonly #store: StorageStatusStore;
  readonly #manager: StorageManagerPort;
  readonly #activity: Activity;
  readonly #repoId: () => RepoId | null;

  storage = $state.raw<StorageInfo | null>(null);
  database = $state<DatabaseState>(null);
  /** The answer to the last request for persistent storage in this page; null before any. */
  persistGranted = $state<boolean | null>(null);
  /** What “Clean up storage” would free, while its dialog is open. */
  cleanupPreview = $state.raw<GcReport | null>(null);
  /**
   * Whether clean-up also drops the optimizer state and kept data of versions that are neither branch heads
   * nor tagged (they then train afresh, or ask for their data file again); off each time the dialog opens.
   */
  dropExtras = $state(false);
  /** What clean-up frees with `dropExtras`, the extras included; null while it is off or not known yet. */
  extrasPreview = $state.raw<GcReport | null>(null);
  /** Clean-ups done in this tab: one may drop what a version keeps beside it, which views then read again. */
  cleanups = $state(0);

  /** `repoId` names the open repository, whose own share of the storage is shown too. */
  constructor(
    store: StorageStatusStore,
    manager: StorageManagerPort,
    activity: Activity,
    repoId: () => RepoId | null,
  ) {
    this.#store = store;
    this.#manager = manager;
    this.#activity = activity;
    this.#repoId = repoId;
  }

  async refreshStorage(): Promise<void> {
    try {
      const repoId = this.#repoId();
      const [estimate, persisted, repo] = await Promise.all([
        this.#manager.estimate(),
        this.#manager.persisted(),
        repoId ? this.#store.usage(repoId) : Promise.resolve(null),
      ]);
      this.storage = { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted, repo };
    } catch (e) {
      this.#activity.report(toGraftError(e));
    }
  }

  requestPersistence(): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.persisting'), async () => {
      const granted = await this.#manager.persist();
      this.persistGranted = granted;
      this.#activity.say(granted ? t('common.storage.granted') : t('common.storage.notGranted'));
      await this.refreshStorage();
    });
  }

  /** What the storage layer heard from other tabs about the schema; 'open' ends a wait. */
  databaseChanged(event: SchemaEvent): void {
    if (event === 'open') {
      if (this.database === 'blocked') this.database = null;
    } else {
      this.database = event;
    }
  }

  previewCleanup(options: { dropExtras?: boolean } = {}): Promise<GcReport> {
    return this.#store.gc({ dryRun: true, dropExtras: options.dropExtras ?? false });
  }

  /** Opens the clean-up dialog with a preview of what it would free (from the storage bar or a full disk). */
  async askCleanup(): Promise<void> {
    this.dropExtras = false;
    this.extrasPreview = null;
    try {
      this.cleanupPreview = await this.previewCleanup();
    } catch (e) {
      this.#activity.report(e);
    }
  }

  /** Turns "also drop optimizer state and kept data" on or off; on, previews what clean-up frees then. */
  async chooseDropExtras(drop: boolean): Promise<void> {
    this.dropExtras = drop;
    this.extrasPreview = null;
    if (!drop) return;
    try {
      const preview = await this.previewCleanup({ dropExtras: true });
      // Switched off again meanwhile: the answer is for a choice no longer made.
      if (this.dropExtras) this.extrasPreview = preview;
    } catch (e) {
      this.#activity.report(e);
    }
  }

  closeCleanup(): void {
    this.cleanupPreview = null;
    this.extrasPreview = null;
  }

  cleanup(): Promise<Result<void>> {
    const dropExtras = this.dropExtras;
    return this.#activity.run(t('common.busy.cleaning'), async () => {
      const report = await this.#store.gc({ dryRun: false, dropExtras });
      this.cleanups++;
      const lightened = report.extras?.versions.length ?? 0;
      const freed = {
        size: formatBytes(report.bytes),
        objects: t('common.storage.freedObjects', { count: report.blobs }),
        versions: t('common.storage.freedVersions', { count: report.versions.length }),
      };
      this.#activity.say(
        lightened > 0
          ? t('common.storage.freedExtras', { ...freed, count: lightened })
          : t('common.storage.freed', freed),
      );
      await this.refreshStorage();
    });
  }
}
