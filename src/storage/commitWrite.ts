/**
 * Making a version visible, git's way: objects first (blobs, idempotent, safe to repeat), then one small
 * transaction that checks them, adds the version and carries out where the save goes — a branch created,
 * the ref moved, HEAD moved — as `placeSave` (core/versions/placement) decides from what it reads there.
 * What the version keeps beside its content (optimizer state, data) is written the same way: its blobs
 * with the others, its entries in the version's manifest row in that same transaction.
 */
import { GraftError } from '../core/errors';
import { hashBlob, shortId, type BlobHash, type VersionId } from '../core/hashing';
import {
  tensorBytes,
  type CommitResult,
  type DataBlob,
  type OptimizerState,
  type TensorData,
} from '../core/ports';
import { placeSave, type SaveTarget } from '../core/versions/placement';
import {
  toRow,
  type StoredOptimizerState,
  type TensorEntry,
  type Version,
  type VersionAttachments,
} from '../core/versions/types';
import { expectedByteLength } from '../core/versions/version';
import { attachmentBlobs } from '../core/versions/attachments';
import { storedSize, storedValue, type StoredBytes } from './blobValue';
import type { BlobKind, BlobRow, GraftDb } from './db';
import { assertReadable } from './readableBlobs';

/** Where a blob's bytes come from if the store does not hold it yet. */
export interface BlobSource {
  readonly kind: BlobKind;
  /** The value to store already, when the commit made one while hashing (see ./blobValue.ts). */
  readonly blob?: StoredBytes;
  readonly get: () => Promise<Uint8Array<ArrayBuffer>>;
}

/** Refuses, before anything is written, a save of `bytes` new bytes that the browser has no room for. */
export type RoomCheck = (bytes: number) => Promise<void>;

/**
 * Hashes the tensors a runtime hands over, reading only those whose hash it does not vouch for yet, and
 * says where each one's bytes come from should the store lack them. Unknown tensors are almost always new
 * ones: their Blobs are made while the hashes compute.
 */
export async function hashTensors(
  list: readonly TensorData[],
  kind: BlobKind,
): Promise<{ entries: TensorEntry[]; sources: Map<BlobHash, BlobSource> }> {
  // Only the lengths are kept: the bytes live on in the Blobs made from them, and holding a GPU backend's
  // downloaded copies too would keep the model's size twice until the write.
  const lengths = new Map<number, number>();
  const made = new Map<number, StoredBytes>();
  const room = byteBudget(HASH_BUDGET_BYTES);
  const hashes = await Promise.all(
    list.map(async (t, i) => {
      if (t.hash) return t.hash;
      const release = await room(expectedByteLength(t));
      try {
        const b = await tensorBytes(t);
        lengths.set(i, b.byteLength);
        const hashing = hashBlob(b);
        made.set(i, storedValue(b));
        const h = await hashing;
        t.onHashed?.(h);
        return h;
      } finally {
        release();
      }
    }),
  );
  const entries = list.map((t, i) => ({
    name: t.name,
    shape: [...t.shape],
    dtype: t.dtype,
    hash: hashes[i] as BlobHash,
    byteLength: lengths.get(i) ?? expectedByteLength(t),
  }));
  const sources = new Map<BlobHash, BlobSource>();
  list.forEach((t, i) => {
    const hash = hashes[i] as BlobHash;
    const blob = made.get(i);
    sources.set(hash, {
      kind,
      ...(blob ? { blob } : {}),
      get: async () => {
        const b = await tensorBytes(t);
        // Bytes read again, or never read before (the runtime vouched for the hash): checked before stored.
        if ((await hashBlob(b)) !== hash)
          throw new GraftError('error.internal.weights-changed', { tensor: t.name });
        return b;
      },
    });
  });
  return { entries, sources };
}

/**
 * How many bytes of tensors are hashed at once. Hashing copies its input (Web Crypto takes a copy when
 * called, a GPU backend downloads one), so hashing every tensor of a 1 GiB model at once would need a
 * second gigabyte; a few hundred MiB keep small models as fast as before and large ones within bounds.
 */
const HASH_BUDGET_BYTES = 256 * 1024 ** 2;

/**
 * Waits until `bytes` more fit in `budget` bytes in flight (or nothing else is in flight, for a tensor
 * larger than the budget), and returns the function that gives them back.
 */
function byteBudget(budget: number): (bytes: number) => Promise<() => void> {
  let inFlight = 0;
  const waiting: (() => void)[] = [];
  const fits = (bytes: number) => inFlight === 0 || inFlight + bytes <= budget;
  return async (bytes) => {
    while (!fits(bytes)) await new Promise<void>((wake) => waiting.push(wake));
    inFlight += bytes;
    return () => {
      inFlight -= bytes;
      waiting.splice(0).forEach((wake) => wake());
    };
  };
}

/** An optimizer's state as the version keeps it: its meta, and its tensors as the entries just hashed. */
export function storedOptimizer(
  state: OptimizerState,
  entries: readonly TensorEntry[],
): StoredOptimizerState {
  for (const t of entries)
    if (t.byteLength !== expectedByteLength(t))
      throw new GraftError('error.internal.optimizer-size', {
        tensor: t.name,
        bytes: t.byteLength,
        expected: expectedByteLength(t),
      });
  const { tensors: _bytes, ...meta } = state;
  return {
    optimizer: meta.optimizer,
    learningRate: meta.learningRate,
    iterations: meta.iterations,
    epochs: meta.epochs,
    weights: meta.weights.map((w) => ({ name: w.name, shape: [...w.shape] })),
    tensors: [...entries],
  };
}

/**
 * The data's bytes as a blob source. Checked against the hash the caller gives only when the store lacks
 * the blob: data kept already is what the version will name, and is not hashed again at every save.
 */
export function dataSource(data: DataBlob): BlobSource {
  return {
    kind: 'data',
    get: async () => {
      if ((await hashBlob(data.bytes)) !== data.hash)
        throw new GraftError('error.internal.data-changed', { short: data.hash.slice(0, 12) });
      return data.bytes;
    },
  };
}

export async function commitVersion(
  db: GraftDb,
  version: Version,
  target: SaveTarget,
  parent: VersionId | null,
  sources: ReadonlyMap<BlobHash, BlobSource>,
  checkRoom: RoomCheck,
  attachments: VersionAttachments = {},
): Promise<CommitResult> {
  // A GC in another tab may remove blobs between our write and our commit; then write them again.
  for (let attempt = 0; ; attempt++) {
    const { blobsWritten, bytesWritten } = await putBlobs(db, sources, checkRoom);
    try {
      const result = await writeVersion(db, version, target, parent, attachments);
      return { ...result, tensors: version.tensors, blobsWritten, bytesWritten };
    } catch (e) {
      if (attempt < 2 && e instanceof GraftError && e.code === 'storage/blob-missing' && sources.size > 0)
        continue;
      throw e;
    }
  }
}

/** Writes the blobs not already stored, in one transaction. Safe to repeat. */
export async function putBlobs(
  db: GraftDb,
  sources: ReadonlyMap<BlobHash, BlobSource>,
  checkRoom: RoomCheck,
): Promise<{ blobsWritten: number; bytesWritten: number }> {
  if (sources.size === 0) return { blobsWritten: 0, bytesWritten: 0 };
  const have = new Set(
    await db.blobs
      .where(':id')
      .anyOf([...sources.keys()])
      .primaryKeys(),
  );
  const missing = [...sources].filter(([hash]) => !have.has(hash));
  const rows = await Promise.all(
    missing.map(async ([hash, source]): Promise<BlobRow> => {
      const data = source.blob ?? storedValue(await source.get());
      return { hash, size: storedSize(data), kind: source.kind, data };
    }),
  );
  const bytesWritten = rows.reduce((n, r) => n + r.size, 0);
  // Only blobs the store lacks count: a save that changed one layer needs room for that layer alone.
  await checkRoom(bytesWritten);
  // Inline bytes are no Blob the browser could have failed to hold (./blobValue.ts).
  await assertReadable(rows.flatMap((r) => (r.data instanceof Blob ? [r.data] : [])));
  if (rows.length) await db.blobs.bulkPut(rows);
  return { blobsWritten: rows.length, bytesWritten };
}

/**
 * The one small transaction that makes a version visible: check blobs and parents, decide where the save
 * goes from HEAD and the refs as stored now, add the row, then create, move and point HEAD at the branch.
 * A failure anywhere leaves none of it behind.
 */
function writeVersion(
  db: GraftDb,
  version: Version,
  target: SaveTarget,
  parent: VersionId | null,
  attachments: VersionAttachments,
): Promise<Omit<CommitResult, 'blobsWritten' | 'bytesWritten' | 'tensors'>> {
  return db.transaction(
    'rw',
    [db.repositories, db.versions, db.manifests, db.refs, db.refLog, db.blobs],
    async () => {
      const needed = [
        version.topologyHash,
        ...version.tensors.map((t) => t.hash),
        ...attachmentBlobs(attachments).map((b) => b.hash),
      ];
      const present = new Set(await db.blobs.where(':id').anyOf(needed).primaryKeys());
      const missing = needed.filter((h) => !present.has(h));
      if (missing.length) throw new GraftError('error.storage/blob-missing.vanished', { missing });
      for (const p of version.parents) {
        const row = await db.versions.get(p);
        if (!row || row.repoId !== version.repoId)
          throw new GraftError('error.version/invalid.parent-elsewhere', { id: p, short: shortId(p) });
      }
      const repo = await db.repositories.get(version.repoId);
      if (!repo) throw new GraftError('error.repo/not-found', { id: version.repoId });
      const refs = await db.refs.where('repoId').equals(version.repoId).toArray();
      const plan = placeSave({ head: repo.head, refs }, target, parent, version);

      const row = toRow(version);
      await db.versions.put(row);
      // The same version saved again (same content, same time) keeps what it kept, and gains what it lacked.
      const kept = { ...attachments, ...(await db.manifests.get(version.id))?.attachments };
      await db.manifests.put({
        id: version.id,
        tensors: version.tensors,
        provenance: version.provenance,
        ...(kept.optimizer || kept.data ? { attachments: kept } : {}),
      });
      const base = { repoId: version.repoId, name: plan.branch, kind: 'branch' as const, at: row.createdAt };
      if (plan.create) {
        await db.refs.put({ ...ref(base), target: plan.create.at });
        await db.refLog.add({ ...base, from: null, to: plan.create.at, reason: plan.create.reason });
      }
      await db.refs.put({ ...ref(base), target: version.id });
      await db.refLog.add({ ...base, from: plan.from, to: version.id, reason: plan.reason });
      if (plan.moveHead)
        await db.repositories.update(version.repoId, { head: { kind: 'branch', name: plan.branch } });
      return {
        version: row,
        branch: plan.branch,
        ...(plan.conflict ? { conflict: plan.conflict } : {}),
        ...(plan.branchedOff ? { branchedOff: true } : {}),
      };
    },
  );
}

function ref(base: { repoId: Version['repoId']; name: string; kind: 'branch'; at: string }) {
  return { repoId: base.repoId, name: base.name, kind: base.kind, updatedAt: base.at };
}
