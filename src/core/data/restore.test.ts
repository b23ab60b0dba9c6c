// A version's data rebuilt from its record and kept bytes: the same rows and split, or a clear refusal.
import { describe, expect, it } from 'vitest';
import { GraftError } from '../errors';
import { canonicalJson } from '../hashing';
import type { JsonObject } from '../json';
import {
  parseCsvBytes,
  tableToDataset,
  withHeader,
  type CsvParseOptions,
  type CsvToDatasetOptions,
} from './csv';
import { generateDataset } from './generated';
import { keptDataOf } from './kept';
import type { DatasetLoader } from './loader';
import { datasetProvenance, prepareDataset, type PreparedData } from './prepare';
import { matchPickedCsv, readDataRecord, restoreDataset, type DataRecord } from './restore';
import { parseShippedDataset } from './shipped';
import type { Dataset } from './types';

const utf8 = (text: string): Uint8Array<ArrayBuffer> => new TextEncoder().encode(text);
const IRIS_TEXT =
  '6,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n4.9,3.0,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.4,3.2,4.5,1.5,1\n6.3,3.3,6.0,2.5,2\n5.8,2.7,5.1,1.9,2\n';

/** No shipped data: a CSV or generated set must rebuild without fetching anything. */
const NO_LOADER: Pick<DatasetLoader, 'loadShipped'> = {
  loadShipped: () => Promise.reject(new Error('nothing is fetched')),
};
const shippedLoader = (text: string): Pick<DatasetLoader, 'loadShipped'> => ({
  loadShipped: async (id) => parseShippedDataset(id, [text]),
});

/** What a version saves: its record, through JSON as the store keeps it, and the kept bytes. */
async function save(dataset: Dataset, split = { validationFraction: 0.25, seed: 7 }) {
  const prepared = await prepareDataset(dataset, split);
  const kept = await keptDataOf(dataset);
  const json = JSON.parse(canonicalJson(datasetProvenance(prepared, kept))) as JsonObject;
  const record = readDataRecord(json);
  if (!record) throw new Error('the record reads back');
  return { prepared, kept, json, record };
}

function csv(bytes: Uint8Array<ArrayBuffer>, options: CsvToDatasetOptions, parse: CsvParseOptions = {}) {
  return tableToDataset(parseCsvBytes(bytes, parse), { fileName: 'data.csv', ...options });
}

function expectSame(restored: PreparedData, original: PreparedData): void {
  const [a, b] = [restored.dataset, original.dataset];
  expect(restored.fingerprint).toBe(original.fingerprint);
  expect(a.x).toEqual(b.x);
  expect(a.y).toEqual(b.y);
  expect(a.y.constructor).toBe(b.y.constructor);
  // Everything else alike; a CSV's bytes are compared where they must be (a copy picked again has its own).
  const rest = (d: Dataset) => ({ ...d, x: null, y: null, source: { ...d.source, bytes: null } });
  expect(rest(a)).toEqual(rest(b));
  expect(restored.split).toEqual(original.split);
  expect(restored.normalization).toEqual(original.normalization);
}

async function restoresExactly(dataset: Dataset): Promise<DataRecord> {
  const { prepared, kept, record } = await save(dataset);
  const out = await restoreDataset(record, kept?.bytes ?? null, NO_LOADER);
  if (out.status !== 'restored') throw new Error(`not restored: ${out.reason}`);
  expectSame(out.prepared, prepared);
  // Rebuilt, it keeps the very same bytes: a version trained on it again refers to the same blob.
  expect((await keptDataOf(out.prepared.dataset))?.hash).toBe(kept?.hash);
  return record;
}

describe('restoreDataset: an uploaded CSV from its kept bytes', () => {
  it('rebuilds comma, semicolon, tab and decimal-comma files exactly', async () => {
    await restoresExactly(
      csv(utf8('a,b,label\n1.5,2,x\n3,4e-3,y\n5,6,x\n7,8,y\n'), { labelColumn: 'label' }),
    );
    const semicolon = await restoresExactly(
      csv(utf8('a;b;price\n1,5;2;10,25\n3;4,75;11,5\n5;6;12\n7;8;13,125\n'), { labelColumn: 'price' }),
    );
    expect(semicolon.source).toMatchObject({ delimiter: ';', hasHeader: true });
    expect(semicolon.task).toBe('regression');
    await restoresExactly(csv(utf8('a\tb\tk\n1\t2\t0\n3\t4\t1\n5\t6\t0\n7\t8\t1\n'), { labelColumn: 'k' }));
  });

  it('rebuilds a file without a header, and one whose header was switched by hand', async () => {
    const numbers = utf8('1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    const none = await restoresExactly(csv(numbers, { labelColumn: 2 }));
    expect(none.source).toMatchObject({ hasHeader: false, labelColumn: 'column 3' });
    // A header of numbers, taken as one by the user although the guess said data.
    const header = await restoresExactly(
      tableToDataset(withHeader(parseCsvBytes(numbers), true), { labelColumn: '0', fileName: 'n.csv' }),
    );
    expect(header.source).toMatchObject({ hasHeader: true });
    expect(header.rows).toBe(4);
    // A text first line taken as data: the guess said header.
    const labels = utf8('5.1,3.5,setosa\n4.9,3.0,versicolor\n4.7,3.2,setosa\n6.1,2.8,versicolor\n');
    const asData = await restoresExactly(
      tableToDataset(withHeader(parseCsvBytes(labels), false), { labelColumn: 2, fileName: 'i.csv' }),
    );
    expect(asData.rows).toBe(4);
  });

  it('rebuilds one-hot columns, left-out columns, dropped rows and a forced task', async () => {
    const text = utf8(
      'id,size,colour,label\n1,1,red,1\n2,2,blue,2\n3,,red,1\n4,4,green,2\n5,5,red,1\n6,6,blue,2\n7,NA,red,1\n',
    );
    const record = await restoresExactly(
      csv(text, { labelColumn: 'label', exclude: ['id'], missing: 'drop-rows', task: 'regression' }),
    );
    expect(record.source).toMatchObject({
      excludedColumns: ['id'],
      droppedRows: 2,
      missing: 'drop-rows',
    });
    expect(record.featureNames).toEqual(['size', 'colour=blue', 'colour=green', 'colour=red']);
    expect(record.task).toBe('regression');
  });

  it('refuses kept bytes that no longer read as the recorded rows', async () => {
    const d = csv(utf8('a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n'), { labelColumn: 'label' });
    const { kept, record } = await save(d);
    const other = utf8('a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,9,y\n');
    const e = await restoreDataset(record, other, NO_LOADER).catch((e: unknown) => e);
    expect(e).toBeInstanceOf(GraftError);
    expect((e as GraftError).code).toBe('data/invalid');
    expect((e as GraftError).message).toMatch(
      new RegExp(
        `^The data rebuilt for this version \\(data\\) is not the data it was trained on: its fingerprint is [0-9a-f]{12}, the version recorded ${record.fingerprint.slice(0, 12)}\\.`,
      ),
    );
    expect(kept?.bytes).not.toEqual(other);
  });

  it('says the data is not here when the bytes are not, and not kept for a record from before', async () => {
    const d = csv(utf8('a,b,label\n1,2,x\n3,4,y\n5,6,x\n7,8,y\n'), { labelColumn: 'label' });
    const { json, record } = await save(d);
    expect(await restoreDataset(record, null, NO_LOADER)).toEqual({ status: 'missing', reason: 'not-here' });
    const old = readDataRecord(oldRecord(json));
    expect(old?.kept).toBeNull();
    expect(await restoreDataset(old as DataRecord, null, NO_LOADER)).toEqual({
      status: 'missing',
      reason: 'not-kept',
    });
  });
});

/** A record as versions saved it before data was kept: no `kept`, no reading options. */
function oldRecord(json: JsonObject): JsonObject {
  const { kept: _kept, ...rest } = json;
  const { delimiter: _d, hasHeader: _h, missing: _m, ...source } = json['source'] as JsonObject;
  return { ...rest, source };
}

describe('matchPickedCsv: the file picked again', () => {
  const TEXT = 'w;h;kind\n1,5;2;cat\n3;4;dog\n5;6,5;cat\n7;8;dog\n9;10;cat\n';

  it('accepts the same rows, even from a copy saved with other line ends or another name', async () => {
    const { prepared, record } = await save(csv(utf8(TEXT), { labelColumn: 'kind' }));
    const copy = parseCsvBytes(utf8(TEXT.replace(/\n/g, '\r\n')));
    const back = await matchPickedCsv(record, copy, 'renamed.csv');
    expectSame(back, prepared);
    expect(back.dataset.id).toBe('csv:data.csv');
    expect(back.dataset.source.kind === 'csv' && back.dataset.source.bytes).toEqual(copy.bytes);
  });

  it('reads the picked file with the recorded options, whatever the guess makes of it', async () => {
    const numbers = utf8('1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    const d = tableToDataset(withHeader(parseCsvBytes(numbers), true), {
      labelColumn: '0',
      fileName: 'n.csv',
    });
    const { prepared, record } = await save(d);
    expectSame(await matchPickedCsv(record, parseCsvBytes(numbers), 'n.csv'), prepared);
  });

  it('refuses a different file, saying it is different data', async () => {
    const { record } = await save(csv(utf8(TEXT), { labelColumn: 'kind' }));
    const other = parseCsvBytes(utf8(TEXT.replace('7;8;dog', '7;8;cat')));
    const e = await matchPickedCsv(record, other, 'other.csv').catch((e: unknown) => e);
    expect(e).toBeInstanceOf(GraftError);
    expect((e as GraftError).message).toMatch(
      new RegExp(
        `^other\\.csv is not the data this version was trained on: its rows have the fingerprint [0-9a-f]{12}, not ${record.fingerprint.slice(0, 12)}\\. Pick data\\.csv as it was when the version was trained\\.$`,
      ),
    );
  });

  it('refuses a file without the label column with the reason', async () => {
    const { record } = await save(csv(utf8(TEXT), { labelColumn: 'kind' }));
    const e = await matchPickedCsv(record, parseCsvBytes(utf8('a,b\n1,2\n3,4\n')), 'x.csv').catch(
      (e: unknown) => e,
    );
    expect((e as GraftError).message).toMatch(/^There is no column "kind" for the label column/);
  });

  it('matches a file to a record from before the options were kept, header switched or not', async () => {
    const numbers = utf8('1,2,0\n3,4,1\n5,6,0\n7,8,1\n9,10,0\n');
    const switched = tableToDataset(withHeader(parseCsvBytes(numbers), true), {
      labelColumn: '0',
      fileName: 'n.csv',
    });
    const a = await save(switched);
    expectSame(
      await matchPickedCsv(readDataRecord(oldRecord(a.json)) as DataRecord, parseCsvBytes(numbers), 'n.csv'),
      a.prepared,
    );
    const dropped = csv(utf8('a,b,k\n1,2,0\n3,,1\n5,6,0\n7,8,1\n9,10,0\n'), {
      labelColumn: 'k',
      missing: 'drop-rows',
    });
    const b = await save(dropped);
    const old = readDataRecord(oldRecord(b.json)) as DataRecord;
    expectSame(
      await matchPickedCsv(old, parseCsvBytes(utf8('a,b,k\n1,2,0\n3,,1\n5,6,0\n7,8,1\n9,10,0\n')), 'd.csv'),
      b.prepared,
    );
  });
});

describe('restoreDataset: generated and shipped sets', () => {
  it('rebuilds a generated set bit for bit from its kept rows', async () => {
    await restoresExactly(generateDataset('spirals', { n: 60, noise: 0.2, seed: 3 }));
    await restoresExactly(generateDataset('sine', { n: 40 }));
  });

  it('makes a generated set again when its rows are not kept, if the generator still makes the same', async () => {
    const d = generateDataset('circles', { n: 40, seed: 9 });
    const { prepared, json, record } = await save(d);
    const out = await restoreDataset(record, null, NO_LOADER);
    expect(out.status).toBe('restored');
    if (out.status === 'restored') expectSame(out.prepared, prepared);
    const old = readDataRecord(oldRecord(json)) as DataRecord;
    expect((await restoreDataset(old, null, NO_LOADER)).status).toBe('restored');
    // A generator that now makes other rows: the data is not here, which is no error.
    const changed = readDataRecord({ ...oldRecord(json), fingerprint: '0'.repeat(64) }) as DataRecord;
    expect(await restoreDataset(changed, null, NO_LOADER)).toEqual({ status: 'missing', reason: 'not-kept' });
  });

  it('refuses damaged kept rows', async () => {
    const { kept, record } = await save(generateDataset('xor', { n: 20 }));
    const cut = kept?.bytes.slice(0, -4) ?? new Uint8Array(0);
    await expect(restoreDataset(record, cut, NO_LOADER)).rejects.toThrow(
      /rows kept with this version are damaged/,
    );
  });

  it('loads a shipped set by its id and checks its fingerprint', async () => {
    const iris = parseShippedDataset('iris', [IRIS_TEXT]);
    const { prepared, kept, json, record } = await save(iris, { validationFraction: 0.34, seed: 2 });
    expect(kept).toBeNull();
    expect(json['kept']).toBeUndefined();
    const out = await restoreDataset(record, null, shippedLoader(IRIS_TEXT));
    expect(out.status).toBe('restored');
    if (out.status === 'restored') expectSame(out.prepared, prepared);
    // Another release shipping other rows under the same name is refused, not trained on silently.
    const changed = IRIS_TEXT.replace('5.8,2.7', '5.9,2.7');
    await expect(restoreDataset(record, null, shippedLoader(changed))).rejects.toThrow(
      /^The data rebuilt for this version \(Iris flowers\) is not the data it was trained on/,
    );
  });
});

describe('readDataRecord', () => {
  it('reads no record from what is not one', async () => {
    const { json } = await save(generateDataset('xor', { n: 12 }));
    expect(readDataRecord(undefined)).toBeNull();
    expect(readDataRecord('iris')).toBeNull();
    expect(readDataRecord({ ...json, fingerprintFormat: 'graft-data/0' })).toBeNull();
    expect(readDataRecord({ ...json, source: { kind: 'sql' } })).toBeNull();
    expect(readDataRecord({ ...json, split: null })).toBeNull();
    expect(readDataRecord({ ...json, kept: { hash: 1 } })?.kept).toBeNull();
    expect(readDataRecord(json)?.kept?.format).toBe('graft-rows/1');
  });
});
