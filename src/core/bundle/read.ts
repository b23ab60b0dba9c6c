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

export async function openBundle(bytes: Uint8Array, onProgress?: Progress): Promise<OpenedBundle> {
  const entries = listZip(bytes, LABEL);
  const manifest = readManifestEntry(bytes, entries);
  checkFileSet(entries, manifest);
  await checkVersionIds(manifest.versions);
  const blobs = await readBlobs(bytes, entries, manifest, onProgress);
  checkTopologies(manifest, blobs);
  return { manifest, blobs, warnings: nonFiniteWarnings(manifest, blobs) };
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

/**
 * Every blob the bundle carries, its size and its SHA-256 checked, in the bundle's order. Chromium's Web
 * Crypto hashes on the calling thread, so hashing them in workers was tried: it kept this thread free but
 * cost more in all (each worker needs its own copy of the bytes) and was slower on a busy two-core machine.
 */
async function readBlobs(
  bytes: Uint8Array,
  entries: ReadonlyMap<string, ZipEntry>,
  m: BundleManifest,
  onProgress?: Progress,
): Promise<Map<BlobHash, Uint8Array<ArrayBuffer>>> {
  const omitted = new Set(m.thin?.omitted ?? []);
  const present = m.blobs.filter((b) => !omitted.has(b.hash));
  const total = present.reduce((n, b) => n + b.size, 0);
  const out = new Map<BlobHash, Uint8Array<ArrayBuffer>>();
  let done = 0;
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
    // The SHA-256 below is a stronger check than the zip's CRC, so the CRC is skipped for blobs.
    const data = readZipEntry(bytes, entry, LABEL, { checkCrc: false });
    if ((await hashBlob(data)) !== b.hash)
      throw new GraftError('error.bundle/hash-mismatch.blob', { blob: b.hash, short: b.hash.slice(0, 12) });
    out.set(b.hash, data);
    done += b.size;
    onProgress?.(done, total);
  }
  checkTensorSizes(m, out);
  return out;
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

function nonFiniteWarnings(m: BundleManifest, blobs: ReadonlyMap<BlobHash, Uint8Array>): string[] {
  const warnings: string[] = [];
  const seen = new Set<BlobHash>();
  for (const v of m.versions)
    for (const t of v.tensors) {
      const data = blobs.get(t.hash);
      if (t.dtype !== 'float32' || !data || seen.has(t.hash)) continue;
      seen.add(t.hash);
      const n = countNonFinite(data);
      if (n > 0) warnings.push(nonFiniteWarning(t.name, n, ` of version ${shortId(v.id)}`));
    }
  return warnings;
}
