/**
 * "Verify storage": re-hashes everything Graft keeps, with progress and Cancel, holds the report the
 * dialog shows, and exports the versions that are intact (with their whole history) as one bundle.
 * Storage comes in through `StorageCheckServices`; the workspace shows busy, notices and errors.
 */
import { ok, type Result } from '../core/errors';
import type { VersionId } from '../core/hashing';
import type {
  RepositoryCheck,
  StorageCheckReport,
  StorageCheckServices,
  VerifyAllProgress,
} from '../core/ports';
import type { RepoId } from '../core/versions/types';
import { t } from './i18n';
import type { Activity } from './Activity.svelte';

export interface IntactExport {
  readonly repoId: RepoId;
  readonly fileName: string;
  readonly versions: readonly VersionId[];
}

export class StorageCheck {
  readonly #activity: Activity;
  readonly #s: StorageCheckServices;
  #controller: AbortController | null = null;

  /** Whether the dialog is open. */
  open = $state(false);
  running = $state(false);
  progress = $state.raw<VerifyAllProgress | null>(null);
  report = $state.raw<StorageCheckReport | null>(null);
  /** True when the last run was cancelled before it finished. */
  cancelled = $state(false);
  exporting = $state.raw<{ repoId: RepoId; done: number; total: number } | null>(null);
  lastExport = $state.raw<IntactExport | null>(null);

  /** Repositories with something wrong, for the report's list. */
  readonly damaged: readonly RepositoryCheck[] = $derived(
    this.report?.repositories.filter((r) => r.damaged.length > 0 || r.affectedRefs.length > 0) ?? [],
  );

  constructor(activity: Activity, services: StorageCheckServices) {
    this.#activity = activity;
    this.#s = services;
  }

  /** Opens the dialog and starts checking. */
  start(): Promise<Result<void>> {
    if (this.running) return Promise.resolve(ok(undefined));
    this.open = true;
    this.report = null;
    this.cancelled = false;
    this.lastExport = null;
    const controller = new AbortController();
    this.#controller = controller;
    return this.#activity.run(t('storageCheck.busy'), async () => {
      this.running = true;
      this.progress = { doneBlobs: 0, totalBlobs: 0, doneBytes: 0, totalBytes: 0 };
      try {
        const report = await this.#s.verifyAll((p) => (this.progress = p), controller.signal);
        if (report === null) {
          this.cancelled = true;
          return;
        }
        this.report = report;
        this.#activity.say(
          report.ok
            ? t('storageCheck.notice.ok', { count: report.checkedBlobs })
            : t('storageCheck.notice.damaged', { count: report.damagedBlobs }),
        );
      } finally {
        this.running = false;
        this.progress = null;
        if (this.#controller === controller) this.#controller = null;
      }
    });
  }

  /** Stops a running check at the next blob; nothing is reported and nothing was changed. */
  cancel(): void {
    this.#controller?.abort();
  }

  close(): void {
    this.cancel();
    this.open = false;
  }

  /** Downloads one bundle of the repository's intact versions, whose every ancestor is intact too. */
  exportIntact(repoId: RepoId): Promise<Result<void>> {
    const check = this.report?.repositories.find((r) => r.id === repoId);
    if (!check || check.exportable.length === 0 || this.exporting) return Promise.resolve(ok(undefined));
    const ids = check.exportable;
    return this.#activity.run(t('storageCheck.busyExport'), async () => {
      this.exporting = { repoId, done: 0, total: 0 };
      try {
        const out = await this.#s.exportBundle(
          { repoId, scope: { kind: 'versions', ids } },
          (done, total) => (this.exporting = { repoId, done, total }),
        );
        this.#s.saveFile(out.file, out.fileName, 'application/zip');
        this.lastExport = { repoId, fileName: out.fileName, versions: ids };
        this.#activity.say(t('storageCheck.notice.exported', { count: ids.length, file: out.fileName }));
      } finally {
        this.exporting = null;
      }
    });
  }
}
