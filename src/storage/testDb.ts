/** Fresh fake-indexeddb databases for storage tests (Node only). */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { storedBytes } from './blobValue';
import { GraftDb } from './db';
import { isGraftError, type GraftError } from '../core/errors';
import { toHex } from '../core/hashing';
import type { ExportedBundle } from '../core/ports';
import { DexieVersionStore, type EstimateRoom } from './DexieVersionStore';

let counter = 0;

export function freshFactory(): IDBFactory {
  return new IDBFactory();
}

export function freshStore(
  factory: IDBFactory = freshFactory(),
  name = `graft-test-${++counter}`,
  options: { estimate?: EstimateRoom } = {},
): DexieVersionStore {
  // No room check unless a test asks for one: Node has no storage estimate.
  const estimate = options.estimate ?? (async () => null);
  return new DexieVersionStore(new GraftDb(name, { indexedDB: factory, IDBKeyRange }), { estimate });
}

/** Every table, blob bytes included, as one string: equal strings mean an unchanged database. */
export async function dumpStore(store: DexieVersionStore): Promise<string> {
  const db = store.db;
  const blobs = await Promise.all(
    (await db.blobs.toArray()).map(async (b) => ({
      ...b,
      data: toHex(new Uint8Array(await storedBytes(b.data))),
    })),
  );
  return JSON.stringify({
    repositories: await db.repositories.toArray(),
    versions: await db.versions.toArray(),
    manifests: await db.manifests.toArray(),
    refs: await db.refs.toArray(),
    refLog: await db.refLog.toArray(),
    blobs,
  });
}

/** The GraftError `p` rejects with; fails the test when it resolves or rejects with anything else. */
export async function rejects(p: Promise<unknown>): Promise<GraftError> {
  try {
    await p;
  } catch (e) {
    if (isGraftError(e)) return e;
    throw e;
  }
  throw new Error('expected a GraftError');
}

/** An exported bundle's bytes, as a person's browser would save them and a picker read them back. */
export async function bundleBytes(
  exported: ExportedBundle | Promise<ExportedBundle>,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await (await exported).file.arrayBuffer());
}
