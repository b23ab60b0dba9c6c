/** Fresh fake-indexeddb databases for storage tests (Node only). */
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { GraftDb } from './db';
import { DexieVersionStore } from './DexieVersionStore';

let counter = 0;

export function freshFactory(): IDBFactory {
  return new IDBFactory();
}

export function freshStore(
  factory: IDBFactory = freshFactory(),
  name = `graft-test-${++counter}`,
): DexieVersionStore {
  return new DexieVersionStore(new GraftDb(name, { indexedDB: factory, IDBKeyRange }));
}
