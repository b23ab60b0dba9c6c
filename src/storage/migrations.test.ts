import { readFileSync } from 'node:fs';
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import { tinySnapshot } from '../core/testing';
import { GraftDb, SCHEMAS, SCHEMA_VERSION } from './db';
import { DexieVersionStore } from './DexieVersionStore';
import { freshFactory } from './testDb';

interface Fixture {
  schemaVersion: number;
  tables: Record<string, Record<string, unknown>[]>;
  expect: { head: VersionId; first: VersionId };
}

/** Writes a frozen dump into a database laid out exactly as that old schema laid it out. */
async function restoreFixture(file: string) {
  const fixture = JSON.parse(
    readFileSync(new URL(`../../tests/fixtures/db/${file}`, import.meta.url), 'utf8'),
  ) as Fixture;
  const factory = freshFactory();
  const old = new Dexie('graft', { indexedDB: factory, IDBKeyRange });
  for (let v = 1; v <= fixture.schemaVersion; v++)
    old.version(v).stores(SCHEMAS[v - 1] as Record<string, string>);
  await old.open();
  for (const [table, rows] of Object.entries(fixture.tables)) {
    const restored =
      table === 'blobs'
        ? rows.map((r) => ({ ...r, data: new Blob([Buffer.from(r.data as string, 'base64')]) }))
        : rows;
    await old.table(table).bulkAdd(restored);
  }
  old.close();
  return { fixture, store: new DexieVersionStore(new GraftDb('graft', { indexedDB: factory, IDBKeyRange })) };
}

describe('schema migrations', () => {
  it('has a frozen fixture for every old schema', () => {
    for (let v = 1; v < SCHEMA_VERSION; v++) {
      expect(() =>
        readFileSync(new URL(`../../tests/fixtures/db/schema-v${v}.json`, import.meta.url)),
      ).not.toThrow();
    }
  });

  it('opens a schema-1 database with every version intact and a ref log begun', async () => {
    const { fixture, store } = await restoreFixture('schema-v1.json');
    const [repo] = await store.listRepositories();
    expect(repo?.name).toBe('Frozen v1 model');
    const versions = await store.listVersions(repo!.id);
    expect(versions.map((v) => v.id)).toEqual([fixture.expect.head, fixture.expect.first]);
    for (const v of versions) expect((await store.verify(v.id)).ok).toBe(true);
    const log = await store.refLog(repo!.id);
    expect(log.map((e) => [e.name, e.to]).sort()).toEqual(
      [
        ['best', fixture.expect.first],
        ['main', fixture.expect.head],
      ].sort(),
    );
    expect(store.db.verno).toBe(SCHEMA_VERSION);
    // And it keeps working: a new save continues the old history.
    const next = await store.commit({
      repoId: repo!.id,
      parent: fixture.expect.head,
      message: 'after the upgrade',
      change: 'trained',
      snapshot: tinySnapshot([1, 2, 3, 4], [0, 1]),
      provenance: { app: 'graft' },
    });
    expect(next.blobsWritten).toBe(1);
    expect(next.branch).toBe('main');
  });
});
