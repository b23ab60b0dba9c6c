/**
 * Storage limits, several tabs and schema changes on fake-indexeddb: a save or import that does not fit is
 * refused before anything is written; a browser refusal leaves nothing half-written; three connections
 * saving, rolling back and tagging at once lose nothing; an old tab gives way to a newer schema.
 */
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import { tinySnapshot } from '../core/testVersions';
import type { RepoId } from '../core/versions/types';
import { exportBundle, importBundle } from './bundles';
import { GraftDb, SCHEMA_VERSION } from './db';
import type { SchemaEvent } from '../core/ports';
import { DexieVersionStore } from './DexieVersionStore';
import { bundleBytes, dumpStore, freshFactory, freshStore, rejects } from './testDb';

/** The promises a user relies on: every version verifies and every ref and log entry points at one. */
async function expectIntact(store: DexieVersionStore, repoId: RepoId): Promise<VersionId[]> {
  const versions = await store.listVersions(repoId);
  const ids = new Set(versions.map((v) => v.id));
  for (const v of versions) expect((await store.verify(v.id)).ok, `version ${v.id} verifies`).toBe(true);
  for (const r of await store.listRefs(repoId)) expect(ids.has(r.target), `ref ${r.name}`).toBe(true);
  for (const e of await store.refLog(repoId)) if (e.to) expect(ids.has(e.to), `log of ${e.name}`).toBe(true);
  for (const v of versions) for (const p of v.parents) expect(ids.has(p), `parent of ${v.id}`).toBe(true);
  return [...ids];
}

const kernel = (seed: number, n = 64) => Array.from({ length: n }, (_, i) => seed + i / n);

async function seeded(store: DexieVersionStore) {
  const repo = await store.createRepository('Room test');
  const commit = (parent: VersionId | null, k: number[], bias = [0, 0], branch?: string) =>
    store.commit({
      repoId: repo.id,
      parent,
      ...(branch ? { branch } : {}),
      message: 'v',
      change: parent ? 'trained' : 'created',
      snapshot: tinySnapshot(k, bias),
      provenance: { app: 'graft' },
    });
  return { repo, commit };
}

describe('room for a save or an import', () => {
  it('refuses a save that does not fit before writing anything, and counts only new blobs', async () => {
    let room = { usage: 1000, quota: 1000 + 10_000 };
    const store = freshStore(undefined, undefined, { estimate: async () => room });
    const { repo, commit } = await seeded(store);
    const first = await commit(null, kernel(1, 1024)); // a 4 KiB kernel, a bias, a topology
    expect(first.bytesWritten).toBeGreaterThan(4096);

    // 4 KiB of new weights against 2 KiB of room: refused, with the numbers, and nothing written.
    room = { usage: 9000, quota: 11_000 };
    const before = await dumpStore(store);
    const e = await rejects(commit(first.version.id, kernel(2, 1024)));
    expect(e.code).toBe('storage/quota-exceeded');
    expect(e.data).toMatchObject({ what: 'save', neededBytes: 4096, freeBytes: 2000 });
    expect(e.message).toContain('needs 4.0 KiB');
    expect(e.message).toContain('Nothing was written');
    expect(e.message).toContain('Clean up storage');
    expect(await dumpStore(store)).toBe(before);

    // Only the bias changes: its 8 new bytes fit though the whole model would not.
    const small = await commit(first.version.id, kernel(1, 1024), [1, 1]);
    expect(small.bytesWritten).toBe(8);
    expect(await store.listVersions(repo.id)).toHaveLength(2);
    // A rollback writes no blob at all, so it works even with no room left.
    room = { usage: 11_000, quota: 11_000 };
    await store.rollback(repo.id, first.version.id);
    await expectIntact(store, repo.id);
  });

  it('refuses an import that does not fit, says how much it needs, and leaves the database as it was', async () => {
    const source = freshStore();
    const { repo, commit } = await seeded(source);
    const v1 = await commit(null, kernel(1, 512));
    await commit(v1.version.id, kernel(2, 512));
    const bytes = await bundleBytes(exportBundle(source, { repoId: repo.id, scope: { kind: 'repository' } }));

    let room = { usage: 0, quota: 3000 };
    const target = freshStore(undefined, undefined, { estimate: async () => room });
    const before = await dumpStore(target);
    const e = await rejects(importBundle(target, bytes));
    expect(e.code).toBe('storage/quota-exceeded');
    expect(e.data).toMatchObject({ what: 'import', freeBytes: 3000 });
    expect(Number(e.data.neededBytes)).toBeGreaterThan(2 * 2048);
    expect(await dumpStore(target)).toBe(before);

    room = { usage: 0, quota: 1_000_000 };
    const report = await importBundle(target, bytes);
    expect(report.addedVersions).toHaveLength(2);
    await expectIntact(target, repo.id);
  });

  it('turns the browser refusing a save into storage/quota-exceeded with no version visible', async () => {
    const store = freshStore();
    const { repo, commit } = await seeded(store);
    const first = await commit(null, kernel(1));
    const before = await dumpStore(store);
    store.db.blobs.bulkPut = (): never => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const e = await rejects(commit(first.version.id, kernel(5)));
    expect(e.code).toBe('storage/quota-exceeded');
    expect(e.message).toContain('Nothing was saved');
    expect(await dumpStore(store)).toBe(before);
    await expectIntact(store, repo.id);
  });

  it('refuses a save whose blobs the browser could not hold (a private window out of memory), writing nothing', async () => {
    const store = freshStore();
    const { repo, commit } = await seeded(store);
    const first = await commit(null, kernel(1));
    const before = await dumpStore(store);
    // What Chromium makes once an in-memory profile's blob budget is spent: a Blob that refuses every read,
    // which IndexedDB would store all the same.
    const RealBlob = globalThis.Blob;
    class BrokenBlob extends RealBlob {
      override slice(): Blob {
        return new BrokenBlob();
      }
      override arrayBuffer(): Promise<ArrayBuffer> {
        return Promise.reject(new DOMException('The requested file could not be read.', 'NotReadableError'));
      }
    }
    globalThis.Blob = BrokenBlob;
    let e;
    try {
      // 64 KiB: stored as a Blob (smaller blobs are kept inline, where no Blob can break).
      e = await rejects(commit(first.version.id, kernel(5, 16 * 1024)));
    } finally {
      globalThis.Blob = RealBlob;
    }
    expect(e.code).toBe('storage/quota-exceeded');
    expect(e.message).toContain('private or guest window');
    expect(e.message).toContain('ran out of memory');
    expect(e.message).toContain('Nothing was saved');
    expect(await dumpStore(store)).toBe(before);
    await expectIntact(store, repo.id);
    // Once the browser can hold it again, the same save goes through and reads back.
    const again = await commit(first.version.id, kernel(5));
    expect((await store.verify(again.version.id)).ok).toBe(true);
  });

  it('undoes a whole import when the browser refuses partway through, blobs included', async () => {
    const source = freshStore();
    const { repo, commit } = await seeded(source);
    await commit(null, kernel(3));
    const bytes = await bundleBytes(exportBundle(source, { repoId: repo.id, scope: { kind: 'repository' } }));
    const target = freshStore();
    const before = await dumpStore(target);
    // The blobs are already added in the import's transaction when the version rows are refused.
    target.db.versions.bulkAdd = () => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    };
    const e = await rejects(importBundle(target, bytes));
    expect(e.code).toBe('storage/quota-exceeded');
    expect(await dumpStore(target)).toBe(before);
  });
});

describe('several tabs at once', () => {
  it('three connections saving, rolling back and tagging concurrently lose no version and leave no ref pointing nowhere', async () => {
    const factory = freshFactory();
    const name = 'graft-three-tabs';
    const tabs = [0, 1, 2].map((i) =>
      i === 0
        ? freshStore(factory, name)
        : new DexieVersionStore(new GraftDb(name, { indexedDB: factory, IDBKeyRange })),
    );
    const { repo, commit } = await seeded(tabs[0]!);
    const root = (await commit(null, kernel(0))).version.id;
    const saved: VersionId[] = [root];
    const rounds = 6;
    let conflicts = 0;
    await Promise.all(
      tabs.map(async (store, tab) => {
        // Each tab works from the head it last saw, as a real tab does between live updates.
        let seen = root;
        for (let round = 0; round < rounds; round++) {
          const r = await store.commit({
            repoId: repo.id,
            branch: 'main',
            parent: seen,
            message: `tab ${tab} round ${round}`,
            change: 'trained',
            snapshot: tinySnapshot(kernel(tab * 100 + round), [tab, round]),
            provenance: { app: 'graft' },
          });
          saved.push(r.version.id);
          if (r.conflict) conflicts++;
          seen = r.version.id;
          if (round % 2 === 1) {
            const back = await store.rollback(repo.id, root, { branch: r.branch });
            saved.push(back.version.id);
            seen = back.version.id;
          }
          await store.setRef(repo.id, 'best', 'tag', saved[(tab + round) % saved.length]!);
        }
      }),
    );
    const ids = await expectIntact(tabs[0]!, repo.id);
    expect(new Set(ids)).toEqual(new Set(saved));
    expect(saved).toHaveLength(1 + 3 * rounds + 3 * (rounds / 2));
    // Saves on a moved branch were kept on branches of their own, never written over another tab's.
    expect(conflicts).toBeGreaterThan(0);
    const heads = new Set((await tabs[1]!.listRefs(repo.id)).map((r) => r.target));
    const graph = new Map(ids.map((id) => [id, [] as VersionId[]]));
    for (const v of await tabs[2]!.listVersions(repo.id)) for (const p of v.parents) graph.get(p)?.push(v.id);
    for (const [id, children] of graph)
      if (children.length === 0) expect(heads.has(id), `leaf ${id} has a ref`).toBe(true);
    for (const t of tabs) t.close();
  });
});

describe('a newer schema in another tab', () => {
  it('closes this tab’s connection and says so, so the upgrade goes on instead of being blocked', async () => {
    const factory = freshFactory();
    const store = freshStore(factory, 'graft-old-tab');
    const events: SchemaEvent[] = [];
    store.watchSchema((e) => events.push(e));
    await store.createRepository('Held open');

    // Another tab opens the database with a newer schema (Dexie stores version × 10).
    const upgraded = await new Promise<'opened' | 'blocked'>((resolve, reject) => {
      const req = factory.open('graft-old-tab', (SCHEMA_VERSION + 1) * 10);
      req.onblocked = () => resolve('blocked');
      req.onsuccess = () => {
        req.result.close();
        resolve('opened');
      };
      req.onerror = () => reject(req.error);
    });
    expect(upgraded).toBe('opened');
    expect(events).toEqual(['outdated']);
    // The old tab does not reopen under a schema it does not know: it asks for a reload.
    const e = await rejects(store.listRepositories());
    expect(['storage/blocked', 'storage/version-changed']).toContain(e.code);
    expect(e.message).toMatch(/Reload/i);
  });

  it('says when its own upgrade waits for a tab holding the old schema, and when it opens', async () => {
    const factory = freshFactory();
    // An older Graft, frozen at schema 1, that ignores requests to close.
    const old = new Dexie('graft-upgrade', { indexedDB: factory, IDBKeyRange });
    old.version(1).stores({ repositories: 'id, name' });
    await old.open();
    old.on('versionchange', () => false);
    const idb = old.backendDB();
    idb.onversionchange = null;

    const store = new DexieVersionStore(new GraftDb('graft-upgrade', { indexedDB: factory, IDBKeyRange }), {
      estimate: async () => null,
    });
    const events: SchemaEvent[] = [];
    store.watchSchema((e) => events.push(e));
    const listing = store.listRepositories();
    await expect.poll(() => events, { timeout: 5000 }).toContain('blocked');
    idb.close();
    expect(await listing).toEqual([]);
    await expect.poll(() => events).toEqual(['blocked', 'open']);
    expect(store.db.verno).toBe(SCHEMA_VERSION);
    store.close();
  });
});
