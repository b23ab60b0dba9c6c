/** What a training run is, what it hands the trainer, and what it records in the versions it makes. */
import type { PreparedData } from '../core/data';
import type { VersionId } from '../core/hashing';
import type { JsonObject, JsonValue } from '../core/json';
import type { AfreshReason } from '../core/model/optimizerState';
import { historyColumns, type EpochLogs, type OptimizerName, type TrainConfig } from '../core/model/training';
import type { RepoId } from '../core/versions/types';
import type { DataBlob, TrainingData } from '../core/ports';

/** Why a run starts its optimizer afresh: the plan's reasons, or an edit since the state was kept. */
export type AfreshWhy = AfreshReason | 'edited';

/** Where a run's optimizer starts: continuing a kept state, or afresh for a reason. */
export type RunStart =
  | {
      readonly kind: 'continue';
      /** 0-based: the run's first epoch, numbered on from the state's. */
      readonly firstEpoch: number;
      /** Optimizer steps the state has taken already. */
      readonly iterations: number;
      readonly optimizer: OptimizerName;
      /** The version that keeps the state; null for the live model's last unsaved run's. */
      readonly from: VersionId | null;
    }
  | { readonly kind: 'afresh'; readonly reason: AfreshWhy };

/** The run's first epoch, 0-based, counted over every run its optimizer state went through. */
export function firstEpochOf(start: RunStart): number {
  return start.kind === 'continue' ? start.firstEpoch : 0;
}

/** One run, as its checkpoints and the version it ends in need to know it. */
export interface RunInfo {
  /** Names the run's checkpoint branches. */
  readonly runId: string;
  readonly repoId: RepoId;
  /** The version the live model came from; checkpoints branch off it. */
  readonly base: VersionId | null;
  readonly config: TrainConfig;
  readonly prepared: PreparedData;
  /** Whether its optimizer continues a kept state, and which. */
  readonly start: RunStart;
  /** The data's bytes, kept with the versions the run makes when they can be. */
  readonly data?: DataBlob;
  /** `performance.now()` when it started. */
  readonly started: number;
}

/** A run's id for its checkpoint branches: the local time it started, to the second. */
export function runIdAt(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/**
 * What a run records in the version it makes (`provenance.training`): every setting, how it went, and
 * whether its optimizer continued a kept state (after how many epochs and steps, from which version) or
 * started afresh (and why).
 */
export function trainingRecord(
  config: TrainConfig,
  run: {
    history: readonly EpochLogs[];
    stoppedEarly: boolean;
    wallTimeMs: number;
    backend: string;
    thread?: 'worker' | 'page';
    start: RunStart;
  },
): JsonObject {
  const record: { [key: string]: JsonValue } = {
    optimizer: config.optimizer,
    learningRate: config.learningRate,
    loss: config.loss,
    batchSize: config.batchSize,
    epochs: config.epochs,
    epochsRun: run.history.length,
    stoppedEarly: run.stoppedEarly,
    seed: config.seed,
    validationSplit: config.validationSplit ?? 0,
    backend: run.backend,
    ...(run.thread ? { thread: run.thread } : {}),
    history: historyColumns(run.history),
    wallTimeMs: Math.round(run.wallTimeMs),
    optimizerState: startRecord(run.start),
  };
  if (config.checkpointEvery) {
    record['checkpointEvery'] = config.checkpointEvery;
    record['checkpointRetention'] = config.checkpointRetention ?? 'best+last';
  }
  return record;
}

/** The prepared data as the trainer takes it: rows of features and one target per row. */
export function trainingData(prepared: PreparedData): TrainingData {
  const features = prepared.dataset.features;
  const { train, validation } = prepared;
  return {
    xTrain: { values: train.x, shape: [train.rows, features] },
    yTrain: { values: train.y, shape: [train.rows] },
    ...(validation.rows > 0
      ? {
          xVal: { values: validation.x, shape: [validation.rows, features] },
          yVal: { values: validation.y, shape: [validation.rows] },
        }
      : {}),
  };
}

function startRecord(start: RunStart): JsonObject {
  if (start.kind === 'afresh') return { continued: false, afreshBecause: start.reason };
  return {
    continued: true,
    ...(start.from ? { continuedFrom: start.from } : {}),
    epochsBefore: start.firstEpoch,
    stepsBefore: start.iterations,
  };
}
