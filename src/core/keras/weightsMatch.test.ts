import { describe, expect, it } from 'vitest';
import { normalizeWeightName, planWeights, type FileTensor, type ModelWeight } from './weightsMatch';

/** The seed model (100 → 64 → 10) as Graft's live model lists its weights. */
const SEED: ModelWeight[] = [
  { name: 'dense/kernel', layer: 'dense', index: 0, kerasPath: 'layers/dense/vars/0', shape: [100, 64] },
  { name: 'dense/bias', layer: 'dense', index: 1, kerasPath: 'layers/dense/vars/1', shape: [64] },
  { name: 'dense_1/kernel', layer: 'dense_1', index: 0, kerasPath: 'layers/dense_1/vars/0', shape: [64, 10] },
  { name: 'dense_1/bias', layer: 'dense_1', index: 1, kerasPath: 'layers/dense_1/vars/1', shape: [10] },
];

const t = (key: string, shape: number[], layer: string | null = null, index = 0): FileTensor => ({
  key,
  layer,
  index,
  shape,
});

describe('matching a weights file to the live model', () => {
  it('takes Keras 3 paths (a .weights.h5 from save_weights) as they are', () => {
    const plan = planWeights(SEED, [
      t('layers/dense/vars/0', [100, 64], 'dense', 0),
      t('layers/dense/vars/1', [64], 'dense', 1),
      t('layers/dense_1/vars/0', [64, 10], 'dense_1', 0),
      t('layers/dense_1/vars/1', [10], 'dense_1', 1),
    ]);
    expect(plan.matches.map((m) => [m.weight, m.rule])).toEqual(SEED.map((w) => [w.name, 'path']));
    expect(plan.keptWeights).toEqual([]);
    expect(plan.unusedTensors).toEqual([]);
  });

  it('matches Keras 2 names by layer and position, and other spellings by name', () => {
    const plan = planWeights(SEED, [
      t('dense/dense/kernel:0', [100, 64], 'dense', 0),
      t('dense/dense/bias:0', [64], 'dense', 1),
      t('model.dense_1.kernel', [64, 10]),
      t('model.dense_1.bias', [10]),
    ]);
    expect(plan.matches.map((m) => m.rule)).toEqual(['layer', 'layer', 'name', 'name']);
  });

  it('falls back to order and shape, and says why the rest is left', () => {
    const plan = planWeights(SEED, [
      t('0.weight', [100, 64]),
      t('0.bias', [64]),
      t('1.weight', [64, 12]),
      t('extra', [3]),
    ]);
    expect(plan.matches.map((m) => [m.weight, m.tensor, m.rule])).toEqual([
      ['dense/kernel', '0.weight', 'order'],
      ['dense/bias', '0.bias', 'order'],
    ]);
    expect(plan.keptWeights).toEqual([
      { weight: 'dense_1/kernel', why: 'none', shape: [64, 10] },
      { weight: 'dense_1/bias', why: 'none', shape: [10] },
    ]);
    expect(plan.unusedTensors.map((u) => u.tensor)).toEqual(['1.weight', 'extra']);
  });

  it('never pairs a same-named tensor of another shape, and names the clash', () => {
    const plan = planWeights(SEED, [t('dense_1/kernel', [64, 12])]);
    expect(plan.matches).toEqual([]);
    expect(plan.keptWeights).toContainEqual({
      weight: 'dense_1/kernel',
      why: 'shape',
      other: 'dense_1/kernel',
      shape: [64, 10],
      otherShape: [64, 12],
    });
    expect(plan.unusedTensors).toEqual([
      {
        tensor: 'dense_1/kernel',
        why: 'shape',
        other: 'dense_1/kernel',
        shape: [64, 12],
        otherShape: [64, 10],
      },
    ]);
  });

  it('spells names alike', () => {
    expect(normalizeWeightName('dense_1/kernel:0')).toBe('dense_1/kernel');
    expect(normalizeWeightName('model.dense_1.kernel')).toBe('model/dense_1/kernel');
  });
});

describe('recurrent weights', () => {
  it('match Keras’s names inside cells to TF.js’s names after the layer', () => {
    expect(normalizeWeightName('forward_lstm/lstm_cell/kernel')).toBe('forward_lstm/kernel');
    expect(normalizeWeightName('stack/stacked_rnn_cells/gru_cell_1/bias')).toBe('stack/bias');
    const model: ModelWeight[] = [
      {
        name: 'bi/forward_lstm/kernel',
        layer: 'bi',
        index: 0,
        kerasPath: 'layers/bidirectional/forward_layer/cell/vars/0',
        shape: [3, 8],
      },
      {
        name: 'bi/backward_lstm/kernel',
        layer: 'bi',
        index: 1,
        kerasPath: 'layers/bidirectional/backward_layer/cell/vars/0',
        shape: [3, 8],
      },
    ];
    // Same shapes both ways: only the names can tell forward from backward.
    const plan = planWeights(model, [
      { key: 'backward_lstm/lstm_cell/kernel', layer: null, index: 0, shape: [3, 8] },
      { key: 'forward_lstm/lstm_cell/kernel', layer: null, index: 1, shape: [3, 8] },
    ]);
    expect(plan.matches.map((m) => [m.weight, m.tensor, m.rule])).toEqual([
      ['bi/forward_lstm/kernel', 'forward_lstm/lstm_cell/kernel', 'name'],
      ['bi/backward_lstm/kernel', 'backward_lstm/lstm_cell/kernel', 'name'],
    ]);
  });
});
