import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import { tinySnapshot } from '../core/testVersions';
import { GraftDb, SCHEMAS, SCHEMA_VERSION } from './db';
import { DexieVersionStore } from './DexieVersionStore';
import { freshFactory } from './testDb';

interface Fixture {
  schemaVersion: number;
  tables: Record<string, Record<string, unknown>[]>;
  expect: { head: VersionId; first: VersionId; [name: string]: unknown };
}

const fixtureUrl = (file: string) => new URL(`../../tests/fixtures/db/${file}`, import.meta.url);

/**
 * Writes the frozen fixture of today's schema, once, when it does not exist yet (GRAFT_WRITE_FIXTURES=1):
 * a history with a branch, a moved tag, an amended message and a rollback, so every table has rows.
 */
async function writeCurrentFixture(file: string): Promise<void> {
  const db = new GraftDb('graft', { indexedDB: freshFactory(), IDBKeyRange });
  const store = new DexieVersionStore(db, { estimate: async () => null });
  const repo = await store.createRepository('Frozen v2 model', { description: 'Written by schema 2' });
  const commit = async (
    parent: VersionId | null,
    kernel: number[],
    message: string,
    at: string,
    branch = 'main',
  ) =>
    (
      await store.commit({
        repoId: repo.id,
        branch,
        parent,
        message,
        change: parent ? 'trained' : 'created',
        snapshot: tinySnapshot(kernel, [0.5, -0.5]),
        provenance: { app: 'graft', backend: 'cpu', dataset: { name: 'iris' } },
        metrics: parent ? { loss: 0.25, accuracy: 0.875 } : {},
        createdAt: at,
      })
    ).version.id;
  const first = await commit(null, [1, 2, 3, 4], 'created', '2026-12-01T10:00:00.000Z');
  const second = await commit(first, [2, 2, 3, 4], 'trained', '2026-12-01T10:05:00.000Z');
  await store.setRef(repo.id, 'best', 'tag', first);
  await store.setRef(repo.id, 'best', 'tag', second, { reason: { code: 'tag-moved', from: first } });
  await store.setRef(repo.id, 'experiment', 'branch', first, { create: true });
  const experiment = await commit(first, [9, 9, 9, 9], 'wild idea', '2026-12-01T10:10:00.000Z', 'experiment');
  await store.amendMessage(second, 'trained 2 epochs on iris');
  const rollback = (await store.rollback(repo.id, first)).version.id;
  const tables: Record<string, unknown[]> = {};
  for (const table of db.tables) {
    const rows = (await table.toArray()) as Record<string, unknown>[];
    tables[table.name] =
      table.name === 'blobs'
        ? await Promise.all(
            rows.map(async (r) => ({
              ...r,
              data: Buffer.from(await (r.data as Blob).arrayBuffer()).toString('base64'),
            })),
          )
        : rows;
  }
  const fixture = {
    schemaVersion: 2,
    note: 'A Graft database as schema 2 wrote it (with the ref log). Frozen: never regenerate.',
    tables,
    expect: { head: rollback, first, second, experiment },
  };
  writeFileSync(fixtureUrl(file), `${JSON.stringify(fixture, null, 1)}\n`);
  store.close();
}

/** Writes a frozen dump into a database laid out exactly as that old schema laid it out. */
async function restoreFixture(file: string) {
  const fixture = JSON.parse(readFileSync(fixtureUrl(file), 'utf8')) as Fixture;
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
  it('has a frozen fixture for every schema, today’s included', async () => {
    const current = `schema-v${SCHEMA_VERSION}.json`;
    if (process.env.GRAFT_WRITE_FIXTURES === '1' && !existsSync(fixtureUrl(current)))
      await writeCurrentFixture(current);
    for (let v = 1; v <= SCHEMA_VERSION; v++) {
      expect(() => readFileSync(fixtureUrl(`schema-v${v}.json`))).not.toThrow();
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

  it('opens a schema-2 database with every version, ref, ref-log entry, note and blob as it was written', async () => {
    const { fixture, store } = await restoreFixture('schema-v2.json');
    const [repo] = await store.listRepositories();
    expect(repo?.name).toBe('Frozen v2 model');
    expect(repo?.description).toBe('Written by schema 2');
    const versions = await store.listVersions(repo!.id);
    const { head, first, second, experiment } = fixture.expect as Record<
      'head' | 'first' | 'second' | 'experiment',
      VersionId
    >;
    expect(new Set(versions.map((v) => v.id))).toEqual(new Set([head, first, second, experiment]));
    for (const v of versions) expect((await store.verify(v.id)).ok).toBe(true);
    expect(versions.find((v) => v.id === second)?.note?.message).toBe('trained 2 epochs on iris');
    expect(versions.find((v) => v.id === head)?.change).toBe('rollback');
    const refs = (await store.listRefs(repo!.id)).map((r) => [r.name, r.kind, r.target]).sort();
    expect(refs).toEqual(
      [
        ['best', 'tag', second],
        ['experiment', 'branch', experiment],
        ['main', 'branch', head],
      ].sort(),
    );
    // The tag's movement is still known: it used to point at the first version.
    expect((await store.refLog(repo!.id, 'best')).map((e) => [e.from, e.to])).toEqual([
      [null, first],
      [first, second],
    ]);
    expect(fixture.tables.refLog).toHaveLength((await store.refLog(repo!.id)).length);
    expect(store.db.verno).toBe(SCHEMA_VERSION);
    // Rolling forward from the frozen rollback restores the second version's weights exactly.
    const forward = await store.rollback(repo!.id, second);
    const [a, b] = await Promise.all([store.load(forward.version.id), store.load(second)]);
    expect(a.tensors.map((t) => t.entry.hash)).toEqual(b.tensors.map((t) => t.entry.hash));
  });

  it('opens a database written before versions kept optimizer state or data: every version keeps none, clean-up drops nothing', async () => {
    // Attachments are an optional field of manifest rows, added without a schema version.
    for (const file of ['schema-v1.json', 'schema-v2.json']) {
      const { store } = await restoreFixture(file);
      const [repo] = await store.listRepositories();
      const versions = await store.listVersions(repo!.id);
      expect(versions.length).toBeGreaterThan(0);
      for (const v of versions) {
        expect(await store.getAttachments(v.id)).toEqual({});
        expect(await store.loadOptimizerState(v.id)).toBeNull();
        expect(await store.loadData(v.id)).toBeNull();
      }
      const before = await store.usage();
      expect(await store.gc({ dryRun: false, dropExtras: true })).toEqual({
        dryRun: false,
        versions: [],
        blobs: 0,
        bytes: 0,
        extras: { versions: [], optimizerStates: 0, dataSets: 0, bytes: 0 },
      });
      expect(await store.usage()).toEqual(before);
      store.close();
    }
  });
});
