/** What a training run is asked to do and what it reports, without TF.js: the UI, state and ml/train share these. */
import { GraftError } from '../errors';

export const OPTIMIZERS = ['adam', 'sgd', 'rmsprop', 'adagrad'] as const;
export type OptimizerName = (typeof OPTIMIZERS)[number];

export const LOSSES = [
  'categoricalCrossentropy',
  'sparseCategoricalCrossentropy',
  'binaryCrossentropy',
  'meanSquaredError',
] as const;
export type LossName = (typeof LOSSES)[number];

export const LOSS_LABELS: Readonly<Record<LossName, string>> = {
  categoricalCrossentropy: 'Categorical cross-entropy',
  sparseCategoricalCrossentropy: 'Sparse categorical cross-entropy',
  binaryCrossentropy: 'Binary cross-entropy',
  meanSquaredError: 'Mean squared error',
};

export const OPTIMIZER_LABELS: Readonly<Record<OptimizerName, string>> = {
  adam: 'Adam',
  sgd: 'SGD',
  rmsprop: 'RMSprop',
  adagrad: 'Adagrad',
};

/** Which checkpoints of a run survive: every one, only the latest, or the best by validation loss plus the latest. */
export const RETENTIONS = ['best+last', 'last', 'all'] as const;
export type CheckpointRetention = (typeof RETENTIONS)[number];

export interface TrainConfig {
  readonly optimizer: OptimizerName;
  readonly learningRate: number;
  readonly loss: LossName;
  readonly batchSize: number;
  readonly epochs: number;
  /**
   * Decides the shuffling order of each epoch and every random draw of each step (Dropout, noise); with a
   * seeded model, a CPU run repeats bit for bit.
   */
  readonly seed: number;
  /** Fraction of the training rows, taken from the end, kept for validation when no validation set is given. */
  readonly validationSplit?: number;
  /** Calls `onCheckpoint` after every N-th epoch; 0 or absent: never. */
  readonly checkpointEvery?: number;
  readonly checkpointRetention?: CheckpointRetention;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  optimizer: 'adam',
  learningRate: 0.01,
  loss: 'categoricalCrossentropy',
  batchSize: 32,
  epochs: 10,
  seed: 42,
  validationSplit: 0.2,
  checkpointEvery: 0,
  checkpointRetention: 'best+last',
};

export function isClassificationLoss(loss: LossName): boolean {
  return loss !== 'meanSquaredError';
}

/** Metrics of one batch, as the training loop reports them. */
export interface BatchLogs {
  readonly loss: number;
  readonly acc?: number;
}

/** One epoch of a run's history (the names are Keras's, so histories compare with Keras ones). */
export interface EpochLogs {
  /** 0-based. */
  readonly epoch: number;
  readonly loss: number;
  readonly acc?: number;
  readonly val_loss?: number;
  readonly val_acc?: number;
  /** Batches trained in this epoch; fewer than `totalBatches` when the run was stopped inside it. */
  readonly batches: number;
  readonly totalBatches: number;
  readonly timeMs: number;
}

const METRIC_KEYS = ['loss', 'acc', 'val_loss', 'val_acc'] as const;
export type MetricKey = (typeof METRIC_KEYS)[number];

/**
 * A history as Keras's `History.history` lays it out, one array per metric (absent metrics left out), ready
 * for a version's provenance. Non-finite values become null, since JSON has no NaN.
 */
export function historyColumns(history: readonly EpochLogs[]): Partial<Record<MetricKey, (number | null)[]>> {
  const out: Partial<Record<MetricKey, (number | null)[]>> = {};
  for (const key of METRIC_KEYS) {
    if (!history.some((h) => h[key] !== undefined)) continue;
    out[key] = history.map((h) => {
      const v = h[key];
      return v !== undefined && Number.isFinite(v) ? v : null;
    });
  }
  return out;
}

/** The last epoch's finite metrics, for a version's `metrics`. */
export function finalMetrics(history: readonly EpochLogs[]): Partial<Record<MetricKey, number>> {
  const last = history[history.length - 1];
  const out: Partial<Record<MetricKey, number>> = {};
  if (!last) return out;
  for (const key of METRIC_KEYS) {
    const v = last[key];
    if (v !== undefined && Number.isFinite(v)) out[key] = v;
  }
  return out;
}

export interface TrainResult {
  readonly history: readonly EpochLogs[];
  /** Epochs that trained at least one batch (the last may be partial after a Stop). */
  readonly epochsRun: number;
  readonly stoppedEarly: boolean;
  readonly wallTimeMs: number;
  readonly backend: string;
  /** Where it ran: a background worker, or the page's own thread (when the backend cannot run in one). */
  readonly thread?: 'worker' | 'page';
}

/** Where a running training is, for a progress bar. */
export interface TrainProgress {
  /** 0-based. */
  readonly epoch: number;
  readonly epochs: number;
  /** Batches finished in the current epoch. */
  readonly batch: number;
  readonly batches: number;
}

/** 0..1 through the whole run. */
export function progressFraction(p: TrainProgress): number {
  if (p.epochs <= 0 || p.batches <= 0) return 0;
  return Math.min(1, (p.epoch + Math.min(p.batch, p.batches) / p.batches) / p.epochs);
}

export interface ConfigProblem {
  readonly field: keyof TrainConfig;
  readonly message: string;
}

export function validateTrainConfig(config: TrainConfig): readonly ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const bad = (field: keyof TrainConfig, message: string) => problems.push({ field, message });
  const posInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!(OPTIMIZERS as readonly unknown[]).includes(config.optimizer))
    bad('optimizer', `Unknown optimiser "${String(config.optimizer)}"; choose ${OPTIMIZERS.join(', ')}.`);
  if (!(LOSSES as readonly unknown[]).includes(config.loss))
    bad('loss', `Unknown loss "${String(config.loss)}"; choose ${LOSSES.join(', ')}.`);
  if (
    typeof config.learningRate !== 'number' ||
    !Number.isFinite(config.learningRate) ||
    config.learningRate <= 0
  )
    bad('learningRate', `The learning rate must be a positive number, not ${String(config.learningRate)}.`);
  if (!posInt(config.batchSize))
    bad('batchSize', `The batch size must be a positive integer, not ${String(config.batchSize)}.`);
  if (!posInt(config.epochs))
    bad('epochs', `The number of epochs must be a positive integer, not ${String(config.epochs)}.`);
  if (typeof config.seed !== 'number' || !Number.isInteger(config.seed))
    bad('seed', `The seed must be a whole number, not ${String(config.seed)}.`);
  const split = config.validationSplit;
  if (split !== undefined && !(typeof split === 'number' && split >= 0 && split < 1))
    bad('validationSplit', `The validation split must be at least 0 and below 1, not ${String(split)}.`);
  const every = config.checkpointEvery;
  if (every !== undefined && !(typeof every === 'number' && Number.isInteger(every) && every >= 0))
    bad('checkpointEvery', `Checkpoint every N epochs needs a whole number N ≥ 0, not ${String(every)}.`);
  const keep = config.checkpointRetention;
  if (keep !== undefined && !(RETENTIONS as readonly unknown[]).includes(keep))
    bad(
      'checkpointRetention',
      `Unknown checkpoint retention "${String(keep)}"; choose ${RETENTIONS.join(', ')}.`,
    );
  return problems;
}

export function assertValidTrainConfig(config: TrainConfig): void {
  const [first] = validateTrainConfig(config);
  // The UI words each field's problem (`training.problem.<field>`); the message here is core's English.
  if (first)
    throw new GraftError('error.train/invalid-config.field', {
      field: first.field,
      problem: {
        part: `training.problem.${first.field}`,
        vars: { value: String(config[first.field]) },
        en: first.message,
      },
    });
}

export interface CheckpointRecord<K> {
  readonly key: K;
  readonly epoch: number;
  readonly logs: Pick<EpochLogs, 'loss' | 'val_loss'>;
}

/**
 * Which checkpoints to keep under `rule`. "Best" is the lowest validation loss, or training loss when
 * the run has no validation set; ties go to the earlier epoch, so a plateau does not churn the history.
 */
export function checkpointsToKeep<K>(
  checkpoints: readonly CheckpointRecord<K>[],
  rule: CheckpointRetention,
): Set<K> {
  if (rule === 'all' || checkpoints.length === 0) return new Set(checkpoints.map((c) => c.key));
  const byEpoch = [...checkpoints].sort((a, b) => a.epoch - b.epoch);
  const last = byEpoch[byEpoch.length - 1];
  const keep = new Set<K>(last ? [last.key] : []);
  if (rule === 'best+last') {
    const score = (c: CheckpointRecord<K>) => c.logs.val_loss ?? c.logs.loss;
    let best: CheckpointRecord<K> | undefined;
    for (const c of byEpoch) if (Number.isFinite(score(c)) && (!best || score(c) < score(best))) best = c;
    if (best) keep.add(best.key);
  }
  return keep;
}
