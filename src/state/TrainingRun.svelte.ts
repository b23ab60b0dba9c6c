/**
 * Training the live model on the chosen data: the settings to offer, why it cannot start, whether the run
 * continues the optimizer state the live model keeps (by default) or starts afresh, a run with live
 * progress and Stop, and a NaN loss undone (the broken weights kept aside in case the user wants them).
 */
import { datasetProvenance, keptDataOf, type Dataset } from '../core/data';
import { GraftError, toGraftError, type Result } from '../core/errors';
import type { JsonValue } from '../core/json';
import { planContinue } from '../core/model/optimizerState';
import {
  finalMetrics,
  type EpochLogs,
  type OptimizerName,
  type TrainConfig,
  type TrainProgress,
  type TrainResult,
} from '../core/model/training';
import type { VersionId } from '../core/hashing';
import type { Activity } from './Activity.svelte';
import type { Checkpoints } from './Checkpoints.svelte';
import { dataLabel, type DataSelection } from './DataSelection.svelte';
import { t } from './i18n';
import type { LiveModel, PendingChange } from './LiveModel.svelte';
import type { ModelFit } from './ModelFit.svelte';
import { RunProgress } from './RunProgress.svelte';
import type { HeldWeights, TrainingCallbacks, TrainingServices } from '../core/ports';
import {
  firstEpochOf,
  runIdAt,
  trainingData,
  trainingRecord,
  type RunInfo,
  type RunStart,
} from './trainingRecord';

/** What a run with given settings would do with the optimizer, for the Train panel to say before it starts. */
export type TrainPlan = RunStart & {
  /** The kept state a run starting afresh leaves alone (its optimizer and version), when there is one. */
  readonly kept?: { readonly optimizer: OptimizerName; readonly from: VersionId | null };
};

const NONE_KEPT: RunStart = { kind: 'afresh', reason: 'none-kept' };

type Services<M> = Pick<TrainingServices<M>, 'holdWeights' | 'train' | 'trainableWeights'>;

export class TrainingRun<M> {
  readonly #activity: Activity;
  readonly #liveModel: LiveModel<M>;
  readonly #svc: Services<M>;
  readonly #data: DataSelection;
  readonly #fit: ModelFit<M>;
  readonly #checkpoints: Checkpoints<M>;

  readonly #progress: RunProgress;
  #running = $state(false);
  #result = $state.raw<TrainResult | null>(null);
  /** The current or last run's first epoch, 0-based over every run its optimizer state went through. */
  #firstEpoch = $state(0);
  #failure = $state.raw<{ readonly message: string } | null>(null);

  #stopRequested = false;
  #lastRun = $state.raw<{ readonly dataset: Dataset; readonly config: TrainConfig } | null>(null);
  #broken: { readonly model: M; readonly weights: HeldWeights; readonly pending: PendingChange } | null =
    null;

  /** The last run's settings on this data, with the loss the model needs now; else the suggested ones. */
  readonly config: TrainConfig = $derived.by(() => {
    const last = this.#lastRun;
    const d = this.#data.dataset;
    if (!last || !d || last.dataset !== d) return this.#fit.suggestedConfig;
    const suggested = this.#fit.suggestedConfig.loss;
    const multiClass =
      suggested === 'categoricalCrossentropy' && last.config.loss === 'sparseCategoricalCrossentropy';
    return { ...last.config, loss: multiClass ? last.config.loss : suggested };
  });

  readonly blockedReason: string | null = $derived.by(() => {
    if (this.running) return null;
    if (!this.#fit.live) return t('training.blocked.noModel');
    if (!this.#data.dataset) return t('training.blocked.noData');
    const problem = this.#fit.compatibility?.problems[0];
    if (problem) return t('training.blocked.misfit');
    if (this.#activity.busy) return t('training.blocked.busy', { task: this.#activity.busy });
    return null;
  });

  constructor(
    activity: Activity,
    live: LiveModel<M>,
    services: Services<M> & Pick<TrainingServices<M>, 'nextFrame'>,
    parts: { data: DataSelection; fit: ModelFit<M>; checkpoints: Checkpoints<M> },
  ) {
    this.#activity = activity;
    this.#liveModel = live;
    this.#svc = services;
    this.#data = parts.data;
    this.#fit = parts.fit;
    this.#checkpoints = parts.checkpoints;
    this.#progress = new RunProgress((callback) => services.nextFrame(callback));
  }

  get running(): boolean {
    return this.#running;
  }

  /**
   * Whether a run continues the optimizer state the live model keeps (the Train panel's switch); on by
   * default, and where nothing is kept it changes nothing.
   */
  continueWanted = $state(true);

  /** The kept optimizer state a run would continue and where it is: the unsaved run's, or the version's. */
  readonly #kept = $derived.by(() => {
    const live = this.#liveModel.live;
    if (!live) return null;
    if (live.pending) return live.pending.optimizer ? { meta: live.pending.optimizer, from: null } : null;
    return live.kept.optimizer && live.base ? { meta: live.kept.optimizer, from: live.base } : null;
  });

  /** What a run with `config` would do with the optimizer: continue the kept state, or start afresh and why. */
  planFor(config: Pick<TrainConfig, 'optimizer'>, wanted = this.continueWanted): TrainPlan {
    const live = this.#liveModel.live;
    const kept = this.#kept;
    const trainable = live && kept ? this.#svc.trainableWeights(live.model) : [];
    const plan = planContinue(kept?.meta ?? null, config, trainable, wanted);
    if (plan.kind === 'continue')
      return { ...plan, optimizer: kept?.meta.optimizer ?? config.optimizer, from: kept?.from ?? null };
    if (kept) return { ...plan, kept: { optimizer: kept.meta.optimizer, from: kept.from } };
    // The version keeps a state, but the model changed since (an edit, other weights) and its run left none.
    const edited = live?.pending && live.base && live.kept.optimizer;
    return { kind: 'afresh', reason: edited ? 'edited' : plan.reason };
  }

  /** The current or last run's first epoch (0-based), over every run its optimizer state went through. */
  get firstEpoch(): number {
    return this.#firstEpoch;
  }

  /** How the last run ended. */
  get result(): TrainResult | null {
    return this.#result;
  }

  /** A run that hit a NaN loss: the model was put back as it was; the user may keep the broken one. */
  get failure(): { readonly message: string } | null {
    return this.#failure;
  }

  /** Where the current or last run is, as drawn: at most once a frame. */
  get progress(): TrainProgress | null {
    return this.#progress.progress;
  }
  get history(): readonly EpochLogs[] {
    return this.#progress.history;
  }
  get batchLosses(): readonly number[] {
    return this.#progress.batchLosses;
  }

  /** Trains the live model in place; when it finishes or is stopped, the live model has a change to save. */
  async train(config: TrainConfig): Promise<void> {
    const live = this.#fit.live;
    const dataset = this.#data.dataset;
    if (this.running || !live || !dataset) return;
    const problem = this.#fit.compatibility?.problems[0];
    if (problem) {
      this.#activity.report(new GraftError('error.train/invalid-config.misfit', { problem }));
      return;
    }
    const planned = this.planFor(config);
    this.#discardBroken();
    this.#lastRun = { dataset, config };
    this.#stopRequested = false;
    this.#progress.reset();
    this.#result = null;
    this.#failure = null;
    this.#checkpoints.begin(null);
    this.#firstEpoch = firstEpochOf(planned);
    this.#running = true;
    const model = live.model;
    try {
      await this.#activity.run(t('training.busy.train', { data: dataLabel(dataset) }), async () => {
        const resume = planned.kind === 'continue' ? await this.#liveModel.optimizerState() : null;
        // Another tab's clean-up may have dropped the state since the plan was made: start afresh then.
        const start: RunStart = planned.kind === 'continue' && !resume ? NONE_KEPT : planned;
        this.#firstEpoch = firstEpochOf(start);
        const prepared = await this.#data.splitFor(dataset, config);
        // The data's bytes, kept with the version the run ends in (and its checkpoints); none for a shipped set.
        const kept = await keptDataOf(dataset);
        const run: RunInfo = {
          runId: runIdAt(new Date()),
          repoId: live.repoId,
          base: live.base,
          config,
          prepared,
          start,
          ...(kept ? { data: kept } : {}),
          started: performance.now(),
        };
        this.#checkpoints.begin(run);
        const held = this.#svc.holdWeights(model);
        try {
          const result = await this.#svc.train(
            model,
            trainingData(prepared),
            config,
            this.#callbacks(run, model),
            resume,
          );
          this.#progress.flush();
          this.#firstEpoch = result.firstEpoch;
          this.#result = result;
          if (result.epochsRun === 0) {
            held.restore();
            this.#activity.say(t('training.notice.stoppedAtOnce'));
            return;
          }
          const checkpoints = this.#checkpoints.kept;
          await this.#liveModel.replaceLive(model, {
            change: 'trained',
            description: t(result.stoppedEarly ? 'training.change.trainedEarly' : 'training.change.trained', {
              count: result.epochsRun,
              data: dataLabel(dataset),
            }),
            provenance: {
              wallTimeMs: Math.round(result.wallTimeMs),
              training: {
                ...trainingRecord(config, { ...result, start }),
                ...(checkpoints.length ? { checkpoints } : {}),
              },
              dataset: datasetProvenance(prepared, run.data ?? null),
            },
            metrics: finalMetrics(result.history),
            optimizer: result.optimizer,
            ...(run.data ? { data: run.data } : {}),
          });
        } catch (e) {
          this.#progress.flush();
          const error = toGraftError(e);
          if (error.code === 'train/nan-loss') {
            // Keep the broken weights aside for "Keep anyway", and put the model back as it was.
            this.#broken = {
              model,
              weights: this.#svc.holdWeights(model),
              pending: this.#nanPending(error, run),
            };
            held.restore();
            this.#failure = error;
            return;
          }
          held.restore();
          throw error;
        } finally {
          held.dispose();
        }
      });
    } finally {
      this.#running = false;
    }
  }

  /** Stops the run at the next batch, keeping what it learned. */
  stop(): void {
    this.#stopRequested = true;
  }

  /** Keeps the weights of a run that ended in a NaN loss, as a change the user can save. */
  keepBrokenRun(): Promise<Result<void>> {
    const broken = this.#broken;
    return this.#activity.run(t('training.busy.keepBroken'), async () => {
      if (!broken || this.#liveModel.live?.model !== broken.model)
        throw new GraftError('error.train/invalid-config.run-gone');
      broken.weights.restore();
      await this.#liveModel.replaceLive(broken.model, broken.pending);
      this.#discardBroken();
    });
  }

  dismissFailure(): void {
    this.#discardBroken();
  }

  #discardBroken(): void {
    this.#broken?.weights.dispose();
    this.#broken = null;
    this.#failure = null;
  }

  #nanPending(error: GraftError, run: RunInfo): PendingChange {
    const history = Array.isArray(error.data['history']) ? (error.data['history'] as EpochLogs[]) : [];
    const epoch = typeof error.data['epoch'] === 'number' ? error.data['epoch'] + 1 : null;
    return {
      change: 'trained',
      description: epoch
        ? t('training.change.nanInEpoch', { data: dataLabel(run.prepared.dataset), epoch })
        : t('training.change.nan', { data: dataLabel(run.prepared.dataset) }),
      provenance: {
        training: {
          ...trainingRecord(run.config, {
            history,
            stoppedEarly: true,
            wallTimeMs: performance.now() - run.started,
            backend: this.#liveModel.backend?.active ?? 'unknown',
            start: run.start,
          }),
          nonFiniteLoss: {
            epoch: error.data['epoch'] as JsonValue,
            batch: error.data['batch'] as JsonValue,
          },
        },
        dataset: datasetProvenance(run.prepared, run.data ?? null),
      },
      metrics: {},
      ...(run.data ? { data: run.data } : {}),
    };
  }

  /**
   * The trainer numbers epochs on from the state it continues; progress counts this run's epochs from 0
   * (the bar fills once per run), and the panel adds `firstEpoch` back where it shows numbers.
   */
  #callbacks(run: RunInfo, model: M): TrainingCallbacks {
    const epochs = run.config.epochs;
    const first = firstEpochOf(run.start);
    return {
      onBatch: (epoch, batch, batches, logs) => {
        this.#progress.batch({ epoch: epoch - first, epochs, batch: batch + 1, batches }, logs.loss);
      },
      onEpoch: (epoch, logs) => {
        this.#progress.epoch(
          { epoch: epoch - first, epochs, batch: logs.batches, batches: logs.totalBatches },
          logs,
        );
      },
      shouldStop: () => this.#stopRequested,
      onCheckpoint: (epoch, _logs, optimizer) =>
        this.#checkpoints.save(model, epoch, this.#progress.epochs.slice(), optimizer),
    };
  }
}
