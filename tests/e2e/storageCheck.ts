/**
 * Checks Graft's IndexedDB from inside the page with the raw IndexedDB API, independently of the app's own
 * code: every version has its manifest, every blob it needs is present with the right size and SHA-256,
 * every parent exists, and every branch, tag and detached HEAD points at an existing version.
 */
import type { Page } from '@playwright/test';

export interface StoreCheck {
  /** Every version's id, so a caller can tell that none went missing between two checks. */
  readonly ids: readonly string[];
  readonly versions: number;
  readonly refs: number;
  readonly blobs: number;
  readonly problems: readonly string[];
}

export function checkStore(page: Page): Promise<StoreCheck> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('graft');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const all = <T>(table: string) =>
      new Promise<T[]>((resolve, reject) => {
        const req = db.transaction(table).objectStore(table).getAll();
        req.onsuccess = () => resolve(req.result as T[]);
        req.onerror = () => reject(req.error);
      });
    type Row = { id: string; repoId: string; parents: string[]; topologyHash: string };
    const [versions, manifests, refs, repos, blobs] = await Promise.all([
      all<Row>('versions'),
      all<{ id: string; tensors: { name: string; hash: string; byteLength: number }[] }>('manifests'),
      all<{ name: string; target: string }>('refs'),
      all<{ id: string; head: { kind: string; version?: string } }>('repositories'),
      all<{ hash: string; size: number; data: Blob | Uint8Array }>('blobs'),
    ]);
    db.close();
    const problems: string[] = [];
    const ids = new Set(versions.map((v) => v.id));
    const byHash = new Map(blobs.map((b) => [b.hash, b]));
    const byId = new Map(manifests.map((m) => [m.id, m]));
    const hex = (buf: ArrayBuffer) =>
      [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, '0')).join('');
    const checked = new Map<string, boolean>();
    const blobOk = async (hash: string, size: number | null) => {
      const b = byHash.get(hash);
      if (!b) return false;
      if (size !== null && b.size !== size) return false;
      if (!checked.has(hash)) {
        // Small blobs are kept inline (schema 3), larger ones as Blobs.
        const data = b.data instanceof Blob ? await b.data.arrayBuffer() : b.data.slice().buffer;
        checked.set(
          hash,
          data.byteLength === b.size && hex(await crypto.subtle.digest('SHA-256', data)) === hash,
        );
      }
      return checked.get(hash) === true;
    };
    for (const v of versions) {
      const m = byId.get(v.id);
      if (!m) problems.push(`version ${v.id.slice(0, 8)} has no manifest`);
      if (!(await blobOk(v.topologyHash, null))) problems.push(`version ${v.id.slice(0, 8)}: topology bad`);
      for (const t of m?.tensors ?? [])
        if (!(await blobOk(t.hash, t.byteLength)))
          problems.push(`version ${v.id.slice(0, 8)}: ${t.name} bad`);
      for (const p of v.parents)
        if (!ids.has(p)) problems.push(`version ${v.id.slice(0, 8)}: parent missing`);
    }
    for (const r of refs) if (!ids.has(r.target)) problems.push(`ref ${r.name} points nowhere`);
    for (const r of repos)
      if (r.head.kind === 'detached' && !ids.has(r.head.version ?? ''))
        problems.push(`HEAD of ${r.id} points nowhere`);
    return { ids: [...ids], versions: versions.length, refs: refs.length, blobs: blobs.length, problems };
  });
}

/** How many rows Graft's blob store holds, counted with the raw IndexedDB API, as checkStore reads. */
export async function blobCount(page: Page): Promise<number> {
  return page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const open = indexedDB.open('graft');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('blobs').objectStore('blobs').count();
          req.onsuccess = () => {
            resolve(req.result);
            open.result.close();
          };
        };
      }),
  );
}
