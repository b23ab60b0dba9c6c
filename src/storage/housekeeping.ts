/** Storage housekeeping: what no ref reaches (GC, and what deleting a ref would free) and what is stored. */
import type { BlobHash, VersionId } from '../core/hashing';
import type { GcReport, StorageUsage } from '../core/ports';
import { attachmentBlobs, hasAttachments } from '../core/versions/attachments';
import { ancestors, graphOf } from '../core/versions/dag';
import type { RepoId } from '../core/versions/types';
import type { GraftDb, ManifestRow } from './db';
import { guard } from './errors';

/**
 * Removes versions no branch, tag or HEAD reaches (they only exist after a user deleted a ref) and every
 * blob no remaining version needs. All in one transaction, so a commit in another tab either sees its
 * blobs gone before it starts (and rewrites them) or keeps them. With `dropExtras` it first takes the
 * optimizer state and kept data off every version that is not a branch head, a tag's target or a detached
 * HEAD (the version a user works on: "continue training" there needs its state); the versions stay.
 */
export function gc(db: GraftDb, options: { dryRun: boolean; dropExtras?: boolean }): Promise<GcReport> {
  const tables = [db.repositories, db.versions, db.manifests, db.refs, db.blobs];
  return guard(() =>
    db.transaction(options.dryRun ? 'r' : 'rw', tables, async () => {
      const { garbage, dropFrom, ...found } = await collect(db, { dropExtras: options.dropExtras ?? false });
      if (!options.dryRun) {
        await db.manifests.bulkPut(dropFrom.map(({ attachments: _dropped, ...rest }) => rest));
        await db.manifests.bulkDelete([...found.versions]);
        await db.versions.bulkDelete([...found.versions]);
        await db.blobs.bulkDelete(garbage);
      }
      return { ...found, dryRun: options.dryRun };
    }),
  );
}

/**
 * Mark without sweep: the versions no ref or HEAD reaches, the attachments `dropExtras` takes off, and the
 * blobs nothing left needs. In a transaction.
 */
export async function collect(
  db: GraftDb,
  options: {
    exceptRef?: readonly [RepoId, string];
    dropExtras?: boolean;
  },
): Promise<GcReport & { garbage: BlobHash[]; dropFrom: ManifestRow[] }> {
  const [repos, allRefs, rows] = await Promise.all([
    db.repositories.toArray(),
    db.refs.toArray(),
    db.versions.toArray(),
  ]);
  const except = options.exceptRef;
  const refs = allRefs.filter((r) => !(except && r.repoId === except[0] && r.name === except[1]));
  const roots: VersionId[] = refs.map((r) => r.target);
  for (const r of repos) if (r.head.kind === 'detached') roots.push(r.head.version);
  const reachable = ancestors(graphOf(rows), roots);
  const dead = rows.filter((v) => !reachable.has(v.id)).map((v) => v.id);
  // Every root is a branch head, a tag's target or a detached HEAD: exactly the versions whose extras stay.
  const keepsExtras = new Set(roots);

  const content = new Set<BlobHash>();
  for (const v of rows) if (reachable.has(v.id)) content.add(v.topologyHash);
  const extrasKept = new Set<BlobHash>();
  const extrasDropped = new Set<BlobHash>();
  const dropFrom: ManifestRow[] = [];
  // In the rows' order (by id), so a preview and the run it previews list versions alike.
  const live = rows.filter((v) => reachable.has(v.id)).map((v) => v.id);
  for (const m of await db.manifests.bulkGet(live)) {
    if (!m) continue;
    for (const t of m.tensors) content.add(t.hash);
    if (!hasAttachments(m.attachments)) continue;
    const drop = options.dropExtras === true && !keepsExtras.has(m.id);
    if (drop) dropFrom.push(m);
    for (const b of attachmentBlobs(m.attachments)) (drop ? extrasDropped : extrasKept).add(b.hash);
  }
  const needed = (h: BlobHash) => content.has(h) || extrasKept.has(h);
  const garbage = (await db.blobs.toCollection().primaryKeys()).filter((h) => !needed(h));
  let bytes = 0;
  let extrasBytes = 0;
  for (const row of await db.blobs.bulkGet(garbage)) {
    if (!row) continue;
    bytes += row.size;
    if (extrasDropped.has(row.hash)) extrasBytes += row.size;
  }
  const report = { dryRun: true, versions: dead, blobs: garbage.length, bytes, garbage, dropFrom };
  if (!options.dropExtras) return report;
  return {
    ...report,
    extras: {
      versions: dropFrom.map((m) => m.id),
      optimizerStates: dropFrom.filter((m) => m.attachments?.optimizer).length,
      dataSets: dropFrom.filter((m) => m.attachments?.data).length,
      bytes: extrasBytes,
    },
  };
}

/**
 * Bytes of distinct blobs: all of them, or those one repository's versions need — their weights and
 * topologies, and the optimizer state and data they keep. A version row's `totalBytes` counts its weights
 * alone: attachments can be dropped without changing the version.
 */
export function usage(db: GraftDb, repoId?: RepoId): Promise<StorageUsage> {
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
      for (const m of await db.manifests.bulkGet(rows.map((r) => r.id))) {
        for (const t of m?.tensors ?? []) sizes.set(t.hash, t.byteLength);
        for (const b of attachmentBlobs(m?.attachments)) sizes.set(b.hash, b.byteLength);
      }
      const topologies = [...new Set(rows.map((r) => r.topologyHash))];
      for (const b of await db.blobs.bulkGet(topologies)) if (b) sizes.set(b.hash, b.size);
      let bytes = 0;
      for (const s of sizes.values()) bytes += s;
      return { blobs: sizes.size, bytes, versions: rows.length };
    }),
  );
}
