import { describe, expect, it } from 'vitest';
import { analyzeSpec } from './analyze';
import {
  createLayer,
  findLayer,
  insertLayer,
  moveLayer,
  newLayerId,
  removeLayer,
  setInputShape,
  uniqueLayerName,
  updateLayer,
} from './edit';
import { LAYER_KINDS, type ModelSpec } from './spec';
import { SEED_SPEC } from './templates';

describe('editing a spec', () => {
  it('adds a Dense layer before the output without touching the others', () => {
    const layer = createLayer('Dense', SEED_SPEC, 1, 'new');
    const next = insertLayer(SEED_SPEC, layer, 1);
    expect(next.layers.map((l) => l.name)).toEqual(['hidden', 'dense_1', 'output']);
    expect(next.layers[0]).toBe(SEED_SPEC.layers[0]);
    expect(SEED_SPEC.layers).toHaveLength(2);
    expect(analyzeSpec(next).ok).toBe(true);
  });

  it('appends by default and clamps positions', () => {
    const a = insertLayer(SEED_SPEC, createLayer('Dropout', SEED_SPEC, undefined, 'd'));
    expect(a.layers.map((l) => l.kind)).toEqual(['Dense', 'Dense', 'Dropout']);
    const b = insertLayer(SEED_SPEC, createLayer('Dropout', SEED_SPEC, 0, 'd'), -5);
    expect(b.layers[0]?.kind).toBe('Dropout');
  });

  it('removes by id and returns the same spec when nothing matches', () => {
    expect(removeLayer(SEED_SPEC, 'hidden').layers.map((l) => l.id)).toEqual(['output']);
    expect(removeLayer(SEED_SPEC, 'nope')).toBe(SEED_SPEC);
  });

  it('moves layers up and down, stopping at the ends', () => {
    const s = insertLayer(SEED_SPEC, createLayer('Dropout', SEED_SPEC, 2, 'd'));
    expect(moveLayer(s, 'd', -1).layers.map((l) => l.id)).toEqual(['hidden', 'd', 'output']);
    expect(moveLayer(s, 'd', -10).layers.map((l) => l.id)).toEqual(['d', 'hidden', 'output']);
    expect(moveLayer(s, 'd', 1)).toBe(s);
    expect(moveLayer(s, 'missing', 1)).toBe(s);
  });

  it('updates options but never the id or the kind, and ignores keys of other kinds', () => {
    const next = updateLayer(SEED_SPEC, 'hidden', {
      units: 32,
      name: 'wide',
      rate: 0.5,
      kind: 'Dropout',
      id: 'x',
    } as never);
    expect(findLayer(next, 'hidden')).toEqual({
      id: 'hidden',
      name: 'wide',
      kind: 'Dense',
      units: 32,
      activation: 'relu',
      useBias: true,
      trainable: true,
    });
    expect(updateLayer(SEED_SPEC, 'missing', { trainable: false })).toBe(SEED_SPEC);
  });

  it('freezes a layer', () => {
    expect(findLayer(updateLayer(SEED_SPEC, 'hidden', { trainable: false }), 'hidden')?.trainable).toBe(
      false,
    );
  });

  it('sets the input shape', () => {
    expect(setInputShape(SEED_SPEC, [64]).inputShape).toEqual([64]);
  });
});

describe('new layers', () => {
  it('get unused names and fresh ids', () => {
    const s: ModelSpec = insertLayer(SEED_SPEC, createLayer('Dense', SEED_SPEC));
    expect(uniqueLayerName(s, 'dense')).toBe('dense_2');
    const ids = new Set(Array.from({ length: 100 }, () => newLayerId()));
    expect(ids.size).toBe(100);
    expect([...ids].every((id) => /^l[0-9a-f]{12}$/.test(id))).toBe(true);
  });

  it('are valid by default for every kind where the position allows it', () => {
    const image: ModelSpec = { name: 'm', inputShape: [8, 8, 1], layers: [] };
    for (const { kind } of LAYER_KINDS) {
      if (kind === 'LSTM' || kind === 'Flatten') continue;
      const s = insertLayer(image, createLayer(kind, image, 0, 'x'));
      expect(analyzeSpec(s).problems, kind).toEqual([]);
    }
  });

  it('suggest a Reshape that fits: a square image for a flat input, [n, 1] before an LSTM', () => {
    const flat: ModelSpec = { name: 'm', inputShape: [64], layers: [] };
    expect(createLayer('Reshape', flat, 0, 'r')).toMatchObject({ targetShape: [8, 8, 1] });
    const lstm = createLayer('LSTM', flat, 0, 'l');
    // Keras's default: Keras 3 has no hard_sigmoid that computes what TF.js's does.
    expect(lstm).toMatchObject({ activation: 'tanh', recurrentActivation: 'sigmoid' });
    const beforeLstm = insertLayer(flat, lstm);
    expect(createLayer('Reshape', beforeLstm, 0, 'r')).toMatchObject({ targetShape: [64, 1] });
    expect(createLayer('Reshape', { ...flat, inputShape: [10] }, 0, 'r')).toMatchObject({
      targetShape: [10, 1],
    });
  });
});
