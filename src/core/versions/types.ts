/** The version model: repositories hold immutable, content-addressed versions; refs are the only things that move. */
import type { BlobHash, VersionId } from '../hashing';
import type { JsonObject } from '../json';
import type { OptimizerStateMeta } from '../model/optimizerState';

declare const repoBrand: unique symbol;
export type RepoId = string & { readonly [repoBrand]: 'RepoId' };

/** Tensor dtypes whose bytes Graft stores (TF.js Layers weights are float32; int32/bool appear in imports). */
export type StoredDType = 'float32' | 'int32' | 'bool';

export const BYTES_PER_ELEMENT: Record<StoredDType, number> = { float32: 4, int32: 4, bool: 1 };

export interface TensorEntry {
  /** The weight's name as TF.js writes it in weightSpecs, e.g. `dense_Dense1/kernel`. */
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: StoredDType;
  readonly hash: BlobHash;
  readonly byteLength: number;
}

/** Why a version exists. `rollback` versions restore an earlier version's content without rewriting anything. */
export type ChangeKind = 'created' | 'trained' | 'edited' | 'imported' | 'checkpoint' | 'rollback' | 'merged';
export const CHANGE_KINDS: readonly ChangeKind[] = [
  'created',
  'trained',
  'edited',
  'imported',
  'checkpoint',
  'rollback',
  'merged',
];

/** What Graft records about how a version was made, without the user typing it. */
export interface Provenance {
  readonly app: string;
  readonly backend?: string;
  readonly tfjsVersion?: string;
  readonly userAgent?: string;
  readonly wallTimeMs?: number;
  readonly training?: JsonObject;
  readonly dataset?: JsonObject;
  readonly source?: JsonObject;
  readonly [key: string]: unknown;
}

export type Metrics = Readonly<Record<string, number>>;

/**
 * A short description of the architecture, kept in the small version row for listing. Read a model's
 * inputs and outputs with `inputShapesOf`/`outputShapesOf` (./summary.ts), which handle both forms.
 */
export interface ModelSummary {
  readonly className: string;
  readonly layerCount: number;
  readonly paramCount: number;
  /** The first input's shape, batch first. */
  readonly inputShape: readonly (number | null)[] | null;
  /** The first output's shape, batch first. */
  readonly outputShape: readonly (number | null)[] | null;
  /** Every input's shape, only when the model has several (the first equals `inputShape`). */
  readonly inputShapes?: readonly (readonly (number | null)[])[];
  /** Every output's shape, only when the model has several (the first equals `outputShape`). */
  readonly outputShapes?: readonly (readonly (number | null)[])[];
}

/** Everything that is hashed into a version id. Changing any of it would be a different version. */
export interface VersionContent {
  readonly repoId: RepoId;
  readonly parents: readonly VersionId[];
  readonly message: string;
  readonly createdAt: string;
  readonly change: ChangeKind;
  /** SHA-256 of the canonical JSON of the Keras/TF.js model topology, stored as a blob. */
  readonly topologyHash: BlobHash;
  readonly summary: ModelSummary;
  readonly tensors: readonly TensorEntry[];
  readonly provenance: Provenance;
  readonly metrics: Metrics;
  /** For `rollback` versions: the version whose content this one restores. */
  readonly restoredFrom?: VersionId;
}

export interface Version extends VersionContent {
  readonly id: VersionId;
}

/** The small row the history reads: a version without its tensor list and full provenance. */
export interface VersionRow {
  readonly id: VersionId;
  readonly repoId: RepoId;
  readonly parents: readonly VersionId[];
  readonly message: string;
  readonly createdAt: string;
  readonly change: ChangeKind;
  readonly topologyHash: BlobHash;
  readonly summary: ModelSummary;
  readonly metrics: Metrics;
  readonly tensorCount: number;
  readonly totalBytes: number;
  readonly restoredFrom?: VersionId;
  /** An amended message. Not part of the content address: the version itself never changes. */
  readonly note?: { readonly message: string; readonly at: string };
}

/** An optimizer's state as stored: its meta, and its tensors as content-addressed blobs like weights. */
export interface StoredOptimizerState extends OptimizerStateMeta {
  readonly tensors: readonly TensorEntry[];
}

/** The bytes of a data set a version was trained on, kept as one content-addressed blob. */
export interface KeptData {
  readonly hash: BlobHash;
  readonly byteLength: number;
}

/**
 * What a version keeps beside its content, outside its id: clean-up may drop either without changing the
 * version (it then trains afresh, or asks for its data file again). Rollbacks carry their target's.
 */
export interface VersionAttachments {
  readonly optimizer?: StoredOptimizerState;
  readonly data?: KeptData;
}

export type RefKind = 'branch' | 'tag';

export interface Ref {
  readonly repoId: RepoId;
  readonly name: string;
  readonly kind: RefKind;
  readonly target: VersionId;
  readonly updatedAt: string;
}

/** HEAD says what "current" means: a branch (saves move it), or one version looked at directly. */
export type Head =
  | { readonly kind: 'branch'; readonly name: string }
  | { readonly kind: 'detached'; readonly version: VersionId };

export interface Repository {
  readonly id: RepoId;
  readonly name: string;
  readonly createdAt: string;
  readonly head: Head;
  readonly description?: string;
}

/** Why a ref moved, stored in the ref log as a code with its data and worded by the UI. */
export type RefReason =
  | { readonly code: 'saved'; readonly change: ChangeKind; readonly message: string }
  | { readonly code: 'branch-created' }
  | { readonly code: 'branch-moved' }
  | { readonly code: 'saved-on-older' }
  | { readonly code: 'saved-conflict'; readonly branch: string }
  | { readonly code: 'checkpoint' }
  | { readonly code: 'tag-placed' }
  | { readonly code: 'tag-moved'; readonly from: VersionId }
  | { readonly code: 'renamed'; readonly from: string; readonly to: string }
  | { readonly code: 'deleted' }
  | { readonly code: 'version-deleted'; readonly id: VersionId }
  | { readonly code: 'imported' | 'import-moved' | 'import-renamed' };

/** One movement of a ref, kept forever so a tag or branch can show where it used to point. */
export interface RefLogEntry {
  readonly repoId: RepoId;
  readonly name: string;
  readonly kind: RefKind;
  readonly from: VersionId | null;
  readonly to: VersionId | null;
  readonly at: string;
  /** A code with its data; older databases stored a sentence in English, shown as it was. */
  readonly reason: RefReason | string;
}

export const DEFAULT_BRANCH = 'main';

export function toRow(v: Version): VersionRow {
  const row: VersionRow = {
    id: v.id,
    repoId: v.repoId,
    parents: v.parents,
    message: v.message,
    createdAt: v.createdAt,
    change: v.change,
    topologyHash: v.topologyHash,
    summary: v.summary,
    metrics: v.metrics,
    tensorCount: v.tensors.length,
    totalBytes: v.tensors.reduce((n, t) => n + t.byteLength, 0),
  };
  return v.restoredFrom === undefined ? row : { ...row, restoredFrom: v.restoredFrom };
}
