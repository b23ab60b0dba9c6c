/**
 * Bundles and standard TF.js files out of the version store, and bundles back in. Export reads and
 * re-hashes every blob it packs, so damaged data never leaves. Import checks the whole bundle first
 * (core/bundle/read.ts), reading a picked File a range at a time, then writes versions, blobs and refs in
 * one transaction: the database is either fully updated or untouched.
 */
import { GraftError, isGraftError } from '../core/errors';
import { hashBlob, shortId, type BlobHash, type VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import type { BundleAttachment, BundleManifest } from '../core/bundle/manifest';
import { standardModelFiles, type StandardModelFiles } from '../core/bundle/modelJson';
import { bundleFileName } from '../core/bundle/names';
import { blobSource } from '../core/bundle/archive';
import { openBundle, type OpenedBlob, type OpenedBundle, type Progress } from '../core/bundle/read';
import { planRefImport, type RefImport } from '../core/bundle/refPlan';
import { selectScope } from '../core/bundle/scope';
import { allBlobsOf, blobsOf, buildManifest, bundleParts, type PackedBlob } from '../core/bundle/write';
import { attachmentBlobs, hasAttachments, type AttachmentKind } from '../core/versions/attachments';
import { ancestors, graphOf } from '../core/versions/dag';
import {
  toRow,
  type RefReason,
  type Repository,
  type RepoId,
  type Version,
  type VersionAttachments,
} from '../core/versions/types';
import { checkVersionId } from '../core/versions/version';
import type { BundleExportRequest, ExportedBundle, ExportStats, ImportReport } from '../core/ports';
import { version as APP_VERSION } from '../../package.json';
import { INLINE_MAX_BYTES, storedBytes, storedValue, type StoredBytes } from './blobValue';
import type { GraftDb, BlobKind, BlobRow, ManifestRow } from './db';
import { APP_NAME, type DexieVersionStore } from './DexieVersionStore';
import type { BlobDigest } from './blobDigest';
import { digestBlobs } from './blobDigests';
import { guard } from './errors';
import { joinVersion } from './versionReads';

const now = () => new Date().toISOString();

// ---- export ---------------------------------------------------------------------------------------

export function exportBundle(
  store: DexieVersionStore,
  options: BundleExportRequest,
  onProgress?: Progress,
): Promise<ExportedBundle> {
  return guard(async () => {
    const db = store.db;
    const { repo, selection } = await scopeOf(store, options);
    const { versions, kept } = await readVersions(db, selection.versionIds);
    const includeData = options.includeData === true;
    const attachments = bundleAttachments(versions, kept, includeData);
    const thin = options.thinAgainst?.length
      ? { basis: [...options.thinAgainst], omitted: await blobsHeldBy(db, options.thinAgainst) }
      : undefined;
    const needed = allBlobsOf(versions, attachments);
    const topologyHashes = new Set(versions.map((v) => v.topologyHash));
    const packed = await packBlobs(
      db,
      needed.filter((h) => !thin?.omitted.has(h)),
      onProgress,
    );
    // Topologies are read even when left out: each version's model.json and README need them.
    const topologies = await readTopologies(db, topologyHashes, packed);
    const blobSizes = await sizesOf(db, needed, packed);
    const manifest = buildManifest({
      createdAt: now(),
      app: { name: APP_NAME, version: APP_VERSION },
      repository: {
        id: repo.id,
        name: repo.name,
        createdAt: repo.createdAt,
        ...(repo.description ? { description: repo.description } : {}),
      },
      scope: options.scope,
      head: selection.head,
      refs: selection.refs,
      versions,
      attachments,
      blobSizes,
      ...(thin ? { thin } : {}),
    });
    const file = new Blob(bundleParts({ manifest, topologies }, packed) as BlobPart[], {
      type: 'application/zip',
    });
    return {
      file,
      fileName: bundleFileName(repo.name, options.scope, selection.tip, thin !== undefined),
      stats: exportStats(manifest, file.size, { dataBytes: keptDataBytes(kept), includesData: includeData }),
    };
  });
}

/** Bytes of the distinct data the request's versions keep: what `includeData` adds, without exporting. */
export function bundleDataBytes(store: DexieVersionStore, options: BundleExportRequest): Promise<number> {
  return guard(async () => {
    const { selection } = await scopeOf(store, options);
    const manifests = await store.db.manifests.bulkGet([...selection.versionIds]);
    return keptDataBytes(manifests.map((m) => m?.attachments ?? {}));
  });
}

async function scopeOf(store: DexieVersionStore, options: BundleExportRequest) {
  const repo = await store.getRepository(options.repoId);
  const [rows, refs] = await Promise.all([store.listVersions(repo.id), store.listRefs(repo.id)]);
  return { repo, selection: selectScope(graphOf(rows), refs, repo.head, options.scope) };
}

/** Each version's attachments as the bundle carries them: optimizer state always, data when asked. */
function bundleAttachments(
  versions: readonly Version[],
  kept: readonly VersionAttachments[],
  includeData: boolean,
): BundleAttachment[] {
  return versions.flatMap((v, i) => {
    const { optimizer, data } = kept[i] ?? {};
    const carried = { ...(optimizer ? { optimizer } : {}), ...(data && includeData ? { data } : {}) };
    return hasAttachments(carried) ? [{ version: v.id, ...carried }] : [];
  });
}

function keptDataBytes(kept: readonly VersionAttachments[]): number {
  const sizes = new Map<BlobHash, number>();
  for (const a of kept) if (a.data) sizes.set(a.data.hash, a.data.byteLength);
  let bytes = 0;
  for (const n of sizes.values()) bytes += n;
  return bytes;
}

function exportStats(
  manifest: BundleManifest,
  bundleBytes: number,
  data: Pick<ExportStats, 'dataBytes' | 'includesData'>,
): ExportStats {
  const omitted = new Set(manifest.thin?.omitted ?? []);
  const carried = manifest.blobs.filter((b) => !omitted.has(b.hash));
  return {
    versions: manifest.versions.length,
    refs: manifest.refs.length,
    blobs: carried.length,
    blobBytes: carried.reduce((n, b) => n + b.size, 0),
    omittedBlobs: omitted.size,
    ...data,
    bundleBytes,
  };
}

async function readVersions(
  db: GraftDb,
  ids: readonly VersionId[],
): Promise<{ versions: Version[]; kept: VersionAttachments[] }> {
  const [rows, manifests] = await Promise.all([
    db.versions.bulkGet([...ids]),
    db.manifests.bulkGet([...ids]),
  ]);
  const versions = ids.map((id, i) => {
    const row = rows[i];
    const manifest = manifests[i];
    if (!row || !manifest)
      throw new GraftError('error.storage/not-found.vanished', { id, short: shortId(id) });
    return joinVersion(row, manifest);
  });
  const valid = await Promise.all(versions.map(checkVersionId));
  const altered = versions[valid.indexOf(false)];
  if (altered)
    throw new GraftError('error.version/invalid.altered', { id: altered.id, short: shortId(altered.id) });
  return { versions, kept: manifests.map((m) => m?.attachments ?? {}) };
}

/** Every blob that the given versions and all their ancestors use: what a thin bundle's receiver holds. */
async function blobsHeldBy(db: GraftDb, basis: readonly VersionId[]): Promise<Set<BlobHash>> {
  const held = new Set<BlobHash>();
  const basisRows = await db.versions.bulkGet([...basis]);
  const repos = new Set<RepoId>();
  basisRows.forEach((row, i) => {
    if (!row) throw new GraftError('error.storage/not-found.basis', { short: shortId(basis[i] ?? '') });
    repos.add(row.repoId);
  });
  for (const repoId of repos) {
    const rows = await db.versions.where('repoId').equals(repoId).toArray();
    const keep = ancestors(graphOf(rows), basis);
    for (const r of rows) if (keep.has(r.id)) held.add(r.topologyHash);
    for (const m of await db.manifests.bulkGet([...keep])) for (const t of m?.tensors ?? []) held.add(t.hash);
  }
  return held;
}

/**
 * Every blob the bundle carries, checked against its name (SHA-256) and its recorded size, with the CRC-32
 * the zip needs. The hashing workers read the blobs; what goes into the bundle is the stored Blob itself,
 * never copied: a Blob does not change, and one whose file changed on disk fails to read instead.
 */
async function packBlobs(
  db: GraftDb,
  hashes: readonly BlobHash[],
  onProgress?: Progress,
): Promise<Map<BlobHash, PackedBlob<Blob>>> {
  const rows = await db.blobs.bulkGet([...hashes]);
  const present = rows.map((row, i) => {
    const hash = hashes[i] as BlobHash;
    if (!row)
      throw new GraftError('error.storage/blob-missing.export', { blob: hash, short: hash.slice(0, 12) });
    return row;
  });
  const total = present.reduce((n, r) => n + r.size, 0);
  let done = 0;
  onProgress?.(0, total);
  // Small blobs are kept inline (./blobValue.ts); a Blob of those few bytes is read like the others.
  const blobs = present.map((r) => (r.data instanceof Blob ? r.data : new Blob([r.data])));
  const digests = await digestBlobs(blobs, (i, d) => {
    const row = present[i] as BlobRow;
    if (d.hash !== row.hash || d.size !== row.size)
      throw new GraftError('error.storage/blob-corrupt.export', {
        blob: row.hash,
        short: row.hash.slice(0, 12),
      });
    done += row.size;
    onProgress?.(done, total);
  });
  const out = new Map<BlobHash, PackedBlob<Blob>>();
  present.forEach((row, i) => {
    const d = digests[i] as BlobDigest;
    out.set(row.hash, { data: blobs[i] as Blob, size: d.size, crc: d.crc });
  });
  return out;
}

/**
 * The topologies the versions' model.json and README describe, read and checked against their names: from
 * the Blobs already packed, or from the store for a thin bundle's left-out ones.
 */
async function readTopologies(
  db: GraftDb,
  hashes: ReadonlySet<BlobHash>,
  packed: ReadonlyMap<BlobHash, PackedBlob<Blob>>,
): Promise<Map<BlobHash, JsonObject>> {
  const unpacked = [...hashes].filter((h) => !packed.has(h));
  const rows = unpacked.length ? await db.blobs.bulkGet(unpacked) : [];
  const stored = new Map(rows.flatMap((r) => (r ? [[r.hash, r] as const] : [])));
  const out = new Map<BlobHash, JsonObject>();
  for (const hash of hashes) {
    const blob = packed.get(hash) ?? stored.get(hash);
    if (!blob)
      throw new GraftError('error.storage/blob-missing.export', { blob: hash, short: hash.slice(0, 12) });
    const data = new Uint8Array(await storedBytes(blob.data));
    if (data.byteLength !== blob.size || (await hashBlob(data)) !== hash)
      throw new GraftError('error.storage/blob-corrupt.export', { blob: hash, short: hash.slice(0, 12) });
    out.set(hash, JSON.parse(new TextDecoder().decode(data)) as JsonObject);
  }
  return out;
}

async function sizesOf(
  db: GraftDb,
  needed: readonly BlobHash[],
  read: ReadonlyMap<BlobHash, { readonly size: number }>,
): Promise<Map<BlobHash, number>> {
  const unread = needed.filter((h) => !read.has(h));
  const rows = unread.length ? await db.blobs.bulkGet(unread) : [];
  const sizes = new Map<BlobHash, number>();
  for (const [h, blob] of read) sizes.set(h, blob.size);
  rows.forEach((row, i) => {
    if (!row)
      throw new GraftError('error.storage/blob-missing.read', {
        blob: unread[i] ?? '',
        short: (unread[i] ?? '').slice(0, 12),
      });
    sizes.set(row.hash, row.size);
  });
  return sizes;
}

/** A version as the two files `tf.io.browserDownloads` writes; `baseName` names them (default "model"). */
export function exportTfjsModel(
  store: DexieVersionStore,
  versionId: VersionId,
  options: { baseName?: string } = {},
): Promise<StandardModelFiles> {
  return guard(async () => standardModelFiles(await store.load(versionId), options.baseName));
}

// ---- import ---------------------------------------------------------------------------------------

/**
 * Imports a bundle: a Blob (the File as picked, read a range at a time) or bytes. The zip's headers, its
 * text and its small or deflated blobs are read into memory; each large stored blob is checked where it
 * lies, by the hashing workers reading a slice of the File, and what is stored is that slice — the page
 * never holds it. Everything is checked before anything is written.
 */
export async function importBundle(
  store: DexieVersionStore,
  source: Blob | Uint8Array,
  onProgress?: Progress,
): Promise<ImportReport> {
  // Bytes go the same way as a Blob of them; the Blobs stored are then slices of that one.
  const file = source instanceof Blob ? source : new Blob([source as Uint8Array<ArrayBuffer>]);
  let opened: OpenedBundle;
  try {
    opened = await openBundle(blobSource(file), {
      readMaxBytes: INLINE_MAX_BYTES,
      digest: (ranges, onEach) =>
        digestBlobs(
          ranges.map((r) => file.slice(r.start, r.end)),
          onEach,
          (i) => ({ nonFinite: ranges[i]?.nonFinite === true }),
        ),
      ...(onProgress ? { onProgress } : {}),
    });
  } catch (e) {
    if (isGraftError(e)) throw e;
    throw new GraftError(
      'error.bundle/corrupt.unreadable',
      { detail: e instanceof Error ? e.message : String(e) },
      { cause: e },
    );
  }
  return guard(async () => {
    await store.checkRoom(await newBlobBytes(store.db, opened), 'import');
    return writeImport(store.db, opened, (blob) =>
      // A File's slice stays tied to the file as it was: if it changed on disk since it was checked, the
      // write fails to read it rather than storing other bytes.
      'bytes' in blob ? storedValue(blob.bytes) : file.slice(blob.range.start, blob.range.end),
    );
  });
}

/** Bytes of the bundle's blobs that this browser does not hold yet: what an import adds to storage. */
async function newBlobBytes(db: GraftDb, opened: OpenedBundle): Promise<number> {
  const hashes = [...opened.blobs.keys()];
  const present = new Set(await db.blobs.where(':id').anyOf(hashes).primaryKeys());
  let bytes = 0;
  for (const [hash, blob] of opened.blobs) if (!present.has(hash)) bytes += blob.size;
  return bytes;
}

/** What a blob row stores for a verified blob of the bundle. */
type StoredOf = (blob: OpenedBlob) => StoredBytes;

function writeImport(db: GraftDb, opened: OpenedBundle, storedOf: StoredOf): Promise<ImportReport> {
  const { manifest } = opened;
  const repoId = manifest.repository.id;
  return db.transaction(
    'rw',
    [db.repositories, db.versions, db.manifests, db.refs, db.refLog, db.blobs],
    async () => {
      const repo = await db.repositories.get(repoId);
      const ids = manifest.versions.map((v) => v.id);
      const have = new Set((await db.versions.bulkGet(ids)).flatMap((r) => (r ? [r.id] : [])));
      const fresh = manifest.versions.filter((v) => !have.has(v.id));
      await checkParents(db, fresh, new Set(ids), repoId);
      const attached = await attachmentsToWrite(db, manifest, fresh, have);
      await checkOmittedBlobs(db, [...blobsOf(fresh), ...attached.blobs], manifest);
      const localRows = await db.versions.where('repoId').equals(repoId).toArray();
      const plan = planRefImport({
        graph: graphOf([...localRows, ...fresh.map(toRow)]),
        local: await db.refs.where('repoId').equals(repoId).toArray(),
        incoming: manifest.refs,
        bundleVersions: ids,
        localHead: repo?.head ?? null,
        bundleHead: manifest.head,
      });
      const written = await putBlobs(db, opened, storedOf);
      if (!repo) await db.repositories.add(newRepository(manifest, plan.head));
      await db.versions.bulkAdd(fresh.map(toRow));
      await db.manifests.bulkAdd(
        fresh.map((v): ManifestRow => {
          const attachments = attached.fresh.get(v.id);
          return {
            id: v.id,
            tensors: v.tensors,
            provenance: v.provenance,
            ...(attachments ? { attachments } : {}),
          };
        }),
      );
      await db.manifests.bulkPut(attached.gained);
      await applyRefs(db, repoId, plan.refs);
      return {
        repository: { id: repoId, name: repo?.name ?? manifest.repository.name, created: !repo },
        addedVersions: fresh.map((v) => v.id),
        existingVersions: ids.filter((id) => have.has(id)),
        addedBlobs: written.blobs,
        addedBytes: written.bytes,
        refs: plan.refs,
        warnings: opened.warnings,
      };
    },
  );
}

async function checkParents(
  db: GraftDb,
  fresh: readonly Version[],
  inBundle: ReadonlySet<VersionId>,
  repoId: RepoId,
): Promise<void> {
  const outside = [...new Set(fresh.flatMap((v) => v.parents))].filter((p) => !inBundle.has(p));
  const rows = await db.versions.bulkGet(outside);
  rows.forEach((row, i) => {
    if (row && row.repoId === repoId) return;
    const parent = outside[i] as VersionId;
    const child = fresh.find((v) => v.parents.includes(parent)) as Version;
    throw new GraftError('error.bundle/missing-parent.version', {
      version: child.id,
      parent,
      short: shortId(child.id),
      parentShort: shortId(parent),
    });
  });
}

/**
 * What the import attaches: the bundle's attachments of new versions, and those a version already here
 * lacks (what it keeps already stays: a version's attachments came with it, so they agree).
 */
async function attachmentsToWrite(
  db: GraftDb,
  manifest: BundleManifest,
  fresh: readonly Version[],
  have: ReadonlySet<VersionId>,
): Promise<{
  fresh: Map<VersionId, VersionAttachments>;
  gained: ManifestRow[];
  blobs: BlobHash[];
}> {
  const incoming = new Map((manifest.attachments ?? []).map((a) => [a.version, a]));
  const freshOnes = new Map<VersionId, VersionAttachments>();
  const blobs: BlobHash[] = [];
  const take = (a: VersionAttachments) => blobs.push(...attachmentBlobs(a).map((b) => b.hash));
  for (const v of fresh) {
    const a = incoming.get(v.id);
    if (!a) continue;
    const { version: _id, ...attachments } = a;
    freshOnes.set(v.id, attachments);
    take(attachments);
  }
  const existing = (manifest.attachments ?? []).filter((a) => have.has(a.version));
  const gained: ManifestRow[] = [];
  const rows = await db.manifests.bulkGet(existing.map((a) => a.version));
  existing.forEach((a, i) => {
    const row = rows[i];
    if (!row) return;
    const lacking = (kind: AttachmentKind) => a[kind] !== undefined && row.attachments?.[kind] === undefined;
    const added: VersionAttachments = {
      ...(lacking('optimizer') ? { optimizer: a.optimizer } : {}),
      ...(lacking('data') ? { data: a.data } : {}),
    };
    if (!hasAttachments(added)) return;
    gained.push({ ...row, attachments: { ...row.attachments, ...added } });
    take(added);
  });
  return { fresh: freshOnes, gained, blobs };
}

/** A thin bundle leaves out blobs the receiver should hold; what the import writes needs them here. */
async function checkOmittedBlobs(
  db: GraftDb,
  used: readonly BlobHash[],
  manifest: BundleManifest,
): Promise<void> {
  const omitted = new Set(manifest.thin?.omitted ?? []);
  if (omitted.size === 0) return;
  const needed = [...new Set(used)].filter((h) => omitted.has(h));
  const rows = await db.blobs.bulkGet(needed);
  const sizes = new Map(manifest.blobs.map((b) => [b.hash, b.size]));
  const missing = needed.filter((h, i) => rows[i]?.size !== sizes.get(h));
  if (missing.length === 0) return;
  const basis = (manifest.thin?.basis ?? []).map(shortId).join(', ');
  throw new GraftError('error.bundle/missing-file.thin', { missing, basis, lacking: missing.length });
}

async function putBlobs(
  db: GraftDb,
  opened: OpenedBundle,
  storedOf: StoredOf,
): Promise<{ blobs: number; bytes: number }> {
  const hashes = [...opened.blobs.keys()];
  const present = new Set(await db.blobs.where(':id').anyOf(hashes).primaryKeys());
  const kinds = blobKinds(opened.manifest);
  const rows: BlobRow[] = [];
  for (const [hash, blob] of opened.blobs) {
    if (present.has(hash)) continue;
    rows.push({ hash, size: blob.size, kind: kinds.get(hash) ?? 'tensor', data: storedOf(blob) });
  }
  if (rows.length) await db.blobs.bulkAdd(rows);
  return { blobs: rows.length, bytes: rows.reduce((n, r) => n + r.size, 0) };
}

/** What each blob of a bundle holds; a blob a weight or topology uses is counted as that. */
function blobKinds(m: BundleManifest): Map<BlobHash, BlobKind> {
  const kinds = new Map<BlobHash, BlobKind>();
  for (const a of m.attachments ?? []) for (const b of attachmentBlobs(a)) kinds.set(b.hash, b.attachment);
  for (const v of m.versions) for (const t of v.tensors) kinds.set(t.hash, 'tensor');
  for (const v of m.versions) kinds.set(v.topologyHash, 'topology');
  return kinds;
}

function newRepository(manifest: BundleManifest, head: Repository['head']): Repository {
  const { id, name, createdAt, description } = manifest.repository;
  return { id, name, createdAt, head, ...(description ? { description } : {}) };
}

const REASONS: Record<Exclude<RefImport['action'], 'unchanged'>, RefReason> = {
  created: { code: 'imported' },
  moved: { code: 'import-moved' },
  renamed: { code: 'import-renamed' },
};

async function applyRefs(db: GraftDb, repoId: RepoId, refs: readonly RefImport[]): Promise<void> {
  const at = now();
  for (const r of refs) {
    if (r.action === 'unchanged') continue;
    const name = r.importedAs ?? r.name;
    await db.refs.put({ repoId, name, kind: r.kind, target: r.target, updatedAt: at });
    await db.refLog.add({
      repoId,
      name,
      kind: r.kind,
      from: r.previous ?? null,
      to: r.target,
      at,
      reason: REASONS[r.action],
    });
  }
}
