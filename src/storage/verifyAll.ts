/**
 * "Verify storage": re-hashes every blob any version of any repository uses, and checks every version
 * record against its id, reporting progress as it goes and stopping at once when cancelled. Reads only;
 * it never repairs or deletes anything. The result says, per repository, which versions, branches, tags
 * and tensors are damaged, and which versions are intact together with their whole history (what can be
 * exported as a bundle that stands on its own).
 */
import { hashBlob, type BlobHash, type VersionId } from '../core/hashing';
import type {
  AffectedRef,
  BlobProblem,
  DamagedVersion,
  RepositoryCheck,
  StorageCheckReport,
  VerifyAllOptions,
} from '../core/ports';
import { attachmentBlobs, attachmentLabel } from '../core/versions/attachments';
import { ancestors, graphOf } from '../core/versions/dag';
import type { Ref, RepoId, Version, VersionRow } from '../core/versions/types';
import { checkVersionId } from '../core/versions/version';
import type { ManifestRow } from './db';
import type { DexieVersionStore } from './DexieVersionStore';
import { guard } from './errors';
import { storedBytes, type StoredBytes } from './blobValue';

type BlobState = 'ok' | BlobProblem['problem'];

/** Blobs read per IndexedDB request: bounded, so memory stays flat however large the store is. */
const BATCH = 16;

export function verifyAll(
  store: DexieVersionStore,
  options: VerifyAllOptions = {},
): Promise<StorageCheckReport | null> {
  return guard(async () => {
    const db = store.db;
    const { signal, onProgress } = options;
    const [repos, rows, manifests, refs] = await Promise.all([
      db.repositories.toArray(),
      db.versions.toArray(),
      db.manifests.toArray(),
      db.refs.toArray(),
    ]);
    const manifestOf = new Map(manifests.map((m) => [m.id, m]));
    const expected = expectedSizes(rows, manifestOf);
    const hashes = [...expected.keys()];

    const sizes = new Map<BlobHash, number>();
    for (let i = 0; i < hashes.length; i += 256)
      for (const row of await db.blobs.bulkGet(hashes.slice(i, i + 256)))
        if (row) sizes.set(row.hash, row.size);
    const total = {
      totalBlobs: hashes.length,
      totalBytes: hashes.reduce((n, h) => n + (sizes.get(h) ?? 0), 0),
    };
    let doneBlobs = 0;
    let doneBytes = 0;
    onProgress?.({ doneBlobs, doneBytes, ...total });

    const states = new Map<BlobHash, BlobState>();
    for (let i = 0; i < hashes.length; i += BATCH) {
      if (signal?.aborted) return null;
      const batch = hashes.slice(i, i + BATCH);
      const blobRows = await db.blobs.bulkGet(batch);
      for (const [j, row] of blobRows.entries()) {
        if (signal?.aborted) return null;
        const hash = batch[j] as BlobHash;
        states.set(
          hash,
          row ? await blobState(hash, row.data, row.size, expected.get(hash) ?? null) : 'missing',
        );
        doneBlobs++;
        doneBytes += sizes.get(hash) ?? 0;
        onProgress?.({ doneBlobs, doneBytes, ...total });
      }
    }

    const checks: RepositoryCheck[] = [];
    for (const repo of repos) {
      if (signal?.aborted) return null;
      const repoRows = rows.filter((r) => r.repoId === repo.id);
      const repoRefs = refs.filter((r) => r.repoId === repo.id);
      const roots = [
        ...repoRefs.map((r) => r.target),
        ...(repo.head.kind === 'detached' ? [repo.head.version] : []),
      ];
      checks.push(await checkRepository(repo.id, repo.name, repoRows, repoRefs, roots, manifestOf, states));
    }
    checks.sort((a, b) => a.name.localeCompare(b.name));
    const damagedBlobs = [...states.values()].filter((s) => s !== 'ok').length;
    return {
      checkedAt: new Date().toISOString(),
      repositories: checks,
      checkedBlobs: doneBlobs,
      checkedBytes: doneBytes,
      damagedBlobs,
      ok: checks.every((c) => c.damaged.length === 0 && c.affectedRefs.length === 0),
    };
  });
}

/**
 * Every blob versions use, their attachments' included, with the byte length their tensors or data need
 * (null for topologies).
 */
function expectedSizes(
  rows: readonly VersionRow[],
  manifests: ReadonlyMap<VersionId, ManifestRow>,
): Map<BlobHash, number | null> {
  const out = new Map<BlobHash, number | null>();
  for (const row of rows) {
    if (!out.has(row.topologyHash)) out.set(row.topologyHash, null);
    const manifest = manifests.get(row.id);
    for (const t of manifest?.tensors ?? []) out.set(t.hash, t.byteLength);
    for (const b of attachmentBlobs(manifest?.attachments)) out.set(b.hash, b.byteLength);
  }
  return out;
}

async function blobState(
  hash: BlobHash,
  data: StoredBytes,
  size: number,
  expectedLength: number | null,
): Promise<BlobState> {
  let bytes: ArrayBuffer;
  try {
    bytes = await storedBytes(data);
  } catch {
    // The browser lost the file behind a stored Blob: its bytes are as good as gone.
    return 'missing';
  }
  if (bytes.byteLength !== size || (await hashBlob(bytes)) !== hash) return 'corrupt';
  if (expectedLength !== null && bytes.byteLength !== expectedLength) return 'wrong-size';
  return 'ok';
}

async function checkRepository(
  id: RepoId,
  name: string,
  rows: readonly VersionRow[],
  refs: readonly Ref[],
  roots: readonly VersionId[],
  manifests: ReadonlyMap<VersionId, ManifestRow>,
  states: ReadonlyMap<BlobHash, BlobState>,
): Promise<RepositoryCheck> {
  const damaged: DamagedVersion[] = [];
  const ids = new Set(rows.map((r) => r.id));
  for (const row of rows) {
    const manifest = manifests.get(row.id);
    const problems: BlobProblem[] = [];
    const note = (hash: BlobHash, tensor: string) => {
      const state = states.get(hash) ?? 'missing';
      if (state !== 'ok') problems.push({ hash, tensor, problem: state });
    };
    // `tensor` is the weight's own name, '' for the topology: the UI words them in the user's language.
    note(row.topologyHash, '');
    for (const t of manifest?.tensors ?? []) note(t.hash, t.name);
    // A damaged optimizer state or kept data damages the version too: exporting it would stop there.
    for (const b of attachmentBlobs(manifest?.attachments)) {
      const state = states.get(b.hash) ?? 'missing';
      if (state !== 'ok')
        problems.push({ hash: b.hash, tensor: attachmentLabel(b), problem: state, attachment: b.attachment });
    }
    const idMatches = manifest ? await checkVersionId(joinVersion(row, manifest)) : false;
    // A parent that is not stored at all breaks the history as much as a damaged one.
    const missingParents = row.parents.filter((p) => !ids.has(p));
    if (problems.length > 0 || !idMatches || !manifest || missingParents.length > 0)
      damaged.push({
        id: row.id,
        message: row.note?.message ?? row.message,
        createdAt: row.createdAt,
        problems,
        idMatches,
        manifestPresent: manifest !== undefined,
        missingParents,
      });
  }

  const g = graphOf(rows);
  const bad = new Set(damaged.map((d) => d.id));

  const affectedRefs: AffectedRef[] = [];
  for (const r of refs) {
    const history = ancestors(g, r.target);
    const damagedInHistory = [...history].filter((v) => bad.has(v)).length;
    const tipDamaged = !g.has(r.target) || bad.has(r.target);
    if (tipDamaged || damagedInHistory > 0)
      affectedRefs.push({
        name: r.name,
        kind: r.kind,
        target: r.target,
        tipDamaged,
        damagedInHistory: Math.max(damagedInHistory, tipDamaged ? 1 : 0),
      });
  }

  const reachable = ancestors(
    g,
    roots.filter((v) => g.has(v)),
  );
  const exportable: VersionId[] = [];
  const intactOnDamaged: VersionId[] = [];
  for (const row of parentsFirst(rows)) {
    if (!reachable.has(row.id) || bad.has(row.id)) continue;
    const history = ancestors(g, row.id);
    if ([...history].some((v) => bad.has(v))) intactOnDamaged.push(row.id);
    else exportable.push(row.id);
  }
  damaged.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
  affectedRefs.sort((a, b) => a.name.localeCompare(b.name));
  return { id, name, versions: rows.length, damaged, affectedRefs, exportable, intactOnDamaged };
}

/** Rows ordered so every parent comes before its children (ties by time). */
function parentsFirst(rows: readonly VersionRow[]): VersionRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const out: VersionRow[] = [];
  const seen = new Set<VersionId>();
  const visit = (row: VersionRow) => {
    const stack: [VersionRow, boolean][] = [[row, false]];
    while (stack.length) {
      const [r, expanded] = stack.pop() as [VersionRow, boolean];
      if (expanded) {
        out.push(r);
        continue;
      }
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      stack.push([r, true]);
      for (const p of r.parents) {
        const parent = byId.get(p);
        if (parent && !seen.has(p)) stack.push([parent, false]);
      }
    }
  };
  for (const r of [...rows].sort((a, b) => (a.createdAt < b.createdAt ? -1 : 1))) visit(r);
  return out;
}

function joinVersion(row: VersionRow, manifest: ManifestRow): Version {
  const { tensorCount: _n, totalBytes: _b, note: _note, ...rest } = row;
  return { ...rest, tensors: manifest.tensors, provenance: manifest.provenance };
}
