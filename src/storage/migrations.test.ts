import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import Dexie from 'dexie';
import { IDBKeyRange } from 'fake-indexeddb';
import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import { dataBlob, tinyOptimizer, tinySnapshot } from '../core/testVersions';
import { storedBytes } from './blobValue';
import { GraftDb, SCHEMAS, SCHEMA_VERSION } from './db';
import { DexieVersionStore } from './DexieVersionStore';
import { freshFactory } from './testDb';

interface Fixture {
  schemaVersion: number;
  tables: Record<string, Record<string, unknown>[]>;
  expect: { head: VersionId; first: VersionId; [name: string]: unknown };
}

const fixtureUrl = (file: string) => new URL(`../../tests/fixtures/db/${file}`, import.meta.url);

/** The CSV the schema-3 fixture's trained version keeps. */
const FIXTURE_CSV = 'a,b,label\n1,2,x\n3,4,y\n';

/**
 * Writes the frozen fixture of today's schema, once, when it does not exist yet (GRAFT_WRITE_FIXTURES=1):
 * a history with a branch, a moved tag, an amended message and a rollback, so every table has rows, and
 * (schema 3) a trained version keeping its optimizer state and data, blobs inline and as Blobs.
 */
async function writeCurrentFixture(file: string): Promise<void> {
  const db = new GraftDb('graft', { indexedDB: freshFactory(), IDBKeyRange });
  const store = new DexieVersionStore(db, { estimate: async () => null });
  const v = SCHEMA_VERSION;
  const repo = await store.createRepository(`Frozen v${v} model`, {
    description: `Written by schema ${v}`,
  });
  const kept = {
    optimizer: tinyOptimizer(
      { kernel: [0.1, 0.2, 0.3, 0.4], bias: [0.01, 0.02] },
      { kernel: [1, 2, 3, 4], bias: [5, 6] },
    ),
    data: await dataBlob(FIXTURE_CSV),
  };
  // One Blob-sized weight, so the fixture holds both forms of blob row.
  const big = Array.from({ length: 16 * 1024 }, (_, i) => i / 7);
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
        ...(message === 'trained' ? kept : {}),
      })
    ).version.id;
  const first = await commit(null, [1, 2, 3, 4], 'created', '2026-12-01T10:00:00.000Z');
  const second = await commit(first, [2, 2, 3, 4], 'trained', '2026-12-01T10:05:00.000Z');
  await store.setRef(repo.id, 'large', 'branch', first, { create: true });
  const large = await commit(
    first,
    big,
    'a layer too large to keep inline',
    '2026-12-01T10:07:00.000Z',
    'large',
  );
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
              data: Buffer.from(await storedBytes(r.data as Blob | Uint8Array<ArrayBuffer>)).toString(
                'base64',
              ),
              // The dump's own marker of which form the row had (schema 3 on).
              ...(r.data instanceof Blob ? {} : { inline: true }),
            })),
          )
        : rows;
  }
  const fixture = {
    schemaVersion: v,
    note: `A Graft database as schema ${v} wrote it (small blobs inline, attachments). Frozen: never regenerate.`,
    tables,
    expect: { head: rollback, first, second, experiment, large, csv: FIXTURE_CSV },
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
        ? rows.map(({ inline, ...r }) => {
            const bytes = new Uint8Array(Buffer.from(r.data as string, 'base64'));
            return { ...r, data: inline ? bytes : new Blob([bytes]) };
          })
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

  it('opens a schema-3 database: small blobs inline and large ones as Blobs, attachments kept', async () => {
    const { fixture, store } = await restoreFixture('schema-v3.json');
    const blobs = fixture.tables.blobs as { inline?: boolean; size: number }[];
    // The fixture really holds both forms (else this test would prove nothing about reading them).
    expect(blobs.some((b) => b.inline)).toBe(true);
    expect(blobs.some((b) => !b.inline && b.size > 32 * 1024)).toBe(true);
    const [repo] = await store.listRepositories();
    expect(repo?.name).toBe('Frozen v3 model');
    const { second, large, csv } = fixture.expect as unknown as Record<'second' | 'large', VersionId> & {
      csv: string;
    };
    for (const v of await store.listVersions(repo!.id)) expect((await store.verify(v.id)).ok).toBe(true);
    const big = await store.load(large);
    expect(big.tensors.find((t) => t.entry.name === 'dense/kernel')?.data.byteLength).toBe(64 * 1024);
    const state = await store.loadOptimizerState(second);
    expect(state?.optimizer).toBe('adam');
    expect(state?.tensors.length).toBeGreaterThan(0);
    expect(new TextDecoder().decode((await store.loadData(second))!)).toBe(csv);
    expect(store.db.verno).toBe(SCHEMA_VERSION);
    store.close();
  });
});
