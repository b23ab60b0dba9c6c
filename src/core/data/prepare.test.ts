import { describe, expect, it } from 'vitest';
import { canonicalJson, isHash } from '../hashing';
import { isJsonObject } from '../json';
import { parseCsv, tableToDataset } from './csv';
import { generateDataset } from './generated';
import { applyNormalization, normalizationFromJson } from './normalize';
import { datasetProvenance, prepareDataset } from './prepare';

describe('prepareDataset', () => {
  it('splits, scales with training stats and fingerprints, the same every time', async () => {
    const d = generateDataset('circles', { n: 100, seed: 2 });
    const a = await prepareDataset(d, { validationFraction: 0.2, seed: 9 });
    const b = await prepareDataset(d, { validationFraction: 0.2, seed: 9 });
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(isHash(a.fingerprint)).toBe(true);
    expect(a.train.rows).toBe(80);
    expect(a.validation.rows).toBe(20);
    expect(a.train.x).toEqual(b.train.x);
    // Training features come out with mean 0.
    let sum = 0;
    for (let i = 0; i < a.train.rows; i++) sum += a.train.x[i * 2] ?? 0;
    expect(sum / a.train.rows).toBeCloseTo(0, 5);
    expect([...a.train.y].every((c) => c === 0 || c === 1)).toBe(true);
  });

  it('scales regression targets when the stats say so', async () => {
    const d = generateDataset('sine', { n: 100 });
    const p = await prepareDataset(d, { validationFraction: 0.2, seed: 1 });
    expect(p.normalization.target).toBeDefined();
    const raw = await prepareDataset(d, { validationFraction: 0.2, seed: 1, target: 'none' });
    expect(raw.normalization.target).toBeUndefined();
    expect(p.train.y).not.toEqual(raw.train.y);
    // Scaling the data does not change which rows were used.
    expect(p.fingerprint).toBe(raw.fingerprint);
  });
});

describe('datasetProvenance', () => {
  it('records source, shape, split, stats and fingerprint as hashable JSON', async () => {
    const d = generateDataset('xor', { n: 40, seed: 5 });
    const p = await prepareDataset(d, { validationFraction: 0.25, seed: 3 });
    const json = datasetProvenance(p, null);
    expect(() => canonicalJson(json)).not.toThrow();
    expect(json).toMatchObject({
      id: 'generated:xor',
      name: 'XOR',
      task: 'classification',
      source: { kind: 'generated', generator: 'xor', params: { n: 40, noise: 0.1, seed: 5 } },
      rows: 40,
      features: 2,
      featureNames: ['x', 'y'],
      classNames: ['same sign', 'different signs'],
      inputShape: [2],
      split: { seed: 3, validationFraction: 0.25, stratified: true, trainRows: 30, validationRows: 10 },
      fingerprint: p.fingerprint,
      fingerprintFormat: 'graft-data/1',
    });
    // The stored stats scale a new input exactly as training did.
    const stats = normalizationFromJson(JSON.parse(JSON.stringify(json['normalization'])));
    expect(applyNormalization(stats, d.x, 2)).toEqual(applyNormalization(p.normalization, d.x, 2));
  });

  it('records how an uploaded CSV was encoded, so a prediction can encode its input the same way', async () => {
    const t = parseCsv('size,colour,label\n1,red,a\n2,blue,b\n3,red,a\n4,,b\n');
    const d = tableToDataset(t, { labelColumn: 'label', fileName: 'toys.csv', missing: 'drop-rows' });
    const json = datasetProvenance(await prepareDataset(d, { validationFraction: 0, seed: 1 }), null);
    expect(isJsonObject(json['source'])).toBe(true);
    expect(json['source']).toEqual({
      kind: 'csv',
      fileName: 'toys.csv',
      labelColumn: 'label',
      excludedColumns: [],
      oneHot: [{ column: 'colour', values: ['blue', 'red'] }],
      droppedRows: 1,
      delimiter: ',',
      hasHeader: true,
      missing: 'drop-rows',
    });
    expect(json['credit']).toBeUndefined();
  });
});
