/**
 * A run's checkpoints: a version every N epochs, each on a branch of its own off the run's base, of which
 * the retention rule keeps only some (the best and the last, say) and deletes the rest as the run goes.
 */
import { datasetProvenance } from '../core/data';
import { GraftError, toGraftError } from '../core/errors';
import type { VersionId } from '../core/hashing';
import {
  checkpointsToKeep,
  finalMetrics,
  type CheckpointRecord,
  type EpochLogs,
} from '../core/model/training';
import type { Activity } from './Activity.svelte';
import { dataLabel } from './DataSelection.svelte';
import { t } from './i18n';
import type { LiveModel } from './LiveModel.svelte';
import type { OptimizerState, TrainingServices } from '../core/ports';
import { firstEpochOf, trainingRecord, type RunInfo } from './trainingRecord';

export interface CheckpointInfo {
  readonly id: VersionId;
  readonly branch: string;
  /** 1-based, numbered on over every run the optimizer state went through. */
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss: number | null;
}

export class Checkpoints<M> {
  readonly #activity: Activity;
  readonly #liveModel: LiveModel<M>;
  readonly #svc: Pick<TrainingServices<M>, 'commitCheckpoint' | 'deleteCheckpoint'>;
  #run: RunInfo | null = null;
  #records: CheckpointRecord<VersionId>[] = [];
  readonly #branches = new Map<VersionId, string>();

  #list = $state.raw<readonly CheckpointInfo[]>([]);

  constructor(
    activity: Activity,
    live: LiveModel<M>,
    services: Pick<TrainingServices<M>, 'commitCheckpoint' | 'deleteCheckpoint'>,
  ) {
    this.#activity = activity;
    this.#liveModel = live;
    this.#svc = services;
  }

  /** The current run's checkpoints that the retention rule keeps, oldest first. */
  get list(): readonly CheckpointInfo[] {
    return this.#list;
  }

  /** Forgets the last run's checkpoints (they stay in the history) and starts counting `run`'s. */
  begin(run: RunInfo | null): void {
    this.#run = run;
    this.#records = [];
    this.#branches.clear();
    this.#list = [];
  }

  /** The ids of the checkpoints kept so far, for the version the run ends in. */
  get kept(): VersionId[] {
    return this.#records.map((r) => r.key);
  }

  /**
   * Saves `model` after `epoch` (0-based, numbered on from the state the run continues) with the optimizer's
   * state then and the run's data, given the run's epochs so far; a failure is reported, and the run goes on.
   */
  async save(
    model: M,
    epoch: number,
    history: readonly EpochLogs[],
    optimizer?: OptimizerState,
  ): Promise<void> {
    const run = this.#run;
    const logs = history[history.length - 1];
    if (!run || !logs) return;
    try {
      const saved = await this.#svc.commitCheckpoint({
        repoId: run.repoId,
        branch: `checkpoints/${run.runId}/epoch-${epoch + 1}`,
        parent: run.base,
        message: t('training.checkpoint.message', {
          epoch: epoch + 1,
          epochs: firstEpochOf(run.start) + run.config.epochs,
          data: dataLabel(run.prepared.dataset),
        }),
        model,
        provenance: {
          training: trainingRecord(run.config, {
            history,
            stoppedEarly: false,
            wallTimeMs: performance.now() - run.started,
            backend: this.#liveModel.backend?.active ?? 'unknown',
            start: run.start,
          }),
          dataset: datasetProvenance(run.prepared, run.data ?? null),
          checkpoint: { run: run.runId, epoch: epoch + 1 },
        },
        metrics: finalMetrics(history),
        ...(optimizer ? { optimizer } : {}),
        ...(run.data ? { data: run.data } : {}),
      });
      this.#branches.set(saved.id, saved.branch);
      this.#records.push({ key: saved.id, epoch, logs });
      const keep = checkpointsToKeep(this.#records, run.config.checkpointRetention ?? 'best+last');
      for (const record of this.#records) {
        const branch = this.#branches.get(record.key);
        if (!keep.has(record.key) && branch) await this.#svc.deleteCheckpoint(run.repoId, branch, record.key);
      }
      this.#records = this.#records.filter((r) => keep.has(r.key));
      this.#list = this.#records.map((r) => ({
        id: r.key,
        branch: this.#branches.get(r.key) ?? '',
        epoch: r.epoch + 1,
        loss: r.logs.loss,
        valLoss: r.logs.val_loss ?? null,
      }));
    } catch (e) {
      // The cause is worded inside the sentence in the reader's language; a full disk keeps its code, so
      // the storage alert still offers to clean up.
      const cause = toGraftError(e);
      this.#activity.report(
        new GraftError(
          cause.code === 'storage/quota-exceeded'
            ? 'error.storage/quota-exceeded.checkpoint'
            : 'error.storage/failed.checkpoint',
          { epoch: epoch + 1, reason: { part: cause.key, vars: cause.data, en: cause.message } },
          { cause: e },
        ),
      );
    }
  }
}
