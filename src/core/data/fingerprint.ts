/**
 * A SHA-256 of exactly which rows trained a version: the feature and label bytes, their shape, and the
 * split. Two versions with the same fingerprint saw the same numbers in the same roles.
 */
import { canonicalJson, sha256Hex } from '../hashing';
import type { Dataset } from './types';

/** Changes whenever the bytes hashed below are laid out differently, so old fingerprints never collide. */
export const FINGERPRINT_FORMAT = 'graft-data/1';

export interface FingerprintSplit {
  readonly train: Int32Array;
  readonly validation: Int32Array;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Little-endian bytes on every machine, so a fingerprint taken anywhere matches. */
export function leBytes(a: Float32Array | Int32Array): Uint8Array {
  if (LITTLE_ENDIAN) return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const out = new Uint8Array(a.byteLength);
  const view = new DataView(out.buffer);
  const float = a instanceof Float32Array;
  for (let i = 0; i < a.length; i++) {
    if (float) view.setFloat32(i * 4, a[i] ?? 0, true);
    else view.setInt32(i * 4, a[i] ?? 0, true);
  }
  return out;
}

/**
 * Hashes a header (format, shape, label type, part sizes) then the raw bytes of x, y, the training
 * indices and the validation indices. Without a split, all rows count as training rows in order.
 */
export async function dataFingerprint(
  data: Pick<Dataset, 'x' | 'y' | 'rows' | 'features'>,
  split?: FingerprintSplit,
): Promise<string> {
  const train = split?.train ?? Int32Array.from({ length: data.rows }, (_, i) => i);
  const validation = split?.validation ?? new Int32Array(0);
  const header = new TextEncoder().encode(
    canonicalJson({
      format: FINGERPRINT_FORMAT,
      rows: data.rows,
      features: data.features,
      y: data.y instanceof Int32Array ? 'int32' : 'float32',
      train: train.length,
      validation: validation.length,
    }),
  );
  const parts = [header, leBytes(data.x), leBytes(data.y), leBytes(train), leBytes(validation)];
  const total = 4 + parts.reduce((n, p) => n + p.byteLength, 0);
  const bytes = new Uint8Array(total);
  new DataView(bytes.buffer).setUint32(0, header.byteLength, true);
  let at = 4;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return sha256Hex(bytes);
}
