/** What a training run is, what it hands the trainer, and what it records in the versions it makes. */
import type { PreparedData } from '../core/data';
import type { VersionId } from '../core/hashing';
import type { JsonObject, JsonValue } from '../core/json';
import { historyColumns, type EpochLogs, type TrainConfig } from '../core/model/training';
import type { RepoId } from '../core/versions/types';
import type { TrainingData } from '../core/ports';

/** One run, as its checkpoints and the version it ends in need to know it. */
export interface RunInfo {
  /** Names the run's checkpoint branches. */
  readonly runId: string;
  readonly repoId: RepoId;
  /** The version the live model came from; checkpoints branch off it. */
  readonly base: VersionId | null;
  readonly config: TrainConfig;
  readonly prepared: PreparedData;
  /** `performance.now()` when it started. */
  readonly started: number;
}

/** A run's id for its checkpoint branches: the local time it started, to the second. */
export function runIdAt(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** What a run records in the version it makes (`provenance.training`): every setting, and how it went. */
export function trainingRecord(
  config: TrainConfig,
  run: {
    history: readonly EpochLogs[];
    stoppedEarly: boolean;
    wallTimeMs: number;
    backend: string;
    thread?: 'worker' | 'page';
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
