import { describe, expect, it } from 'vitest';
import type { Provenance } from '../versions/types';
import { compareMetricNames, compareMetrics, headlineMetric, historyOf, metricDirection } from './metrics';

describe('metricDirection', () => {
  it('knows which way is better for common Keras and TF.js metric names', () => {
    for (const n of ['loss', 'val_loss', 'mse', 'val_mae', 'categorical_crossentropy', 'mean_squared_error'])
      expect([n, metricDirection(n)]).toEqual([n, 'lower']);
    for (const n of ['acc', 'val_acc', 'accuracy', 'val_accuracy', 'auc', 'test_precision', 'recall'])
      expect([n, metricDirection(n)]).toEqual([n, 'higher']);
    expect(metricDirection('epochs')).toBeNull();
    expect(metricDirection('lossy_thing')).toBeNull();
  });
});

describe('headlineMetric', () => {
  it('prefers held-out accuracy, then accuracy, then loss, then the first name', () => {
    expect(headlineMetric({ loss: 0.3, acc: 0.8, val_acc: 0.75 })).toEqual({ name: 'val_acc', value: 0.75 });
    expect(headlineMetric({ loss: 0.3, accuracy: 0.8 })).toEqual({ name: 'accuracy', value: 0.8 });
    expect(headlineMetric({ loss: 0.3, val_loss: 0.4 })).toEqual({ name: 'val_loss', value: 0.4 });
    expect(headlineMetric({ zeta: 1, beta: 2 })).toEqual({ name: 'beta', value: 2 });
    expect(headlineMetric({})).toBeNull();
  });
});

describe('historyOf', () => {
  it('reads provenance.training.history and keeps only usable numbers', () => {
    const p: Provenance = {
      app: 'graft',
      training: {
        epochs: 3,
        history: {
          loss: [0.9, 0.5, 0.3],
          acc: [0.5, 'x', 0.9],
          epoch: [0, 1, 2],
          note: 'ignored',
          val_loss: [null, 0.6],
        },
      },
    };
    expect(historyOf(p)).toEqual({ loss: [0.9, 0.5, 0.3], acc: [0.5, null, 0.9], val_loss: [null, 0.6] });
  });

  it('returns nothing for versions that were never trained', () => {
    expect(historyOf({ app: 'graft' })).toEqual({});
    expect(historyOf(undefined)).toEqual({});
    expect(historyOf({ app: 'graft', training: { history: [1, 2] } })).toEqual({});
  });
});

describe('compareMetricNames', () => {
  it('orders accuracy before loss and puts each validation figure after its training twin', () => {
    expect(['val_loss', 'zeta', 'loss', 'val_acc', 'acc'].sort(compareMetricNames)).toEqual([
      'acc',
      'val_acc',
      'loss',
      'val_loss',
      'zeta',
    ]);
  });
});

describe('compareMetrics', () => {
  const v1 = {
    id: 'v1',
    metrics: { loss: 0.5, acc: 0.8 },
    history: { loss: [0.9, 0.5], acc: [0.6, 0.8] },
  };
  const v2 = {
    id: 'v2',
    metrics: { loss: 0.3, acc: 0.85, val_acc: 0.82 },
    history: { loss: [1.0, 0.6, 0.3], acc: [0.5, 0.75, 0.85] },
  };
  const v3 = { id: 'v3', metrics: { loss: 0.7, acc: 0.85 } };

  it('lines up every metric any version has, with deltas against the first', () => {
    const c = compareMetrics([v1, v2, v3]);
    expect(c.columns).toEqual(['v1', 'v2', 'v3']);
    expect(c.metrics.map((m) => m.name)).toEqual(['acc', 'val_acc', 'loss']);
    const loss = c.metrics.find((m) => m.name === 'loss');
    expect(loss?.values).toEqual([0.5, 0.3, 0.7]);
    expect(loss?.deltas[0]).toBe(0);
    expect(loss?.deltas[1]).toBeCloseTo(-0.2, 12);
    expect(loss?.deltas[2]).toBeCloseTo(0.2, 12);
    expect(loss?.improved).toEqual([null, true, false]);
    expect(loss?.best).toBe(1);
    const valAcc = c.metrics.find((m) => m.name === 'val_acc');
    expect(valAcc?.values).toEqual([null, 0.82, null]);
    expect(valAcc?.deltas).toEqual([null, null, null]);
    expect(valAcc?.best).toBe(1);
  });

  it('gives a tie for best to the earliest column and no best without a direction', () => {
    const c = compareMetrics([v1, v2, v3]);
    expect(c.metrics.find((m) => m.name === 'acc')?.best).toBe(1);
    const odd = compareMetrics([
      { id: 'a', metrics: { steps: 1 } },
      { id: 'b', metrics: { steps: 2 } },
    ]);
    expect(odd.metrics[0]).toMatchObject({ direction: null, best: null, improved: [null, null] });
  });

  it('aligns training curves by epoch, padding shorter histories', () => {
    const c = compareMetrics([v1, v2, v3]);
    const loss = c.curves.find((k) => k.name === 'loss');
    expect(loss?.epochs).toBe(3);
    expect(loss?.series).toEqual([[0.9, 0.5, null], [1.0, 0.6, 0.3], []]);
    expect(loss?.deltas[1]?.[0]).toBeCloseTo(0.1, 12);
    expect(loss?.deltas[1]?.[2]).toBeNull();
    expect(loss?.final).toEqual([0.5, 0.3, null]);
    expect(loss?.range).toEqual({ min: 0.3, max: 1.0 });
    expect(c.curves.map((k) => k.name)).toEqual(['acc', 'loss']);
  });

  it('handles a single version and none', () => {
    expect(compareMetrics([v1]).metrics.every((m) => m.deltas[0] === 0)).toBe(true);
    expect(compareMetrics([])).toEqual({ columns: [], metrics: [], curves: [] });
  });

  it('takes the last finite value as a curve’s final one and has no range without values', () => {
    const c = compareMetrics([{ id: 'x', metrics: {}, history: { loss: [0.4, null], acc: [null] } }]);
    expect(c.curves.find((k) => k.name === 'loss')?.final).toEqual([0.4]);
    expect(c.curves.find((k) => k.name === 'acc')?.range).toBeNull();
  });
});
