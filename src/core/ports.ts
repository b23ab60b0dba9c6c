/** The interfaces that storage/ and ml/ implement; state/ depends only on these. */
import type { BlobHash, VersionId } from './hashing';
import type { JsonObject } from './json';
import type { SaveTarget } from './versions/placement';
import type {
  ChangeKind,
  Head,
  Metrics,
  ModelSummary,
  Provenance,
  Ref,
  RefKind,
  RefLogEntry,
  RefReason,
  RepoId,
  Repository,
  StoredDType,
  TensorEntry,
  Version,
  VersionRow,
} from './versions/types';

/**
 * One weight tensor: its raw little-endian bytes as TF.js lays them out, either already in memory (`data`)
 * or read on demand (`read`). A live model's snapshot reads lazily and says which hashes it already knows,
 * so a save that changed one layer reads and hashes one layer (no GPU read-back of the rest).
 */
export interface TensorData {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: StoredDType;
  readonly data?: Uint8Array<ArrayBuffer>;
  readonly read?: () => Promise<Uint8Array<ArrayBuffer>>;
  /** The SHA-256 of the bytes when the runtime already knows it (unchanged since the last load or save). */
  readonly hash?: BlobHash;
  /** Called with the SHA-256 once the store has hashed these bytes, so the runtime can remember it. */
  readonly onHashed?: (hash: BlobHash) => void;
}

/** The bytes of a tensor, whichever way it carries them. */
export async function tensorBytes(t: TensorData): Promise<Uint8Array<ArrayBuffer>> {
  if (t.data) return t.data;
  if (t.read) return t.read();
  throw new Error(`Tensor "${t.name}" carries no bytes.`);
}

/** A model taken out of the runtime: its topology and its weights, ready to be committed. */
export interface ModelSnapshot {
  readonly topology: JsonObject;
  readonly summary: ModelSummary;
  readonly tensors: readonly TensorData[];
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

export interface LoadedVersion {
  readonly version: Version;
  readonly topology: JsonObject;
  readonly tensors: readonly { readonly entry: TensorEntry; readonly data: ArrayBuffer }[];
}

export interface BlobProblem {
  readonly hash: BlobHash;
  readonly tensor: string;
  readonly problem: 'missing' | 'corrupt' | 'wrong-size';
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
  readonly bytes: number;
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
   * Like `load`, but returns as soon as the bytes are read, with their re-hashing still running in
   * `verified` (which rejects with the errors `load` would throw). A checkout builds the model while the
   * hashes are checked and throws the model away if they do not match: nothing unverified is ever used.
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

  verify(id: VersionId): Promise<VerifyReport>;
  gc(options: { dryRun: boolean }): Promise<GcReport>;
  usage(repoId?: RepoId): Promise<StorageUsage>;
}

/** The ML runtime's side of the contract: live models in, snapshots out, and back. */
export interface ModelRuntime<M> {
  readonly backend: string;
  snapshot(model: M): Promise<ModelSnapshot>;
  materialize(loaded: LoadedVersion): Promise<M>;
}

/** What the history shows of one repository; pushed again whenever any tab changes it. */
export interface RepositoryView {
  readonly repository: Repository | null;
  readonly versions: readonly VersionRow[];
  readonly refs: readonly Ref[];
}

/** Live updates across tabs: call the listener now and after every change; returns an unsubscribe. */
/** The reads a feature makes of stored versions, without going through the app's state. */
export type VersionReader = Pick<VersionStore, 'getVersion' | 'getTopology' | 'loadTensors'>;

export interface RepositoryWatcher {
  watchRepository(
    id: RepoId,
    listener: (view: RepositoryView) => void,
    onError: (e: unknown) => void,
  ): () => void;
  watchRepositories(listener: (repos: Repository[]) => void, onError: (e: unknown) => void): () => void;
}

/** A layer as the architecture table shows it. */
export interface LayerInfo {
  readonly name: string;
  readonly className: string;
  readonly outputShape: string;
  readonly params: number;
  readonly trainable: boolean;
}
