/** Reading stored versions back: every blob re-hashed before its bytes are used, problems named per tensor. */
import { GraftError } from '../core/errors';
import { hashBlob, shortId, type BlobHash, type VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import type { BlobProblem, LoadedVersion, VerifyReport } from '../core/ports';
import { attachmentBlobs, attachmentLabel, type AttachmentBlob } from '../core/versions/attachments';
import type { Version, VersionAttachments, VersionRow } from '../core/versions/types';
import { checkVersionId } from '../core/versions/version';
import type { HashedBytes } from './blobDigest';
import { readBlobs } from './blobDigests';
import { storedBytes } from './blobValue';
import type { GraftDb, ManifestRow } from './db';

export async function getVersion(db: GraftDb, id: VersionId): Promise<Version> {
  return (await getStored(db, id)).version;
}

/** A version with what it keeps beside its content. */
export async function getStored(
  db: GraftDb,
  id: VersionId,
): Promise<{ version: Version; attachments: VersionAttachments }> {
  const [row, manifest] = await Promise.all([db.versions.get(id), db.manifests.get(id)]);
  if (!row || !manifest) throw new GraftError('error.storage/not-found.version', { id, short: shortId(id) });
  return { version: joinVersion(row, manifest), attachments: manifest.attachments ?? {} };
}

export async function loadTensors(
  db: GraftDb,
  id: VersionId,
  names: readonly string[],
): Promise<LoadedVersion['tensors']> {
  const version = await getVersion(db, id);
  const wanted = new Set(names);
  const entries = version.tensors.filter((t) => wanted.has(t.name));
  const bytes = await readVerified(db, [...new Set(entries.map((t) => t.hash))]);
  return entries.map((entry) => {
    const data = bytes.get(entry.hash);
    if (data === undefined || data === 'corrupt')
      throw new GraftError(
        data === undefined ? 'error.storage/blob-missing.weights' : 'error.storage/blob-corrupt.weights',
        { id, short: shortId(id), name: entry.name },
      );
    return { entry, data };
  });
}

export async function getTopology(db: GraftDb, id: VersionId): Promise<JsonObject> {
  const row = await db.versions.get(id);
  if (!row) throw new GraftError('error.storage/not-found.version', { id, short: shortId(id) });
  const bytes = (await readVerified(db, [row.topologyHash])).get(row.topologyHash);
  if (bytes === undefined || bytes === 'corrupt')
    throw new GraftError(
      bytes === undefined
        ? 'error.storage/blob-missing.architecture'
        : 'error.storage/blob-corrupt.architecture',
      { id, short: shortId(id) },
    );
  return JSON.parse(new TextDecoder().decode(bytes)) as JsonObject;
}

export async function load(db: GraftDb, id: VersionId): Promise<LoadedVersion> {
  const version = await getVersion(db, id);
  const hashes = [...new Set([version.topologyHash, ...version.tensors.map((t) => t.hash)])];
  const bytes = await readVerified(db, hashes);
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
}

/**
 * `load` for a checkout. The workers that read the weights hash them as they read (./blobDigests.ts), so
 * the bytes come back verified and the page's thread stays free: `verified` has nothing left to wait for.
 */
export async function loadOverlapped(
  db: GraftDb,
  id: VersionId,
): Promise<LoadedVersion & { readonly verified: Promise<void> }> {
  return { ...(await load(db, id)), verified: Promise.resolve() };
}

/** Re-hashes the version's blobs and those of its attachments (a problem there names it: `optimizer: …`). */
export async function verify(db: GraftDb, id: VersionId): Promise<VerifyReport> {
  const { version, attachments } = await getStored(db, id);
  const attached = attachmentBlobs(attachments);
  const hashes = [
    ...new Set([version.topologyHash, ...version.tensors.map((t) => t.hash), ...attached.map((b) => b.hash)]),
  ];
  const bytes = await readVerified(db, hashes);
  const problems = [...problemsOf(version, bytes), ...attachmentProblems(attached, bytes)];
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
}

/**
 * Reads blobs and keeps only those whose bytes hash to their key; absent or corrupt ones are left out.
 * Blobs kept as Blobs are read and hashed by the hashing workers, two at a time, each buffer moved to
 * this thread once hashed; small ones kept inline are hashed here.
 */
export async function readVerified(
  db: GraftDb,
  hashes: readonly BlobHash[],
): Promise<Map<BlobHash, ArrayBuffer | 'corrupt'>> {
  const rows = await db.blobs.bulkGet([...hashes]);
  const out = new Map<BlobHash, ArrayBuffer | 'corrupt'>();
  const files: { hash: BlobHash; size: number; blob: Blob }[] = [];
  await Promise.all(
    rows.map(async (row, i) => {
      if (!row) return;
      const hash = hashes[i] as BlobHash;
      if (row.data instanceof Blob) {
        files.push({ hash, size: row.size, blob: row.data });
        return;
      }
      const data = await storedBytes(row.data);
      const ok = data.byteLength === row.size && (await hashBlob(data)) === hash;
      out.set(hash, ok ? data : 'corrupt');
    }),
  );
  const read = await readBlobs(files.map((f) => f.blob));
  files.forEach(({ hash, size }, k) => {
    const { hash: got, bytes } = read[k] as HashedBytes;
    out.set(hash, bytes.byteLength === size && got === hash ? bytes : 'corrupt');
  });
  return out;
}

export function joinVersion(row: VersionRow, manifest: ManifestRow): Version {
  const { tensorCount: _n, totalBytes: _b, note: _note, ...rest } = row;
  return { ...rest, tensors: manifest.tensors, provenance: manifest.provenance };
}

function blobError(id: VersionId, problems: readonly BlobProblem[]): GraftError {
  const first = problems[0] as BlobProblem;
  return new GraftError(
    first.problem === 'missing' ? 'error.storage/blob-missing.open' : 'error.storage/blob-corrupt.open',
    { id, short: shortId(id), tensor: first.tensor, problems },
  );
}

/** What is wrong with attachment blobs read by `readVerified`, each named by `attachmentLabel`. */
export function attachmentProblems(
  blobs: readonly AttachmentBlob[],
  bytes: ReadonlyMap<BlobHash, ArrayBuffer | 'corrupt'>,
): BlobProblem[] {
  const problems: BlobProblem[] = [];
  for (const b of blobs) {
    const data = bytes.get(b.hash);
    const problem =
      data === undefined
        ? 'missing'
        : data === 'corrupt'
          ? 'corrupt'
          : data.byteLength !== b.byteLength
            ? 'wrong-size'
            : null;
    if (problem)
      problems.push({ hash: b.hash, tensor: attachmentLabel(b), problem, attachment: b.attachment });
  }
  return problems;
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
