/**
 * The bytes a version keeps of the data it was trained on: an uploaded CSV as the file itself, a generated
 * set as its rows. Shipped sets ship with every copy of Graft, so a version names them and keeps nothing.
 *
 * A generated set keeps its rows rather than its generator and parameters: the generator's code may change
 * from one release to the next, and then the same parameters make other rows. Its exact float32 and int32
 * values as bytes come back bit for bit, with no parser between them and the version.
 */
import { GraftError } from '../errors';
import { canonicalJson, hashBlob, type BlobHash } from '../hashing';
import { isJsonObject, type JsonObject } from '../json';
import type { DataBlob } from '../ports/storage';
import { leBytes } from './fingerprint';
import type { Dataset } from './types';

/** How the kept bytes are read back: the CSV as the user's file, or rows in the layout below. */
export type KeptFormat = 'csv' | typeof ROWS_FORMAT;
export const ROWS_FORMAT = 'graft-rows/1';

/** What a version's `provenance.dataset.kept` says of the bytes it keeps beside it. */
export interface KeptRef {
  readonly hash: BlobHash;
  readonly byteLength: number;
  readonly format: KeptFormat;
}

export function keptFormatOf(dataset: Dataset): KeptFormat | null {
  switch (dataset.source.kind) {
    case 'shipped':
      return null;
    case 'generated':
      return ROWS_FORMAT;
    case 'csv':
      return 'csv';
  }
}

const memo = new WeakMap<Dataset, Promise<DataBlob | null>>();

/**
 * The bytes to keep with a version trained on `dataset` and their SHA-256; null for a shipped set. Worked
 * out once per data set object: every run and save on the same data shares it.
 */
export function keptDataOf(dataset: Dataset): Promise<DataBlob | null> {
  let kept = memo.get(dataset);
  if (!kept) {
    kept = blobOf(dataset);
    memo.set(dataset, kept);
  }
  return kept;
}

async function blobOf(dataset: Dataset): Promise<DataBlob | null> {
  const source = dataset.source;
  const bytes = source.kind === 'shipped' ? null : source.kind === 'csv' ? source.bytes : encodeRows(dataset);
  return bytes ? { hash: await hashBlob(bytes), bytes } : null;
}

export function keptRefToJson(ref: KeptRef): JsonObject {
  return { hash: ref.hash, byteLength: ref.byteLength, format: ref.format };
}

/** The `kept` member of a version's data record; null when it has none (saved before data was kept). */
export function keptRefFromJson(json: unknown): KeptRef | null {
  if (!isJsonObject(json)) return null;
  const { hash, byteLength, format } = json;
  if (typeof hash !== 'string' || typeof byteLength !== 'number') return null;
  if (format !== 'csv' && format !== ROWS_FORMAT) return null;
  return { hash: hash as BlobHash, byteLength, format };
}

/** The rows of a data set without names: what `decodeRows` gives back. */
export interface Rows {
  readonly x: Float32Array<ArrayBuffer>;
  readonly y: Float32Array<ArrayBuffer> | Int32Array<ArrayBuffer>;
  readonly rows: number;
  readonly features: number;
}

/**
 * `graft-rows/1`: a 4-byte little-endian length, a canonical JSON header `{format, rows, features, y}`,
 * then x (rows × features float32) and y (int32 classes or float32 targets), little-endian.
 */
export function encodeRows(data: Rows): Uint8Array<ArrayBuffer> {
  const header = new TextEncoder().encode(
    canonicalJson({
      format: ROWS_FORMAT,
      rows: data.rows,
      features: data.features,
      y: data.y instanceof Int32Array ? 'int32' : 'float32',
    }),
  );
  const parts = [leBytes(data.x), leBytes(data.y)];
  const bytes = new Uint8Array(4 + header.byteLength + data.x.byteLength + data.y.byteLength);
  new DataView(bytes.buffer).setUint32(0, header.byteLength, true);
  bytes.set(header, 4);
  let at = 4 + header.byteLength;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return bytes;
}

/** Reads `encodeRows`'s bytes, refusing any that do not hold exactly what their header says. */
export function decodeRows(bytes: Uint8Array): Rows {
  const damaged = (why: string): GraftError => new GraftError('error.data/parse.kept-rows', { why });
  if (bytes.byteLength < 4) throw damaged('too short');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true);
  if (4 + headerLength > bytes.byteLength) throw damaged('the header runs past the end');
  let header: unknown;
  try {
    header = JSON.parse(
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(4, 4 + headerLength)),
    );
  } catch {
    throw damaged('the header is not JSON');
  }
  if (!isJsonObject(header) || header['format'] !== ROWS_FORMAT) throw damaged('not graft-rows/1');
  const { rows, features, y: yType } = header;
  const count = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
  if (!count(rows) || !count(features) || (yType !== 'int32' && yType !== 'float32'))
    throw damaged('the header is incomplete');
  const start = 4 + headerLength;
  if (bytes.byteLength !== start + rows * features * 4 + rows * 4)
    throw damaged(`${bytes.byteLength} bytes do not hold ${rows} rows of ${features} features`);
  const x = new Float32Array(rows * features);
  const y = yType === 'int32' ? new Int32Array(rows) : new Float32Array(rows);
  for (let i = 0; i < x.length; i++) x[i] = view.getFloat32(start + i * 4, true);
  const yStart = start + x.byteLength;
  for (let i = 0; i < rows; i++)
    y[i] =
      y instanceof Int32Array ? view.getInt32(yStart + i * 4, true) : view.getFloat32(yStart + i * 4, true);
  return { x, y, rows, features };
}
