import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import {
  assertValidTrainConfig,
  checkpointsToKeep,
  DEFAULT_TRAIN_CONFIG,
  finalMetrics,
  historyColumns,
  progressFraction,
  validateTrainConfig,
  type TrainConfig,
} from './training';

describe('training config', () => {
  it('accepts the defaults', () => {
    expect(validateTrainConfig(DEFAULT_TRAIN_CONFIG)).toEqual([]);
  });

  it('names every wrong field in words', () => {
    const bad = {
      optimizer: 'lbfgs',
      learningRate: 0,
      loss: 'hinge',
      batchSize: 0.5,
      epochs: 0,
      seed: 1.5,
      validationSplit: 1,
      checkpointEvery: -1,
      checkpointRetention: 'best',
    } as unknown as TrainConfig;
    expect(validateTrainConfig(bad)).toEqual([
      { field: 'optimizer', message: 'Unknown optimiser "lbfgs"; choose adam, sgd, rmsprop, adagrad.' },
      {
        field: 'loss',
        message:
          'Unknown loss "hinge"; choose categoricalCrossentropy, sparseCategoricalCrossentropy, binaryCrossentropy, meanSquaredError.',
      },
      { field: 'learningRate', message: 'The learning rate must be a positive number, not 0.' },
      { field: 'batchSize', message: 'The batch size must be a positive integer, not 0.5.' },
      { field: 'epochs', message: 'The number of epochs must be a positive integer, not 0.' },
      { field: 'seed', message: 'The seed must be a whole number, not 1.5.' },
      { field: 'validationSplit', message: 'The validation split must be at least 0 and below 1, not 1.' },
      { field: 'checkpointEvery', message: 'Checkpoint every N epochs needs a whole number N ≥ 0, not -1.' },
      {
        field: 'checkpointRetention',
        message: 'Unknown checkpoint retention "best"; choose best+last, last, all.',
      },
    ]);
  });

  it('throws train/invalid-config with the field', () => {
    try {
      assertValidTrainConfig({ ...DEFAULT_TRAIN_CONFIG, learningRate: Number.NaN });
      expect.unreachable();
    } catch (e) {
      expect(isGraftError(e, 'train/invalid-config')).toBe(true);
      expect((e as { data: { field: string } }).data.field).toBe('learningRate');
    }
  });
});

describe('progress', () => {
  it('runs from 0 to 1 over epochs and batches', () => {
    expect(progressFraction({ epoch: 0, epochs: 4, batch: 0, batches: 10 })).toBe(0);
    expect(progressFraction({ epoch: 1, epochs: 4, batch: 5, batches: 10 })).toBeCloseTo(0.375);
    expect(progressFraction({ epoch: 3, epochs: 4, batch: 10, batches: 10 })).toBe(1);
    expect(progressFraction({ epoch: 0, epochs: 0, batch: 0, batches: 0 })).toBe(0);
  });
});

describe('checkpoint retention', () => {
  const cps = [
    { key: 'a', epoch: 0, logs: { loss: 1, val_loss: 0.9 } },
    { key: 'b', epoch: 1, logs: { loss: 0.8, val_loss: 0.5 } },
    { key: 'c', epoch: 2, logs: { loss: 0.6, val_loss: 0.5 } },
    { key: 'd', epoch: 3, logs: { loss: 0.4, val_loss: 0.7 } },
  ];
  it('keeps the best by validation loss (earliest of ties) and the last', () => {
    expect(checkpointsToKeep(cps, 'best+last')).toEqual(new Set(['b', 'd']));
  });
  it('falls back to training loss without validation, and skips NaN', () => {
    const noVal = [
      { key: 1, epoch: 0, logs: { loss: Number.NaN } },
      { key: 2, epoch: 1, logs: { loss: 0.3 } },
      { key: 3, epoch: 2, logs: { loss: 0.5 } },
    ];
    expect(checkpointsToKeep(noVal, 'best+last')).toEqual(new Set([2, 3]));
  });
  it('keeps only the last, or all', () => {
    expect(checkpointsToKeep(cps, 'last')).toEqual(new Set(['d']));
    expect(checkpointsToKeep(cps, 'all').size).toBe(4);
    expect(checkpointsToKeep([], 'best+last').size).toBe(0);
  });
});

describe('history for provenance', () => {
  const epoch = (e: number, loss: number, extra: object = {}) => ({
    epoch: e,
    loss,
    batches: 1,
    totalBatches: 1,
    timeMs: 1,
    ...extra,
  });
  it('lays a history out as Keras does, with null for non-finite values', () => {
    const h = [epoch(0, 1, { acc: 0.5, val_loss: 1.2 }), epoch(1, Number.NaN, { acc: 0.6, val_loss: 1.1 })];
    expect(historyColumns(h)).toEqual({ loss: [1, null], acc: [0.5, 0.6], val_loss: [1.2, 1.1] });
    expect(historyColumns([])).toEqual({});
  });
  it('takes the final metrics from the last epoch', () => {
    expect(finalMetrics([epoch(0, 2), epoch(1, 1, { acc: 0.9, val_acc: Number.NaN })])).toEqual({
      loss: 1,
      acc: 0.9,
    });
    expect(finalMetrics([])).toEqual({});
  });
});
