/**
 * The only place that opens Graft's IndexedDB database.
 *
 * WARNING: table and index names here are user data. Renaming or removing a table without a new schema
 * version and a migration silently wipes people's models. Add a version; never edit an old one. Every
 * schema version has a frozen fixture under tests/fixtures/db and a test that opens it with today's code.
 */
import Dexie, { type Table } from 'dexie';
import type { BlobHash, VersionId } from '../core/hashing';
import type { StoredBytes } from './blobValue';
import type {
  Provenance,
  Ref,
  RefLogEntry,
  RepoId,
  Repository,
  TensorEntry,
  VersionAttachments,
  VersionRow,
} from '../core/versions/types';

export const DB_NAME = 'graft';

export const TABLES = {
  repositories: 'repositories',
  versions: 'versions',
  manifests: 'manifests',
  refs: 'refs',
  refLog: 'refLog',
  blobs: 'blobs',
} as const;

/**
 * The part of a version the history never needs: its tensor list and full provenance, and what it keeps
 * beside its content (optimizer state, kept data; not part of its id, so clean-up may drop them).
 *
 * `attachments` is an optional field (schema 3 on): it is not indexed, and a row written before it existed
 * simply has none (its version "starts afresh").
 */
export interface ManifestRow {
  readonly id: VersionId;
  readonly tensors: readonly TensorEntry[];
  readonly provenance: Provenance;
  readonly attachments?: VersionAttachments;
}

/** What a blob holds; informative only (a blob's bytes may serve several kinds, and it is stored once). */
export type BlobKind = 'tensor' | 'topology' | 'optimizer' | 'data';

/**
 * One content-addressed object. Large ones are Blobs, so large weights never sit in the JS heap when rows
 * are listed; small ones (schema 3 on) are kept inline, where IndexedDB writes them far faster.
 */
export interface BlobRow {
  readonly hash: BlobHash;
  readonly size: number;
  readonly kind: BlobKind;
  /** Small blobs are kept inline, larger ones as a Blob (see ./blobValue.ts); read either with `storedBytes`. */
  readonly data: StoredBytes;
}

export interface RefLogRow extends RefLogEntry {
  readonly seq?: number;
}

/** Schema history. Index 0 is version 1. Append only. */
export const SCHEMAS = [
  // 1: the first layout: repositories, small version rows, manifests, refs, blobs by hash.
  {
    repositories: 'id, name',
    versions: 'id, repoId, [repoId+createdAt]',
    manifests: 'id',
    refs: '[repoId+name], repoId, target',
    blobs: 'hash',
  },
  // 2: a log of every ref movement, so tags and branches can show where they used to point.
  { refLog: '++seq, [repoId+name], repoId' },
  // 3: no new table or index, but rows an older Graft cannot read: blobs up to 32 KiB kept inline
  // (./blobValue.ts) and manifests with attachments (optimizer state, kept data). The version is raised so
  // that a tab still running an older Graft is told to reload (SchemaWatcher 'outdated') before it meets
  // them. Nothing to migrate: Blob rows stay as they are and read as before.
  {},
] as const;

export const SCHEMA_VERSION = SCHEMAS.length;

export class GraftDb extends Dexie {
  repositories!: Table<Repository, RepoId>;
  versions!: Table<VersionRow, VersionId>;
  manifests!: Table<ManifestRow, VersionId>;
  refs!: Table<Ref, [RepoId, string]>;
  refLog!: Table<RefLogRow, number>;
  blobs!: Table<BlobRow, BlobHash>;

  constructor(name: string = DB_NAME, options?: ConstructorParameters<typeof Dexie>[1]) {
    super(name, options);
    this.version(1).stores(SCHEMAS[0]);
    this.version(2)
      .stores(SCHEMAS[1])
      .upgrade(async (tx) => {
        const at = new Date().toISOString();
        const refs = (await tx.table(TABLES.refs).toArray()) as Ref[];
        await tx.table(TABLES.refLog).bulkAdd(
          refs.map((r): RefLogRow => ({
            repoId: r.repoId,
            name: r.name,
            kind: r.kind,
            from: null,
            to: r.target,
            at,
            reason: 'where it pointed when the ref log began',
          })),
        );
      });
    this.version(3).stores(SCHEMAS[2]);
  }
}
