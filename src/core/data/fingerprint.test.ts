import { describe, expect, it } from 'vitest';
import { isHash, sha256Hex } from '../hashing';
import { dataFingerprint } from './fingerprint';
import { generateDataset } from './generated';
import { splitIndices } from './split';

describe('dataFingerprint', () => {
  const d = generateDataset('xor', { n: 50, seed: 3 });
  const split = splitIndices(d, { validationFraction: 0.2, seed: 1 });

  it('is a SHA-256 that depends only on the rows and the split', async () => {
    const a = await dataFingerprint(d, split);
    expect(isHash(a)).toBe(true);
    const again = generateDataset('xor', { n: 50, seed: 3 });
    expect(await dataFingerprint(again, splitIndices(again, { validationFraction: 0.2, seed: 1 }))).toBe(a);
  });

  it('changes when one value, one label, the split or the seed changes', async () => {
    const base = await dataFingerprint(d, split);
    const x = d.x.slice();
    x[17] = (x[17] ?? 0) + 1e-6;
    expect(await dataFingerprint({ ...d, x }, split)).not.toBe(base);
    const y = d.y.slice();
    y[3] = 1 - (y[3] ?? 0);
    expect(await dataFingerprint({ ...d, y }, split)).not.toBe(base);
    expect(await dataFingerprint(d, splitIndices(d, { validationFraction: 0.2, seed: 2 }))).not.toBe(base);
    expect(await dataFingerprint(d, splitIndices(d, { validationFraction: 0.3, seed: 1 }))).not.toBe(base);
    expect(await dataFingerprint(generateDataset('xor', { n: 50, seed: 4 }), split)).not.toBe(base);
  });

  it('tells apart the same bytes in another shape, or labels of another type', async () => {
    const asRows = { x: d.x, y: d.y, rows: 50, features: 2 };
    const asCols = { x: d.x, y: d.y, rows: 25, features: 4 };
    expect(await dataFingerprint(asRows)).not.toBe(await dataFingerprint(asCols));
    const floatY = Float32Array.from(d.y);
    expect(await dataFingerprint({ ...asRows, y: floatY })).not.toBe(await dataFingerprint(asRows));
  });

  it('tells apart a row moved from training to validation', async () => {
    const moved = {
      train: split.train.slice(1),
      validation: Int32Array.from([split.train[0] ?? 0, ...split.validation]),
    };
    expect(await dataFingerprint(d, moved)).not.toBe(await dataFingerprint(d, split));
  });

  it('reads only the bytes of a view, not the whole buffer under it', async () => {
    const buffer = new Float32Array(200);
    buffer.set(d.x, 50);
    const view = buffer.subarray(50, 150);
    expect(await dataFingerprint({ ...d, x: view as Float32Array<ArrayBuffer> }, split)).toBe(
      await dataFingerprint(d, split),
    );
  });

  it('is the documented layout, so it can be recomputed outside Graft', async () => {
    const tiny = { x: Float32Array.from([1, 2]), y: Int32Array.from([1]), rows: 1, features: 2 };
    const header = new TextEncoder().encode(
      '{"features":2,"format":"graft-data/1","rows":1,"train":1,"validation":0,"y":"int32"}',
    );
    const bytes = new Uint8Array(4 + header.length + 8 + 4 + 4);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, header.length, true);
    bytes.set(header, 4);
    let at = 4 + header.length;
    view.setFloat32(at, 1, true);
    view.setFloat32(at + 4, 2, true);
    view.setInt32(at + 8, 1, true);
    view.setInt32(at + 12, 0, true);
    at += 16;
    expect(at).toBe(bytes.length);
    expect(await dataFingerprint(tiny)).toBe(await sha256Hex(bytes));
  });
});
