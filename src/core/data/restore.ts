/**
 * A version's data rebuilt from what it recorded (`provenance.dataset`) and the bytes it keeps: the same
 * rows, split the same way, or a refusal. The fingerprint decides: rows that do not hash to the recorded
 * fingerprint are never handed back as the version's data.
 */
import { GraftError } from '../errors';
import { isJsonObject } from '../json';
import { parseCsvBytes, tableToDataset, withHeader, type CsvParseOptions, type CsvTable } from './csv';
import { FINGERPRINT_FORMAT } from './fingerprint';
import { generateDataset, generatorInfo } from './generated';
import { decodeRows, keptRefFromJson, ROWS_FORMAT, type KeptRef, type Rows } from './kept';
import type { DatasetLoader } from './loader';
import { prepareDataset, type PreparedData } from './prepare';
import { shippedDatasetInfo } from './shipped';
import type {
  Dataset,
  Delimiter,
  GeneratorKind,
  GeneratorParams,
  MissingValues,
  ShippedDatasetId,
  Task,
} from './types';

/** Where a version's rows came from, as it recorded them. Options a record predates are absent. */
export type RecordedSource =
  | { readonly kind: 'shipped'; readonly id: ShippedDatasetId }
  | { readonly kind: 'generated'; readonly generator: GeneratorKind; readonly params: GeneratorParams }
  | {
      readonly kind: 'csv';
      readonly fileName: string;
      readonly labelColumn: string;
      readonly excludedColumns: readonly string[];
      readonly droppedRows: number;
      readonly delimiter?: Delimiter;
      readonly hasHeader?: boolean;
      readonly missing?: MissingValues;
    };

/** A version's `provenance.dataset`, read back: what its data was and how to get the same rows again. */
export interface DataRecord {
  readonly id: string;
  readonly name: string;
  readonly task: Task;
  readonly rows: number;
  readonly features: number;
  readonly featureNames: readonly string[];
  readonly labelName: string;
  readonly classNames?: readonly string[];
  readonly inputShape: readonly number[];
  readonly credit?: string;
  readonly source: RecordedSource;
  readonly split: {
    readonly seed: number;
    readonly validationFraction: number;
    readonly stratified: boolean;
  };
  /** Of the rows and the split (`dataFingerprint`). */
  readonly fingerprint: string;
  /** The bytes kept beside the version; null when it was saved before Graft kept data. */
  readonly kept: KeptRef | null;
}

/** As the Train tab shows a fingerprint. */
const short = (fingerprint: string): string => fingerprint.slice(0, 12);
const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');
const integer = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function readSource(json: unknown): RecordedSource | null {
  if (!isJsonObject(json)) return null;
  switch (json['kind']) {
    case 'shipped': {
      const id = json['id'];
      return typeof id === 'string' && shippedDatasetInfo(id)
        ? { kind: 'shipped', id: id as ShippedDatasetId }
        : null;
    }
    case 'generated': {
      const generator = json['generator'];
      const p = json['params'];
      if (typeof generator !== 'string' || !generatorInfo(generator) || !isJsonObject(p)) return null;
      const { n, noise, seed } = p;
      if (typeof n !== 'number' || typeof noise !== 'number' || typeof seed !== 'number') return null;
      return { kind: 'generated', generator: generator as GeneratorKind, params: { n, noise, seed } };
    }
    case 'csv': {
      const { fileName, labelColumn, excludedColumns, droppedRows, delimiter, hasHeader, missing } = json;
      if (typeof fileName !== 'string' || typeof labelColumn !== 'string') return null;
      if (!strings(excludedColumns) || !integer(droppedRows)) return null;
      return {
        kind: 'csv',
        fileName,
        labelColumn,
        excludedColumns,
        droppedRows,
        ...(delimiter === ',' || delimiter === ';' || delimiter === '\t' ? { delimiter } : {}),
        ...(typeof hasHeader === 'boolean' ? { hasHeader } : {}),
        ...(missing === 'error' || missing === 'drop-rows' ? { missing } : {}),
      };
    }
    default:
      return null;
  }
}

/**
 * A version's `provenance.dataset`, or null when it has none or one this build cannot rebuild from (no
 * fingerprint in this format, an unknown source): such a version names no data to restore.
 */
export function readDataRecord(json: unknown): DataRecord | null {
  if (!isJsonObject(json) || json['fingerprintFormat'] !== FINGERPRINT_FORMAT) return null;
  const { id, name, task, rows, features, featureNames, labelName, classNames, inputShape, credit } = json;
  const { fingerprint, split } = json;
  const source = readSource(json['source']);
  if (!source || typeof fingerprint !== 'string' || !isJsonObject(split)) return null;
  if (typeof id !== 'string' || typeof name !== 'string' || typeof labelName !== 'string') return null;
  if (task !== 'classification' && task !== 'regression') return null;
  if (!integer(rows) || !integer(features) || !strings(featureNames)) return null;
  if (!Array.isArray(inputShape) || !inputShape.every(integer)) return null;
  if (task === 'classification' && !strings(classNames)) return null;
  const { seed, validationFraction, stratified } = split;
  if (!integer(seed) || typeof validationFraction !== 'number' || typeof stratified !== 'boolean')
    return null;
  return {
    id,
    name,
    task,
    rows,
    features,
    featureNames,
    labelName,
    ...(task === 'classification' && strings(classNames) ? { classNames } : {}),
    inputShape: inputShape as number[],
    ...(typeof credit === 'string' ? { credit } : {}),
    source,
    split: { seed, validationFraction, stratified },
    fingerprint,
    kept: keptRefFromJson(json['kept']),
  };
}

/** A restore's outcome: the rows, or why they are not here (an outcome to show, not an error). */
export type RestoredData =
  | { readonly status: 'restored'; readonly prepared: PreparedData }
  | {
      readonly status: 'missing';
      /** `not-kept`: saved before Graft kept data; `not-here`: kept, but not in this browser. */
      readonly reason: 'not-kept' | 'not-here';
    };

/**
 * Rebuilds the data `record` describes from `bytes` (what the version keeps; null when this browser has
 * none), a shipped set through `loader`, and a generated set without bytes by running its generator again.
 * Rows that rebuild but do not match the recorded fingerprint are refused with `data/invalid`.
 */
export async function restoreDataset(
  record: DataRecord,
  bytes: Uint8Array<ArrayBuffer> | null,
  loader: Pick<DatasetLoader, 'loadShipped'>,
  signal?: AbortSignal,
): Promise<RestoredData> {
  const missing: RestoredData = { status: 'missing', reason: record.kept ? 'not-here' : 'not-kept' };
  const source = record.source;
  switch (source.kind) {
    case 'shipped':
      return restored(record, await checked(record, await loader.loadShipped(source.id, signal)));
    case 'generated': {
      if (bytes && record.kept?.format === ROWS_FORMAT) {
        return restored(record, await checked(record, datasetFromRows(record, source, decodeRows(bytes))));
      }
      // Without its rows, the generator may still make them: if it makes others, they are not the data.
      const again = await prepareFor(record, generateDataset(source.generator, source.params));
      return again.fingerprint === record.fingerprint ? restored(record, again) : missing;
    }
    case 'csv': {
      if (!bytes || (record.kept && record.kept.format !== 'csv')) return missing;
      const { prepared } = await matchCsv(record, parseCsvBytes(bytes, parseOptions(source)));
      if (prepared.fingerprint !== record.fingerprint) throw mismatch(record, prepared);
      return restored(record, prepared);
    }
  }
}

/**
 * The version's CSV rebuilt from a file the user picked again (read into `table`), or `data/invalid` saying
 * it is different data. The rows keep the version's file name, whatever the picked file is called.
 */
export async function matchPickedCsv(
  record: DataRecord,
  table: CsvTable,
  file: string,
): Promise<PreparedData> {
  const source = record.source;
  if (source.kind !== 'csv') throw new GraftError('error.data/invalid.not-a-file', { name: record.name });
  const hasHeader = source.hasHeader ?? table.hasHeader;
  const asRecorded =
    source.delimiter !== undefined && source.delimiter !== table.delimiter
      ? parseCsvBytes(table.bytes, { delimiter: source.delimiter, header: hasHeader })
      : withHeader(table, hasHeader);
  const { prepared, error } = await matchCsv(record, asRecorded);
  if (prepared.fingerprint === record.fingerprint) return prepared;
  throw new GraftError(
    'error.data/invalid.different-file',
    {
      file,
      wanted: source.fileName,
      got: short(prepared.fingerprint),
      expected: short(record.fingerprint),
    },
    { cause: error },
  );
}

function parseOptions(source: Extract<RecordedSource, { kind: 'csv' }>): CsvParseOptions {
  return { ...(source.delimiter ? { delimiter: source.delimiter } : {}), header: source.hasHeader ?? 'auto' };
}

/**
 * The table read with the version's options. A record from before the options were kept does not say
 * whether the first line was the header, so both readings are tried and the one that matches wins.
 */
async function matchCsv(
  record: DataRecord,
  table: CsvTable,
): Promise<{ prepared: PreparedData; error?: unknown }> {
  const source = record.source as Extract<RecordedSource, { kind: 'csv' }>;
  const readings = source.hasHeader === undefined ? [table, otherHeader(table)] : [table];
  let first: { prepared: PreparedData; error?: unknown } | null = null;
  let error: unknown;
  for (const reading of readings) {
    if (!reading) continue;
    try {
      const dataset = tableToDataset(reading, {
        labelColumn: source.labelColumn,
        exclude: source.excludedColumns,
        task: record.task,
        missing: source.missing ?? (source.droppedRows > 0 ? 'drop-rows' : 'error'),
        fileName: source.fileName,
      });
      const prepared = await prepareFor(record, dataset);
      if (prepared.fingerprint === record.fingerprint) return { prepared };
      first ??= { prepared };
    } catch (e) {
      error ??= e;
    }
  }
  if (first) return { ...first, error };
  throw error;
}

function otherHeader(table: CsvTable): CsvTable | null {
  try {
    return withHeader(table, !table.hasHeader);
  } catch {
    return null;
  }
}

function prepareFor(record: DataRecord, dataset: Dataset): Promise<PreparedData> {
  const { seed, validationFraction, stratified } = record.split;
  return prepareDataset(dataset, { seed, validationFraction, stratify: stratified });
}

async function checked(record: DataRecord, dataset: Dataset): Promise<PreparedData> {
  const prepared = await prepareFor(record, dataset);
  if (prepared.fingerprint !== record.fingerprint) throw mismatch(record, prepared);
  return prepared;
}

/** Rows that hash alike but carry other names or classes are still not the version's data. */
function restored(record: DataRecord, prepared: PreparedData): RestoredData {
  const d = prepared.dataset;
  const same = (a: readonly string[] | undefined, b: readonly string[] | undefined): boolean =>
    (a ?? []).length === (b ?? []).length && (a ?? []).every((s, i) => s === b?.[i]);
  if (
    d.task !== record.task ||
    !same(d.featureNames, record.featureNames) ||
    !same(d.classNames, record.classNames) ||
    d.labelName !== record.labelName
  )
    throw mismatch(record, prepared);
  return { status: 'restored', prepared };
}

function mismatch(record: DataRecord, prepared: PreparedData): GraftError {
  return new GraftError('error.data/invalid.restored-mismatch', {
    name: record.name,
    got: short(prepared.fingerprint),
    expected: short(record.fingerprint),
  });
}

/** A generated set from its kept rows and the names its version recorded. */
function datasetFromRows(
  record: DataRecord,
  source: Extract<RecordedSource, { kind: 'generated' }>,
  rows: Rows,
): Dataset {
  if (rows.rows !== record.rows || rows.features !== record.features) {
    throw new GraftError('error.data/parse.kept-rows', {
      why: `${rows.rows} × ${rows.features} rows, the version recorded ${record.rows} × ${record.features}`,
    });
  }
  const base = {
    id: record.id,
    name: record.name,
    featureNames: record.featureNames,
    labelName: record.labelName,
    x: rows.x,
    rows: rows.rows,
    features: rows.features,
    inputShape: record.inputShape,
    source: { kind: 'generated' as const, generator: source.generator, params: source.params },
    ...(record.credit !== undefined ? { credit: record.credit } : {}),
  };
  if (record.task === 'classification' && rows.y instanceof Int32Array)
    return { ...base, task: 'classification', classNames: record.classNames ?? [], y: rows.y };
  if (record.task === 'regression' && rows.y instanceof Float32Array)
    return { ...base, task: 'regression', y: rows.y };
  throw new GraftError('error.data/parse.kept-rows', { why: `the labels do not suit ${record.task}` });
}
