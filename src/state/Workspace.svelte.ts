/** The app's state: which model is open, its history as every tab sees it, and the live model. */
import { GraftError, toGraftError } from '../core/errors';
import { shortId, type VersionId } from '../core/hashing';
import type { LayerInfo, RepositoryView, VerifyReport } from '../core/ports';
import { rollForwardTarget } from '../core/versions/rollback';
import type { ChangeKind, ModelSummary, RepoId, Repository, VersionRow } from '../core/versions/types';
import type { BackendChoice, BackendInfo, ProbeResult, Services } from './services';

export interface LiveModel<M> {
  readonly repoId: RepoId;
  readonly model: M;
  readonly summary: ModelSummary;
  readonly layers: readonly LayerInfo[];
  /** The version this live model was saved as or checked out from; null before its first save. */
  readonly base: VersionId | null;
  /** What saving now would record: null when the live model is exactly `base`. */
  readonly pendingChange: ChangeKind | null;
  readonly probe: ProbeResult | null;
}

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
  verifyReports = $state.raw<Readonly<Record<VersionId, VerifyReport>>>({});
  /** What Graft is doing right now, in words; null when idle. */
  busy = $state<string | null>(null);
  lastError = $state.raw<GraftError | null>(null);
  notice = $state<string | null>(null);
  ready = $state(false);
  tensorCount = $state(0);

  readonly repo: Repository | null = $derived(this.view?.repository ?? null);
  readonly versions: readonly VersionRow[] = $derived(this.view?.versions ?? []);
  readonly refs = $derived(this.view?.refs ?? []);
  readonly currentBranch: string | null = $derived(
    this.repo?.head.kind === 'branch' ? this.repo.head.name : null,
  );
  readonly branchHead: VersionId | null = $derived(
    this.refs.find((r) => r.kind === 'branch' && r.name === this.currentBranch)?.target ?? null,
  );
  readonly canSave: boolean = $derived(
    this.live !== null &&
      this.live.repoId === this.repoId &&
      this.live.pendingChange !== null &&
      this.busy === null,
  );

  constructor(services: Services<M>) {
    this.#s = services;
  }

  get templates() {
    return this.#s.ml.templates;
  }

  async init(): Promise<void> {
    await this.#run('Starting TF.js', async () => {
      const wanted = this.#s.prefs.get(PREF_BACKEND) === 'cpu' ? 'cpu' : 'webgl';
      this.backend = await this.#s.ml.startBackend(wanted);
      this.#unwatchList = this.#s.store.watchRepositories(
        (repos) => (this.repositories = repos),
        (e) => (this.lastError = toGraftError(e)),
      );
      const repos = await this.#s.store.listRepositories();
      this.repositories = repos;
      const wantedRepo = this.#s.location.read().repo ?? this.#s.prefs.get(PREF_LAST_REPO);
      const open = repos.find((r) => r.id === wantedRepo) ?? repos[0];
      if (open) await this.#open(open.id, { checkoutHead: true });
    });
    this.ready = true;
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

  openRepository(id: RepoId): Promise<void> {
    return this.#run('Opening the model', () => this.#open(id, { checkoutHead: true }));
  }

  async createFromTemplate(templateId: string, name: string): Promise<void> {
    await this.#run('Creating the model', async () => {
      const template = this.#s.ml.templates.find((t) => t.id === templateId);
      if (!template) throw new GraftError('ml/model-invalid', 'That template does not exist.');
      const repo = await this.#s.store.createRepository(name.trim() || template.name, {
        description: template.description,
      });
      const model = this.#s.ml.createFromTemplate(templateId);
      await this.#setLive({ repoId: repo.id, model, base: null, pendingChange: 'created' });
      await this.#open(repo.id, { checkoutHead: false });
      this.notice = `Created “${repo.name}”. Write a message and save its first version.`;
    });
  }

  async save(message: string): Promise<void> {
    await this.#run('Saving a version', async () => {
      const live = this.live;
      const repo = this.repo;
      if (!live || !repo || live.repoId !== repo.id)
        throw new GraftError('ml/model-invalid', 'There is no model to save.');
      if (!message.trim())
        throw new GraftError('version/invalid', 'Write a short message saying what changed, then save.');
      if (live.pendingChange === null)
        throw new GraftError('version/invalid', 'Nothing changed since this version was saved.');
      const started = performance.now();
      const snapshot = await this.#s.ml.snapshot(live.model);
      const env = this.#s.ml.environment();
      const result = await this.#s.store.commit({
        repoId: repo.id,
        parent: live.base,
        message,
        change: live.pendingChange,
        snapshot,
        provenance: { app: 'graft', ...env, wallTimeMs: Math.round(performance.now() - started) },
      });
      this.live = { ...live, base: result.version.id, pendingChange: null };
      if (result.conflict) {
        await this.#s.store.setHead(repo.id, { kind: 'branch', name: result.branch });
        this.notice = `“${result.conflict.requestedBranch}” changed in another tab while you worked, so your version was kept on a new branch, “${result.branch}”. Both versions are safe.`;
      } else {
        this.notice = `Saved version ${shortId(result.version.id)} on “${result.branch}” (${formatBytes(result.bytesWritten)} of new data).`;
      }
    });
  }

  checkout(id: VersionId): Promise<void> {
    return this.#run('Checking out', async () => {
      await this.#checkout(id);
      this.notice = `The live model is now version ${shortId(id)}. No branch moved.`;
    });
  }

  rollback(id: VersionId): Promise<void> {
    return this.#run('Rolling back', async () => {
      if (!this.repoId) return;
      const result = await this.#s.store.rollback(this.repoId, id);
      await this.#checkout(result.version.id);
      this.notice = `Rolled back to ${shortId(id)}. The rollback is version ${shortId(result.version.id)}; roll forward to undo it.`;
    });
  }

  rollForward(rollback: VersionRow): Promise<void> {
    return this.rollback(rollForwardTarget(rollback));
  }

  verify(id: VersionId): Promise<void> {
    return this.#run('Verifying', async () => {
      const report = await this.#s.store.verify(id);
      this.verifyReports = { ...this.verifyReports, [id]: report };
      this.notice = report.ok
        ? `Version ${shortId(id)} is intact: ${report.checkedBlobs} objects re-hashed, ${formatBytes(report.checkedBytes)}.`
        : `Version ${shortId(id)} has problems: ${report.problems.map((p) => `${p.tensor} is ${p.problem}`).join('; ')}${report.idMatches ? '' : '; its record was altered'}.`;
    });
  }

  switchBackend(choice: BackendChoice): Promise<void> {
    return this.#run('Switching backend', async () => {
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
    this.#s.location.write({ repo: id });
    this.#s.prefs.set(PREF_LAST_REPO, id);
    if (options.checkoutHead && this.live?.repoId !== id) {
      const head = this.branchHead;
      if (head) await this.#checkout(head);
      else if (this.live) {
        this.#s.ml.dispose(this.live.model);
        this.live = null;
      }
    }
  }

  async #checkout(id: VersionId): Promise<void> {
    const loaded = await this.#s.store.load(id);
    const model = await this.#s.ml.materialize(loaded);
    await this.#setLive({ repoId: loaded.version.repoId, model, base: id, pendingChange: null });
  }

  async #setLive(next: Pick<LiveModel<M>, 'repoId' | 'model' | 'base' | 'pendingChange'>): Promise<void> {
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

  async #run(label: string, op: () => Promise<void>): Promise<void> {
    this.busy = label;
    this.lastError = null;
    try {
      await op();
    } catch (e) {
      this.lastError = toGraftError(e);
    } finally {
      this.busy = null;
      this.tensorCount = this.#s.ml.tensorCount();
    }
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}
