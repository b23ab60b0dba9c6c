import { describe, expect, it } from 'vitest';
import { shapesText, shapeText, splitShapes } from './shapeText';

describe('shape text', () => {
  it('calls only the first unknown dimension the batch', () => {
    expect(shapeText([null, null, 81])).toBe('[batch, any, 81]');
    expect(shapeText([null, 64])).toBe('[batch, 64]');
    // A fixed batch (a stateful RNN) is a number like any other; later unknowns are still "any".
    expect(shapeText([32, null, 8])).toBe('[32, any, 8]');
    expect(shapeText([])).toBe('[]');
    expect(shapeText([null, null], { batch: '批', any: '任意' })).toBe('[批, 任意]');
  });

  it('writes and splits the shapes of a layer with several outputs', () => {
    const text = shapesText([
      [null, null, 16],
      [null, 16],
      [null, 16],
    ]);
    expect(text).toBe('[batch, any, 16] [batch, 16] [batch, 16]');
    expect(splitShapes(text)).toEqual(['[batch, any, 16]', '[batch, 16]', '[batch, 16]']);
    expect(splitShapes('')).toEqual([]);
    expect(splitShapes('?')).toEqual(['?']);
  });
});
