import { describe, expect, it } from 'vitest';
import { planCarryOver } from './carryOver';
import { createLayer, insertLayer, moveLayer, updateLayer } from './edit';
import type { ModelSpec } from './spec';
import { SEED_SPEC } from './templates';

describe('planning weight carry-over', () => {
  it('adding a Dense layer keeps the layer before it and re-initialises the one whose input width changed', () => {
    const added = insertLayer(SEED_SPEC, createLayer('Dense', SEED_SPEC, 1, 'new'), 1);
    expect(planCarryOver(SEED_SPEC, added)).toEqual([
      { id: 'hidden', name: 'hidden', from: 'hidden', action: 'keep', reason: 'unchanged' },
      { id: 'new', name: 'dense_1', from: null, action: 'initialise', reason: 'new layer' },
      {
        id: 'output',
        name: 'output',
        from: 'output',
        action: 'initialise',
        reason: 'kernel changes shape from [64, 10] to [32, 10]',
      },
    ]);
  });

  it('keeps every old layer when the new one keeps the width', () => {
    const layer = { ...createLayer('Dense', SEED_SPEC, 1, 'new'), units: 64 } as const;
    const added = insertLayer(SEED_SPEC, layer, 1);
    expect(planCarryOver(SEED_SPEC, added).map((d) => [d.name, d.action])).toEqual([
      ['hidden', 'keep'],
      ['dense_1', 'initialise'],
      ['output', 'keep'],
    ]);
  });

  it('follows renames by id and says so', () => {
    const renamed = updateLayer(SEED_SPEC, 'hidden', { name: 'features', activation: 'tanh' });
    expect(planCarryOver(SEED_SPEC, renamed)[0]).toEqual({
      id: 'hidden',
      name: 'features',
      from: 'hidden',
      action: 'keep',
      reason: 'unchanged (was "hidden")',
    });
  });

  it('initialises a layer that gains or loses its bias', () => {
    const noBias = updateLayer(SEED_SPEC, 'output', { useBias: false });
    expect(planCarryOver(SEED_SPEC, noBias)[1]?.reason).toBe('no longer has a bias');
    expect(planCarryOver(noBias, SEED_SPEC)[1]?.reason).toBe('now has a bias');
  });

  it('skips layers without weights and copes with invalid old specs', () => {
    const withDropout = insertLayer(SEED_SPEC, createLayer('Dropout', SEED_SPEC, 1, 'd'), 1);
    expect(planCarryOver(SEED_SPEC, withDropout).map((d) => d.id)).toEqual(['hidden', 'output']);
    const broken: ModelSpec = { ...SEED_SPEC, inputShape: [0] };
    expect(planCarryOver(broken, SEED_SPEC)[0]?.reason).toBe('its input shape is unknown');
  });

  it('treats swapped layers by their ids, not their positions', () => {
    const two: ModelSpec = {
      name: 'm',
      inputShape: [8],
      layers: [
        { id: 'a', name: 'a', kind: 'Dense', units: 8, activation: 'relu', useBias: true, trainable: true },
        { id: 'b', name: 'b', kind: 'Dense', units: 8, activation: 'relu', useBias: true, trainable: true },
      ],
    };
    const swapped = moveLayer(two, 'b', -1);
    expect(planCarryOver(two, swapped).map((d) => [d.name, d.from, d.action])).toEqual([
      ['b', 'b', 'keep'],
      ['a', 'a', 'keep'],
    ]);
  });
});
