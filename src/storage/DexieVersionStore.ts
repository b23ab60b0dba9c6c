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
  BlobProblem,
  CommitRequest,
  CommitResult,
  GcReport,
  LoadedVersion,
  RepositoryView,
  SchemaEvent,
  SchemaWatcher,
  StorageManagerPort,
  StorageUsage,
  VerifyReport,
  VersionStore,
} from '../core/ports';
import { tensorBytes } from '../core/ports';
import { ancestors, graphOf } from '../core/versions/dag';
import { assertRefName, freeRefName } from '../core/versions/refs';
import { planRollback } from '../core/versions/rollback';
import {
  DEFAULT_BRANCH,
  toRow,
  type Head,
  type Ref,
  type RefKind,
  type RefLogEntry,
  type RepoId,
  type Repository,
  type Version,
  type VersionContent,
  type VersionRow,
} from '../core/versions/types';
import { checkVersionId, expectedByteLength, makeVersion } from '../core/versions/version';
import { GraftDb, type BlobKind, type BlobRow, type ManifestRow } from './db';
import { guard, mapStorageError } from './errors';

export const APP_NAME = 'graft';

/** Where a blob's bytes come from if the store does not hold it yet. */
interface BlobSource {
  readonly kind: BlobKind;
  /** The bytes as a Blob already, when the commit made one while hashing. */
  readonly blob?: Blob;
  readonly get: () => Promise<Uint8Array<ArrayBuffer>>;
}

const now = () => new Date().toISOString();

/** The browser's room for this origin, in bytes; null where the browser does not say. */
export type EstimateRoom = StorageManagerPort['estimate'];
export type { SchemaEvent };

async function browserEstimate(): Promise<{ usage: number; quota: number } | null> {
  const storage = globalThis.navigator?.storage;
  if (!storage?.estimate) return null;
  const e = await storage.estimate();
  return e.quota ? { usage: e.usage ?? 0, quota: e.quota } : null;
}

export class DexieVersionStore implements VersionStore, SchemaWatcher {
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
    throw new GraftError(
      'storage/quota-exceeded',
      `This ${what} needs ${needed} of new storage, but the browser allows Graft only ${free} more (${formatBytes(room.usage)} of ${formatBytes(room.quota)} used). Nothing was written. To make room, export what matters from the Share tab, delete versions or branches you no longer need, then run “Clean up storage” — or allow this site more storage.`,
      { data: { what, needed, free, neededBytes: bytes, freeBytes: available } },
    );
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
      if (!repo)
        throw new GraftError('repo/not-found', 'That model no longer exists in this browser.', {
          data: { id },
        });
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
      if (n === 0) throw new GraftError('repo/not-found', 'That model no longer exists in this browser.');
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
            throw new GraftError(
              'ref/invalid-name',
              `"${head.name}" is a tag; only a branch can be current.`,
            );
        } else if (!(await db.versions.get(head.version))) {
          throw new GraftError('storage/not-found', 'That version does not exist.');
        }
        const n = await db.repositories.update(id, { head });
        if (n === 0) throw new GraftError('repo/not-found', 'That model no longer exists in this browser.');
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
    return guard(async () => {
      const [row, manifest] = await Promise.all([this.db.versions.get(id), this.db.manifests.get(id)]);
      if (!row || !manifest)
        throw new GraftError('storage/not-found', `Version ${shortId(id)} is not in this browser's store.`, {
          data: { id },
        });
      return joinVersion(row, manifest);
    });
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
      const repo = await this.getRepository(req.repoId);
      const branch = req.branch ?? (repo.head.kind === 'branch' ? repo.head.name : null);
      if (branch === null)
        throw new GraftError(
          'ref/not-found',
          'You are looking at a single version, not a branch. Start a branch to save.',
        );
      assertRefName(branch);

      const topologyBytes = new TextEncoder().encode(
        canonicalJson(req.snapshot.topology),
      ) as Uint8Array<ArrayBuffer>;
      const snapshotTensors = req.snapshot.tensors;
      // Bytes read so far; tensors whose hash the runtime already knows are read only if the store lacks them.
      const bytes = new Map<number, Uint8Array<ArrayBuffer>>();
      // Unknown tensors are almost always new ones: their Blobs are made while the hashes compute.
      const made = new Map<number, Blob>();
      const [topologyHash, ...hashes] = await Promise.all([
        hashBlob(topologyBytes),
        ...snapshotTensors.map(async (t, i) => {
          if (t.hash) return t.hash;
          const b = await tensorBytes(t);
          bytes.set(i, b);
          const hashing = hashBlob(b);
          made.set(i, new Blob([b]));
          const h = await hashing;
          t.onHashed?.(h);
          return h;
        }),
      ]);
      const tensors = snapshotTensors.map((t, i) => ({
        name: t.name,
        shape: [...t.shape],
        dtype: t.dtype,
        hash: hashes[i] as BlobHash,
        byteLength: bytes.get(i)?.byteLength ?? expectedByteLength(t),
      }));
      const parents = [...(req.parent ? [req.parent] : []), ...(req.otherParents ?? [])];
      const version = await makeVersion({
        repoId: req.repoId,
        parents,
        message: req.message.trim(),
        createdAt: req.createdAt ?? now(),
        change: req.change,
        topologyHash: topologyHash as BlobHash,
        summary: req.snapshot.summary,
        tensors,
        provenance: { ...req.provenance },
        metrics: { ...(req.metrics ?? {}) },
      });
      const sources = new Map<BlobHash, BlobSource>();
      sources.set(version.topologyHash, { kind: 'topology', get: async () => topologyBytes });
      snapshotTensors.forEach((t, i) => {
        const hash = hashes[i] as BlobHash;
        const blob = made.get(i);
        sources.set(hash, {
          kind: 'tensor',
          ...(blob ? { blob } : {}),
          get: async () => {
            const known = bytes.get(i);
            if (known) return known;
            const b = await tensorBytes(t);
            // The runtime vouched for this hash without showing bytes; check it before storing them.
            if ((await hashBlob(b)) !== hash)
              throw new GraftError(
                'internal',
                `The weights of "${t.name}" changed while saving. Save again.`,
              );
            return b;
          },
        });
      });
      return this.#commitVersion(version, branch, req.parent, sources);
    });
  }

  rollback(
    repoId: RepoId,
    targetId: VersionId,
    options: { branch?: string; message?: string } = {},
  ): Promise<CommitResult> {
    return guard(async () => {
      const repo = await this.getRepository(repoId);
      const branch = options.branch ?? (repo.head.kind === 'branch' ? repo.head.name : null);
      if (branch === null) throw new GraftError('ref/not-found', 'Roll back on a branch: choose one first.');
      const ref = await this.db.refs.get([repoId, branch]);
      if (!ref) throw new GraftError('ref/not-found', `Branch "${branch}" has no versions yet.`);
      const [current, target] = await Promise.all([this.getVersion(ref.target), this.getVersion(targetId)]);
      const content: VersionContent = planRollback(current, target, {
        createdAt: now(),
        app: APP_NAME,
        ...(options.message ? { message: options.message } : {}),
      });
      return this.#commitVersion(await makeVersion(content), branch, current.id, new Map());
    });
  }

  async #commitVersion(
    version: Version,
    branch: string,
    expectedParent: VersionId | null,
    sources: ReadonlyMap<BlobHash, BlobSource>,
  ): Promise<CommitResult> {
    // A GC in another tab may remove blobs between our write and our commit; then write them again.
    for (let attempt = 0; ; attempt++) {
      const { blobsWritten, bytesWritten } = await this.#putBlobs(sources);
      try {
        const result = await this.#writeVersion(version, branch, expectedParent);
        return { ...result, tensors: version.tensors, blobsWritten, bytesWritten };
      } catch (e) {
        if (attempt < 2 && e instanceof GraftError && e.code === 'storage/blob-missing' && sources.size > 0)
          continue;
        throw e;
      }
    }
  }

  /** Writes the blobs not already stored, in one transaction. Safe to repeat. */
  async #putBlobs(
    sources: ReadonlyMap<BlobHash, BlobSource>,
  ): Promise<{ blobsWritten: number; bytesWritten: number }> {
    if (sources.size === 0) return { blobsWritten: 0, bytesWritten: 0 };
    const have = new Set(
      await this.db.blobs
        .where(':id')
        .anyOf([...sources.keys()])
        .primaryKeys(),
    );
    const missing = [...sources].filter(([hash]) => !have.has(hash));
    const rows = await Promise.all(
      missing.map(async ([hash, source]): Promise<BlobRow> => {
        const data = source.blob ?? new Blob([await source.get()]);
        return { hash, size: data.size, kind: source.kind, data };
      }),
    );
    const bytesWritten = rows.reduce((n, r) => n + r.size, 0);
    // Only blobs the store lacks count: a save that changed one layer needs room for that layer alone.
    await this.checkRoom(bytesWritten, 'save');
    if (rows.length) await this.db.blobs.bulkPut(rows);
    return { blobsWritten: rows.length, bytesWritten };
  }

  /** The one small transaction that makes a version visible: check blobs, add the row, move the ref. */
  #writeVersion(
    version: Version,
    branch: string,
    expectedParent: VersionId | null,
  ): Promise<Omit<CommitResult, 'blobsWritten' | 'bytesWritten' | 'tensors'>> {
    const db = this.db;
    return db.transaction(
      'rw',
      [db.repositories, db.versions, db.manifests, db.refs, db.refLog, db.blobs],
      async () => {
        const needed = [version.topologyHash, ...version.tensors.map((t) => t.hash)];
        const present = new Set(await db.blobs.where(':id').anyOf(needed).primaryKeys());
        const missing = needed.filter((h) => !present.has(h));
        if (missing.length)
          throw new GraftError('storage/blob-missing', 'Some weights vanished while saving; saving again.', {
            data: { missing },
          });
        for (const p of version.parents) {
          const parent = await db.versions.get(p);
          if (!parent || parent.repoId !== version.repoId)
            throw new GraftError(
              'version/invalid',
              `The parent version ${shortId(p)} is not in this repository.`,
            );
        }
        if (!(await db.repositories.get(version.repoId)))
          throw new GraftError('repo/not-found', 'That model no longer exists in this browser.');

        const current = await db.refs.get([version.repoId, branch]);
        if (current && current.kind !== 'branch')
          throw new GraftError('ref/exists', `"${branch}" is a tag, not a branch; a save cannot move it.`);
        let target = branch;
        let conflict: CommitResult['conflict'];
        if ((current?.target ?? null) !== expectedParent) {
          // Someone else moved the branch since this tab looked: keep both lines, never overwrite theirs.
          const taken = new Set(
            (await db.refs.where('repoId').equals(version.repoId).toArray()).map((r) => r.name),
          );
          target = freeRefName(branch, taken);
          conflict = { requestedBranch: branch, theirHead: current?.target ?? null };
        }
        const row = toRow(version);
        await db.versions.put(row);
        await db.manifests.put({ id: version.id, tensors: version.tensors, provenance: version.provenance });
        const previous = conflict ? null : (current?.target ?? null);
        await db.refs.put({
          repoId: version.repoId,
          name: target,
          kind: 'branch',
          target: version.id,
          updatedAt: row.createdAt,
        });
        await db.refLog.add({
          repoId: version.repoId,
          name: target,
          kind: 'branch',
          from: previous,
          to: version.id,
          at: row.createdAt,
          reason: conflict
            ? `saved while "${branch}" moved in another tab`
            : `${version.change}: ${version.message}`,
        });
        return conflict ? { version: row, branch: target, conflict } : { version: row, branch: target };
      },
    );
  }

  // ---- reading weights ----------------------------------------------------------------------------

  loadTensors(id: VersionId, names: readonly string[]): Promise<LoadedVersion['tensors']> {
    return guard(async () => {
      const version = await this.getVersion(id);
      const wanted = new Set(names);
      const entries = version.tensors.filter((t) => wanted.has(t.name));
      const bytes = await this.#readVerified([...new Set(entries.map((t) => t.hash))]);
      return entries.map((entry) => {
        const data = bytes.get(entry.hash);
        if (data === undefined || data === 'corrupt')
          throw new GraftError(
            data === undefined ? 'storage/blob-missing' : 'storage/blob-corrupt',
            `The weights “${entry.name}” of version ${shortId(id)} are ${data === undefined ? 'missing' : 'damaged'}. Run “Verify” on it.`,
          );
        return { entry, data };
      });
    });
  }

  getTopology(id: VersionId): Promise<JsonObject> {
    return guard(async () => {
      const row = await this.db.versions.get(id);
      if (!row)
        throw new GraftError('storage/not-found', `Version ${shortId(id)} is not in this browser's store.`);
      const bytes = (await this.#readVerified([row.topologyHash])).get(row.topologyHash);
      if (bytes === undefined || bytes === 'corrupt')
        throw new GraftError(
          bytes === undefined ? 'storage/blob-missing' : 'storage/blob-corrupt',
          `The architecture of version ${shortId(id)} is ${bytes === undefined ? 'missing' : 'damaged'}. Run “Verify” on it.`,
        );
      return JSON.parse(new TextDecoder().decode(bytes)) as JsonObject;
    });
  }

  load(id: VersionId): Promise<LoadedVersion> {
    return guard(async () => {
      const version = await this.getVersion(id);
      const hashes = [...new Set([version.topologyHash, ...version.tensors.map((t) => t.hash)])];
      const bytes = await this.#readVerified(hashes);
      const problems = problemsOf(version, bytes);
      if (problems.length) throw blobError(id, problems);
      const topology = JSON.parse(
        new TextDecoder().decode(bytes.get(version.topologyHash) as ArrayBuffer),
      ) as JsonObject;
      return {
        version,
        topology,
        tensors: version.tensors.map((entry) => ({ entry, data: bytes.get(entry.hash) as ArrayBuffer })),
      };
    });
  }

  loadOverlapped(id: VersionId): Promise<LoadedVersion & { readonly verified: Promise<void> }> {
    return guard(async () => {
      const version = await this.getVersion(id);
      const topologyBytes = (await this.#readVerified([version.topologyHash])).get(version.topologyHash);
      const hashes = [...new Set(version.tensors.map((t) => t.hash))];
      const rows = await this.db.blobs.bulkGet(hashes);
      const read = new Map<BlobHash, ArrayBuffer>();
      await Promise.all(
        rows.map(async (row, i) => {
          if (row) read.set(hashes[i] as BlobHash, await row.data.arrayBuffer());
        }),
      );
      const early = new Map<BlobHash, ArrayBuffer | 'corrupt'>(read);
      if (topologyBytes !== undefined) early.set(version.topologyHash, topologyBytes);
      const sizeProblems = problemsOf(version, early);
      if (sizeProblems.length) throw blobError(id, sizeProblems);
      const verified = Promise.all(
        [...read].map(async ([hash, data]) => ((await hashBlob(data)) === hash ? null : hash)),
      ).then((bad) => {
        const corrupt = new Map<BlobHash, ArrayBuffer | 'corrupt'>(early);
        for (const h of bad) if (h) corrupt.set(h, 'corrupt');
        const problems = problemsOf(version, corrupt);
        if (problems.length) throw blobError(id, problems);
      });
      // The caller awaits it later; until then a failure must not surface as an unhandled rejection.
      verified.catch(() => undefined);
      const topology = JSON.parse(new TextDecoder().decode(topologyBytes as ArrayBuffer)) as JsonObject;
      return {
        version,
        topology,
        tensors: version.tensors.map((entry) => ({ entry, data: read.get(entry.hash) as ArrayBuffer })),
        verified,
      };
    });
  }

  /** Reads blobs and keeps only those whose bytes hash to their key; absent or corrupt ones are left out. */
  async #readVerified(hashes: readonly BlobHash[]): Promise<Map<BlobHash, ArrayBuffer | 'corrupt'>> {
    const rows = await this.db.blobs.bulkGet([...hashes]);
    const out = new Map<BlobHash, ArrayBuffer | 'corrupt'>();
    await Promise.all(
      rows.map(async (row, i) => {
        if (!row) return;
        const data = await row.data.arrayBuffer();
        const ok = data.byteLength === row.size && (await hashBlob(data)) === hashes[i];
        out.set(hashes[i] as BlobHash, ok ? data : 'corrupt');
      }),
    );
    return out;
  }

  verify(id: VersionId): Promise<VerifyReport> {
    return guard(async () => {
      const version = await this.getVersion(id);
      const hashes = [...new Set([version.topologyHash, ...version.tensors.map((t) => t.hash)])];
      const bytes = await this.#readVerified(hashes);
      const problems = problemsOf(version, bytes);
      let checkedBytes = 0;
      for (const b of bytes.values()) if (b !== 'corrupt') checkedBytes += b.byteLength;
      const idMatches = await checkVersionId(version);
      return {
        versionId: id,
        ok: problems.length === 0 && idMatches,
        checkedBlobs: hashes.length,
        checkedBytes,
        problems,
        idMatches,
      };
    });
  }

  // ---- refs ---------------------------------------------------------------------------------------

  setRef(
    repoId: RepoId,
    name: string,
    kind: RefKind,
    target: VersionId,
    options: { reason?: string; create?: boolean } = {},
  ): Promise<void> {
    const db = this.db;
    const reason = options.reason ?? (kind === 'tag' ? 'tag placed' : 'branch moved');
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.versions], async () => {
        assertRefName(name);
        const v = await db.versions.get(target);
        if (!v || v.repoId !== repoId)
          throw new GraftError('storage/not-found', 'That version is not in this repository.');
        const current = await db.refs.get([repoId, name]);
        if (current && options.create)
          throw new GraftError(
            'ref/exists',
            `A ${current.kind} named "${name}" already exists; pick another name.`,
          );
        if (current && current.kind !== kind)
          throw new GraftError(
            'ref/exists',
            `"${name}" is already used by a ${current.kind}; pick another name.`,
          );
        if (current?.target === target) return;
        const at = now();
        await db.refs.put({ repoId, name, kind, target, updatedAt: at });
        await db.refLog.add({ repoId, name, kind, from: current?.target ?? null, to: target, at, reason });
      }),
    );
  }

  renameRef(repoId: RepoId, from: string, to: string): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.repositories], async () => {
        assertRefName(to);
        const ref = await db.refs.get([repoId, from]);
        if (!ref) throw new GraftError('ref/not-found', `There is no branch or tag named "${from}".`);
        if (from === to) return;
        if (await db.refs.get([repoId, to]))
          throw new GraftError('ref/exists', `"${to}" is already taken; pick another name.`);
        const at = now();
        await db.refs.delete([repoId, from]);
        await db.refs.put({ ...ref, name: to, updatedAt: at });
        const reason = `renamed from "${from}" to "${to}"`;
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
        if (!(await db.refs.get([repoId, name])))
          throw new GraftError('ref/not-found', `There is no branch or tag named "${name}".`);
        const { garbage: _g, ...report } = await this.#collect({ exceptRef: [repoId, name] });
        return report;
      }),
    );
  }

  amendMessage(id: VersionId, message: string): Promise<void> {
    return guard(async () => {
      const clean = message.trim();
      if (!clean) throw new GraftError('version/invalid', 'A message cannot be empty.');
      if (clean.length > 2000)
        throw new GraftError('version/invalid', 'A message can be at most 2,000 characters.');
      const n = await this.db.versions.update(id, { note: { message: clean, at: now() } });
      if (n === 0) throw new GraftError('storage/not-found', 'That version no longer exists.');
    });
  }

  deleteRef(repoId: RepoId, name: string): Promise<void> {
    const db = this.db;
    return guard(() =>
      db.transaction('rw', [db.refs, db.refLog, db.repositories], async () => {
        const ref = await db.refs.get([repoId, name]);
        if (!ref) throw new GraftError('ref/not-found', `There is no branch or tag named "${name}".`);
        const repo = await db.repositories.get(repoId);
        if (repo?.head.kind === 'branch' && repo.head.name === name)
          throw new GraftError(
            'ref/in-use',
            `"${name}" is the current branch. Switch to another branch before deleting it.`,
          );
        await db.refs.delete([repoId, name]);
        await db.refLog.add({
          repoId,
          name,
          kind: ref.kind,
          from: ref.target,
          to: null,
          at: now(),
          reason: 'deleted by the user',
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
        if (!row) throw new GraftError('storage/not-found', 'That version was already deleted.');
        const siblings = await db.versions.where('repoId').equals(row.repoId).toArray();
        if (siblings.some((v) => v.parents.includes(id)))
          throw new GraftError(
            'version/has-children',
            `Version ${shortId(id)} has later versions built on it. Delete those first, or delete the branch that holds them.`,
          );
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
            reason: `version ${shortId(id)} deleted`,
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

  // ---- housekeeping -------------------------------------------------------------------------------

  /**
   * Removes versions no branch, tag or HEAD reaches (they only exist after a user deleted a ref) and every
   * blob no remaining version needs. All in one transaction, so a commit in another tab either sees its
   * blobs gone before it starts (and rewrites them) or keeps them.
   */
  gc(options: { dryRun: boolean }): Promise<GcReport> {
    const db = this.db;
    const tables = [db.repositories, db.versions, db.manifests, db.refs, db.blobs];
    return guard(() =>
      db.transaction(options.dryRun ? 'r' : 'rw', tables, async () => {
        const { garbage, ...found } = await this.#collect({});
        if (!options.dryRun) {
          await db.manifests.bulkDelete([...found.versions]);
          await db.versions.bulkDelete([...found.versions]);
          await db.blobs.bulkDelete(garbage);
        }
        return { ...found, dryRun: options.dryRun };
      }),
    );
  }

  /** Mark without sweep: the versions no ref or HEAD reaches and the blobs nothing else needs. In a transaction. */
  async #collect(options: {
    exceptRef?: readonly [RepoId, string];
  }): Promise<GcReport & { garbage: BlobHash[] }> {
    const db = this.db;
    const [repos, refs, rows] = await Promise.all([
      db.repositories.toArray(),
      db.refs.toArray(),
      db.versions.toArray(),
    ]);
    const except = options.exceptRef;
    const roots: VersionId[] = refs
      .filter((r) => !(except && r.repoId === except[0] && r.name === except[1]))
      .map((r) => r.target);
    for (const r of repos) if (r.head.kind === 'detached') roots.push(r.head.version);
    const reachable = ancestors(graphOf(rows), roots);
    const dead = rows.filter((v) => !reachable.has(v.id)).map((v) => v.id);
    const needed = new Set<BlobHash>();
    for (const v of rows) if (reachable.has(v.id)) needed.add(v.topologyHash);
    for (const m of await db.manifests.bulkGet([...reachable]))
      for (const t of m?.tensors ?? []) needed.add(t.hash);
    const garbage = (await db.blobs.toCollection().primaryKeys()).filter((h) => !needed.has(h));
    let bytes = 0;
    for (const row of await db.blobs.bulkGet(garbage)) bytes += row?.size ?? 0;
    return { dryRun: true, versions: dead, blobs: garbage.length, bytes, garbage };
  }

  /** Bytes of distinct blobs: all of them, or those one repository's versions need. */
  usage(repoId?: RepoId): Promise<StorageUsage> {
    const db = this.db;
    return guard(() =>
      db.transaction('r', [db.versions, db.manifests, db.blobs], async () => {
        if (repoId === undefined) {
          const blobs = await db.blobs.toArray();
          return {
            blobs: blobs.length,
            bytes: blobs.reduce((n, b) => n + b.size, 0),
            versions: await db.versions.count(),
          };
        }
        const rows = await db.versions.where('repoId').equals(repoId).toArray();
        const sizes = new Map<BlobHash, number>();
        for (const m of await db.manifests.bulkGet(rows.map((r) => r.id)))
          for (const t of m?.tensors ?? []) sizes.set(t.hash, t.byteLength);
        const topologies = [...new Set(rows.map((r) => r.topologyHash))];
        for (const b of await db.blobs.bulkGet(topologies)) if (b) sizes.set(b.hash, b.size);
        let bytes = 0;
        for (const s of sizes.values()) bytes += s;
        return { blobs: sizes.size, bytes, versions: rows.length };
      }),
    );
  }
}

function checkRepoName(name: string): string {
  const clean = name.trim();
  if (!clean) throw new GraftError('repo/invalid-name', 'Give the model a name.');
  if (clean.length > 120)
    throw new GraftError('repo/invalid-name', 'A model name can be at most 120 characters.');
  return clean;
}

function joinVersion(row: VersionRow, manifest: ManifestRow): Version {
  const { tensorCount: _n, totalBytes: _b, note: _note, ...rest } = row;
  return { ...rest, tensors: manifest.tensors, provenance: manifest.provenance };
}

function blobError(id: VersionId, problems: readonly BlobProblem[]): GraftError {
  const first = problems[0] as BlobProblem;
  const what =
    first.problem === 'missing' ? 'is missing' : 'is damaged (its bytes no longer match their hash)';
  return new GraftError(
    first.problem === 'missing' ? 'storage/blob-missing' : 'storage/blob-corrupt',
    `Version ${shortId(id)} cannot be opened: the data of ${first.tensor} ${what}. Run “Verify storage” to see every problem; other versions may still be intact.`,
    { data: { problems } },
  );
}

function problemsOf(version: Version, bytes: ReadonlyMap<BlobHash, ArrayBuffer | 'corrupt'>): BlobProblem[] {
  const problems: BlobProblem[] = [];
  const check = (hash: BlobHash, tensor: string, expectedLength: number | null) => {
    const b = bytes.get(hash);
    if (b === undefined) problems.push({ hash, tensor, problem: 'missing' });
    else if (b === 'corrupt') problems.push({ hash, tensor, problem: 'corrupt' });
    else if (expectedLength !== null && b.byteLength !== expectedLength)
      problems.push({ hash, tensor, problem: 'wrong-size' });
  };
  check(version.topologyHash, 'the model topology', null);
  for (const t of version.tensors) check(t.hash, `weight “${t.name}”`, t.byteLength);
  return problems;
}

/** Cross-tab live views on top of Dexie's liveQuery (IndexedDB changes in any tab of this origin). */
export function watchRepository(
  store: DexieVersionStore,
  id: RepoId,
  listener: (view: RepositoryView) => void,
  onError: (e: unknown) => void,
): () => void {
  const db = store.db;
  const sub = liveQuery(async () => {
    const [repository, versions, refs] = await Promise.all([
      db.repositories.get(id),
      store.listVersions(id),
      store.listRefs(id),
    ]);
    return { repository: repository ?? null, versions, refs };
  }).subscribe({ next: listener, error: (e: unknown) => onError(mapStorageError(e)) });
  return () => sub.unsubscribe();
}

export function watchRepositories(
  store: DexieVersionStore,
  listener: (repos: Repository[]) => void,
  onError: (e: unknown) => void,
): () => void {
  const sub = liveQuery(() => store.db.repositories.orderBy('name').toArray()).subscribe({
    next: listener,
    error: (e: unknown) => onError(mapStorageError(e)),
  });
  return () => sub.unsubscribe();
}
