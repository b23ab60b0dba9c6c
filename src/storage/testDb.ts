/** Fresh fake-indexeddb databases for storage tests (Node only). */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { GraftDb } from './db';
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
