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
import { readManifest, type BundleManifest } from './manifest';
import { MANIFEST_FILE, blobPath, modelCardPath, modelJsonPath } from './names';
import { MANIFEST_JSON_LIMITS, TOPOLOGY_JSON_LIMITS, parseUntrustedJson, quote } from './untrusted';
import { countNonFinite, nonFiniteWarning } from './nonFinite';
import { listZip, readZipEntry, type ZipEntry } from './zip';

export type Progress = (done: number, total: number) => void;

export interface OpenedBundle {
  readonly manifest: BundleManifest;
  /** The blobs the bundle carries (all but a thin bundle's omitted ones), verified. */
  readonly blobs: ReadonlyMap<BlobHash, Uint8Array<ArrayBuffer>>;
  readonly warnings: readonly string[];
}

const LABEL = part('errorPart.this-bundle');

/**
 * Called with each blob's bytes as soon as they are out of the zip, before they are verified: for work
 * that writes nothing and can run while the hashes are computed (storage makes the Blobs it will store).
 * A bundle refused later leaves that work unused.
 */
export type OnBlob = (hash: BlobHash, data: Uint8Array<ArrayBuffer>) => void;

export async function openBundle(
  bytes: Uint8Array,
  onProgress?: Progress,
  onBlob?: OnBlob,
): Promise<OpenedBundle> {
  const entries = listZip(bytes, LABEL);
  const manifest = readManifestEntry(bytes, entries);
  checkFileSet(entries, manifest);
  await checkVersionIds(manifest.versions);
  const { blobs, nonFinite } = await readBlobs(bytes, entries, manifest, onProgress, onBlob);
  checkTopologies(manifest, blobs);
  return { manifest, blobs, warnings: nonFiniteWarnings(manifest, nonFinite) };
}

function readManifestEntry(bytes: Uint8Array, entries: ReadonlyMap<string, ZipEntry>): BundleManifest {
  const entry = entries.get(MANIFEST_FILE);
  if (!entry) throw new GraftError('error.bundle/missing-file.no-manifest', { manifest: MANIFEST_FILE });
  if (entry.size > MANIFEST_JSON_LIMITS.maxBytes)
    throw new GraftError('error.bundle/too-large.manifest', { bytes: entry.size });
  const json = parseUntrustedJson(
    readZipEntry(bytes, entry, LABEL, { checkCrc: true }),
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
  for (const v of versions)
    if (!(await checkVersionId(v)))
      throw new GraftError('error.bundle/hash-mismatch.version', {
        version: v.id,
        short: shortId(v.id),
        message: quote(v.message, 60),
      });
}

/**
 * Web Crypto copies what it hashes; this many bytes may wait to be hashed at once. Enough to keep its
 * thread busy while the next blobs are unpacked, counted and handed to `onBlob`, bounded for big models.
 */
const HASHING_BYTES = 256 * 1024 ** 2;

/**
 * Every blob the bundle carries, its size and its SHA-256 checked. Hashes run on Web Crypto's own thread
 * while this one unpacks the next blobs, counts their NaNs and hands them to `onBlob`; each is checked in
 * the bundle's order, and the first that fails refuses the bundle.
 */
async function readBlobs(
  bytes: Uint8Array,
  entries: ReadonlyMap<string, ZipEntry>,
  m: BundleManifest,
  onProgress?: Progress,
  onBlob?: OnBlob,
): Promise<{ blobs: Map<BlobHash, Uint8Array<ArrayBuffer>>; nonFinite: Map<BlobHash, number> }> {
  const omitted = new Set(m.thin?.omitted ?? []);
  const present = m.blobs.filter((b) => !omitted.has(b.hash));
  const floats = new Set(
    m.versions.flatMap((v) => v.tensors.filter((t) => t.dtype === 'float32').map((t) => t.hash)),
  );
  const total = present.reduce((n, b) => n + b.size, 0);
  const out = new Map<BlobHash, Uint8Array<ArrayBuffer>>();
  const nonFinite = new Map<BlobHash, number>();
  const hashing: { hash: BlobHash; size: number; digest: Promise<BlobHash> }[] = [];
  let waiting = 0;
  let done = 0;
  const checkNext = async () => {
    const h = hashing.shift() as (typeof hashing)[number];
    if ((await h.digest) !== h.hash)
      throw new GraftError('error.bundle/hash-mismatch.blob', { blob: h.hash, short: h.hash.slice(0, 12) });
    waiting -= h.size;
    done += h.size;
    onProgress?.(done, total);
  };
  onProgress?.(0, total);
  for (const b of present) {
    const entry = entries.get(blobPath(b.hash)) as ZipEntry;
    if (entry.size !== b.size)
      throw new GraftError('error.bundle/size-mismatch.blob', {
        blob: b.hash,
        short: b.hash.slice(0, 12),
        size: entry.size,
        listed: b.size,
      });
    // The SHA-256 is a stronger check than the zip's CRC, so the CRC is skipped for blobs.
    const data = readZipEntry(bytes, entry, LABEL, { checkCrc: false });
    while (hashing.length > 0 && waiting + b.size > HASHING_BYTES) await checkNext();
    hashing.push({ hash: b.hash, size: b.size, digest: hashBlob(data) });
    waiting += b.size;
    out.set(b.hash, data);
    onBlob?.(b.hash, data);
    if (floats.has(b.hash)) nonFinite.set(b.hash, countNonFinite(data));
  }
  while (hashing.length > 0) await checkNext();
  checkTensorSizes(m, out);
  return { blobs: out, nonFinite };
}

function checkTensorSizes(m: BundleManifest, blobs: ReadonlyMap<BlobHash, Uint8Array>): void {
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
    const data = blobs.get(t.hash);
    if (data && data.byteLength !== expectedByteLength(t))
      throw new GraftError('error.bundle/size-mismatch.weight', {
        weight: quote(what),
        version: shortId(version),
        shape: t.shape.join(', '),
        bytes: data.byteLength,
      });
  }
}

function checkTopologies(m: BundleManifest, blobs: ReadonlyMap<BlobHash, Uint8Array>): void {
  for (const hash of new Set(m.versions.map((v) => v.topologyHash))) {
    const data = blobs.get(hash);
    if (!data) continue;
    const topology = parseUntrustedJson(data, TOPOLOGY_JSON_LIMITS, (problem) => {
      throw new GraftError('error.bundle/corrupt.topology', { problem });
    });
    if (!isJsonObject(topology)) throw new GraftError('error.bundle/corrupt.topology-not-object');
  }
}

/** `counts`: NaN and ±Infinity in each float32 blob the bundle carries. */
function nonFiniteWarnings(m: BundleManifest, counts: ReadonlyMap<BlobHash, number>): string[] {
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
