/**
 * The live model: the one being edited and trained, what it holds unsaved, the question asked before
 * anything replaces it, and the actions that save it or replace it (checkout, rollback, open, create).
 */
import { GraftError, ok, type Result } from '../core/errors';
import { formatBytes } from '../core/units';
import { shortId, type VersionId } from '../core/hashing';
import type { OptimizerStateMeta } from '../core/model/optimizerState';
import type {
  BackendChoice,
  BackendInfo,
  LayerInfo,
  LiveModelServices,
  LoadedVersion,
  MlServices,
  ModelTemplate,
  OptimizerState,
  ProbeResult,
} from '../core/ports';
import { assertRefName } from '../core/versions/refs';
import { rollForwardTarget } from '../core/versions/rollback';
import type { KeptData, ModelSummary, RepoId, VersionAttachments, VersionRow } from '../core/versions/types';
import type { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { StorageStatus } from './StorageStatus.svelte';
import { defaultMessage, mergePending, pendingSeparator, type PendingChange } from './pending';
import { t } from './i18n';

export { defaultMessage, type PendingChange };

/** The live model with what Graft knows about it. */
export interface Live<M> {
  readonly repoId: RepoId;
  readonly model: M;
  readonly summary: ModelSummary;
  readonly layers: readonly LayerInfo[];
  /** The version this live model was saved as or checked out from; null before its first save. */
  readonly base: VersionId | null;
  /** What changed since `base`; null when the live model is exactly `base`. */
  readonly pending: PendingChange | null;
  /** What `base` keeps beside it: its optimizer state (without the tensors) and its data; empty without a base. */
  readonly kept: KeptBeside;
  readonly probe: ProbeResult | null;
}

/** What a version keeps beside its content, as the live model needs to know it (no tensors read). */
export interface KeptBeside {
  readonly optimizer?: OptimizerStateMeta;
  readonly data?: KeptData;
}

const NOTHING_KEPT: KeptBeside = {};

/**
 * What other parts of the app hold over the live model, asked before anything replaces it: a training run
 * using it, edits not yet applied to it (the layer editor's draft).
 */
export interface LiveGuard {
  /** True while the live model is in use and must not be replaced (a training run). */
  inUse?(): boolean;
  /** Edits made on the live model but not yet part of it, each in words; empty when none. */
  pendingEdits?(): readonly string[];
  /** Makes those edits part of the live model, so that a save keeps them; false when they could not be. */
  keepEdits?(): Promise<boolean>;
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

/** An action that may be refused by the question, or fail: ok(false) when the user cancelled. */
export type Outcome = Result<boolean>;

/**
 * Where the ML runtime (TF.js and the code built on it) stands: it loads after the first paint, so the
 * history is listed and read before it is here; `failed` until a retry when it could not be loaded.
 */
export type RuntimeState = 'loading' | 'ready' | 'failed';

const PREF_BACKEND = 'graft.backend';
const CANCELLED: Outcome = ok(false);
const DONE: Outcome = ok(true);

export class LiveModel<M> {
  readonly #s: LiveModelServices<M>;
  readonly #activity: Activity;
  readonly #history: History;
  readonly #storage: StorageStatus;

  backend = $state.raw<BackendInfo | null>(null);
  live = $state.raw<Live<M> | null>(null);
  /** True once the repositories are listed and the open one's history read (before the runtime, see `runtime`). */
  ready = $state(false);
  runtime = $state<RuntimeState>('loading');
  /** The runtime once loaded with its backend started; every use before then awaits `#loadRuntime`. */
  #ml = $state.raw<MlServices<M> | null>(null);
  #mlStarting: Promise<MlServices<M>> | null = null;
  /** Counts the actions begun that replace the live model, so that startup does not replace their result. */
  #replacements = 0;
  tensorCount = $state(0);
  /** Asked before an action replaces a live model that has unsaved work; null when nothing is asked. */
  question = $state.raw<ReplaceQuestion | null>(null);
  #answer: ((answer: ReplaceAnswer) => void) | null = null;
  readonly #guards = new Set<LiveGuard>();

  /** The live model belongs to the open repository, has something to save, and nothing else runs. */
  get canSave(): boolean {
    return (
      this.live !== null &&
      this.live.repoId === this.#history.repoId &&
      this.live.pending !== null &&
      this.#activity.busy === null
    );
  }

  constructor(services: LiveModelServices<M>, activity: Activity, history: History, storage: StorageStatus) {
    this.#s = services;
    this.#activity = activity;
    this.#history = history;
    this.#storage = storage;
    activity.onSettled(() => (this.tensorCount = this.#ml?.tensorCount() ?? 0));
  }

  /** The models a new repository can start from; null until the runtime has loaded. */
  get templates(): readonly ModelTemplate[] | null {
    return this.#ml?.templates ?? null;
  }

  /**
   * Lists the repositories and opens the one the link or the last visit names: its history and the linked
   * version show at once. The live model follows from `startRuntime`, which needs TF.js.
   */
  async init(): Promise<void> {
    await this.#activity.run(t('common.busy.opening'), async () => {
      const start = await this.#history.start();
      const open = start.repos.find((r) => r.id === start.wanted) ?? start.repos[0];
      if (open) {
        await this.#history.open(open.id);
        const version = start.version;
        if (version && this.#history.versions.some((v) => v.id === version))
          this.#history.select(version as VersionId);
      }
    });
    this.ready = true;
    void this.#storage.refreshStorage();
  }

  /**
   * Loads the ML runtime, starts the backend last chosen, and makes the open repository's branch head the
   * live model — unless an action begun meanwhile (a checkout, opening another repository) replaces it.
   * Called after the first paint; called again, it retries a runtime that failed to load.
   */
  async startRuntime(): Promise<void> {
    const replacing = this.#replacements;
    const head = this.live === null ? this.#history.branchHead : null;
    // The head's weights are read and re-hashed while TF.js loads: for a large model that is most of a
    // checkout's time.
    const read = head ? this.#read(head) : null;
    try {
      await this.#loadRuntime();
    } catch (e) {
      if (read) unused(read);
      this.#activity.report(e);
      return;
    }
    const now = this.#history.branchHead;
    if (this.#replacements !== replacing || this.live !== null || now === null) {
      if (read) unused(read);
      return;
    }
    if (read && now !== head) unused(read);
    await this.#activity.run(t('common.busy.starting'), () =>
      this.#checkout(now, now === head && read ? read : undefined),
    );
  }

  /** The runtime with its backend started: loaded once, by whichever use comes first; again after a failure. */
  #loadRuntime(): Promise<MlServices<M>> {
    this.#mlStarting ??= (async () => {
      this.runtime = 'loading';
      const ml = await this.#s.ml();
      const wanted = this.#s.prefs.get(PREF_BACKEND) === 'cpu' ? 'cpu' : 'webgl';
      this.backend = await ml.startBackend(wanted);
      this.#ml = ml;
      this.runtime = 'ready';
      this.tensorCount = ml.tensorCount();
      return ml;
    })().catch((e: unknown) => {
      this.#mlStarting = null;
      this.runtime = 'failed';
      throw e;
    });
    return this.#mlStarting;
  }

  destroy(): void {
    this.#history.destroy();
    if (this.live) this.#ml?.dispose(this.live.model);
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
  async #replacing(action: ReplaceAction, target: string, go: () => Promise<Result<void>>): Promise<Outcome> {
    this.#replacements++;
    if (this.liveInUse()) {
      this.#activity.say(t('unsaved.training'));
      return CANCELLED;
    }
    const lost = this.unsavedWork();
    if (lost.length > 0) {
      this.#answer?.('cancel'); // a newer action replaces a question left open
      const answer = await new Promise<ReplaceAnswer>((resolve) => {
        this.#answer = resolve;
        this.question = { action, target, lost };
      });
      if (answer === 'cancel') return CANCELLED;
      if (answer === 'save') {
        const saved = await this.#saveFirst();
        if (!saved.ok || !saved.value) return saved;
      } else {
        for (const guard of this.#guards) guard.dropEdits?.();
      }
    }
    const done = await go();
    return done.ok ? DONE : done;
  }

  /** The user's answer to `question`; the action asked about goes on (or not) from here. */
  answer(answer: ReplaceAnswer): void {
    const resolve = this.#answer;
    this.#answer = null;
    this.question = null;
    resolve?.(answer);
  }

  /** Saves the live model with its unapplied edits under the default message; ok(false) if it did not save. */
  async #saveFirst(): Promise<Outcome> {
    for (const guard of this.#guards) {
      if (!guard.pendingEdits?.().length) continue;
      if (guard.keepEdits && !(await guard.keepEdits())) return CANCELLED;
    }
    const pending = this.live?.pending;
    if (!pending) return DONE;
    const saved = await this.save(defaultMessage(pending));
    return saved.ok ? ok(this.live?.pending === null) : saved;
  }

  openRepository(id: RepoId): Promise<Outcome> {
    this.#replacements++;
    const open = () =>
      this.#activity.run(t('common.busy.opening'), () => this.#open(id, { checkoutHead: true }));
    if (this.live === null || this.live.repoId === id) return open().then((r) => (r.ok ? DONE : r));
    const name = this.#history.repositories.find((r) => r.id === id)?.name ?? id;
    return this.#replacing('open', name, open);
  }

  createFromTemplate(templateId: string, name: string): Promise<Outcome> {
    const named = name.trim() || (this.templates?.find((x) => x.id === templateId)?.name ?? templateId);
    return this.#replacing('create', named, () =>
      this.#activity.run(t('common.busy.creating'), async () => {
        const ml = await this.#loadRuntime();
        const template = ml.templates.find((x) => x.id === templateId);
        if (!template) throw new GraftError('error.ml/model-invalid.no-template', { id: templateId });
        const repo = await this.#s.store.createRepository(name.trim() || template.name, {
          description: template.description,
        });
        const model = ml.createFromTemplate(templateId);
        await this.#setLive({
          repoId: repo.id,
          model,
          base: null,
          kept: NOTHING_KEPT,
          pending: {
            change: 'created',
            description: `created from the template “${template.name}”`,
            provenance: { template: template.id },
            metrics: {},
          },
        });
        await this.#open(repo.id, { checkoutHead: false });
        this.#activity.say(t('history.notice.created', { name: repo.name }));
      }),
    );
  }

  /** Starts a repository whose first version is a model from elsewhere (files, another tool). */
  createFromModel(name: string, model: M, pending: PendingChange): Promise<Outcome> {
    return this.#replacing('create', name, () =>
      this.#activity.run(t('common.busy.creating'), async () => {
        const repo = await this.#s.store.createRepository(name);
        await this.#setLive({ repoId: repo.id, model, base: null, kept: NOTHING_KEPT, pending });
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
    const repoId = this.#history.requireRepo();
    const same = live?.repoId === repoId;
    await this.#setLive({
      repoId,
      model,
      base: same ? live.base : this.#history.branchHead,
      kept: same ? live.kept : NOTHING_KEPT,
      pending: mergePending(live?.pending ?? null, pending),
    });
  }

  /**
   * The optimizer state a run on the live model would continue: the last unsaved run's while nothing else
   * changed the model, else the state its version keeps when the live model is that version unchanged.
   */
  async optimizerState(): Promise<OptimizerState | null> {
    const live = this.live;
    if (!live) return null;
    if (live.pending) return live.pending.optimizer ?? null;
    if (!live.base || !live.kept.optimizer) return null;
    return this.#s.store.loadOptimizerState(live.base);
  }

  save(message: string): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.saving'), async () => {
      const live = this.live;
      const repo = this.#history.repo;
      if (!live || !repo || live.repoId !== repo.id)
        throw new GraftError('error.ml/model-invalid.nothing-to-save');
      if (!message.trim()) throw new GraftError('error.version/invalid.no-message');
      if (live.pending === null) throw new GraftError('error.version/invalid.unchanged');
      const pending = live.pending;
      // HEAD and the refs as stored now: the view catches up with the last save asynchronously. The store
      // decides where the save goes (core/versions/placement) in the commit's transaction; what this tab
      // saw tells it apart from another tab's save made meanwhile.
      const [stored, refs] = await Promise.all([
        this.#s.store.getRepository(repo.id),
        this.#s.store.listRefs(repo.id),
      ]);
      const branch = stored.head.kind === 'branch' ? stored.head.name : null;
      const seen = refs.find((r) => r.kind === 'branch' && r.name === branch)?.target ?? null;
      const started = performance.now();
      const ml = await this.#loadRuntime();
      const snapshot = await ml.snapshot(live.model);
      const env = ml.environment();
      const result = await this.#s.store.commit({
        repoId: repo.id,
        target: { kind: 'head', seen: { branch, target: seen } },
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
        ...(pending.optimizer ? { optimizer: pending.optimizer } : {}),
        ...(pending.data ? { data: pending.data } : {}),
      });
      this.live = {
        ...live,
        base: result.version.id,
        pending: null,
        kept: {
          ...(pending.optimizer ? { optimizer: metaOf(pending.optimizer) } : {}),
          ...(pending.data
            ? { data: { hash: pending.data.hash, byteLength: pending.data.bytes.byteLength } }
            : {}),
        },
      };
      this.#history.select(result.version.id);
      if (result.conflict) {
        this.#activity.say(
          t('history.notice.savedConflict', {
            requested: result.conflict.requestedBranch,
            branch: result.branch,
          }),
        );
      } else if (result.branchedOff) {
        this.#activity.say(
          t('history.notice.savedBranchedOff', { id: shortId(result.version.id), branch: result.branch }),
        );
      } else {
        this.#activity.say(
          t('history.notice.saved', {
            id: shortId(result.version.id),
            branch: result.branch,
            size: formatBytes(result.bytesWritten),
          }),
        );
      }
      void this.#storage.refreshStorage();
    });
  }

  checkout(id: VersionId): Promise<Outcome> {
    return this.#replacing('checkout', shortId(id), () =>
      this.#activity.run(t('common.busy.checkingOut'), async () => {
        await this.#checkout(id);
        this.#history.select(id);
        this.#activity.say(t('history.notice.checkedOut', { id: shortId(id) }));
      }),
    );
  }

  rollback(id: VersionId): Promise<Outcome> {
    return this.#replacing('rollback', shortId(id), () => this.#rollback(id));
  }

  rollForward(rollback: VersionRow): Promise<Outcome> {
    const target = rollForwardTarget(rollback);
    return this.#replacing('rollForward', shortId(target), () => this.#rollback(target));
  }

  #rollback(id: VersionId): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.rollingBack'), async () => {
      const repoId = this.#history.repoId;
      if (!repoId) return;
      const result = await this.#s.store.rollback(repoId, id);
      await this.#checkout(result.version.id);
      this.#history.select(result.version.id);
      this.#activity.say(
        t('history.notice.rolledBack', { target: shortId(id), id: shortId(result.version.id) }),
      );
    });
  }

  createBranch(name: string, at: VersionId): Promise<Outcome> {
    return this.#replacing('branch', name.trim(), () =>
      this.#activity.run(t('common.busy.branching'), async () => {
        const repoId = this.#history.requireRepo();
        const clean = name.trim();
        assertRefName(clean);
        await this.#s.store.startBranch(repoId, clean, at);
        await this.#checkout(at);
        this.#history.select(at);
        this.#activity.say(t('history.notice.branchStarted', { name: clean, id: shortId(at) }));
      }),
    );
  }

  switchBranch(name: string): Promise<Outcome> {
    return this.#replacing('switch', name, () =>
      this.#activity.run(t('common.busy.switchingBranch'), async () => {
        const repoId = this.#history.requireRepo();
        const ref = this.#history.branches.find((b) => b.name === name);
        if (!ref) throw new GraftError('error.ref/not-found.branch', { name });
        await this.#s.store.setHead(repoId, { kind: 'branch', name });
        await this.#checkout(ref.target);
        this.#history.select(ref.target);
        this.#activity.say(t('history.notice.switched', { name }));
      }),
    );
  }

  /** A version as a live model of its own, for comparing behaviour; the caller disposes it. */
  async materialize(id: VersionId): Promise<M> {
    const [ml, loaded] = await Promise.all([this.#loadRuntime(), this.#s.store.load(id)]);
    return ml.materialize(loaded);
  }

  switchBackend(choice: BackendChoice): Promise<Result<void>> {
    return this.#activity.run(t('common.busy.switchingBackend'), async () => {
      const ml = await this.#loadRuntime();
      const live = this.live;
      if (live) {
        const moved = await ml.moveToBackend(live.model, choice);
        this.backend = moved.backend;
        await this.#setLive({ ...live, model: moved.model });
      } else {
        this.backend = await ml.startBackend(choice);
      }
      this.#s.prefs.set(PREF_BACKEND, choice);
    });
  }

  async #open(id: RepoId, options: { checkoutHead: boolean }): Promise<void> {
    await this.#history.open(id);
    if (options.checkoutHead && this.live?.repoId !== id) {
      const head = this.#history.branchHead;
      if (head) await this.#checkout(head);
      else if (this.live) {
        this.#ml?.dispose(this.live.model);
        this.live = null;
      }
    }
    void this.#storage.refreshStorage();
  }

  /** A version's weights (their hashes still being checked) and what it keeps beside them. */
  #read(id: VersionId): Promise<VersionRead> {
    const read = Promise.all([this.#s.store.loadOverlapped(id), this.#s.store.getAttachments(id)]);
    // Awaited later (or let go with `unused`): a failure meanwhile is not an unhandled rejection.
    read.catch(() => {});
    return read;
  }

  async #checkout(id: VersionId, read: Promise<VersionRead> = this.#read(id)): Promise<void> {
    // The model is built while the weights are re-hashed; a mismatch throws it away unseen.
    const [ml, [loaded, kept]] = await Promise.all([this.#loadRuntime(), read]);
    const model = await ml.materialize(loaded);
    try {
      await loaded.verified;
    } catch (e) {
      ml.dispose(model);
      throw e;
    }
    await this.#setLive({
      repoId: loaded.version.repoId,
      model,
      base: id,
      kept: {
        ...(kept.optimizer ? { optimizer: metaOf(kept.optimizer) } : {}),
        ...(kept.data ? { data: kept.data } : {}),
      },
      pending: null,
    });
  }

  async #setLive(next: Pick<Live<M>, 'repoId' | 'model' | 'base' | 'pending' | 'kept'>): Promise<void> {
    const previous = this.live;
    // A live model exists only once the runtime made it, so it is loaded here.
    const ml = await this.#loadRuntime();
    let probe: ProbeResult | null;
    try {
      probe = await ml.probe(next.model);
    } catch {
      probe = null; // a model with variable input size has no fixed probe; it still works
    }
    this.live = {
      ...next,
      summary: ml.summarize(next.model),
      layers: ml.describeLayers(next.model),
      probe,
    };
    if (previous && previous.model !== next.model) ml.dispose(previous.model);
    this.tensorCount = ml.tensorCount();
  }
}

type VersionRead = [LoadedVersion & { readonly verified: Promise<void> }, VersionAttachments];

/** Lets go of a read no checkout will use: its hash check may still fail, with nobody left to tell. */
function unused(read: Promise<VersionRead>): void {
  read.then(
    ([loaded]) => loaded.verified.catch(() => {}),
    () => {},
  );
}

/** An optimizer state's meta alone, without the tensors (which stay in the store or the pending change). */
function metaOf(state: OptimizerStateMeta): OptimizerStateMeta {
  const { optimizer, learningRate, iterations, epochs, weights } = state;
  return { optimizer, learningRate, iterations, epochs, weights };
}
