import { describe, expect, it } from 'vitest';
import type { BlobHash } from '../../core/hashing';
import { diffWeights } from '../../core/diff/weights';
import { barWidth, weightRows } from './weightRows';

const entry = (name: string, shape: number[], h: string) => ({
  name,
  shape,
  dtype: 'float32' as const,
  hash: h.repeat(64) as BlobHash,
});

/** a: untouched; b: kernel moved, bias reshaped; c: only in the newer version; d: only in the older. */
const weights = diffWeights(
  [
    entry('a/kernel', [2, 2], '1'),
    entry('b/kernel', [2], '2'),
    entry('b/bias', [2], '3'),
    entry('d/kernel', [1], '4'),
  ],
  [
    entry('a/kernel', [2, 2], '1'),
    entry('b/kernel', [2], '5'),
    entry('b/bias', [3], '6'),
    entry('c/kernel', [1], '7'),
  ],
  {
    values: {
      before: new Map([['b/kernel', new Float32Array([1, 1])]]),
      after: new Map([['b/kernel', new Float32Array([1, 2])]]),
    },
  },
);

describe('weightRows', () => {
  it('per layer: a badge for still, added and removed layers, a bar with what was not compared otherwise', () => {
    const rows = new Map(weightRows(weights, 'layer').map((r) => [r.name, r]));
    expect(rows.get('a')).toMatchObject({
      detail: '1 tensor',
      shape: null,
      still: true,
      mark: { kind: 'badge', status: 'unchanged', text: 'did not move' },
    });
    expect(rows.get('b')?.mark).toEqual({
      kind: 'bar',
      width: barWidth(rows.get('b')?.stats ?? null),
      note: '1 not compared',
    });
    expect(rows.get('b')?.stats?.maxAbs).toBe(1);
    expect(rows.get('c')).toMatchObject({
      mark: { kind: 'badge', status: 'added' },
      note: 'only in the newer version',
    });
    expect(rows.get('d')).toMatchObject({
      mark: { kind: 'badge', status: 'removed' },
      note: 'only in the older version',
    });
  });

  it('per tensor: shapes, and a reshaped tensor marked as a change that was not measured', () => {
    const rows = new Map(weightRows(weights, 'tensor').map((r) => [r.name, r]));
    expect(rows.get('b/bias')).toMatchObject({
      detail: null,
      shape: '[2] → [3]',
      stats: null,
      still: false,
      note: 'shape changed',
      mark: { kind: 'badge', status: 'changed', text: 'reshaped, not compared' },
    });
    expect(rows.get('a/kernel')).toMatchObject({
      shape: '[2, 2]',
      still: true,
      mark: { text: 'did not move' },
    });
    expect(rows.get('b/kernel')?.mark).toMatchObject({ kind: 'bar', note: null });
    expect(rows.get('d/kernel')?.shape).toBe('[1]');
  });

  it('draws a bar from a millionth (2 px at least) to a full re-init (60 px)', () => {
    expect(barWidth(null)).toBe(0);
    expect(barWidth({ relative: 1e-9 } as never)).toBe(2);
    expect(barWidth({ relative: 1e-3 } as never)).toBe(30);
    expect(barWidth({ relative: 5 } as never)).toBe(60);
  });
});
