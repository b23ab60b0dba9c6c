/** Storage housekeeping: what no ref reaches (GC, and what deleting a ref would free) and what is stored. */
import type { BlobHash, VersionId } from '../core/hashing';
import type { GcReport, StorageUsage } from '../core/ports';
import { ancestors, graphOf } from '../core/versions/dag';
import type { RepoId } from '../core/versions/types';
import type { GraftDb } from './db';
import { guard } from './errors';

/**
 * Removes versions no branch, tag or HEAD reaches (they only exist after a user deleted a ref) and every
 * blob no remaining version needs. All in one transaction, so a commit in another tab either sees its
 * blobs gone before it starts (and rewrites them) or keeps them.
 */
export function gc(db: GraftDb, options: { dryRun: boolean }): Promise<GcReport> {
  const tables = [db.repositories, db.versions, db.manifests, db.refs, db.blobs];
  return guard(() =>
    db.transaction(options.dryRun ? 'r' : 'rw', tables, async () => {
      const { garbage, ...found } = await collect(db, {});
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
export async function collect(
  db: GraftDb,
  options: {
    exceptRef?: readonly [RepoId, string];
  },
): Promise<GcReport & { garbage: BlobHash[] }> {
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
