/**
 * A model's weights and topology as they travel between the ML runtime and the version store: a live model's
 * snapshot on its way in (read lazily, hashed by the store), a stored version's bytes on their way out.
 */
import type { BlobHash } from '../hashing';
import type { JsonObject } from '../json';
import type { ModelSummary, StoredDType, TensorEntry, Version } from '../versions/types';

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

export interface LoadedVersion {
  readonly version: Version;
  readonly topology: JsonObject;
  readonly tensors: readonly { readonly entry: TensorEntry; readonly data: ArrayBuffer }[];
}

/** Just what rebuilding a model needs: its topology and each weight's name, shape, type and bytes. */
export interface WeightsInMemory {
  readonly topology: JsonObject;
  readonly tensors: readonly {
    readonly entry: Pick<TensorEntry, 'name' | 'shape' | 'dtype'>;
    readonly data: ArrayBuffer;
  }[];
}
