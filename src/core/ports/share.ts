/**
 * Sharing's contract: bundles, and model files (TF.js Layers, Keras, safetensors) in and out — what
 * app/shareServices.ts puts together from storage/ and ml/, and state/Share.svelte.ts calls. The live
 * model type `M` stays opaque, so state never touches TF.js.
 */
import type { StandardModelFiles } from '../bundle/modelJson';
import type { Progress } from '../bundle/read';
import type { VersionId } from '../hashing';
import type { JsonObject } from '../json';
import type { KerasNote } from '../keras/configIn';
import type { WeightsPlan } from '../keras/weightsMatch';
import type { ModelSummary, RepoId } from '../versions/types';
import type { BundleExportRequest, ExportedBundle, ImportReport } from './bundles';

export interface NamedBytes {
  /** The file's name; for files from a dropped folder or a zip, its path inside it. */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** Where model files came from, as the reader found it; recorded in the imported version's provenance. */
export interface ModelSource {
  /** `layers-model`, `keras-v3` or `h5`; null for TF.js files from before the converter wrote a format. */
  readonly format: string | null;
  readonly generatedBy: string | null;
  readonly convertedBy: string | null;
  readonly kerasVersion: string | null;
  readonly backend: string | null;
  readonly modelFile: string;
  readonly weightFiles: readonly string[];
  /** Set when the files are a Graft export: the version they were exported from. */
  readonly graftVersionId: string | null;
  /** The model's own name, as its file gives it (Keras's `config.name`); null or absent when it has none. */
  readonly modelName?: string | null;
  /** SHA-256 of the file, for files that are one file (Keras's `.keras` and `.h5`). */
  readonly sha256?: string | null;
}

export interface ModelFromFiles<M> {
  readonly kind?: 'model';
  readonly model: M;
  readonly summary: ModelSummary;
  readonly source: ModelSource;
  readonly warnings: readonly string[];
  /** What translating a Keras file changed, for the dialog to word (see core/keras/configIn.ts). */
  readonly notes?: readonly KerasNote[];
}

/**
 * A weights-only file (`.weights.h5`, `.safetensors`), read; `handle` is the reader's own form of it,
 * which only the services look inside.
 */
export interface WeightsFromFile {
  readonly kind: 'weights';
  readonly handle: unknown;
  readonly fileName: string;
  readonly format: 'weights-h5' | 'safetensors';
  readonly sha256: string;
  readonly kerasVersion: string | null;
  readonly tensorCount: number;
  /** Element types widened to float32 on the way in, e.g. `float16`. */
  readonly converted: readonly string[];
  /** Parts of the file left out, e.g. `optimizer`. */
  readonly skipped: readonly string[];
  /** Things worth knowing that do not stop the load, such as NaN weights. */
  readonly warnings: readonly string[];
}

/** A version of some repository made from the same file (same SHA-256) as the one being imported. */
export interface EarlierImport {
  readonly repoId: RepoId;
  readonly repoName: string;
  readonly versionId: VersionId;
}

/** A file's bytes for the browser to download. */
export interface FileDownload {
  readonly bytes: Uint8Array;
  readonly fileName: string;
}

export interface ShareServices<M> {
  exportBundle(request: BundleExportRequest, onProgress: Progress): Promise<ExportedBundle>;
  /** Bytes of kept data the request's versions have (distinct blobs): what "include the data" would add. */
  bundleDataBytes(request: BundleExportRequest): Promise<number>;
  /**
   * Checks a bundle whole, then imports it in one transaction. `bundle` is the picked File itself (or a
   * Blob of it), never read whole: its zip records and small files are read, and each large weight is
   * checked and stored where it lies in the file. A file that cannot be read partway is refused as
   * `bundle/corrupt`.
   */
  importBundle(bundle: Blob, onProgress: Progress): Promise<ImportReport>;
  /** A stored version as the two files `tf.io.browserDownloads` writes, named from `baseName`. */
  exportTfjsModel(versionId: VersionId, baseName: string): Promise<StandardModelFiles>;
  /**
   * Checks and loads a model from its files — TF.js Layers files, a Keras `.keras` or `.h5` — (the model
   * is the caller's to keep or dispose), or reads a weights-only file, whichever the content is.
   */
  readModelFiles(files: readonly NamedBytes[]): Promise<ModelFromFiles<M> | WeightsFromFile>;
  /** Which of the file's tensors would go into which of the model's weights, and why not. */
  planWeights(model: M, weights: WeightsFromFile): WeightsPlan;
  /** Writes the planned tensors into the model's variables; returns how many. */
  applyWeights(model: M, weights: WeightsFromFile, plan: WeightsPlan): number;
  /** Versions, in any repository, imported from a file with this SHA-256. */
  findImports(sha256: string): Promise<EarlierImport[]>;
  /** A stored version as a Keras 3 `.keras` file. */
  exportKeras(versionId: VersionId, baseName: string): Promise<FileDownload>;
  /** A stored version's weights as a `.safetensors` file. */
  exportSafetensors(versionId: VersionId, baseName: string): Promise<FileDownload>;
  sourceProvenance(source: ModelSource): JsonObject;
  disposeModel(model: M): void;
  /** Hands bytes (or a Blob, as a bundle is) to the browser as a download named `fileName`. */
  saveFile(data: Uint8Array | Blob, fileName: string, mime: string): void;
}
