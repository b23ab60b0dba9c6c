// The bytes a version keeps of its data: a CSV as the file itself, a generated set as its exact rows.
import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import { canonicalJson, hashBlob } from '../hashing';
import { parseCsv, parseCsvBytes, tableToDataset } from './csv';
import { generateDataset } from './generated';
import { decodeRows, encodeRows, keptDataOf, keptRefFromJson, ROWS_FORMAT } from './kept';
import { datasetProvenance, prepareDataset } from './prepare';
import { parseShippedDataset } from './shipped';

const IRIS_HEAD =
  '3,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.3,3.3,6.0,2.5,2\n';

describe('keptDataOf', () => {
  it("keeps an uploaded CSV as the file's own bytes, byte-order mark and line ends included", async () => {
    const bytes = new Uint8Array([
      0xef,
      0xbb,
      0xbf,
      ...new TextEncoder().encode('a;b;label\r\n1,5;2;x\r\n3;4,25;y\r\n'),
    ]);
    const d = tableToDataset(parseCsvBytes(bytes), { labelColumn: 'label', fileName: 'eu.csv' });
    const kept = await keptDataOf(d);
    expect(kept?.bytes).toEqual(bytes);
    expect(kept?.hash).toBe(await hashBlob(bytes));
    // The bytes read as the browser reads a file: the mark dropped, a decimal comma with semicolons.
    expect(d.featureNames).toEqual(['a', 'b']);
    expect([...d.x]).toEqual([Math.fround(1.5), 2, 3, 4.25]);
  });

  it('works the hash out once per data set object', async () => {
    const d = generateDataset('xor', { n: 20 });
    expect(keptDataOf(d)).toBe(keptDataOf(d));
    const again = await keptDataOf(generateDataset('xor', { n: 20 }));
    expect(again?.hash).toBe((await keptDataOf(d))?.hash);
  });

  it('keeps nothing of a shipped data set, which every copy of Graft has', async () => {
    const iris = parseShippedDataset('iris', [IRIS_HEAD]);
    expect(await keptDataOf(iris)).toBeNull();
    const json = datasetProvenance(await prepareDataset(iris, { validationFraction: 0, seed: 1 }), null);
    expect(json['kept']).toBeUndefined();
    expect(json['source']).toEqual({ kind: 'shipped', id: 'iris', files: ['iris.csv'] });
  });
});

describe('datasetProvenance with kept data', () => {
  it("records the kept bytes' hash, size and format, and every option the CSV was read with", async () => {
    const t = parseCsv('1\t2\t0\n3\t4\t1\n5\t\t0\n6\t7\t0\n');
    const d = tableToDataset(t, { labelColumn: 2, fileName: 'tabs.tsv', missing: 'drop-rows' });
    const kept = await keptDataOf(d);
    if (!kept) throw new Error('a CSV keeps its bytes');
    const json = datasetProvenance(await prepareDataset(d, { validationFraction: 0, seed: 1 }), kept);
    expect(() => canonicalJson(json)).not.toThrow();
    expect(json['kept']).toEqual({ hash: kept.hash, byteLength: kept.bytes.byteLength, format: 'csv' });
    expect(json['source']).toMatchObject({
      delimiter: '\t',
      hasHeader: false,
      missing: 'drop-rows',
      labelColumn: 'column 3',
      droppedRows: 1,
    });
    // The bytes themselves stay out of the record: only their hash is part of the version's id.
    expect(JSON.stringify(json)).not.toContain('bytes');
    expect(keptRefFromJson(JSON.parse(canonicalJson(json['kept'])))).toEqual(json['kept']);
  });

  it('records a generated set as kept rows', async () => {
    const d = generateDataset('spirals', { n: 30 });
    const kept = await keptDataOf(d);
    const json = datasetProvenance(await prepareDataset(d, { validationFraction: 0.2, seed: 4 }), kept);
    expect(json['kept']).toMatchObject({ format: ROWS_FORMAT, byteLength: kept?.bytes.byteLength });
  });
});

describe('graft-rows/1', () => {
  it('gives back the exact float32 and int32 values', () => {
    for (const d of [generateDataset('circles', { n: 50, noise: 0.3 }), generateDataset('sine', { n: 33 })]) {
      const back = decodeRows(encodeRows(d));
      expect(back.rows).toBe(d.rows);
      expect(back.features).toBe(d.features);
      expect(back.x).toEqual(d.x);
      expect(back.y).toEqual(d.y);
      expect(back.y.constructor).toBe(d.y.constructor);
    }
  });

  it('refuses bytes that do not hold what their header says', () => {
    const good = encodeRows(generateDataset('xor', { n: 10 }));
    const damaged = (bytes: Uint8Array): string => {
      try {
        decodeRows(bytes);
      } catch (e) {
        if (e instanceof GraftError) return `${e.code}: ${e.message}`;
        throw e;
      }
      return 'read';
    };
    expect(damaged(good)).toBe('read');
    expect(damaged(good.subarray(0, good.byteLength - 4))).toMatch(
      /^data\/parse: The rows kept with this version are damaged: \d+ bytes do not hold 10 rows of 2 features\.$/,
    );
    expect(damaged(new Uint8Array([1, 0]))).toMatch(/too short/);
    const notJson = good.slice();
    notJson[4] = 0x7b + 1;
    expect(damaged(notJson)).toMatch(/not JSON/);
    const longHeader = good.slice();
    new DataView(longHeader.buffer).setUint32(0, 1e6, true);
    expect(damaged(longHeader)).toMatch(/runs past the end/);
  });
});
