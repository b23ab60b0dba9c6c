/** What the app's state needs from the outside world, wired up in app/compose.ts. */
import type { DatasetLoader } from '../core/data';
import type { VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import type { CarryOverReport } from '../core/model/carryOver';
import type { ConfusionMatrix } from '../core/model/metrics';
import type { ModelSpec } from '../core/model/spec';
import type { Task } from '../core/model/templates';
import type { BatchLogs, EpochLogs, LossName, TrainConfig, TrainResult } from '../core/model/training';
import type { LayerInfo, LoadedVersion, ModelSnapshot, RepositoryWatcher, VersionStore } from '../core/ports';
import type { Metrics, ModelSummary, RepoId } from '../core/versions/types';

export type BackendChoice = 'webgl' | 'cpu';

export interface BackendInfo {
  readonly active: string;
  readonly requested: BackendChoice;
  readonly fallbackReason?: string;
}

export interface ModelTemplate {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Names of the data sets the template suits, for the New model dialog. */
  readonly datasets?: readonly string[];
  /** Ids of those data sets, in the same order, so the dialog can show their translated names. */
  readonly datasetIds?: readonly string[];
}

export interface ProbeResult {
  readonly rows: number;
  readonly outputs: Float32Array;
  readonly fingerprint: string;
}

/** The ML side, with the live model type kept opaque so state never touches TF.js. */
export interface MlServices<M> {
  readonly templates: readonly ModelTemplate[];
  startBackend(choice: BackendChoice): Promise<BackendInfo>;
  /** Switches backend and rebuilds `model` there from its own weights. */
  moveToBackend(model: M, choice: BackendChoice): Promise<{ model: M; backend: BackendInfo }>;
  createFromTemplate(id: string): M;
  snapshot(model: M): Promise<ModelSnapshot>;
  materialize(loaded: LoadedVersion): Promise<M>;
  summarize(model: M): ModelSummary;
  describeLayers(model: M): LayerInfo[];
  probe(model: M): Promise<ProbeResult>;
  dispose(model: M): void;
  environment(): { backend: string; tfjsVersion: string; userAgent: string };
  tensorCount(): number;
}

export interface Preferences {
  get(key: string): string | null;
  set(key: string, value: string): void;
}

/** The URL: which repository and version a reload or a shared link opens. */
export interface Location {
  read(): { repo: string | null; version: string | null };
  write(state: { repo: string | null; version: string | null }): void;
}

/** The browser's storage manager: room used, quota, and whether data is protected from eviction. */
export interface StorageManagerPort {
  estimate(): Promise<{ usage: number; quota: number } | null>;
  persisted(): Promise<boolean>;
  persist(): Promise<boolean>;
}

export interface Services<M> {
  readonly store: VersionStore & RepositoryWatcher;
  readonly ml: MlServices<M>;
  readonly prefs: Preferences;
  readonly location: Location;
  readonly storageManager: StorageManagerPort;
}

// ---- Building and training models: the TF.js side, wired up in app/trainingServices.ts ----------------

/** Rows of numbers with their full shape, rows first. */
export interface RowData {
  readonly values: Float32Array | Int32Array;
  readonly shape: readonly number[];
}

export interface TrainingData {
  readonly xTrain: RowData;
  /** Class indices, or regression targets, one per row. */
  readonly yTrain: RowData;
  readonly xVal?: RowData;
  readonly yVal?: RowData;
}

export interface TrainingCallbacks {
  onBatch?(epoch: number, batch: number, batches: number, logs: BatchLogs): void;
  onEpoch?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** Asked before every batch; true stops there, keeping what was learned. */
  shouldStop?(): boolean;
  /** After every `checkpointEvery`-th epoch; training waits for it. */
  onCheckpoint?(epoch: number, logs: EpochLogs): void | Promise<void>;
}

export interface ModelEvaluation {
  readonly rows: number;
  readonly loss: number;
  readonly lossName: LossName;
  readonly accuracy?: number;
  readonly confusion?: ConfusionMatrix;
  readonly mae?: number;
  readonly mse?: number;
  readonly r2?: number;
}

/** A copy of a model's weights taken before a risky step, to put back if it goes wrong. */
export interface HeldWeights {
  /** Puts the held values back into the model they were taken from. */
  restore(): void;
  dispose(): void;
}

export interface CheckpointRequest<M> {
  readonly repoId: RepoId;
  /** A branch of its own, created at `parent`, so the checkpoint can later be deleted as a leaf. */
  readonly branch: string;
  readonly parent: VersionId | null;
  readonly message: string;
  readonly model: M;
  readonly provenance: Readonly<Record<string, unknown>>;
  readonly metrics: Metrics;
}

export interface TrainingServices<M> {
  readonly datasets: DatasetLoader;
  /** The model's Keras / TF.js topology, as a save would store it. */
  topologyOf(model: M): JsonObject;
  /** A fresh model from a valid spec, initialised from `seed`. */
  build(spec: ModelSpec, seed: number): M;
  /** Copies trained weights from `from` into `to` for every layer the edit left intact. */
  carryOver(from: M, to: M, fromSpec: ModelSpec, toSpec: ModelSpec): CarryOverReport;
  holdWeights(model: M): HeldWeights;
  /** Trains `model` in place. */
  train(
    model: M,
    data: TrainingData,
    config: TrainConfig,
    callbacks: TrainingCallbacks,
  ): Promise<TrainResult>;
  evaluate(
    model: M,
    x: RowData,
    y: RowData,
    options: { readonly task: Task; readonly loss?: LossName },
  ): Promise<ModelEvaluation>;
  predict(
    model: M,
    x: RowData,
  ): Promise<{ readonly values: Float32Array; readonly shape: readonly number[] }>;
  dispose(model: M): void;
  /** Saves `model` as a `checkpoint` version on its own branch; the branch may get a suffix if taken. */
  commitCheckpoint(
    request: CheckpointRequest<M>,
  ): Promise<{ readonly id: VersionId; readonly branch: string }>;
  /** Deletes a checkpoint's branch, then the checkpoint itself. */
  deleteCheckpoint(repoId: RepoId, branch: string, id: VersionId): Promise<void>;
  /** Runs `callback` before the next paint: how training progress reaches the screen without slowing it. */
  nextFrame(callback: () => void): void;
}
