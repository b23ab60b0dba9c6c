/**
 * Opening an untrusted bundle: everything that can be checked without the database, in an order that
 * gives each kind of damage its own error. Nothing here writes; a bundle that passes has a valid
 * manifest, exactly the files it declares, version ids that re-derive from their content, and blobs
 * whose bytes hash to their names and fit the tensors that use them.
 */
import { GraftError, part } from '../errors';
import { hashBlob, shortId, type BlobHash } from '../hashing';
import { isJsonObject } from '../json';
import { attachmentLabel } from '../versions/attachments';
import type { Version } from '../versions/types';
import { checkVersionId, expectedByteLength } from '../versions/version';
import {
  bytesSource,
  type ArchiveSource,
  type ByteRange,
  type ContentDigest,
  type DigestRanges,
  type RangeCheck,
} from './archive';
import { crc32 } from './crc32';
import { readManifest, type BundleManifest } from './manifest';
import { MANIFEST_FILE, blobPath, modelCardPath, modelJsonPath } from './names';
import { MANIFEST_JSON_LIMITS, TOPOLOGY_JSON_LIMITS, parseUntrustedJson, quote } from './untrusted';
import { countNonFinite, nonFiniteWarning } from './nonFinite';
import { listZipFrom, readZipEntryFrom, wrongChecksum, type ZipEntry } from './zip';

export type Progress = (done: number, total: number) => void;

/**
 * A verified blob of the bundle: its bytes, when they were read into memory (deflated, small, or a
 * topology), else where they lie in the archive, stored as they are — a large weight is checked where it
 * lies and never held whole.
 */
export type OpenedBlob =
  | { readonly size: number; readonly bytes: Uint8Array<ArrayBuffer> }
  | { readonly size: number; readonly range: ByteRange };

export interface OpenedBundle {
  readonly manifest: BundleManifest;
  /** The blobs the bundle carries (all but a thin bundle's omitted ones), verified. */
  readonly blobs: ReadonlyMap<BlobHash, OpenedBlob>;
  readonly warnings: readonly string[];
}

export interface OpenOptions {
  readonly onProgress?: Progress;
  /**
   * Stored blobs longer than this are not read into memory but digested by `digest` where they lie.
   * Deflated blobs and topologies are always read. Default: every blob is read.
   */
  readonly readMaxBytes?: number;
  /** Digests ranges of the archive (a File's, in hashing workers); default: each read and hashed here. */
  readonly digest?: DigestRanges;
}

const LABEL = part('errorPart.this-bundle');

/**
 * Opens a bundle, given whole or as a source read a range at a time (a picked File). Everything is
 * checked before this returns; what it reads into memory is the zip's headers, its text and the blobs
 * `options` says to read.
 */
export async function openBundle(
  archive: Uint8Array | ArchiveSource,
  options: OpenOptions = {},
): Promise<OpenedBundle> {
  const readMax = options.readMaxBytes ?? Infinity;
  const listed = await listZipFrom(
    archive instanceof Uint8Array ? bytesSource(archive) : archive,
    LABEL,
    (f) => f.method === 8 || f.compressedSize <= readMax || f.name === MANIFEST_FILE,
  );
  const { entries, source } = listed;
  const manifest = await readManifestEntry(source, entries);
  checkFileSet(entries, manifest);
  await checkVersionIds(manifest.versions);
  const { blobs, nonFinite } = await readBlobs(source, entries, manifest, {
    readMax,
    digest: options.digest ?? digestHere(source),
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  checkTensorSizes(manifest, blobs);
  checkTopologies(manifest, blobs);
  return { manifest, blobs, warnings: nonFiniteWarnings(manifest, nonFinite) };
}

async function readManifestEntry(
  source: ArchiveSource,
  entries: ReadonlyMap<string, ZipEntry>,
): Promise<BundleManifest> {
  const entry = entries.get(MANIFEST_FILE);
  if (!entry) throw new GraftError('error.bundle/missing-file.no-manifest', { manifest: MANIFEST_FILE });
  if (entry.size > MANIFEST_JSON_LIMITS.maxBytes)
    throw new GraftError('error.bundle/too-large.manifest', { bytes: entry.size });
  const json = parseUntrustedJson(
    await readZipEntryFrom(source, entry, LABEL, { checkCrc: true }),
    MANIFEST_JSON_LIMITS,
    (problem) => {
      throw new GraftError('error.bundle/manifest-invalid.unreadable', { problem });
    },
  );
  return readManifest(json);
}

/** The bundle holds exactly its manifest, its blobs (but the omitted ones), and each version's two files. */
function checkFileSet(entries: ReadonlyMap<string, ZipEntry>, m: BundleManifest): void {
  const omitted = new Set(m.thin?.omitted ?? []);
  const expected = new Set([MANIFEST_FILE]);
  for (const b of m.blobs) if (!omitted.has(b.hash)) expected.add(blobPath(b.hash));
  for (const v of m.versions) {
    expected.add(modelJsonPath(v.id));
    expected.add(modelCardPath(v.id));
  }
  for (const name of expected)
    if (!entries.has(name))
      throw new GraftError('error.bundle/missing-file.listed', { file: name, name: quote(name, 200) });
  for (const [name, entry] of entries) {
    // Folders some zip tools add are harmless; any other file is not part of the format.
    if (name.endsWith('/') && entry.size === 0) continue;
    if (!expected.has(name))
      throw new GraftError('error.bundle/extra-file.unlisted', { file: name, name: quote(name) });
  }
}

async function checkVersionIds(versions: readonly Version[]): Promise<void> {
  // All at once: each is a short Web Crypto round trip, and a history has thousands.
  const valid = await Promise.all(versions.map(checkVersionId));
  const v = versions[valid.indexOf(false)];
  if (v)
    throw new GraftError('error.bundle/hash-mismatch.version', {
      version: v.id,
      short: shortId(v.id),
      message: quote(v.message, 60),
    });
}

/** The hashes of the float32 weights of the versions: the blobs whose NaN and ±Infinity are counted. */
function float32Blobs(m: BundleManifest): Set<BlobHash> {
  return new Set(
    m.versions.flatMap((v) => v.tensors.filter((t) => t.dtype === 'float32').map((t) => t.hash)),
  );
}

/** What the hashing reports: NaN and ±Infinity per float32 weight blob. */
type NonFinite = ReadonlyMap<BlobHash, number>;

/**
 * Every blob the bundle carries, its size, its SHA-256 and its CRC-32 checked, sizes first. Those read
 * into memory (small, deflated, topologies) are hashed here in the bundle's order; the large stored ones
 * are digested where they lie by `digest` (hashing workers reading slices of the File), the largest
 * first. A stored blob's CRC costs nothing beside its hash and catches a zip whose records lie.
 */
async function readBlobs(
  source: ArchiveSource,
  entries: ReadonlyMap<string, ZipEntry>,
  m: BundleManifest,
  options: { readMax: number; digest: DigestRanges; onProgress?: Progress },
): Promise<{ blobs: Map<BlobHash, OpenedBlob>; nonFinite: NonFinite }> {
  const omitted = new Set(m.thin?.omitted ?? []);
  const present = m.blobs.filter((b) => !omitted.has(b.hash));
  const topologies = new Set(m.versions.map((v) => v.topologyHash));
  const counted = float32Blobs(m);
  const inMemory: { hash: BlobHash; entry: ZipEntry }[] = [];
  const ranged: { hash: BlobHash; entry: ZipEntry }[] = [];
  for (const b of present) {
    const entry = entries.get(blobPath(b.hash)) as ZipEntry;
    if (entry.size !== b.size)
      throw new GraftError('error.bundle/size-mismatch.blob', {
        blob: b.hash,
        short: b.hash.slice(0, 12),
        size: entry.size,
        listed: b.size,
      });
    const read = entry.method === 8 || entry.size <= options.readMax || topologies.has(b.hash);
    (read ? inMemory : ranged).push({ hash: b.hash, entry });
  }
  const total = present.reduce((n, b) => n + b.size, 0);
  let done = 0;
  // Set once a check fails: a worker still hashing another blob must not move the progress on after that.
  let failed = false;
  const step = (bytes: number) => {
    if (failed) return;
    done += bytes;
    options.onProgress?.(done, total);
  };
  const check = (hash: BlobHash, entry: ZipEntry, d: ContentDigest) => {
    if (d.hash === hash && d.size === entry.size && d.crc === entry.crc) return;
    failed = true;
    if (d.hash !== hash)
      throw new GraftError('error.bundle/hash-mismatch.blob', { blob: hash, short: hash.slice(0, 12) });
    wrongChecksum(entry, LABEL);
  };
  options.onProgress?.(0, total);
  const blobs = new Map<BlobHash, OpenedBlob>();
  const nonFinite = new Map<BlobHash, number>();
  try {
    for (const { hash, entry } of inMemory) {
      const bytes = await readZipEntryFrom(source, entry, LABEL, { checkCrc: false });
      check(hash, entry, { hash: await hashBlob(bytes), crc: crc32(bytes), size: bytes.byteLength });
      if (counted.has(hash)) nonFinite.set(hash, countNonFinite(bytes));
      blobs.set(hash, { size: entry.size, bytes });
      step(entry.size);
    }
    const ranges = ranged.map(({ hash, entry }) => ({
      start: entry.dataOffset,
      end: entry.dataOffset + entry.size,
      nonFinite: counted.has(hash),
    }));
    await options.digest(ranges, (i, d) => {
      if (failed) return;
      const { hash, entry } = ranged[i] as { hash: BlobHash; entry: ZipEntry };
      check(hash, entry, d);
      if (d.nonFinite !== undefined) nonFinite.set(hash, d.nonFinite);
      step(entry.size);
    });
  } catch (e) {
    failed = true;
    throw e;
  }
  // In the bundle's order, as the manifest lists them.
  const ordered = new Map<BlobHash, OpenedBlob>();
  ranged.forEach(({ hash, entry }) =>
    blobs.set(hash, {
      size: entry.size,
      range: { start: entry.dataOffset, end: entry.dataOffset + entry.size },
    }),
  );
  for (const b of present) ordered.set(b.hash, blobs.get(b.hash) as OpenedBlob);
  return { blobs: ordered, nonFinite };
}

/** The default digest: each range read from the source and hashed on this thread. */
function digestHere(source: ArchiveSource): DigestRanges {
  return async (ranges: readonly RangeCheck[], onEach) => {
    const out: ContentDigest[] = [];
    for (const [i, r] of ranges.entries()) {
      const bytes = await source.read(r.start, r.end);
      const d: ContentDigest = {
        hash: await hashBlob(bytes),
        crc: crc32(bytes),
        size: bytes.byteLength,
        ...(r.nonFinite ? { nonFinite: countNonFinite(bytes) } : {}),
      };
      onEach(i, d);
      out.push(d);
    }
    return out;
  };
}

function checkTensorSizes(m: BundleManifest, blobs: ReadonlyMap<BlobHash, OpenedBlob>): void {
  const tensors = [
    ...m.versions.flatMap((v) => v.tensors.map((t) => ({ t, version: v.id, what: t.name }))),
    ...(m.attachments ?? []).flatMap((a) =>
      (a.optimizer?.tensors ?? []).map((t) => ({
        t,
        version: a.version,
        what: attachmentLabel({ attachment: 'optimizer', name: t.name }),
      })),
    ),
  ];
  for (const { t, version, what } of tensors) {
    const blob = blobs.get(t.hash);
    if (blob && blob.size !== expectedByteLength(t))
      throw new GraftError('error.bundle/size-mismatch.weight', {
        weight: quote(what),
        version: shortId(version),
        shape: t.shape.join(', '),
        bytes: blob.size,
      });
  }
}

function checkTopologies(m: BundleManifest, blobs: ReadonlyMap<BlobHash, OpenedBlob>): void {
  for (const hash of new Set(m.versions.map((v) => v.topologyHash))) {
    const blob = blobs.get(hash);
    // Topologies are always read into memory (see readBlobs); a thin bundle may leave one out.
    if (!blob || !('bytes' in blob)) continue;
    const topology = parseUntrustedJson(blob.bytes, TOPOLOGY_JSON_LIMITS, (problem) => {
      throw new GraftError('error.bundle/corrupt.topology', { problem });
    });
    if (!isJsonObject(topology)) throw new GraftError('error.bundle/corrupt.topology-not-object');
  }
}

function nonFiniteWarnings(m: BundleManifest, counts: NonFinite): string[] {
  const warnings: string[] = [];
  const seen = new Set<BlobHash>();
  for (const v of m.versions)
    for (const t of v.tensors) {
      const n = counts.get(t.hash);
      if (t.dtype !== 'float32' || n === undefined || seen.has(t.hash)) continue;
      seen.add(t.hash);
      if (n > 0) warnings.push(nonFiniteWarning(t.name, n, ` of version ${shortId(v.id)}`));
    }
  return warnings;
}
