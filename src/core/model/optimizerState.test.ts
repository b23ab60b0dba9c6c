import { describe, expect, it } from 'vitest';
import { planContinue, type OptimizedWeight, type OptimizerStateMeta } from './optimizerState';

const WEIGHTS: OptimizedWeight[] = [
  { name: 'hidden/kernel', shape: [4, 8] },
  { name: 'hidden/bias', shape: [8] },
  { name: 'out/kernel', shape: [8, 3] },
  { name: 'out/bias', shape: [3] },
];

const STATE: OptimizerStateMeta = {
  optimizer: 'adam',
  learningRate: 0.01,
  iterations: 120,
  epochs: 4,
  weights: WEIGHTS,
};

describe('planContinue', () => {
  it('continues a state that fits: epochs numbered on from its last, steps counted on', () => {
    expect(planContinue(STATE, { optimizer: 'adam' }, WEIGHTS)).toEqual({
      kind: 'continue',
      firstEpoch: 4,
      iterations: 120,
    });
    // Another learning rate does not stop a continuation: the run uses its own.
    expect(planContinue({ ...STATE, learningRate: 0.5 }, { optimizer: 'adam' }, WEIGHTS).kind).toBe(
      'continue',
    );
    // Equal lists, not the same objects (a model rebuilt after a reload lists its own).
    expect(planContinue(STATE, { optimizer: 'adam' }, structuredClone(WEIGHTS)).kind).toBe('continue');
  });

  it('starts afresh when nothing is kept, before anything else', () => {
    expect(planContinue(null, { optimizer: 'adam' }, WEIGHTS)).toEqual({
      kind: 'afresh',
      reason: 'none-kept',
    });
    expect(planContinue(null, { optimizer: 'sgd' }, [], false)).toEqual({
      kind: 'afresh',
      reason: 'none-kept',
    });
  });

  it('starts afresh when the user chose to, even when the state fits', () => {
    expect(planContinue(STATE, { optimizer: 'adam' }, WEIGHTS, false)).toEqual({
      kind: 'afresh',
      reason: 'chosen',
    });
  });

  it('starts afresh with another optimizer', () => {
    for (const optimizer of ['sgd', 'rmsprop', 'adagrad'] as const)
      expect(planContinue(STATE, { optimizer }, WEIGHTS)).toEqual({
        kind: 'afresh',
        reason: 'other-optimizer',
      });
  });

  it('starts afresh when the trainable weights differ in number, order, name or shape', () => {
    const other = (weights: OptimizedWeight[]) => planContinue(STATE, { optimizer: 'adam' }, weights);
    const afresh = { kind: 'afresh', reason: 'other-weights' };
    // A layer frozen (its weights leave the list) or a layer added.
    expect(other(WEIGHTS.slice(2))).toEqual(afresh);
    expect(other([...WEIGHTS, { name: 'extra/bias', shape: [3] }])).toEqual(afresh);
    expect(other([])).toEqual(afresh);
    // The same weights in another order: the slots would land on the wrong weights.
    expect(other([WEIGHTS[1], WEIGHTS[0], WEIGHTS[2], WEIGHTS[3]] as OptimizedWeight[])).toEqual(afresh);
    // A layer renamed, resized, or reshaped to the same size.
    expect(other(WEIGHTS.map((w, i) => (i === 0 ? { ...w, name: 'hidden2/kernel' } : w)))).toEqual(afresh);
    expect(other(WEIGHTS.map((w, i) => (i === 1 ? { ...w, shape: [9] } : w)))).toEqual(afresh);
    expect(other(WEIGHTS.map((w, i) => (i === 0 ? { ...w, shape: [32] } : w)))).toEqual(afresh);
    expect(other(WEIGHTS.map((w, i) => (i === 0 ? { ...w, shape: [4, 8, 1] } : w)))).toEqual(afresh);
  });

  it('continues a state of a model with nothing trainable only with the same optimizer', () => {
    const empty = { ...STATE, optimizer: 'sgd' as const, weights: [] };
    expect(planContinue(empty, { optimizer: 'sgd' }, [])).toMatchObject({ kind: 'continue', firstEpoch: 4 });
  });
});
