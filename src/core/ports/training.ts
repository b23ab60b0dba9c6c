/**
 * Building, training and evaluating models, and saving checkpoints: the TF.js side of the model builder and
 * the trainer, wired in app/trainingServices.ts (in a worker where the browser allows, ml/backgroundTraining.ts).
 */
import type { DatasetLoader } from '../data';
import type { VersionId } from '../hashing';
import type { JsonObject } from '../json';
import type { CarryOverReport } from '../model/carryOver';
import type { ConfusionMatrix } from '../model/metrics';
import type { ModelSpec } from '../model/spec';
import type { OptimizedWeight, OptimizerStateMeta } from '../model/optimizerState';
import type { DataBlob } from './storage';
import type { TensorData } from './snapshot';
import type { Task } from '../model/templates';
import type { BatchLogs, EpochLogs, LossName, TrainConfig, TrainResult } from '../model/training';
import type { Metrics, RepoId } from '../versions/types';

/** Rows of numbers in row-major order with their full shape, rows first. */
export interface RowData {
  readonly values: Float32Array | Int32Array | Uint8Array;
  readonly shape: readonly number[];
}

export interface TrainingData {
  readonly xTrain: RowData;
  /** Targets, or class indices (one per row) which are one-hot encoded for categorical cross-entropy. */
  readonly yTrain: RowData;
  readonly xVal?: RowData;
  readonly yVal?: RowData;
}

/** An optimizer's state in memory: its meta and each tensor's bytes (TF.js's layout, `data` set). */
export interface OptimizerState extends OptimizerStateMeta {
  readonly tensors: readonly TensorData[];
}

/** What a run ends with: its result, where its epochs started, and the optimizer's state to keep. */
export interface TrainOutcome extends TrainResult {
  /** The run's first epoch, 0-based, counted over every run its optimizer state went through. */
  readonly firstEpoch: number;
  /** The optimizer's state after the last batch trained (epochs counted on from the state resumed). */
  readonly optimizer: OptimizerState;
}

export interface TrainingCallbacks {
  /** After each batch, in order, once its loss has been read back (in groups, without stalling training). */
  onBatch?(epoch: number, batch: number, batches: number, logs: BatchLogs): void;
  onEpoch?(epoch: number, logs: EpochLogs): void | Promise<void>;
  /** Asked before every batch; true stops there, keeping every update made so far. */
  shouldStop?(): boolean;
  /**
   * After every `config.checkpointEvery`-th complete epoch, counted over every run the optimizer state went
   * through (so a run split in parts checkpoints where one run would); training waits for it, so the
   * weights are that epoch's, and `optimizer` is the state to keep with the checkpoint.
   */
  onCheckpoint?(epoch: number, logs: EpochLogs, optimizer: OptimizerState): void | Promise<void>;
}

export interface EvaluateOptions {
  readonly task: Task;
  /** Defaults: categorical cross-entropy (binary for a single sigmoid output) or mean squared error. */
  readonly loss?: LossName;
  /** Rows per forward pass (default 256). */
  readonly batchSize?: number;
}

export interface ModelEvaluation {
  readonly rows: number;
  readonly loss: number;
  readonly lossName: LossName;
  readonly accuracy?: number;
  /** Rows are true classes, columns predicted ones. */
  readonly confusion?: ConfusionMatrix;
  readonly mae?: number;
  readonly mse?: number;
  readonly r2?: number;
}

export interface Prediction {
  /** Row-major outputs, `shape[0]` rows. */
  readonly values: Float32Array;
  readonly shape: readonly number[];
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
  readonly optimizer?: OptimizerState;
  readonly data?: DataBlob;
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
  /** The weights the optimizer updates, in its order: what an optimizer state must match to continue. */
  trainableWeights(model: M): OptimizedWeight[];
  /**
   * Trains `model` in place. With `resume` it continues that optimizer state (epochs numbered on from
   * `resume.epochs`; the caller checked it fits with `planContinue`); with null the optimizer starts afresh
   * at epoch 0. Shuffling and every random draw derive from `config.seed` and the global epoch and step, so
   * N epochs in one run and the same N split over runs give the same weights (bit for bit on the CPU).
   */
  train(
    model: M,
    data: TrainingData,
    config: TrainConfig,
    callbacks: TrainingCallbacks,
    resume: OptimizerState | null,
  ): Promise<TrainOutcome>;
  evaluate(model: M, x: RowData, y: RowData, options: EvaluateOptions): Promise<ModelEvaluation>;
  predict(model: M, x: RowData): Promise<Prediction>;
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
