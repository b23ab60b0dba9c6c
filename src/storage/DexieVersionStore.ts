/**
 * Graft's version store on IndexedDB. Objects first, ref last: a commit writes its blobs (idempotent),
 * then the version row, its manifest and the ref move in one transaction that first checks every blob it
 * needs is present. A crash between the two leaves only unreferenced blobs, which GC collects.
 */
import { liveQuery } from 'dexie';
import { GraftError } from '../core/errors';
import { formatBytes } from '../core/units';
import { canonicalJson, hashBlob, shortId, type BlobHash, type VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import type {
  CommitRequest,
  CommitResult,
  DataBlob,
  GcReport,
  LoadedVersion,
  OptimizerState,
  RepositoryView,
  RepositoryWatcher,
  SchemaEvent,
  SchemaWatcher,
  StorageManagerPort,
  StorageUsage,
  VerifyReport,
  VersionStore,
} from '../core/ports';
import { assertRefName } from '../core/versions/refs';
import type { SaveTarget } from '../core/versions/placement';
import { planRollback } from '../core/versions/rollback';
import {
  DEFAULT_BRANCH,
  type Head,
  type Ref,
  type RefKind,
  type RefLogEntry,
  type RefReason,
  type RepoId,
  type Repository,
  type Version,
  type VersionAttachments,
  type VersionContent,
  type VersionRow,
} from '../core/versions/types';
import { makeVersion } from '../core/versions/version';
import * as attached from './attachments';
import { commitVersion, dataSource, hashTensors, storedOptimizer, type BlobSource } from './commitWrite';
import { GraftDb } from './db';
import { guard, mapStorageError } from './errors';
import { collect, gc, usage } from './housekeeping';
import * as reads from './versionReads';

export const APP_NAME = 'graft';

const now = () => new Date().toISOString();

/** The browser's room for this origin, in bytes; null where the browser does not say. */
export type EstimateRoom = StorageManagerPort['estimate'];

async function browserEstimate(): Promise<{ usage: number; quota: number } | null> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.estimate) return null;
  const e = await storage.estimate();
  return e.quota ? { usage: e.usage ?? 0, quota: e.quota } : null;
}

export class DexieVersionStore implements VersionStore, RepositoryWatcher, SchemaWatcher {
  readonly db: GraftDb;
  readonly #estimate: EstimateRoom;

  constructor(db: GraftDb = new GraftDb(), options: { estimate?: EstimateRoom } = {}) {
    this.db = db;
    this.#estimate = options.estimate ?? browserEstimate;
  }

  close(): void {
    this.db.close();
  }

  /**
   * Refuses, before anything is written, to store `bytes` of new data when the browser has less room left
   * than that. The browser may still refuse a write that fits (its own overhead); that maps to the same code.
   */
  async checkRoom(bytes: number, what: 'save' | 'import'): Promise<void> {
    if (bytes <= 0) return;
    const room = await this.#estimate();
    if (!room) return;
    const available = Math.max(0, room.quota - room.usage);
    if (bytes <= available) return;
    const needed = formatBytes(bytes);
    const free = formatBytes(available);
    throw new GraftError(`error.storage/quota-exceeded.needs-${what}`, {
      what,
      needed,
      free,
      used: formatBytes(room.usage),
      quota: formatBytes(room.quota),
      neededBytes: bytes,
      freeBytes: available,
    });
  }

  /**
   * Tells `listener` when another tab opens a newer schema ('outdated': this tab's connection is closed
   * so the upgrade can go on, and the page must be reloaded), when this tab's own upgrade waits for a tab
   * still holding the old one ('blocked'), and when the database opened after waiting ('open').
   */
  watchSchema(listener: (event: SchemaEvent) => void): () => void {
    const db = this.db;
    const outdated = () => {
      // Closing for good (no auto-reopen): an old tab must not keep writing under a schema it does not know.
      db.close({ disableAutoOpen: true });
      listener('outdated');
      return false; // stops Dexie's default handler, which would close with auto-reopen
    };
    const blocked = () => {
      listener('blocked');
      db.open().then(
        () => listener('open'),
        () => undefined, // the open's own callers report its failure
      );
    };
    db.on('versionchange', outdated);
    db.on('blocked', blocked);
    return () => {
      db.on('versionchange').unsubscribe(outdated);
      db.on('blocked').unsubscribe(blocked);
    };
  }

  // ---- repositories -------------------------------------------------------------------------------

  listRepositories(): Promise<Repository[]> {
    return guard(() => this.db.repositories.orderBy('name').toArray());
  }

  getRepository(id: RepoId): Promise<Repository> {
    return guard(async () => {
      const repo = await this.db.repositories.get(id);
      if (!repo) throw new GraftError('error.repo/not-found', { id });
      return repo;
    });
  }

  createRepository(name: string, options: { description?: string } = {}): Promise<Repository> {
    return guard(async () => {
      const clean = checkRepoName(name);
      const repo: Repository = {
        id: globalThis.crypto.randomUUID() as RepoId,
        name: clean,
        createdAt: now(),
        head: { kind: 'branch', name: DEFAULT_BRANCH },
        ...(options.description ? { description: options.description } : {}),
      };
      await this.db.repositories.add(repo);
      return repo;
    });
  }

  renameRepository(id: RepoId, name: string): Promise<void> {
    return guard(async () => {
      const clean = checkRepoName(name);
      const n = await this.db.repositories.update(id, { name: clean });
      if (n === 0) throw new GraftError('error.repo/not-found', { id });
    });
  }

  /** Removes a repository with its versions and refs. Its blobs stay until GC, since others may share them. */
  deleteRepository(id: RepoId): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.repositories, db.versions, db.manifests, db.refs, db.refLog], async () => {
        const ids = await db.versions.where('repoId').equals(id).primaryKeys();
        await db.manifests.bulkDelete(ids);
        await db.versions.bulkDelete(ids);
        await db.refs.where('repoId').equals(id).delete();
        await db.refLog.where('repoId').equals(id).delete();
        await db.repositories.delete(id);
      }),
    );
  }

  setHead(id: RepoId, head: Head): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.repositories, db.refs, db.versions], async () => {
        if (head.kind === 'branch') {
          assertRefName(head.name);
          const ref = await db.refs.get([id, head.name]);
          if (ref && ref.kind !== 'branch')
            throw new GraftError('error.ref/invalid-name.tag-as-head', { name: head.name });
        } else if (!(await db.versions.get(head.version))) {
          throw new GraftError('error.storage/not-found.no-such-version', { id: head.version });
        }
        const n = await db.repositories.update(id, { head });
        if (n === 0) throw new GraftError('error.repo/not-found', { id });
      }),
    );
  }

  // ---- reading history ----------------------------------------------------------------------------

  listVersions(repoId: RepoId): Promise<VersionRow[]> {
    return guard(() =>
      this.db.versions
        .where('[repoId+createdAt]')
        .between([repoId, ''], [repoId, '\uffff'])
        .reverse()
        .toArray(),
    );
  }

  getVersion(id: VersionId): Promise<Version> {
    return guard(() => reads.getVersion(this.db, id));
  }

  listRefs(repoId: RepoId): Promise<Ref[]> {
    return guard(() => this.db.refs.where('repoId').equals(repoId).toArray());
  }

  refLog(repoId: RepoId, name?: string): Promise<RefLogEntry[]> {
    return guard(() =>
      name === undefined
        ? this.db.refLog.where('repoId').equals(repoId).toArray()
        : this.db.refLog.where('[repoId+name]').equals([repoId, name]).toArray(),
    );
  }

  // ---- writing versions ---------------------------------------------------------------------------

  commit(req: CommitRequest): Promise<CommitResult> {
    return guard(async () => {
      const target = req.target ?? (await this.#branchTarget(req.repoId, req.branch));

      const topologyBytes = new TextEncoder().encode(
        canonicalJson(req.snapshot.topology),
      ) as Uint8Array<ArrayBuffer>;
      // Weights, optimizer tensors and the data are hashed together; tensors whose hash the runtime
      // already knows are read only if the store lacks them.
      const [topologyHash, weights, optimizer, data] = await Promise.all([
        hashBlob(topologyBytes),
        hashTensors(req.snapshot.tensors, 'tensor'),
        req.optimizer ? hashTensors(req.optimizer.tensors, 'optimizer') : null,
        req.data ? dataSource(req.data) : null,
      ]);
      const parents = [...(req.parent ? [req.parent] : []), ...(req.otherParents ?? [])];
      const version = await makeVersion({
        repoId: req.repoId,
        parents,
        message: req.message.trim(),
        createdAt: req.createdAt ?? now(),
        change: req.change,
        topologyHash: topologyHash as BlobHash,
        summary: req.snapshot.summary,
        tensors: weights.entries,
        provenance: { ...req.provenance },
        metrics: { ...(req.metrics ?? {}) },
      });
      const sources = new Map<BlobHash, BlobSource>(weights.sources);
      sources.set(version.topologyHash, { kind: 'topology', get: async () => topologyBytes });
      const attachments: VersionAttachments = {
        ...(req.optimizer && optimizer
          ? { optimizer: storedOptimizer(req.optimizer, optimizer.entries) }
          : {}),
        ...(req.data && data ? { data: { hash: req.data.hash, byteLength: req.data.bytes.byteLength } } : {}),
      };
      // A blob a weight or the topology already brings is stored once, under the kind it came with.
      for (const [hash, source] of optimizer?.sources ?? [])
        if (!sources.has(hash)) sources.set(hash, source);
      if (req.data && data && !sources.has(req.data.hash)) sources.set(req.data.hash, data);
      return commitVersion(
        this.db,
        version,
        target,
        req.parent,
        sources,
        (b) => this.checkRoom(b, 'save'),
        attachments,
      );
    });
  }

  /** A commit with no target moves the branch it names, or HEAD's; a detached HEAD has none to move. */
  async #branchTarget(repoId: RepoId, branch: string | undefined): Promise<SaveTarget> {
    const repo = await this.getRepository(repoId);
    const name = branch ?? (repo.head.kind === 'branch' ? repo.head.name : null);
    if (name === null) throw new GraftError('error.ref/not-found.detached');
    return { kind: 'branch', name };
  }

  rollback(
    repoId: RepoId,
    targetId: VersionId,
    options: { branch?: string; message?: string } = {},
  ): Promise<CommitResult> {
    return guard(async () => {
      const repo = await this.getRepository(repoId);
      const branch = options.branch ?? (repo.head.kind === 'branch' ? repo.head.name : null);
      if (branch === null) throw new GraftError('error.ref/not-found.rollback-detached');
      const ref = await this.db.refs.get([repoId, branch]);
      if (!ref) throw new GraftError('error.ref/not-found.branch-empty', { name: branch });
      const [current, target] = await Promise.all([this.getVersion(ref.target), this.getVersion(targetId)]);
      const content: VersionContent = planRollback(current, target, {
        createdAt: now(),
        app: APP_NAME,
        ...(options.message ? { message: options.message } : {}),
      });
      const version = await makeVersion(content);
      // The restored version trains on from where its target stopped, with the target's data.
      const attachments = await attached.carriedAttachments(this.db, targetId);
      return commitVersion(
        this.db,
        version,
        { kind: 'branch', name: branch },
        current.id,
        new Map(),
        () => Promise.resolve(),
        attachments,
      );
    });
  }

  // ---- reading weights (verified; see versionReads.ts) ---------------------------------------------

  loadTensors(id: VersionId, names: readonly string[]): Promise<LoadedVersion['tensors']> {
    return guard(() => reads.loadTensors(this.db, id, names));
  }

  getTopology(id: VersionId): Promise<JsonObject> {
    return guard(() => reads.getTopology(this.db, id));
  }

  load(id: VersionId): Promise<LoadedVersion> {
    return guard(() => reads.load(this.db, id));
  }

  loadOverlapped(id: VersionId): Promise<LoadedVersion & { readonly verified: Promise<void> }> {
    return guard(() => reads.loadOverlapped(this.db, id));
  }

  verify(id: VersionId): Promise<VerifyReport> {
    return guard(() => reads.verify(this.db, id));
  }

  // ---- what a version keeps beside its content (attachments.ts) -------------------------------------

  getAttachments(id: VersionId): Promise<VersionAttachments> {
    return guard(() => attached.getAttachments(this.db, id));
  }

  loadOptimizerState(id: VersionId): Promise<OptimizerState | null> {
    return guard(() => attached.loadOptimizerState(this.db, id));
  }

  loadData(id: VersionId): Promise<Uint8Array<ArrayBuffer> | null> {
    return guard(() => attached.loadData(this.db, id));
  }

  keepData(id: VersionId, data: DataBlob): Promise<void> {
    return guard(() => attached.keepData(this.db, id, data, (b) => this.checkRoom(b, 'save')));
  }

  // ---- refs ---------------------------------------------------------------------------------------

  setRef(
    repoId: RepoId,
    name: string,
    kind: RefKind,
    target: VersionId,
    options: { reason?: RefReason; create?: boolean } = {},
  ): Promise<void> {
    const db = this.db;
    const reason: RefReason = options.reason ?? { code: kind === 'tag' ? 'tag-placed' : 'branch-moved' };
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.versions], async () => {
        assertRefName(name);
        const v = await db.versions.get(target);
        if (!v || v.repoId !== repoId)
          throw new GraftError('error.storage/not-found.other-repo', { id: target });
        const current = await db.refs.get([repoId, name]);
        if (current && options.create) throw new GraftError(`error.ref/exists.${current.kind}`, { name });
        if (current && current.kind !== kind)
          throw new GraftError(`error.ref/exists.used-by-${current.kind}`, { name });
        if (current?.target === target) return;
        const at = now();
        await db.refs.put({ repoId, name, kind, target, updatedAt: at });
        await db.refLog.add({ repoId, name, kind, from: current?.target ?? null, to: target, at, reason });
      }),
    );
  }

  startBranch(repoId: RepoId, name: string, at: VersionId): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.repositories, db.refs, db.refLog, db.versions], async () => {
        await this.setRef(repoId, name, 'branch', at, { create: true, reason: { code: 'branch-created' } });
        const n = await db.repositories.update(repoId, { head: { kind: 'branch', name } });
        if (n === 0) throw new GraftError('error.repo/not-found', { id: repoId });
      }),
    );
  }

  renameRef(repoId: RepoId, from: string, to: string): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.repositories], async () => {
        assertRefName(to);
        const ref = await db.refs.get([repoId, from]);
        if (!ref) throw new GraftError('error.ref/not-found.named', { name: from });
        if (from === to) return;
        if (await db.refs.get([repoId, to])) throw new GraftError('error.ref/exists.taken', { name: to });
        const at = now();
        await db.refs.delete([repoId, from]);
        await db.refs.put({ ...ref, name: to, updatedAt: at });
        const reason: RefReason = { code: 'renamed', from, to };
        await db.refLog.add({ repoId, name: from, kind: ref.kind, from: ref.target, to: null, at, reason });
        await db.refLog.add({ repoId, name: to, kind: ref.kind, from: null, to: ref.target, at, reason });
        const repo = await db.repositories.get(repoId);
        if (repo?.head.kind === 'branch' && repo.head.name === from)
          await db.repositories.update(repoId, { head: { kind: 'branch', name: to } });
      }),
    );
  }

  previewDeleteRef(repoId: RepoId, name: string): Promise<GcReport> {
    const db = this.db;
    return guard(() =>
      db.transaction('r', [db.repositories, db.versions, db.manifests, db.refs, db.blobs], async () => {
        if (!(await db.refs.get([repoId, name]))) throw new GraftError('error.ref/not-found.named', { name });
        const { garbage: _g, dropFrom: _d, ...report } = await collect(db, { exceptRef: [repoId, name] });
        return report;
      }),
    );
  }

  amendMessage(id: VersionId, message: string): Promise<void> {
    return guard(async () => {
      const clean = message.trim();
      if (!clean) throw new GraftError('error.version/invalid.empty-message');
      if (clean.length > 2000) throw new GraftError('error.version/invalid.message-too-long');
      const n = await this.db.versions.update(id, { note: { message: clean, at: now() } });
      if (n === 0) throw new GraftError('error.storage/not-found.gone', { id });
    });
  }

  deleteRef(repoId: RepoId, name: string): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.repositories], async () => {
        const ref = await db.refs.get([repoId, name]);
        if (!ref) throw new GraftError('error.ref/not-found.named', { name });
        const repo = await db.repositories.get(repoId);
        if (repo?.head.kind === 'branch' && repo.head.name === name)
          throw new GraftError('error.ref/in-use.current-branch', { name });
        await db.refs.delete([repoId, name]);
        await db.refLog.add({
          repoId,
          name,
          kind: ref.kind,
          from: ref.target,
          to: null,
          at: now(),
          reason: { code: 'deleted' },
        });
      }),
    );
  }

  /**
   * Deletes one version on explicit request. A version that others build on cannot be deleted (that
   * would rewrite their history); branches on it step back to its first parent, tags on it are removed.
   */
  deleteVersion(id: VersionId): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.repositories, db.versions, db.manifests, db.refs, db.refLog], async () => {
        const row = await db.versions.get(id);
        if (!row) throw new GraftError('error.storage/not-found.already-deleted', { id });
        const siblings = await db.versions.where('repoId').equals(row.repoId).toArray();
        if (siblings.some((v) => v.parents.includes(id)))
          throw new GraftError('error.version/has-children.later', { id, short: shortId(id) });
        const at = now();
        const parent = row.parents[0] ?? null;
        for (const ref of await db.refs.where('target').equals(id).toArray()) {
          if (ref.kind === 'branch' && parent) await db.refs.put({ ...ref, target: parent, updatedAt: at });
          else await db.refs.delete([ref.repoId, ref.name]);
          await db.refLog.add({
            repoId: ref.repoId,
            name: ref.name,
            kind: ref.kind,
            from: id,
            to: ref.kind === 'branch' ? parent : null,
            at,
            reason: { code: 'version-deleted', id },
          });
        }
        const repo = await db.repositories.get(row.repoId);
        if (repo?.head.kind === 'detached' && repo.head.version === id)
          await db.repositories.update(row.repoId, { head: { kind: 'branch', name: DEFAULT_BRANCH } });
        await db.manifests.delete(id);
        await db.versions.delete(id);
      }),
    );
  }

  // ---- housekeeping (housekeeping.ts) ---------------------------------------------------------------

  /**
   * Removes versions no branch, tag or HEAD reaches (they only exist after a user deleted a ref) and every
   * blob no remaining version or attachment needs, in one transaction. With `dropExtras`, first drops the
   * optimizer state and kept data of versions that are not a branch head, tagged or HEAD.
   */
  gc(options: { dryRun: boolean; dropExtras?: boolean }): Promise<GcReport> {
    return gc(this.db, options);
  }

  /**
   * Bytes of distinct blobs: all of them, or those one repository's versions need, their optimizer state
   * and kept data included (a version row's `totalBytes` stays its weights alone).
   */
  usage(repoId?: RepoId): Promise<StorageUsage> {
    return usage(this.db, repoId);
  }

  // ---- live views across tabs (Dexie's liveQuery sees IndexedDB changes in any tab of this origin) ---

  watchRepository(
    id: RepoId,
    listener: (view: RepositoryView) => void,
    onError: (e: unknown) => void,
  ): () => void {
    const db = this.db;
    const sub = liveQuery(async () => {
      const [repository, versions, refs] = await Promise.all([
        db.repositories.get(id),
        this.listVersions(id),
        this.listRefs(id),
      ]);
      return { repository: repository ?? null, versions, refs };
    }).subscribe({ next: listener, error: (e: unknown) => onError(mapStorageError(e)) });
    return () => sub.unsubscribe();
  }

  watchRepositories(listener: (repos: Repository[]) => void, onError: (e: unknown) => void): () => void {
    const sub = liveQuery(() => this.db.repositories.orderBy('name').toArray()).subscribe({
      next: listener,
      error: (e: unknown) => onError(mapStorageError(e)),
    });
    return () => sub.unsubscribe();
  }
}

function checkRepoName(name: string): string {
  const clean = name.trim();
  if (!clean) throw new GraftError('error.repo/invalid-name.empty');
  if (clean.length > 120) throw new GraftError('error.repo/invalid-name.too-long');
  return clean;
}
