/** The open repository's history as every tab sees it: repositories, versions, refs, the selection. */
import { GraftError, type Result } from '../core/errors';
import { formatBytes } from '../core/units';
import { shortId, type VersionId } from '../core/hashing';
import type {
  GcReport,
  HistoryStore,
  Location,
  Preferences,
  RepositoryView,
  VerifyReport,
} from '../core/ports';
import { graphOf, log } from '../core/versions/dag';
import type { RefLogEntry, RepoId, Repository, VersionRow } from '../core/versions/types';
import type { Activity } from './Activity.svelte';
import { t } from './i18n';

const PREF_LAST_REPO = 'graft.lastRepo';

export class History {
  readonly #store: HistoryStore;
  readonly #activity: Activity;
  readonly #location: Location;
  readonly #prefs: Preferences;
  #unwatchRepo: (() => void) | null = null;
  #unwatchList: (() => void) | null = null;

  repositories = $state.raw<readonly Repository[]>([]);
  repoId = $state.raw<RepoId | null>(null);
  view = $state.raw<RepositoryView | null>(null);
  selectedId = $state.raw<VersionId | null>(null);
  verifyReports = $state.raw<Readonly<Record<VersionId, VerifyReport>>>({});

  readonly repo: Repository | null = $derived(this.view?.repository ?? null);
  readonly versions: readonly VersionRow[] = $derived(this.view?.versions ?? []);
  /** Every version, children before parents, newest first: the order the history graph draws. */
  readonly graphOrder: readonly VersionRow[] = $derived.by(() => {
    const g = graphOf(this.versions);
    return log(g, g.keys());
  });
  readonly refs = $derived(this.view?.refs ?? []);
  readonly branches = $derived(
    this.refs.filter((r) => r.kind === 'branch').sort((a, b) => a.name.localeCompare(b.name)),
  );
  readonly tags = $derived(
    this.refs.filter((r) => r.kind === 'tag').sort((a, b) => a.name.localeCompare(b.name)),
  );
  readonly currentBranch: string | null = $derived(
    this.repo?.head.kind === 'branch' ? this.repo.head.name : null,
  );
  readonly branchHead: VersionId | null = $derived(
    this.refs.find((r) => r.kind === 'branch' && r.name === this.currentBranch)?.target ?? null,
  );
  readonly selected: VersionRow | null = $derived(
    this.versions.find((v) => v.id === this.selectedId) ?? null,
  );

  constructor(store: HistoryStore, activity: Activity, location: Location, prefs: Preferences) {
    this.#store = store;
    this.#activity = activity;
    this.#location = location;
    this.#prefs = prefs;
  }

  /** Lists the repositories and keeps the list current; returns them with the one the link or last visit names. */
  async start(): Promise<{ repos: readonly Repository[]; wanted: string | null; version: string | null }> {
    this.#unwatchList?.();
    this.#unwatchList = this.#store.watchRepositories(
      (repos) => (this.repositories = repos),
      (e) => this.#activity.report(e),
    );
    const repos = await this.#store.listRepositories();
    this.repositories = repos;
    const link = this.#location.read();
    return { repos, wanted: link.repo ?? this.#prefs.get(PREF_LAST_REPO), version: link.version };
  }

  /** Shows repository `id` and follows its changes from any tab; clears the selection. */
  async open(id: RepoId): Promise<void> {
    const repo = await this.#store.getRepository(id);
    this.#unwatchRepo?.();
    this.repoId = repo.id;
    this.view = {
      repository: repo,
      versions: await this.#store.listVersions(id),
      refs: await this.#store.listRefs(id),
    };
    this.#unwatchRepo = this.#store.watchRepository(
      id,
      (view) => {
        if (this.repoId === id) this.view = view;
      },
      (e) => this.#activity.report(e),
    );
    this.selectedId = null;
    this.#location.write({ repo: id, version: null });
    this.#prefs.set(PREF_LAST_REPO, id);
  }

  destroy(): void {
    this.#unwatchRepo?.();
    this.#unwatchList?.();
  }

  select(id: VersionId | null): void {
    this.selectedId = id;
    this.#location.write({ repo: this.repoId, version: id });
  }

  requireRepo(): RepoId {
    if (!this.repoId) throw new GraftError('repo/not-found', 'Open or create a model first.');
    return this.repoId;
  }

  verify(id: VersionId): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.verifying'), async () => {
      const report = await this.#store.verify(id);
      this.verifyReports = { ...this.verifyReports, [id]: report };
      this.#activity.say(
        report.ok
          ? t('history.notice.intact', {
              id: shortId(id),
              count: report.checkedBlobs,
              size: formatBytes(report.checkedBytes),
            })
          : t('history.notice.problems', {
              id: shortId(id),
              problems: [
                ...report.problems.map((p) =>
                  t('history.notice.problem', { tensor: p.tensor, problem: p.problem }),
                ),
                ...(report.idMatches ? [] : [t('history.notice.altered')]),
              ].join('; '),
            }),
      );
    });
  }

  renameRef(from: string, to: string): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.renaming'), async () => {
      await this.#store.renameRef(this.requireRepo(), from, to.trim());
      this.#activity.say(t('history.notice.renamed', { from, to: to.trim() }));
    });
  }

  /** What deleting a ref would make unreachable; the UI asks before deleting when this is not empty. */
  previewDeleteRef(name: string): Promise<GcReport> {
    return this.#store.previewDeleteRef(this.requireRepo(), name);
  }

  deleteRef(name: string): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.deleting'), async () => {
      await this.#store.deleteRef(this.requireRepo(), name);
      this.#activity.say(t('history.notice.deletedRef', { name }));
    });
  }

  tag(name: string, at: VersionId): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.tagging'), async () => {
      const clean = name.trim();
      const previous = this.tags.find((t) => t.name === clean);
      await this.#store.setRef(this.requireRepo(), clean, 'tag', at, {
        reason: previous ? { code: 'tag-moved', from: previous.target } : { code: 'tag-placed' },
      });
      this.#activity.say(
        previous
          ? t('history.notice.tagMoved', { name: clean, from: shortId(previous.target), to: shortId(at) })
          : t('history.notice.tagged', { id: shortId(at), name: clean }),
      );
    });
  }

  refHistory(name?: string): Promise<RefLogEntry[]> {
    return this.#store.refLog(this.requireRepo(), name);
  }

  amendMessage(id: VersionId, message: string): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.amending'), async () => {
      await this.#store.amendMessage(id, message);
      this.#activity.say(t('history.notice.amended', { id: shortId(id) }));
    });
  }

  deleteVersion(id: VersionId): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.deletingVersion'), async () => {
      await this.#store.deleteVersion(id);
      if (this.selectedId === id) this.select(null);
      this.#activity.say(t('history.notice.deletedVersion', { id: shortId(id) }));
    });
  }
}
