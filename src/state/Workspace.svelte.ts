/** The app's state: which model is open, its history as every tab sees it, and the live model. */
import { GraftError, toGraftError } from '../core/errors';
import { formatBytes } from '../core/units';
import { shortId, type VersionId } from '../core/hashing';
import type {
  GcReport,
  LayerInfo,
  LoadedVersion,
  RepositoryView,
  StorageUsage,
  VerifyReport,
} from '../core/ports';
import { graphOf, log } from '../core/versions/dag';
import { assertRefName, freeRefName } from '../core/versions/refs';
import { rollForwardTarget } from '../core/versions/rollback';
import type {
  ChangeKind,
  Metrics,
  ModelSummary,
  RefLogEntry,
  RepoId,
  Repository,
  Version,
  VersionRow,
} from '../core/versions/types';
import type { JsonObject } from '../core/json';
import type { BackendChoice, BackendInfo, ProbeResult, Services } from './services';
import { t } from './i18n';

/** What saving the live model now would record, beyond what Graft notes by itself. */
export interface PendingChange {
  readonly change: ChangeKind;
  /** In words, for the save form: “trained 2 epochs on Digits”. */
  readonly description: string;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
}

export interface LiveModel<M> {
  readonly repoId: RepoId;
  readonly model: M;
  readonly summary: ModelSummary;
  readonly layers: readonly LayerInfo[];
  /** The version this live model was saved as or checked out from; null before its first save. */
  readonly base: VersionId | null;
  /** What changed since `base`; null when the live model is exactly `base`. */
  readonly pending: PendingChange | null;
  readonly probe: ProbeResult | null;
}

export interface StorageInfo {
  readonly usage: number | null;
  readonly quota: number | null;
  readonly persisted: boolean;
  readonly repo: StorageUsage | null;
}

/**
 * The database as other tabs left it: 'outdated' when another tab opened a newer schema (this tab's
 * connection is closed and the page must be reloaded), 'blocked' while this tab's upgrade waits for a tab
 * still on the old one.
 */
export type DatabaseState = 'outdated' | 'blocked' | null;

/**
 * What other parts of the app hold over the live model, asked before anything replaces it: a training run
 * using it, edits not yet applied to it (the layer editor's draft).
 */
export interface LiveGuard {
  /** True while the live model is in use and must not be replaced (a training run). */
  inUse?(): boolean;
  /** Edits made on the live model but not yet part of it, each in words; empty when none. */
  pendingEdits?(): readonly string[];
  /** Makes those edits part of the live model, so that a save keeps them. */
  keepEdits?(): Promise<void>;
  /** Throws those edits away. */
  dropEdits?(): void;
}

/** The actions that replace the live model, for the words of the question asked first. */
export type ReplaceAction = 'checkout' | 'rollback' | 'rollForward' | 'open' | 'create' | 'branch' | 'switch';

/** A question waiting for the user: the live model has unsaved work and an action would replace it. */
export interface ReplaceQuestion {
  readonly action: ReplaceAction;
  /** The version, repository or branch the action goes to, in words (a short id, a name). */
  readonly target: string;
  /** What would be lost, one entry per change: “trained 5 epochs on Digits”, “Dense “dense_2” added”. */
  readonly lost: readonly string[];
}

export type ReplaceAnswer = 'save' | 'discard' | 'cancel';

const PREF_BACKEND = 'graft.backend';
const PREF_LAST_REPO = 'graft.lastRepo';

export class Workspace<M> {
  readonly #s: Services<M>;
  #unwatchRepo: (() => void) | null = null;
  #unwatchList: (() => void) | null = null;

  backend = $state.raw<BackendInfo | null>(null);
  repositories = $state.raw<readonly Repository[]>([]);
  repoId = $state.raw<RepoId | null>(null);
  view = $state.raw<RepositoryView | null>(null);
  live = $state.raw<LiveModel<M> | null>(null);
  selectedId = $state.raw<VersionId | null>(null);
  verifyReports = $state.raw<Readonly<Record<VersionId, VerifyReport>>>({});
  storage = $state.raw<StorageInfo | null>(null);
  database = $state<DatabaseState>(null);
  /** The answer to the last request for persistent storage in this page; null before any. */
  persistGranted = $state<boolean | null>(null);
  /** What “Clean up storage” would free, while its dialog is open. */
  cleanupPreview = $state.raw<GcReport | null>(null);
  /** What Graft is doing right now, in words; null when idle. */
  busy = $state<string | null>(null);
  lastError = $state.raw<GraftError | null>(null);
  notice = $state<string | null>(null);
  ready = $state(false);
  tensorCount = $state(0);
  /** Asked before an action replaces a live model that has unsaved work; null when nothing is asked. */
  question = $state.raw<ReplaceQuestion | null>(null);
  #answer: ((answer: ReplaceAnswer) => void) | null = null;
  readonly #guards = new Set<LiveGuard>();

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
  readonly canSave: boolean = $derived(
    this.live !== null &&
      this.live.repoId === this.repoId &&
      this.live.pending !== null &&
      this.busy === null,
  );

  constructor(services: Services<M>) {
    this.#s = services;
  }

  get templates() {
    return this.#s.ml.templates;
  }

  async init(): Promise<void> {
    await this.#run(t('common.busy.starting'), async () => {
      const wanted = this.#s.prefs.get(PREF_BACKEND) === 'cpu' ? 'cpu' : 'webgl';
      this.backend = await this.#s.ml.startBackend(wanted);
      this.#unwatchList = this.#s.store.watchRepositories(
        (repos) => (this.repositories = repos),
        (e) => (this.lastError = toGraftError(e)),
      );
      const repos = await this.#s.store.listRepositories();
      this.repositories = repos;
      const link = this.#s.location.read();
      const wantedRepo = link.repo ?? this.#s.prefs.get(PREF_LAST_REPO);
      const open = repos.find((r) => r.id === wantedRepo) ?? repos[0];
      if (open) {
        await this.#open(open.id, { checkoutHead: true });
        if (link.version && this.versions.some((v) => v.id === link.version))
          this.select(link.version as VersionId);
      }
    });
    this.ready = true;
    void this.refreshStorage();
  }

  destroy(): void {
    this.#unwatchRepo?.();
    this.#unwatchList?.();
    if (this.live) this.#s.ml.dispose(this.live.model);
  }

  dismissError(): void {
    this.lastError = null;
  }

  dismissNotice(): void {
    this.notice = null;
  }

  /** Shows an error raised outside the workspace's own actions (a feature panel's). */
  report(e: unknown): void {
    this.lastError = toGraftError(e);
  }

  say(message: string): void {
    this.notice = message;
  }

  select(id: VersionId | null): void {
    this.selectedId = id;
    this.#s.location.write({ repo: this.repoId, version: id });
  }

  /** Lets a feature hold the live model (see LiveGuard); returns the function that lets go. */
  addLiveGuard(guard: LiveGuard): () => void {
    this.#guards.add(guard);
    return () => this.#guards.delete(guard);
  }

  /** True while something (a training run) is using the live model and it must not change. */
  liveInUse(): boolean {
    return [...this.#guards].some((g) => g.inUse?.());
  }

  /** The unsaved work a replaced live model would lose, in words; empty when there is none. */
  unsavedWork(): string[] {
    const lost: string[] = [];
    const pending = this.live?.pending;
    if (pending) lost.push(...pending.description.split(pendingSeparator()));
    for (const guard of this.#guards) {
      const edits = guard.pendingEdits?.() ?? [];
      if (edits.length) lost.push(t('unsaved.unappliedEdits', { changes: edits.join('; ') }));
    }
    return lost;
  }

  /**
   * Runs `go` (an action that replaces the live model) once nothing unsaved stands in its way: with no
   * unsaved work at once; otherwise after the user answers `question`: save first, discard, or cancel.
   * A training run on the live model refuses it outright.
   */
  async #replacing(action: ReplaceAction, target: string, go: () => Promise<void>): Promise<void> {
    if (this.liveInUse()) {
      this.notice = t('unsaved.training');
      return;
    }
    const lost = this.unsavedWork();
    if (lost.length === 0) return go();
    this.#answer?.('cancel'); // a newer action replaces a question left open
    const answer = await new Promise<ReplaceAnswer>((resolve) => {
      this.#answer = resolve;
      this.question = { action, target, lost };
    });
    if (answer === 'cancel') return;
    if (answer === 'save') {
      if (!(await this.#saveFirst())) return;
    } else {
      for (const guard of this.#guards) guard.dropEdits?.();
    }
    await go();
  }

  /** The user's answer to `question`; the action asked about goes on (or not) from here. */
  answer(answer: ReplaceAnswer): void {
    const resolve = this.#answer;
    this.#answer = null;
    this.question = null;
    resolve?.(answer);
  }

  /** Saves the live model with its unapplied edits under the default message; false if it did not save. */
  async #saveFirst(): Promise<boolean> {
    for (const guard of this.#guards) {
      if (!guard.pendingEdits?.().length) continue;
      await guard.keepEdits?.();
      if (this.lastError) return false;
    }
    const pending = this.live?.pending;
    if (!pending) return true;
    await this.save(defaultMessage(pending));
    return this.lastError === null && this.live?.pending === null;
  }

  openRepository(id: RepoId): Promise<void> {
    if (this.live === null || this.live.repoId === id)
      return this.#run(t('common.busy.opening'), () => this.#open(id, { checkoutHead: true }));
    const name = this.repositories.find((r) => r.id === id)?.name ?? id;
    return this.#replacing('open', name, () =>
      this.#run(t('common.busy.opening'), () => this.#open(id, { checkoutHead: true })),
    );
  }

  createFromTemplate(templateId: string, name: string): Promise<void> {
    const template = this.#s.ml.templates.find((x) => x.id === templateId);
    return this.#replacing('create', name.trim() || (template?.name ?? templateId), () =>
      this.#createFromTemplate(templateId, name),
    );
  }

  async #createFromTemplate(templateId: string, name: string): Promise<void> {
    await this.#run(t('common.busy.creating'), async () => {
      const template = this.#s.ml.templates.find((t) => t.id === templateId);
      if (!template) throw new GraftError('ml/model-invalid', 'That template does not exist.');
      const repo = await this.#s.store.createRepository(name.trim() || template.name, {
        description: template.description,
      });
      const model = this.#s.ml.createFromTemplate(templateId);
      await this.#setLive({
        repoId: repo.id,
        model,
        base: null,
        pending: {
          change: 'created',
          description: `created from the template “${template.name}”`,
          provenance: { template: template.id },
          metrics: {},
        },
      });
      await this.#open(repo.id, { checkoutHead: false });
      this.notice = t('history.notice.created', { name: repo.name });
    });
  }

  /** Starts a repository whose first version is a model from elsewhere (files, another tool). */
  createFromModel(name: string, model: M, pending: PendingChange): Promise<void> {
    return this.#replacing('create', name, () =>
      this.#run(t('common.busy.creating'), async () => {
        const repo = await this.#s.store.createRepository(name);
        await this.#setLive({ repoId: repo.id, model, base: null, pending });
        await this.#open(repo.id, { checkoutHead: false });
      }),
    );
  }

  /**
   * Makes `model` the live model of the open repository with a change to save (an edit, a training run,
   * an import). The previous live model is disposed unless it is the same object (trained in place).
   */
  async replaceLive(model: M, pending: PendingChange): Promise<void> {
    const live = this.live;
    const repoId = this.repoId;
    if (!repoId) throw new GraftError('repo/not-found', 'Open or create a model first.');
    await this.#setLive({
      repoId,
      model,
      base: live?.repoId === repoId ? live.base : this.branchHead,
      pending: mergePending(live?.pending ?? null, pending),
    });
  }

  async save(message: string): Promise<void> {
    await this.#run(t('common.busy.saving'), async () => {
      const live = this.live;
      const repo = this.repo;
      if (!live || !repo || live.repoId !== repo.id)
        throw new GraftError('ml/model-invalid', 'There is no model to save.');
      if (!message.trim())
        throw new GraftError('version/invalid', 'Write a short message saying what changed, then save.');
      if (live.pending === null)
        throw new GraftError('version/invalid', 'Nothing changed since this version was saved.');
      const pending = live.pending;
      // HEAD and the refs as stored now: the view catches up with the last save asynchronously, and a
      // save right after another must not take the branch it just moved for an older one.
      const [stored, refs] = await Promise.all([
        this.#s.store.getRepository(repo.id),
        this.#s.store.listRefs(repo.id),
      ]);
      let branch = stored.head.kind === 'branch' ? stored.head.name : null;
      const branchHead = refs.find((r) => r.kind === 'branch' && r.name === branch)?.target ?? null;
      let branchedOff = false;
      // Saving on top of an older version starts a new line rather than rewriting the branch.
      if (branch === null || (live.base !== null && live.base !== branchHead)) {
        const taken = new Set(refs.map((r) => r.name));
        branch = freeRefName(branch ?? 'branch', taken);
        if (live.base)
          await this.#s.store.setRef(repo.id, branch, 'branch', live.base, {
            create: true,
            reason: 'saved on an older version',
          });
        await this.#s.store.setHead(repo.id, { kind: 'branch', name: branch });
        branchedOff = true;
      }
      const started = performance.now();
      const snapshot = await this.#s.ml.snapshot(live.model);
      const env = this.#s.ml.environment();
      const result = await this.#s.store.commit({
        repoId: repo.id,
        branch,
        parent: live.base,
        message,
        change: pending.change,
        snapshot,
        provenance: {
          app: 'graft',
          ...env,
          ...pending.provenance,
          saveTimeMs: Math.round(performance.now() - started),
        },
        metrics: pending.metrics,
      });
      this.live = { ...live, base: result.version.id, pending: null };
      this.select(result.version.id);
      if (result.conflict) {
        await this.#s.store.setHead(repo.id, { kind: 'branch', name: result.branch });
        this.notice = t('history.notice.savedConflict', {
          requested: result.conflict.requestedBranch,
          branch: result.branch,
        });
      } else if (branchedOff) {
        this.notice = t('history.notice.savedBranchedOff', {
          id: shortId(result.version.id),
          branch: result.branch,
        });
      } else {
        this.notice = t('history.notice.saved', {
          id: shortId(result.version.id),
          branch: result.branch,
          size: formatBytes(result.bytesWritten),
        });
      }
      void this.refreshStorage();
    });
  }

  checkout(id: VersionId): Promise<void> {
    return this.#replacing('checkout', shortId(id), () =>
      this.#run(t('common.busy.checkingOut'), async () => {
        await this.#checkout(id);
        this.select(id);
        this.notice = t('history.notice.checkedOut', { id: shortId(id) });
      }),
    );
  }

  rollback(id: VersionId): Promise<void> {
    return this.#replacing('rollback', shortId(id), () => this.#rollback(id));
  }

  rollForward(rollback: VersionRow): Promise<void> {
    const target = rollForwardTarget(rollback);
    return this.#replacing('rollForward', shortId(target), () => this.#rollback(target));
  }

  #rollback(id: VersionId): Promise<void> {
    return this.#run(t('common.busy.rollingBack'), async () => {
      if (!this.repoId) return;
      const result = await this.#s.store.rollback(this.repoId, id);
      await this.#checkout(result.version.id);
      this.select(result.version.id);
      this.notice = t('history.notice.rolledBack', { target: shortId(id), id: shortId(result.version.id) });
    });
  }

  verify(id: VersionId): Promise<void> {
    return this.#run(t('common.busy.verifying'), async () => {
      const report = await this.#s.store.verify(id);
      this.verifyReports = { ...this.verifyReports, [id]: report };
      this.notice = report.ok
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
          });
    });
  }

  // ---- branches and tags ---------------------------------------------------------------------------

  createBranch(name: string, at: VersionId): Promise<void> {
    return this.#replacing('branch', name.trim(), () => this.#createBranch(name, at));
  }

  #createBranch(name: string, at: VersionId): Promise<void> {
    return this.#run(t('common.busy.branching'), async () => {
      const repoId = this.#requireRepo();
      assertRefName(name.trim());
      await this.#s.store.setRef(repoId, name.trim(), 'branch', at, {
        create: true,
        reason: 'branch created',
      });
      await this.#s.store.setHead(repoId, { kind: 'branch', name: name.trim() });
      await this.#checkout(at);
      this.select(at);
      this.notice = t('history.notice.branchStarted', { name: name.trim(), id: shortId(at) });
    });
  }

  switchBranch(name: string): Promise<void> {
    return this.#replacing('switch', name, () => this.#switchBranch(name));
  }

  #switchBranch(name: string): Promise<void> {
    return this.#run(t('common.busy.switchingBranch'), async () => {
      const repoId = this.#requireRepo();
      const ref = this.branches.find((b) => b.name === name);
      if (!ref) throw new GraftError('ref/not-found', `There is no branch named “${name}”.`);
      await this.#s.store.setHead(repoId, { kind: 'branch', name });
      await this.#checkout(ref.target);
      this.select(ref.target);
      this.notice = t('history.notice.switched', { name });
    });
  }

  renameRef(from: string, to: string): Promise<void> {
    return this.#run(t('common.busy.renaming'), async () => {
      await this.#s.store.renameRef(this.#requireRepo(), from, to.trim());
      this.notice = t('history.notice.renamed', { from, to: to.trim() });
    });
  }

  /** What deleting a ref would make unreachable; the UI asks before deleting when this is not empty. */
  previewDeleteRef(name: string): Promise<GcReport> {
    return this.#s.store.previewDeleteRef(this.#requireRepo(), name);
  }

  deleteRef(name: string): Promise<void> {
    return this.#run(t('common.busy.deleting'), async () => {
      await this.#s.store.deleteRef(this.#requireRepo(), name);
      this.notice = t('history.notice.deletedRef', { name });
    });
  }

  tag(name: string, at: VersionId): Promise<void> {
    return this.#run(t('common.busy.tagging'), async () => {
      const clean = name.trim();
      const previous = this.tags.find((t) => t.name === clean);
      await this.#s.store.setRef(this.#requireRepo(), clean, 'tag', at, {
        reason: previous ? `moved from ${shortId(previous.target)}` : 'tag placed',
      });
      this.notice = previous
        ? t('history.notice.tagMoved', { name: clean, from: shortId(previous.target), to: shortId(at) })
        : t('history.notice.tagged', { id: shortId(at), name: clean });
    });
  }

  getVersion(id: VersionId): Promise<Version> {
    return this.#s.store.getVersion(id);
  }

  getTopology(id: VersionId): Promise<JsonObject> {
    return this.#s.store.getTopology(id);
  }

  loadTensors(id: VersionId, names: readonly string[]): Promise<LoadedVersion['tensors']> {
    return this.#s.store.loadTensors(id, names);
  }

  /** A version as a live model of its own, for comparing behaviour; the caller disposes it. */
  async materialize(id: VersionId): Promise<M> {
    return this.#s.ml.materialize(await this.#s.store.load(id));
  }

  refHistory(name?: string): Promise<RefLogEntry[]> {
    return this.#s.store.refLog(this.#requireRepo(), name);
  }

  amendMessage(id: VersionId, message: string): Promise<void> {
    return this.#run(t('common.busy.amending'), async () => {
      await this.#s.store.amendMessage(id, message);
      this.notice = t('history.notice.amended', { id: shortId(id) });
    });
  }

  deleteVersion(id: VersionId): Promise<void> {
    return this.#run(t('common.busy.deletingVersion'), async () => {
      await this.#s.store.deleteVersion(id);
      if (this.selectedId === id) this.select(null);
      this.notice = t('history.notice.deletedVersion', { id: shortId(id) });
    });
  }

  // ---- storage -------------------------------------------------------------------------------------

  async refreshStorage(): Promise<void> {
    try {
      const [estimate, persisted, repo] = await Promise.all([
        this.#s.storageManager.estimate(),
        this.#s.storageManager.persisted(),
        this.repoId ? this.#s.store.usage(this.repoId) : Promise.resolve(null),
      ]);
      this.storage = { usage: estimate?.usage ?? null, quota: estimate?.quota ?? null, persisted, repo };
    } catch (e) {
      this.lastError = toGraftError(e);
    }
  }

  requestPersistence(): Promise<void> {
    return this.#run(t('common.busy.persisting'), async () => {
      const granted = await this.#s.storageManager.persist();
      this.persistGranted = granted;
      this.notice = granted ? t('common.storage.granted') : t('common.storage.notGranted');
      await this.refreshStorage();
    });
  }

  /** What the storage layer heard from other tabs about the schema; 'open' ends a wait. */
  databaseChanged(event: 'outdated' | 'blocked' | 'open'): void {
    if (event === 'open') {
      if (this.database === 'blocked') this.database = null;
    } else {
      this.database = event;
    }
  }

  previewCleanup(): Promise<GcReport> {
    return this.#s.store.gc({ dryRun: true });
  }

  /** Opens the clean-up dialog with a preview of what it would free (from the storage bar or a full disk). */
  async askCleanup(): Promise<void> {
    try {
      this.cleanupPreview = await this.previewCleanup();
    } catch (e) {
      this.lastError = toGraftError(e);
    }
  }

  closeCleanup(): void {
    this.cleanupPreview = null;
  }

  cleanup(): Promise<void> {
    return this.#run(t('common.busy.cleaning'), async () => {
      const report = await this.#s.store.gc({ dryRun: false });
      this.notice = t('common.storage.freed', {
        size: formatBytes(report.bytes),
        objects: t('common.storage.freedObjects', { count: report.blobs }),
        versions: t('common.storage.freedVersions', { count: report.versions.length }),
      });
      await this.refreshStorage();
    });
  }

  switchBackend(choice: BackendChoice): Promise<void> {
    return this.#run(t('common.busy.switchingBackend'), async () => {
      const live = this.live;
      if (live) {
        const moved = await this.#s.ml.moveToBackend(live.model, choice);
        this.backend = moved.backend;
        await this.#setLive({ ...live, model: moved.model });
      } else {
        this.backend = await this.#s.ml.startBackend(choice);
      }
      this.#s.prefs.set(PREF_BACKEND, choice);
    });
  }

  /** Runs a feature's action with the shared busy indicator and error reporting. */
  run(label: string, op: () => Promise<void>): Promise<void> {
    return this.#run(label, op);
  }

  #requireRepo(): RepoId {
    if (!this.repoId) throw new GraftError('repo/not-found', 'Open or create a model first.');
    return this.repoId;
  }

  async #open(id: RepoId, options: { checkoutHead: boolean }): Promise<void> {
    const repo = await this.#s.store.getRepository(id);
    this.#unwatchRepo?.();
    this.repoId = repo.id;
    this.view = {
      repository: repo,
      versions: await this.#s.store.listVersions(id),
      refs: await this.#s.store.listRefs(id),
    };
    this.#unwatchRepo = this.#s.store.watchRepository(
      id,
      (view) => {
        if (this.repoId === id) this.view = view;
      },
      (e) => (this.lastError = toGraftError(e)),
    );
    this.selectedId = null;
    this.#s.location.write({ repo: id, version: null });
    this.#s.prefs.set(PREF_LAST_REPO, id);
    if (options.checkoutHead && this.live?.repoId !== id) {
      const head = this.branchHead;
      if (head) await this.#checkout(head);
      else if (this.live) {
        this.#s.ml.dispose(this.live.model);
        this.live = null;
      }
    }
    void this.refreshStorage();
  }

  async #checkout(id: VersionId): Promise<void> {
    // The model is built while the weights are re-hashed; a mismatch throws it away unseen.
    const loaded = await this.#s.store.loadOverlapped(id);
    const model = await this.#s.ml.materialize(loaded);
    try {
      await loaded.verified;
    } catch (e) {
      this.#s.ml.dispose(model);
      throw e;
    }
    await this.#setLive({ repoId: loaded.version.repoId, model, base: id, pending: null });
  }

  async #setLive(next: Pick<LiveModel<M>, 'repoId' | 'model' | 'base' | 'pending'>): Promise<void> {
    const previous = this.live;
    let probe: ProbeResult | null;
    try {
      probe = await this.#s.ml.probe(next.model);
    } catch {
      probe = null; // a model with variable input size has no fixed probe; it still works
    }
    this.live = {
      ...next,
      summary: this.#s.ml.summarize(next.model),
      layers: this.#s.ml.describeLayers(next.model),
      probe,
    };
    if (previous && previous.model !== next.model) this.#s.ml.dispose(previous.model);
    this.tensorCount = this.#s.ml.tensorCount();
  }

  #depth = 0;

  /** Runs an action under the busy indicator; nested actions keep it on until the outermost one ends. */
  async #run(label: string, op: () => Promise<void>): Promise<void> {
    const outer = this.#depth === 0;
    this.#depth++;
    if (outer) this.lastError = null;
    const previous = this.busy;
    this.busy = label;
    try {
      await op();
    } catch (e) {
      this.lastError = toGraftError(e);
    } finally {
      this.#depth--;
      this.busy = this.#depth === 0 ? null : previous;
      this.tensorCount = this.#s.ml.tensorCount();
    }
  }
}

/** Joins the descriptions of unsaved changes made one after another (", then " / "，然后"). */
const pendingSeparator = (): string => t('unsaved.then');

/**
 * The message a save with no typed message gets (“Save first”, the save shortcut): what changed, as the
 * save form would suggest it.
 */
export function defaultMessage(pending: PendingChange): string {
  return pending.description.charAt(0).toUpperCase() + pending.description.slice(1);
}

/** Two unsaved changes in a row save as one version: the later kind wins, both records are kept. */
function mergePending(previous: PendingChange | null, next: PendingChange): PendingChange {
  if (!previous) return next;
  const change =
    previous.change === 'created' || previous.change === 'imported' ? previous.change : next.change;
  return {
    change,
    description: `${previous.description}${pendingSeparator()}${next.description}`,
    provenance: { ...previous.provenance, ...next.provenance },
    // An edit after training makes the earlier run's metrics describe a different model: drop them.
    metrics: next.change === 'edited' ? { ...next.metrics } : { ...previous.metrics, ...next.metrics },
  };
}

export { formatBytes };
