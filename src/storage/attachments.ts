/**
 * What versions keep beside their content — optimizer state and the data they were trained on — read back
 * verified like weights, and kept again git's way: the blob first, then the manifest row that names it.
 */
import { GraftError } from '../core/errors';
import { shortId, type BlobHash, type VersionId } from '../core/hashing';
import type { BlobProblem, DataBlob, OptimizerState, TensorData } from '../core/ports';
import { attachmentBlobs, type AttachmentKind } from '../core/versions/attachments';
import type { VersionAttachments } from '../core/versions/types';
import { dataSource, putBlobs, type RoomCheck } from './commitWrite';
import type { GraftDb } from './db';
import { attachmentProblems, readVerified } from './versionReads';

export async function getAttachments(db: GraftDb, id: VersionId): Promise<VersionAttachments> {
  const manifest = await db.manifests.get(id);
  if (!manifest) throw new GraftError('error.storage/not-found.version', { id, short: shortId(id) });
  return manifest.attachments ?? {};
}

export async function loadOptimizerState(db: GraftDb, id: VersionId): Promise<OptimizerState | null> {
  const { optimizer } = await getAttachments(db, id);
  if (!optimizer) return null;
  const bytes = await readChecked(db, id, 'optimizer', { optimizer });
  const { tensors, ...meta } = optimizer;
  const handed = new Set<BlobHash>();
  return {
    ...meta,
    tensors: tensors.map((t): TensorData => {
      const data = bytes.get(t.hash) as ArrayBuffer;
      // Tensors with equal bytes share a blob; each still gets a buffer of its own (one may be transferred).
      const own = handed.has(t.hash) ? data.slice(0) : data;
      handed.add(t.hash);
      return { name: t.name, shape: [...t.shape], dtype: t.dtype, hash: t.hash, data: new Uint8Array(own) };
    }),
  };
}

export async function loadData(db: GraftDb, id: VersionId): Promise<Uint8Array<ArrayBuffer> | null> {
  const { data } = await getAttachments(db, id);
  if (!data) return null;
  const bytes = await readChecked(db, id, 'data', { data });
  return new Uint8Array(bytes.get(data.hash) as ArrayBuffer);
}

/** Reads an attachment's blobs, each re-hashed; any missing or damaged one fails the whole read. */
async function readChecked(
  db: GraftDb,
  id: VersionId,
  kind: AttachmentKind,
  attachments: VersionAttachments,
): Promise<Map<BlobHash, ArrayBuffer>> {
  const blobs = attachmentBlobs(attachments);
  const read = await readVerified(db, [...new Set(blobs.map((b) => b.hash))]);
  const problems = attachmentProblems(blobs, read);
  if (problems.length) throw attachmentError(id, kind, problems);
  return read as Map<BlobHash, ArrayBuffer>;
}

function attachmentError(id: VersionId, kind: AttachmentKind, problems: readonly BlobProblem[]): GraftError {
  const first = problems[0] as BlobProblem;
  const data = { id, short: shortId(id), tensor: first.tensor, problems };
  if (kind === 'optimizer')
    return first.problem === 'missing'
      ? new GraftError('error.storage/blob-missing.optimizer', data)
      : new GraftError('error.storage/blob-corrupt.optimizer', data);
  return first.problem === 'missing'
    ? new GraftError('error.storage/blob-missing.data', data)
    : new GraftError('error.storage/blob-corrupt.data', data);
}

/** Keeps `data` with version `id` again: the blob is written (if new), then named in the version's row. */
export async function keepData(
  db: GraftDb,
  id: VersionId,
  data: DataBlob,
  checkRoom: RoomCheck,
): Promise<void> {
  const source = dataSource(data);
  await getAttachments(db, id); // a version that is not there gets nothing written
  const kept = { hash: data.hash, byteLength: data.bytes.byteLength };
  // A GC in another tab may remove the blob between the two steps; then it is written again.
  for (let attempt = 0; ; attempt++) {
    await putBlobs(db, new Map([[data.hash, source]]), checkRoom);
    try {
      await db.transaction('rw', [db.manifests, db.blobs], async () => {
        const manifest = await db.manifests.get(id);
        if (!manifest) throw new GraftError('error.storage/not-found.gone', { id });
        if ((await db.blobs.where(':id').equals(data.hash).count()) === 0)
          throw new GraftError('error.storage/blob-missing.vanished', { missing: [data.hash] });
        await db.manifests.put({ ...manifest, attachments: { ...manifest.attachments, data: kept } });
      });
      return;
    } catch (e) {
      if (attempt < 2 && e instanceof GraftError && e.code === 'storage/blob-missing') continue;
      throw e;
    }
  }
}

/**
 * What a rollback to `target` keeps: the target's attachments whose blobs are all still stored (one
 * cleaned up or lost is left behind rather than failing the rollback, which restores weights).
 */
export async function carriedAttachments(db: GraftDb, target: VersionId): Promise<VersionAttachments> {
  const attachments = await getAttachments(db, target);
  const present = async (a: VersionAttachments) => {
    const hashes = [...new Set(attachmentBlobs(a).map((b) => b.hash))];
    return (await db.blobs.where(':id').anyOf(hashes).primaryKeys()).length === hashes.length;
  };
  const { optimizer, data } = attachments;
  return {
    ...(optimizer && (await present({ optimizer })) ? { optimizer } : {}),
    ...(data && (await present({ data })) ? { data } : {}),
  };
}
