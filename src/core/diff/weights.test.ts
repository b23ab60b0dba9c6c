import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import { hashBlob, type BlobHash } from '../hashing';
import {
  combineStats,
  deltaStats,
  diffWeights,
  tensorsToRead,
  tensorValues,
  valuesByName,
  type NumericArray,
  type WeightEntry,
  type WeightValues,
} from './weights';

interface Tensor {
  entry: WeightEntry;
  values: Float32Array;
}

async function tensor(
  name: string,
  values: number[] | Float32Array<ArrayBuffer>,
  shape = [values.length],
): Promise<Tensor> {
  const f = values instanceof Float32Array ? values : new Float32Array(values);
  return { entry: { name, shape, dtype: 'float32', hash: await hashBlob(f) }, values: f };
}

/** A map that records which names were read, to prove the fast path reads nothing. */
class WatchedMap extends Map<string, NumericArray> {
  readonly reads: string[] = [];
  override get(key: string): NumericArray | undefined {
    this.reads.push(key);
    return super.get(key);
  }
}

function side(ts: Tensor[]): WatchedMap {
  return new WatchedMap(ts.map((t) => [t.entry.name, t.values]));
}

function values(a: Tensor[], b: Tensor[]): WeightValues & { before: WatchedMap; after: WatchedMap } {
  return { before: side(a), after: side(b) };
}

describe('deltaStats', () => {
  it('computes the norm of the change, relative change, cosine, max and mean |Δ|', () => {
    const s = deltaStats([3, 4], [0, 8]);
    expect(s.l2).toBeCloseTo(5, 12);
    expect(s.normBefore).toBeCloseTo(5, 12);
    expect(s.normAfter).toBeCloseTo(8, 12);
    expect(s.relative).toBeCloseTo(1, 12);
    expect(s.cosine).toBeCloseTo(32 / 40, 12);
    expect(s.maxAbs).toBe(4);
    expect(s.meanAbs).toBe(3.5);
    expect(s.count).toBe(2);
  });

  it('gives cosine 1 for a rescaled tensor and 0 for orthogonal ones', () => {
    expect(deltaStats([1, 2, 3], [2, 4, 6]).cosine).toBeCloseTo(1, 12);
    expect(deltaStats([1, 2, 3], [2, 4, 6]).relative).toBeCloseTo(1, 12);
    expect(deltaStats([1, 0], [0, 1]).cosine).toBe(0);
    expect(deltaStats([1, 0], [-1, 0]).cosine).toBe(-1);
  });

  it('leaves cosine and relative change undefined from an all-zero tensor', () => {
    const s = deltaStats([0, 0], [1, 0]);
    expect(s.cosine).toBeNull();
    expect(s.relative).toBeNull();
    const same = deltaStats([0, 0], [0, 0]);
    expect(same.relative).toBe(0);
    expect(same.cosine).toBeNull();
  });

  it('accumulates in float64: a million tiny changes sum exactly where float32 would drift', () => {
    const n = 1 << 20;
    const before = new Float32Array(n).fill(1);
    const after = new Float32Array(n).fill(1 + 2 ** -20);
    const s = deltaStats(before, after);
    expect(s.l2).toBe(2 ** -10);
    expect(s.normBefore).toBe(1024);
    expect(s.relative).toBe(2 ** -20);
    expect(s.meanAbs).toBe(2 ** -20);
    expect(s.cosine).toBeCloseTo(1, 12);
  });

  it('neither overflows near float32’s largest value nor underflows near its smallest', () => {
    const max = new Float32Array([3e38])[0] as number;
    const big = deltaStats(new Float32Array([max, -max]), new Float32Array([-max, max]));
    expect(big.l2 / (Math.SQRT2 * 2 * max)).toBeCloseTo(1, 12);
    expect(Number.isFinite(big.l2)).toBe(true);
    expect(big.cosine).toBe(-1);
    const tiny = deltaStats(new Float32Array([1e-40]), new Float32Array([2e-40]));
    expect(tiny.l2).toBeGreaterThan(0);
    expect(tiny.relative).toBeCloseTo(1, 2);
  });

  it('leaves NaN and Infinity out of the figures and counts them', () => {
    const s = deltaStats([1, NaN, 2, 5], [1, 3, Infinity, 6]);
    expect(s.count).toBe(2);
    expect(s.nonFinite).toBe(2);
    expect(s.l2).toBe(1);
    expect(s.maxAbs).toBe(1);
  });

  it('refuses arrays of different lengths with diff/incompatible', () => {
    expect(() => deltaStats([1], [1, 2])).toThrow(expect.objectContaining({ code: 'diff/incompatible' }));
    try {
      deltaStats([1], []);
    } catch (e) {
      expect(isGraftError(e, 'diff/incompatible')).toBe(true);
    }
  });

  it('combines parts exactly as one long vector', () => {
    const a = [1, 2, 3, -4, 0.5];
    const b = [1.5, 2, 2, -4, 0];
    const whole = deltaStats(a, b);
    const parts = combineStats([
      deltaStats(a.slice(0, 2), b.slice(0, 2)),
      deltaStats(a.slice(2), b.slice(2)),
    ]);
    expect(parts?.l2).toBeCloseTo(whole.l2, 12);
    expect(parts?.cosine).toBeCloseTo(whole.cosine as number, 12);
    expect(parts?.relative).toBeCloseTo(whole.relative as number, 12);
    expect(parts?.meanAbs).toBeCloseTo(whole.meanAbs, 12);
    expect(parts?.maxAbs).toBe(whole.maxAbs);
    expect(combineStats([])).toBeNull();
  });
});

describe('diffWeights', () => {
  it('marks equal-hash tensors unchanged without reading their values', async () => {
    const k = await tensor('dense_Dense1/kernel', [1, 2, 3, 4], [2, 2]);
    const b = await tensor('dense_Dense1/bias', [0, 0]);
    const k2 = await tensor('dense_Dense2/kernel', [1, 1]);
    const k2b = await tensor('dense_Dense2/kernel', [1, 2]);
    const v = values([k, b, k2], [k, b, k2b]);
    const d = diffWeights([k.entry, b.entry, k2.entry], [k.entry, b.entry, k2b.entry], { values: v });
    expect(d.tensors.map((t) => `${t.status}:${t.name}`)).toEqual([
      'unchanged:dense_Dense1/kernel',
      'unchanged:dense_Dense1/bias',
      'changed:dense_Dense2/kernel',
    ]);
    expect(v.before.reads).toEqual(['dense_Dense2/kernel']);
    expect(v.after.reads).toEqual(['dense_Dense2/kernel']);
    expect(d.unmovedLayers).toEqual(['dense_Dense1']);
    expect(d.counts).toEqual({ unchanged: 2, changed: 1, reshaped: 0, added: 0, removed: 0 });
    expect(d.tensors[2]?.stats?.l2).toBe(1);
  });

  it('reports changed tensors without figures when values were not given', async () => {
    const a = await tensor('w/kernel', [1]);
    const b = await tensor('w/kernel', [2]);
    const d = diffWeights([a.entry], [b.entry]);
    expect(d.tensors[0]).toMatchObject({ status: 'changed', stats: null, moved: true });
    expect(d.layers[0]).toMatchObject({
      layer: 'w',
      status: 'changed',
      compared: 0,
      notCompared: 1,
      stats: null,
    });
    expect(d.overall).toBeNull();
  });

  it('flags reshaped tensors as not compared and lists added and removed ones', async () => {
    const k = await tensor('d/kernel', [1, 2, 3, 4], [2, 2]);
    const kWide = await tensor('d/kernel', [1, 2, 3, 4, 5, 6], [2, 3]);
    const old = await tensor('gone/kernel', [1]);
    const fresh = await tensor('new/kernel', [1]);
    const d = diffWeights([k.entry, old.entry], [kWide.entry, fresh.entry], {
      values: values([k, old], [kWide, fresh]),
    });
    expect(d.tensors.map((t) => `${t.status}:${t.name}`)).toEqual([
      'reshaped:d/kernel',
      'added:new/kernel',
      'removed:gone/kernel',
    ]);
    expect(d.tensors[0]?.stats).toBeNull();
    expect(d.layers.map((l) => `${l.status}:${l.layer}`)).toEqual(['changed:d', 'added:new', 'removed:gone']);
    expect(d.layers[0]).toMatchObject({ paramsBefore: 4, paramsAfter: 6, notCompared: 1 });
    expect(d.unmovedLayers).toEqual([]);
  });

  it('treats a dtype change as reshaped', async () => {
    const a = await tensor('w/x', [1]);
    const b = { ...a.entry, dtype: 'int32' as const, hash: 'f'.repeat(64) as BlobHash };
    expect(diffWeights([a.entry], [b]).tensors[0]?.status).toBe('reshaped');
  });

  it('does not call −0 → 0 a move although the bytes (and hash) differ', async () => {
    const a = await tensor('w/b', [-0, 1]);
    const b = await tensor('w/b', [0, 1]);
    expect(a.entry.hash).not.toBe(b.entry.hash);
    const d = diffWeights([a.entry], [b.entry], { values: values([a], [b]) });
    expect(d.tensors[0]).toMatchObject({ status: 'changed', moved: false });
    expect(d.unmovedLayers).toEqual(['w']);
  });

  it('rolls tensors up per layer as one vector', async () => {
    const k = await tensor('dense_Dense1/kernel', [3, 0]);
    const k2 = await tensor('dense_Dense1/kernel', [3, 4]);
    const b = await tensor('dense_Dense1/bias', [4]);
    const b2 = await tensor('dense_Dense1/bias', [1]);
    const d = diffWeights([k.entry, b.entry], [k2.entry, b2.entry], { values: values([k, b], [k2, b2]) });
    const layer = d.layers[0];
    expect(layer?.layer).toBe('dense_Dense1');
    expect(layer?.compared).toBe(2);
    // Δ = [0, 4, -3]: ‖Δ‖ = 5; before = [3, 0, 4]: ‖before‖ = 5.
    expect(layer?.stats?.l2).toBeCloseTo(5, 12);
    expect(layer?.stats?.relative).toBeCloseTo(1, 12);
    expect(layer?.stats?.maxAbs).toBe(4);
    expect(layer?.stats?.meanAbs).toBeCloseTo(7 / 3, 12);
    expect(layer?.stats?.cosine).toBeCloseTo((9 + 4) / (5 * Math.sqrt(26)), 12);
    expect(d.overall?.l2).toBeCloseTo(5, 12);
  });

  it('assigns weights to topology layer names exactly, never to a name that is only a prefix', async () => {
    const a = await tensor('dense_Dense1/kernel', [1]);
    const b = await tensor('dense_Dense10/kernel', [1]);
    const nested = await tensor('outer/inner/kernel', [1]);
    const d = diffWeights([a.entry, b.entry, nested.entry], [a.entry, b.entry, nested.entry], {
      layerNames: ['dense_Dense1', 'dense_Dense10', 'outer'],
    });
    expect(d.tensors.map((t) => t.layer)).toEqual(['dense_Dense1', 'dense_Dense10', 'outer']);
    expect(d.unmovedLayers).toEqual(['dense_Dense1', 'dense_Dense10', 'outer']);
  });

  it('uses nested layer aliases and falls back to the name prefix for unknown weights', async () => {
    const inner = await tensor('inner_dense/kernel', [1]);
    const stray = await tensor('misc/scope/w', [1]);
    const d = diffWeights([inner.entry, stray.entry], [inner.entry, stray.entry], {
      layerNames: ['encoder'],
      layerAliases: new Map([['inner_dense', 'encoder']]),
    });
    expect(d.tensors.map((t) => t.layer)).toEqual(['encoder', 'misc/scope']);
  });

  it('measures a 64k-element tensor against a direct float64 computation', async () => {
    const n = 65536;
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = Math.sin(i) * 0.1;
      y[i] = (x[i] as number) + Math.cos(i * 0.5) * 1e-4;
    }
    const a = await tensor('big/kernel', x);
    const b = await tensor('big/kernel', y);
    let dd = 0;
    let xx = 0;
    for (let i = 0; i < n; i++) {
      const d = (y[i] as number) - (x[i] as number);
      dd += d * d;
      xx += (x[i] as number) ** 2;
    }
    const stats = diffWeights([a.entry], [b.entry], { values: values([a], [b]) }).tensors[0]?.stats;
    expect(stats?.l2).toBeCloseTo(Math.sqrt(dd), 12);
    expect(stats?.relative).toBeCloseTo(Math.sqrt(dd) / Math.sqrt(xx), 12);
    expect(stats?.cosine).toBeGreaterThan(0.9999);
  });

  it('leaves a changed tensor unmeasured when the given values have the wrong length', async () => {
    const a = await tensor('w/k', [1, 2]);
    const b = await tensor('w/k', [1, 3]);
    const d = diffWeights([a.entry], [b.entry], {
      values: { before: new Map([['w/k', new Float32Array(1)]]), after: new Map([['w/k', b.values]]) },
    });
    expect(d.tensors[0]).toMatchObject({ status: 'changed', stats: null });
  });
});

describe('reading values', () => {
  it('picks the tensors worth reading: on both sides, same shape, different hash', async () => {
    const same = await tensor('a/k', [1]);
    const x = await tensor('b/k', [1]);
    const y = await tensor('b/k', [2]);
    const wide = await tensor('c/k', [1, 2]);
    const narrow = await tensor('c/k', [1]);
    const extra = await tensor('d/k', [1]);
    expect(
      tensorsToRead([same.entry, x.entry, narrow.entry], [same.entry, y.entry, wide.entry, extra.entry]),
    ).toEqual(['b/k']);
  });

  it('views stored bytes in the dtype they were written in', () => {
    const f = new Float32Array([1.5, -2]);
    const i = new Int32Array([7, -8]);
    expect(Array.from(tensorValues('float32', f.buffer))).toEqual([1.5, -2]);
    expect(Array.from(tensorValues('int32', i.buffer))).toEqual([7, -8]);
    expect(Array.from(tensorValues('bool', new Uint8Array([1, 0]).buffer))).toEqual([1, 0]);
    const m = valuesByName([{ entry: { name: 'w', dtype: 'float32' }, data: f.buffer }]);
    expect(Array.from(m.get('w') ?? [])).toEqual([1.5, -2]);
  });
});
