/**
 * Training the live model on a data set: the data and its preparation, a run with live progress that
 * reaches the screen at most once per frame, checkpoints with a retention rule, what a run records for the version
 * it makes, evaluation of the live model or any version, and predictions on typed or drawn input.
 */
import {
  applyNormalization,
  datasetProvenance,
  denormalizeTargets,
  normalizationFromJson,
  normalizeTargets,
  prepareDataset,
  takeRows,
  type DataPart,
  type Dataset,
  type NormalizationStats,
  type PreparedData,
} from '../core/data';
import type { PredictionMatrix } from '../core/diff/predictions';
import { GraftError, toGraftError, type Result } from '../core/errors';
import { shortId, type VersionId } from '../core/hashing';
import { isJsonObject, type JsonObject, type JsonValue } from '../core/json';
import { formatShape } from '../core/model/analyze';
import { shapeText, type ShapeWords } from '../core/model/shapeText';
import { regressionMetrics } from '../core/model/metrics';
import { MODEL_TEMPLATES } from '../core/model/templates';
import {
  checkpointsToKeep,
  DEFAULT_TRAIN_CONFIG,
  finalMetrics,
  historyColumns,
  type CheckpointRecord,
  type EpochLogs,
  type LossName,
  type TrainConfig,
  type TrainProgress,
  type TrainResult,
} from '../core/model/training';
import type { BehaviourSource } from './Compare.svelte';
import type { DataFit } from './Builder.svelte';
import type {
  HeldWeights,
  ModelEvaluation,
  RowData,
  TrainingCallbacks,
  TrainingData,
  TrainingServices,
} from './services';
import { locale, t } from './i18n';
import type { VersionReader } from '../core/ports';
import type { Activity } from './Activity.svelte';
import type { History } from './History.svelte';
import type { Live, LiveModel, PendingChange } from './LiveModel.svelte';

/** Which model to evaluate or ask: the live one, or a saved version. */
export type ModelChoice = 'live' | VersionId;

/** Who shows behaviour comparisons: the Compare state, in the app. */
export interface BehaviourTarget {
  setBehaviourSource(source: BehaviourSource | null): void;
}

/** A mismatch between the live model and the data set, and what the model would need to fit. */
export interface Compatibility {
  readonly problems: readonly string[];
  readonly fit: DataFit;
}

export interface CheckpointInfo {
  readonly id: VersionId;
  readonly branch: string;
  /** 1-based. */
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss: number | null;
}

export interface EvaluationView<M> {
  readonly choice: ModelChoice;
  /** The live model as it was when evaluated: the result is hidden once it changes. */
  readonly live: Live<M> | null;
  readonly label: string;
  readonly rows: string;
  readonly normalization: string;
  readonly result: ModelEvaluation;
  readonly classNames: readonly string[] | null;
}

export interface TryResult<M> {
  readonly choice: ModelChoice;
  readonly live: Live<M> | null;
  /** Class probabilities (classification) or the predicted value in the data's units (regression). */
  readonly scores: readonly number[] | null;
  readonly best: number | null;
  readonly value: number | null;
  readonly classNames: readonly string[];
}

interface RunContext {
  readonly runId: string;
  readonly repoId: Live<unknown>['repoId'];
  readonly base: VersionId | null;
  readonly config: TrainConfig;
  readonly prepared: PreparedData;
  readonly started: number;
  records: CheckpointRecord<VersionId>[];
  readonly branches: Map<VersionId, string>;
}

const product = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);
/** Words for one example's shape: with the batch left out, any dimension not fixed is of any size. */
const perExampleWords = (): ShapeWords => ({ batch: t('common.anyDim'), any: t('common.anyDim') });

/** How many first parents to follow looking for the data a version's weights were trained on. */
const MAX_ANCESTRY = 200;

/** A run's id for its checkpoint branches: the local time it started, to the second. */
export function runIdAt(date: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`;
}

/** The data module's id of the data a template names: a shipped id or a generator's kind. */
function templateKey(dataset: Dataset): string | null {
  const s = dataset.source;
  return s.kind === 'shipped' ? s.id : s.kind === 'generated' ? s.generator : null;
}

/** The data set's name in the active language: shipped and generated sets have one in the catalogue. */
function dataLabel(dataset: Dataset): string {
  const key = `data.set.${templateKey(dataset) ?? ''}.name`;
  return locale.has(key) ? t(key) : dataset.name;
}

/** The loss a model with `units` outputs needs for this data. */
export function lossFor(dataset: Dataset, units: number | null): LossName {
  if (dataset.task === 'regression') return 'meanSquaredError';
  return units === 1 ? 'binaryCrossentropy' : 'categoricalCrossentropy';
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

/** The rows evaluations and comparisons use: the validation rows, or every row when there are none. */
export function evaluationRows(prepared: PreparedData): { part: DataPart; label: string } {
  const validation = prepared.split.validation;
  const which = validation.length > 0 ? validation : prepared.split.train;
  const part = takeRows(prepared.dataset, which);
  return {
    part,
    label: t(validation.length > 0 ? 'training.rows.validation' : 'training.rows.all', {
      count: part.rows,
      data: dataLabel(prepared.dataset),
    }),
  };
}

/** Probabilities per class from a model's output row: a sigmoid's one value becomes [1 − p, p]. */
export function classScores(row: ArrayLike<number>): number[] {
  const values = Array.from(row);
  if (values.length === 1) {
    const p = values[0] ?? 0;
    return [1 - p, p];
  }
  const sum = values.reduce((a, b) => a + b, 0);
  if (values.every((v) => v >= 0) && Math.abs(sum - 1) < 1e-3) return values;
  // Raw scores (a linear last layer): softmax them for display.
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const total = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / total);
}

export class Training<M> {
  readonly #activity: Activity;
  readonly #repoHistory: History;
  readonly #liveModel: LiveModel<M>;
  readonly #reader: VersionReader;
  readonly #svc: TrainingServices<M>;
  readonly #behaviour: BehaviourTarget | null;

  dataset = $state.raw<Dataset | null>(null);
  /** The data as the last run (or the default settings) split and scaled it. */
  prepared = $state.raw<PreparedData | null>(null);
  running = $state(false);
  progress = $state.raw<TrainProgress | null>(null);
  history = $state.raw<readonly EpochLogs[]>([]);
  batchLosses = $state.raw<readonly number[]>([]);
  result = $state.raw<TrainResult | null>(null);
  /** A run that hit a NaN loss: the model was put back as it was; the user may keep the broken one. */
  failure = $state.raw<{ readonly message: string } | null>(null);
  checkpoints = $state.raw<readonly CheckpointInfo[]>([]);
  #choice = $state.raw<ModelChoice>('live');
  evaluation = $state.raw<EvaluationView<M> | null>(null);
  tried = $state.raw<TryResult<M> | null>(null);
  tryError = $state<string | null>(null);

  #stopRequested = false;
  #lastRun = $state.raw<{ readonly dataset: Dataset; readonly config: TrainConfig } | null>(null);
  #broken: { readonly model: M; readonly weights: HeldWeights; readonly pending: PendingChange } | null =
    null;
  /** Progress gathered between frames; only `#flush` writes it to the reactive fields. */
  #buffer = { progress: null as TrainProgress | null, losses: [] as number[], history: [] as EpochLogs[] };
  #frameRequested = false;
  #versionModel: { readonly id: VersionId; readonly model: Promise<M> } | null = null;
  #tryRunning = false;
  #tryNext: { readonly values: readonly number[]; readonly choice: ModelChoice } | null = null;

  constructor(
    activity: Activity,
    history: History,
    live: LiveModel<M>,
    reader: VersionReader,
    services: TrainingServices<M>,
    behaviour: BehaviourTarget | null = null,
  ) {
    this.#activity = activity;
    this.#repoHistory = history;
    this.#liveModel = live;
    this.#reader = reader;
    this.#svc = services;
    this.#behaviour = behaviour;
  }

  get loader() {
    return this.#svc.datasets;
  }

  /** The live model of the open repository, if any. */
  readonly #live = $derived.by(() => {
    const live = this.#liveModel.live;
    return live && live.repoId === this.#repoHistory.repoId ? live : null;
  });

  /** Output units of the live model's last layer; null when it has no fixed output. */
  readonly outputUnits: number | null = $derived.by(() => {
    const shape = this.#live?.summary.outputShape;
    const last = shape ? shape[shape.length - 1] : null;
    return typeof last === 'number' ? last : null;
  });

  readonly compatibility: Compatibility | null = $derived.by(() => {
    const live = this.#live;
    const d = this.dataset;
    if (!live || !d) return null;
    const problems: string[] = [];
    const input = live.summary.inputShape?.slice(1) ?? [];
    if (input.some((n) => n === null)) problems.push(t('training.misfit.variableInput'));
    else if (product(input as number[]) !== d.features)
      problems.push(
        t('training.misfit.features', {
          values: product(input as number[]),
          shape: formatShape(input as number[]),
          data: dataLabel(d),
          features: d.features,
        }),
      );
    const units = this.outputUnits;
    const outputRank = (live.summary.outputShape?.length ?? 2) - 1;
    let outputs: number | null = null;
    if (outputRank !== 1)
      problems.push(
        t(d.task === 'regression' ? 'training.misfit.outputValues' : 'training.misfit.outputScores', {
          shape: shapeText((live.summary.outputShape ?? []).slice(1), perExampleWords()),
        }),
      );
    else if (d.task === 'regression') {
      if (units !== 1) {
        outputs = 1;
        problems.push(t('training.misfit.regression', { count: units ?? 0, label: d.labelName }));
      }
    } else {
      const classes = d.classNames.length;
      if (!(units === classes || (units === 1 && classes === 2))) {
        outputs = classes;
        problems.push(t('training.misfit.classes', { count: units ?? 0, data: dataLabel(d), classes }));
      }
    }
    return { problems, fit: { name: dataLabel(d), features: d.features, outputs, task: d.task } };
  });

  /** Templates that suit the chosen data set, to suggest when the model does not. */
  readonly suitedTemplates = $derived.by(() => {
    const key = this.dataset ? templateKey(this.dataset) : null;
    return key ? MODEL_TEMPLATES.filter((t) => t.datasets.includes(key)) : [];
  });

  /** Settings that suit this data and model: the data's template's, with the loss the model's output needs. */
  readonly suggestedConfig: TrainConfig = $derived.by(() => {
    const d = this.dataset;
    const template = this.suitedTemplates[0];
    const config: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, ...(template?.training ?? {}) };
    return d ? { ...config, loss: lossFor(d, this.outputUnits) } : config;
  });

  /** The last run's settings on this data, with the loss the model needs now; else the suggested ones. */
  readonly config: TrainConfig = $derived.by(() => {
    const last = this.#lastRun;
    const d = this.dataset;
    if (!last || !d || last.dataset !== d) return this.suggestedConfig;
    const suggested = this.suggestedConfig.loss;
    const multiClass =
      suggested === 'categoricalCrossentropy' && last.config.loss === 'sparseCategoricalCrossentropy';
    return { ...last.config, loss: multiClass ? last.config.loss : suggested };
  });

  readonly blockedReason: string | null = $derived.by(() => {
    if (this.running) return null;
    if (!this.#live) return t('training.blocked.noModel');
    if (!this.dataset) return t('training.blocked.noData');
    const problem = this.compatibility?.problems[0];
    if (problem) return t('training.blocked.misfit');
    if (this.#activity.busy) return t('training.blocked.busy', { task: this.#activity.busy });
    return null;
  });

  /** The last evaluation, while the model it measured is still the one it names. */
  readonly currentEvaluation: EvaluationView<M> | null = $derived.by(() =>
    this.evaluation && (this.evaluation.choice !== 'live' || this.evaluation.live === this.#liveModel.live)
      ? this.evaluation
      : null,
  );
  readonly currentTry: TryResult<M> | null = $derived.by(() =>
    this.tried && (this.tried.choice !== 'live' || this.tried.live === this.#liveModel.live)
      ? this.tried
      : null,
  );

  // ---- data ---------------------------------------------------------------------------------------

  /** Makes `dataset` the data to train on, split and scaled with the suggested settings until a run says otherwise. */
  useDataset(dataset: Dataset): Promise<Result<void>> {
    return this.#activity.run(t('training.busy.prepare'), async () => {
      this.dataset = dataset;
      this.prepared = null;
      this.evaluation = null;
      this.tried = null;
      this.tryError = null;
      const config = this.suggestedConfig;
      this.prepared = await prepareDataset(dataset, {
        validationFraction: config.validationSplit ?? 0,
        seed: config.seed,
      });
      this.#publishBehaviour();
    });
  }

  clearDataset(): void {
    this.dataset = null;
    this.prepared = null;
    this.evaluation = null;
    this.tried = null;
    this.#publishBehaviour();
  }

  async #prepare(dataset: Dataset, config: TrainConfig): Promise<PreparedData> {
    const fraction = config.validationSplit ?? 0;
    const p = this.prepared;
    if (p && p.dataset === dataset && p.split.seed === config.seed && p.split.validationFraction === fraction)
      return p;
    const prepared = await prepareDataset(dataset, { validationFraction: fraction, seed: config.seed });
    this.prepared = prepared;
    this.#publishBehaviour();
    return prepared;
  }

  // ---- training -----------------------------------------------------------------------------------

  /** Trains the live model in place; when it finishes or is stopped, the live model has a change to save. */
  async train(config: TrainConfig): Promise<void> {
    const live = this.#live;
    const dataset = this.dataset;
    if (this.running || !live || !dataset) return;
    const problem = this.compatibility?.problems[0];
    if (problem) {
      this.#activity.report(
        new GraftError('train/invalid-config', `${problem} Adapt the model or pick other data.`),
      );
      return;
    }
    this.#discardBroken();
    this.#lastRun = { dataset, config };
    this.#stopRequested = false;
    this.#buffer = { progress: null, losses: [], history: [] };
    this.progress = null;
    this.history = [];
    this.batchLosses = [];
    this.result = null;
    this.failure = null;
    this.checkpoints = [];
    this.running = true;
    const model = live.model;
    try {
      await this.#activity.run(t('training.busy.train', { data: dataLabel(dataset) }), async () => {
        const prepared = await this.#prepare(dataset, config);
        const run: RunContext = {
          runId: runIdAt(new Date()),
          repoId: live.repoId,
          base: live.base,
          config,
          prepared,
          started: performance.now(),
          records: [],
          branches: new Map(),
        };
        const held = this.#svc.holdWeights(model);
        try {
          const result = await this.#svc.train(
            model,
            trainingData(prepared),
            config,
            this.#callbacks(run, model),
          );
          this.#flush();
          this.result = result;
          if (result.epochsRun === 0) {
            held.restore();
            this.#activity.say(t('training.notice.stoppedAtOnce'));
            return;
          }
          await this.#liveModel.replaceLive(model, {
            change: 'trained',
            description: t(result.stoppedEarly ? 'training.change.trainedEarly' : 'training.change.trained', {
              count: result.epochsRun,
              data: dataLabel(dataset),
            }),
            provenance: {
              wallTimeMs: Math.round(result.wallTimeMs),
              training: {
                ...trainingRecord(config, result),
                ...(run.records.length ? { checkpoints: run.records.map((r) => r.key) } : {}),
              },
              dataset: datasetProvenance(prepared),
            },
            metrics: finalMetrics(result.history),
          });
        } catch (e) {
          this.#flush();
          const error = toGraftError(e);
          if (error.code === 'train/nan-loss') {
            // Keep the broken weights aside for "Keep anyway", and put the model back as it was.
            this.#broken = {
              model,
              weights: this.#svc.holdWeights(model),
              pending: this.#nanPending(error, run),
            };
            held.restore();
            this.failure = error;
            return;
          }
          held.restore();
          throw error;
        } finally {
          held.dispose();
        }
      });
    } finally {
      this.running = false;
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
        throw new GraftError('train/invalid-config', 'That run’s model is no longer the live model.');
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
    this.failure = null;
  }

  #nanPending(error: GraftError, run: RunContext): PendingChange {
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
          }),
          nonFiniteLoss: {
            epoch: error.data['epoch'] as JsonValue,
            batch: error.data['batch'] as JsonValue,
          },
        },
        dataset: datasetProvenance(run.prepared),
      },
      metrics: {},
    };
  }

  #callbacks(run: RunContext, model: M): TrainingCallbacks {
    const epochs = run.config.epochs;
    return {
      onBatch: (epoch, batch, batches, logs) => {
        this.#buffer.progress = { epoch, epochs, batch: batch + 1, batches };
        this.#buffer.losses.push(logs.loss);
        this.#requestFrame();
      },
      onEpoch: (epoch, logs) => {
        this.#buffer.history.push(logs);
        this.#buffer.progress = { epoch, epochs, batch: logs.batches, batches: logs.totalBatches };
        this.#requestFrame();
      },
      shouldStop: () => this.#stopRequested,
      onCheckpoint: (epoch) => this.#checkpoint(run, model, epoch),
    };
  }

  /** Progress reaches the screen when the services say (at most once a frame), however fast the batches come. */
  #requestFrame(): void {
    if (this.#frameRequested) return;
    this.#frameRequested = true;
    this.#svc.nextFrame(() => {
      this.#frameRequested = false;
      this.#flush();
    });
  }

  #flush(): void {
    const b = this.#buffer;
    if (b.progress !== this.progress) this.progress = b.progress;
    if (b.losses.length !== this.batchLosses.length) this.batchLosses = b.losses.slice();
    if (b.history.length !== this.history.length) this.history = b.history.slice();
  }

  async #checkpoint(run: RunContext, model: M, epoch: number): Promise<void> {
    const dataset = run.prepared.dataset;
    const history = this.#buffer.history.slice();
    const logs = history[history.length - 1];
    if (!logs) return;
    try {
      const saved = await this.#svc.commitCheckpoint({
        repoId: run.repoId,
        branch: `checkpoints/${run.runId}/epoch-${epoch + 1}`,
        parent: run.base,
        message: t('training.checkpoint.message', {
          epoch: epoch + 1,
          epochs: run.config.epochs,
          data: dataLabel(dataset),
        }),
        model,
        provenance: {
          training: trainingRecord(run.config, {
            history,
            stoppedEarly: false,
            wallTimeMs: performance.now() - run.started,
            backend: this.#liveModel.backend?.active ?? 'unknown',
          }),
          dataset: datasetProvenance(run.prepared),
          checkpoint: { run: run.runId, epoch: epoch + 1 },
        },
        metrics: finalMetrics(history),
      });
      run.branches.set(saved.id, saved.branch);
      run.records.push({ key: saved.id, epoch, logs });
      const keep = checkpointsToKeep(run.records, run.config.checkpointRetention ?? 'best+last');
      for (const record of run.records) {
        const branch = run.branches.get(record.key);
        if (!keep.has(record.key) && branch) await this.#svc.deleteCheckpoint(run.repoId, branch, record.key);
      }
      run.records = run.records.filter((r) => keep.has(r.key));
      this.checkpoints = run.records.map((r) => ({
        id: r.key,
        branch: run.branches.get(r.key) ?? '',
        epoch: r.epoch + 1,
        loss: r.logs.loss,
        valLoss: r.logs.val_loss ?? null,
      }));
    } catch (e) {
      this.#activity.report(
        new GraftError(
          toGraftError(e).code,
          t('training.checkpoint.failed', { epoch: epoch + 1, reason: toGraftError(e).message }),
          { cause: e },
        ),
      );
    }
  }

  // ---- evaluation and predictions -----------------------------------------------------------------

  /** The model chosen for evaluation and predictions; the live one when the chosen version is not in the open repository. */
  get choice(): ModelChoice {
    const c = this.#choice;
    return c === 'live' || this.#repoHistory.versions.some((v) => v.id === c) ? c : 'live';
  }

  choose(choice: ModelChoice): void {
    this.#choice = choice;
  }

  /** Loss and accuracy with a confusion matrix, or regression errors, of a model on the evaluation rows. */
  evaluate(choice: ModelChoice = this.choice): Promise<Result<void>> {
    return this.#activity.run('Evaluating', async () => {
      const dataset = this.dataset;
      const prepared = this.prepared;
      if (!dataset || !prepared) throw new GraftError('data/invalid', 'Choose a data set to evaluate on.');
      const live = this.#liveModel.live;
      const model = await this.#modelFor(choice);
      const { stats, from } = await this.#statsFor(choice, prepared);
      const rows = evaluationRows(prepared);
      const x = this.#inputs(stats, rows.part.x, rows.part.rows);
      const regression = dataset.task === 'regression';
      const truth = rows.part.y;
      const y: RowData = {
        values: regression ? normalizeTargets(stats, truth as Float32Array) : truth,
        shape: [rows.part.rows],
      };
      let result = await this.#svc.evaluate(model, x, y, { task: dataset.task });
      if (regression && stats.target) {
        // Errors in the data's own units, not in the scaled units the model was trained on.
        const predicted = await this.#svc.predict(model, x);
        const m = regressionMetrics(truth, denormalizeTargets(stats, predicted.values));
        result = { ...result, mae: m.mae, mse: m.mse, r2: m.r2 };
      }
      this.evaluation = {
        choice,
        live: choice === 'live' ? live : null,
        label: this.#label(choice),
        rows: rows.label,
        normalization: from,
        result,
        classNames: dataset.classNames ?? null,
      };
    });
  }

  /**
   * Predicts one example given in the data's own units (a typed row, or a drawn digit's 0–16 pixels).
   * Calls made while one is running are coalesced: only the latest input is predicted next.
   */
  async predictExample(values: readonly number[], choice: ModelChoice = this.choice): Promise<void> {
    if (this.#tryRunning) {
      this.#tryNext = { values, choice };
      return;
    }
    this.#tryRunning = true;
    try {
      await this.#predictOne(values, choice);
    } finally {
      this.#tryRunning = false;
    }
    const next = this.#tryNext;
    this.#tryNext = null;
    if (next) await this.predictExample(next.values, next.choice);
  }

  async #predictOne(values: readonly number[], choice: ModelChoice): Promise<void> {
    const dataset = this.dataset;
    const prepared = this.prepared;
    try {
      if (!dataset || !prepared) throw new GraftError('data/invalid', 'Choose a data set first.');
      if (values.length !== dataset.features)
        throw new GraftError(
          'data/invalid',
          t('training.try.count', { features: dataset.features, given: values.length }),
        );
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0)
        throw new GraftError(
          'data/invalid',
          t('training.try.notNumber', {
            feature: dataset.featureNames[bad] ?? t('training.try.featureN', { n: bad + 1 }),
          }),
        );
      const live = this.#liveModel.live;
      const model = await this.#modelFor(choice);
      const { stats } = await this.#statsFor(choice, prepared);
      const out = await this.#svc.predict(model, this.#inputs(stats, Float32Array.from(values), 1));
      if (dataset.task === 'regression') {
        const value = denormalizeTargets(stats, out.values.subarray(0, 1))[0] ?? NaN;
        this.tried = {
          choice,
          live: choice === 'live' ? live : null,
          scores: null,
          best: null,
          value,
          classNames: [],
        };
      } else {
        const scores = classScores(out.values);
        const best = scores.indexOf(Math.max(...scores));
        this.tried = {
          choice,
          live: choice === 'live' ? live : null,
          scores,
          best,
          value: null,
          classNames: dataset.classNames,
        };
      }
      this.tryError = null;
    } catch (e) {
      this.tryError = toGraftError(e).message;
    }
  }

  #inputs(stats: NormalizationStats, raw: Float32Array, rows: number): RowData {
    const features = this.dataset?.features ?? 0;
    return { values: applyNormalization(stats, raw, features), shape: [rows, features] };
  }

  #label(choice: ModelChoice): string {
    if (choice !== 'live') return t('training.model.version', { id: shortId(choice) });
    const live = this.#liveModel.live;
    return t(live?.pending ? 'training.model.liveUnsaved' : 'training.model.live');
  }

  /** The model behind a choice; a version is loaded once and kept while it stays chosen. */
  async #modelFor(choice: ModelChoice): Promise<M> {
    if (choice === 'live') {
      const live = this.#live;
      if (!live) throw new GraftError('repo/not-found', 'Create or open a model first.');
      return live.model;
    }
    const cached = this.#versionModel;
    if (cached?.id === choice) return cached.model;
    if (cached)
      void cached.model.then(
        (m) => this.#svc.dispose(m),
        () => undefined,
      );
    const model = this.#liveModel.materialize(choice);
    this.#versionModel = { id: choice, model };
    try {
      return await model;
    } catch (e) {
      if (this.#versionModel?.model === model) this.#versionModel = null;
      throw e;
    }
  }

  /**
   * The feature scaling a model was trained with: from the live model's unsaved run, else from the nearest
   * version in its ancestry that was trained (an edit keeps its parent's scaling), else this data's own.
   */
  async #statsFor(
    choice: ModelChoice,
    prepared: PreparedData,
  ): Promise<{ stats: NormalizationStats; from: string }> {
    const features = prepared.dataset.features;
    const live = this.#liveModel.live;
    const unsaved = choice === 'live' ? live?.pending?.provenance['dataset'] : undefined;
    const from: VersionId | null = choice === 'live' ? (live?.base ?? null) : choice;
    const { record, where } = unsaved
      ? { record: unsaved, where: t('training.scaling.liveRun') }
      : from
        ? await this.#storedData(from)
        : { record: null, where: '' };
    if (isJsonObject(record)) {
      try {
        const stats = normalizationFromJson(record['normalization']);
        const name = typeof record['name'] === 'string' ? record['name'] : t('training.scaling.itsData');
        if (stats.method === 'none' || stats.offset.length === features)
          return { stats, from: t('training.scaling.learned', { data: name, where }) };
      } catch {
        // An unreadable record falls back to this data's own scaling, and says so below.
      }
    }
    return {
      stats: prepared.normalization,
      from: t('training.scaling.own', { data: dataLabel(prepared.dataset) }),
    };
  }

  async #storedData(id: VersionId): Promise<{ record: unknown; where: string }> {
    let current: VersionId | undefined = id;
    for (let i = 0; current && i < MAX_ANCESTRY; i++) {
      const version = await this.#reader.getVersion(current);
      const record = version.provenance['dataset'];
      if (record) return { record, where: t('training.model.version', { id: shortId(version.id) }) };
      current = version.parents[0];
    }
    return { record: null, where: '' };
  }

  /** Gives the Compare tab a way to run two versions on this data's evaluation rows, or takes it away. */
  #publishBehaviour(): void {
    const target = this.#behaviour;
    if (!target) return;
    const prepared = this.prepared;
    if (!prepared) {
      target.setBehaviourSource(null);
      return;
    }
    const dataset = prepared.dataset;
    const rows = evaluationRows(prepared);
    target.setBehaviourSource({
      label: rows.label,
      ...(dataset.classNames ? { classNames: dataset.classNames } : {}),
      predict: async (a, b) => {
        const pa = await this.#predictVersion(a, prepared, rows.part);
        const pb = await this.#predictVersion(b, prepared, rows.part);
        return { a: pa, b: pb, ...(dataset.task === 'classification' ? { labels: rows.part.y } : {}) };
      },
    });
  }

  async #predictVersion(id: VersionId, prepared: PreparedData, part: DataPart): Promise<PredictionMatrix> {
    const model = await this.#liveModel.materialize(id);
    try {
      const { stats } = await this.#statsFor(id, prepared);
      const out = await this.#svc.predict(model, {
        values: applyNormalization(stats, part.x, prepared.dataset.features),
        shape: [part.rows, prepared.dataset.features],
      });
      const outputs = out.shape[1] ?? 1;
      const values =
        prepared.dataset.task === 'regression' ? denormalizeTargets(stats, out.values) : out.values;
      return { data: values, shape: [part.rows, outputs] };
    } finally {
      this.#svc.dispose(model);
    }
  }
}

function trainingData(prepared: PreparedData): TrainingData {
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
