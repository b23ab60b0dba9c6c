/**
 * The version store's contract: what storage/DexieVersionStore.ts implements and state/ calls — repositories,
 * versions, refs, commits, verified loads, and live views that follow changes made in other tabs.
 */
import type { BlobHash, VersionId } from '../hashing';
import type { JsonObject } from '../json';
import type { LoadedVersion, ModelSnapshot } from './snapshot';
import type { OptimizerState } from './training';
import type { SaveTarget } from '../versions/placement';
import type {
  ChangeKind,
  Head,
  Metrics,
  Provenance,
  Ref,
  RefKind,
  RefLogEntry,
  RefReason,
  RepoId,
  Repository,
  TensorEntry,
  Version,
  VersionAttachments,
  VersionRow,
} from '../versions/types';

/** A data set's bytes with their SHA-256, as a version keeps them (see core/data/kept.ts). */
export interface DataBlob {
  readonly hash: BlobHash;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

export interface CommitRequest {
  readonly repoId: RepoId;
  /** The branch to move; defaults to the branch HEAD names. */
  readonly branch?: string;
  /**
   * Where the save goes, decided in the commit's transaction by `placeSave` (core/versions/placement):
   * HEAD's branch or a new line, or a checkpoint's side branch. Overrides `branch`.
   */
  readonly target?: SaveTarget;
  /**
   * The version this snapshot was derived from, as the saving tab saw it. If the branch moved since
   * (another tab saved), the new version is kept on a new branch instead of overwriting.
   */
  readonly parent: VersionId | null;
  /** Extra parents, for merges. */
  readonly otherParents?: readonly VersionId[];
  readonly message: string;
  readonly change: ChangeKind;
  readonly snapshot: ModelSnapshot;
  readonly provenance: Provenance;
  readonly metrics?: Metrics;
  readonly createdAt?: string;
  /** The optimizer's state after the training this version records, kept beside it (not part of its id). */
  readonly optimizer?: OptimizerState;
  /** The data it was trained on, kept beside it (not part of its id; its hash is in `provenance.dataset`). */
  readonly data?: DataBlob;
}

export interface CommitResult {
  readonly version: VersionRow;
  readonly tensors: readonly TensorEntry[];
  /** The branch now pointing at the new version. */
  readonly branch: string;
  /** Set when the requested branch had moved: the version was kept on `branch` instead. */
  readonly conflict?: { readonly requestedBranch: string; readonly theirHead: VersionId | null };
  /** Set when the save built on an older version (or a detached HEAD) and so started `branch`. */
  readonly branchedOff?: boolean;
  readonly blobsWritten: number;
  readonly bytesWritten: number;
}

export interface BlobProblem {
  readonly hash: BlobHash;
  /** The weight's name; for an attachment `optimizer: <tensor>` or `data` (see `attachment`). */
  readonly tensor: string;
  readonly problem: 'missing' | 'corrupt' | 'wrong-size';
  /** Set when the blob is one the version keeps beside its content, not one of its weights. */
  readonly attachment?: 'optimizer' | 'data';
}

export interface VerifyReport {
  readonly versionId: VersionId;
  readonly ok: boolean;
  readonly checkedBlobs: number;
  readonly checkedBytes: number;
  readonly problems: readonly BlobProblem[];
  /** False when the version row itself no longer hashes to its id. */
  readonly idMatches: boolean;
}

export interface GcReport {
  readonly dryRun: boolean;
  readonly versions: readonly VersionId[];
  readonly blobs: number;
  /** Every byte freed, the extras' included. */
  readonly bytes: number;
  /** With `dropExtras`: what dropping optimizer state and kept data frees (versions stay). */
  readonly extras?: {
    /** Versions that lose an optimizer state or kept data. */
    readonly versions: readonly VersionId[];
    readonly optimizerStates: number;
    readonly dataSets: number;
    /** Bytes freed by blobs no remaining version or attachment uses. */
    readonly bytes: number;
  };
}

export interface StorageUsage {
  readonly blobs: number;
  readonly bytes: number;
  readonly versions: number;
}

export interface VersionStore {
  listRepositories(): Promise<Repository[]>;
  getRepository(id: RepoId): Promise<Repository>;
  createRepository(name: string, options?: { description?: string }): Promise<Repository>;
  renameRepository(id: RepoId, name: string): Promise<void>;
  deleteRepository(id: RepoId): Promise<void>;
  setHead(id: RepoId, head: Head): Promise<void>;

  /** Small rows only: never loads weights. */
  listVersions(repoId: RepoId): Promise<VersionRow[]>;
  getVersion(id: VersionId): Promise<Version>;
  listRefs(repoId: RepoId): Promise<Ref[]>;
  refLog(repoId: RepoId, name?: string): Promise<RefLogEntry[]>;

  commit(req: CommitRequest): Promise<CommitResult>;
  rollback(
    repoId: RepoId,
    target: VersionId,
    options?: { branch?: string; message?: string },
  ): Promise<CommitResult>;
  /**
   * Like `load`, for a checkout: it may return before every hash is checked, the rest checked in
   * `verified` (which rejects with the errors `load` would throw). A checkout builds the model and throws
   * it away if `verified` rejects: nothing unverified is ever used. (The IndexedDB store hashes as its
   * workers read, so its bytes come back verified and `verified` is already settled.)
   */
  loadOverlapped(id: VersionId): Promise<LoadedVersion & { readonly verified: Promise<void> }>;
  /** Reads some of a version's weights (verified), by tensor name: what a weight diff needs, no more. */
  loadTensors(id: VersionId, names: readonly string[]): Promise<LoadedVersion['tensors']>;
  /** Reads only a version's topology (verified), for architecture views and diffs. */
  getTopology(id: VersionId): Promise<JsonObject>;
  /** Reads a version's topology and weights, re-hashing every blob; corrupt or missing data is refused. */
  load(id: VersionId): Promise<LoadedVersion>;

  setRef(
    repoId: RepoId,
    name: string,
    kind: RefKind,
    target: VersionId,
    options?: { reason?: RefReason; create?: boolean },
  ): Promise<void>;
  /** Creates branch `name` at `at` and makes it current, in one transaction. */
  startBranch(repoId: RepoId, name: string, at: VersionId): Promise<void>;
  renameRef(repoId: RepoId, from: string, to: string): Promise<void>;
  deleteRef(repoId: RepoId, name: string): Promise<void>;
  /** What deleting a ref would make unreachable, and how many bytes a GC would then free. */
  previewDeleteRef(repoId: RepoId, name: string): Promise<GcReport>;
  /** Changes the message shown for a version; its content and id stay as they were. */
  amendMessage(id: VersionId, message: string): Promise<void>;
  deleteVersion(id: VersionId): Promise<void>;

  /** What the version keeps beside its content: optimizer state and data, if any. */
  getAttachments(id: VersionId): Promise<VersionAttachments>;
  /** The version's optimizer state with its tensors read and verified; null when it keeps none. */
  loadOptimizerState(id: VersionId): Promise<OptimizerState | null>;
  /** The bytes of the data the version keeps, verified; null when it keeps none. */
  loadData(id: VersionId): Promise<Uint8Array<ArrayBuffer> | null>;
  /**
   * Keeps `data` with the version again (a file picked again after its data was cleaned up; the caller
   * checked that it is the same data). The blob's hash is checked against its bytes.
   */
  keepData(id: VersionId, data: DataBlob): Promise<void>;

  /** Re-hashes every blob the version and its attachments use. */
  verify(id: VersionId): Promise<VerifyReport>;
  /**
   * Deletes what no ref reaches. With `dropExtras` it first drops the optimizer state and kept data of every
   * version that is neither a branch head nor tagged (nothing else: those versions stay, and blobs another
   * version still uses stay).
   */
  gc(options: { dryRun: boolean; dropExtras?: boolean }): Promise<GcReport>;
  usage(repoId?: RepoId): Promise<StorageUsage>;
}

/** What the history shows of one repository; pushed again whenever any tab changes it. */
export interface RepositoryView {
  readonly repository: Repository | null;
  readonly versions: readonly VersionRow[];
  readonly refs: readonly Ref[];
}

/** The reads a feature makes of stored versions, without going through the app's state. */
export type VersionReader = Pick<
  VersionStore,
  'getVersion' | 'getTopology' | 'loadTensors' | 'getAttachments'
>;

/** Live updates across tabs: call the listener now and after every change; returns an unsubscribe. */
export interface RepositoryWatcher {
  watchRepository(
    id: RepoId,
    listener: (view: RepositoryView) => void,
    onError: (e: unknown) => void,
  ): () => void;
  watchRepositories(listener: (repos: Repository[]) => void, onError: (e: unknown) => void): () => void;
}

/** What a tab hears about the database's schema from other tabs. */
export type SchemaEvent = 'outdated' | 'blocked' | 'open';

/**
 * Schema changes made by other tabs: 'outdated' when another tab opened a newer schema (this tab's
 * connection is closed and the page must be reloaded), 'blocked' while this tab's own upgrade waits for a
 * tab still on the old one, 'open' once it went ahead. Returns an unsubscribe.
 */
export interface SchemaWatcher {
  watchSchema(listener: (event: SchemaEvent) => void): () => void;
}
