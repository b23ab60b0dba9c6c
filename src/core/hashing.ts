/** Content addresses: canonical JSON and SHA-256, using only the Web Crypto API that browsers and Node share. */

declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

/** SHA-256 of a tensor's raw little-endian bytes, as 64 lowercase hex digits. */
export type BlobHash = Brand<string, 'BlobHash'>;
/** SHA-256 of a version's canonical JSON, as 64 lowercase hex digits. */
export type VersionId = Brand<string, 'VersionId'>;

const HEX_64 = /^[0-9a-f]{64}$/;

export function isHash(s: unknown): s is string {
  return typeof s === 'string' && HEX_64.test(s);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function toHex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += HEX[b];
  return out;
}

type Bytes = ArrayBuffer | ArrayBufferView<ArrayBuffer>;

export async function sha256Hex(data: Bytes): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', data);
  return toHex(new Uint8Array(digest));
}

export async function hashBlob(data: Bytes): Promise<BlobHash> {
  return (await sha256Hex(data)) as BlobHash;
}

/**
 * Canonical JSON: object keys sorted by code unit, no whitespace, `undefined` members dropped.
 * Non-finite numbers cannot be content-addressed reproducibly, so they are refused.
 */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot hash a non-finite number: ${value}`);
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value))
        return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .filter((k) => obj[k] !== undefined)
        .sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
    }
    default:
      throw new TypeError(`Cannot hash a value of type ${typeof value}`);
  }
}

export async function hashJson(value: unknown): Promise<string> {
  return sha256Hex(new TextEncoder().encode(canonicalJson(value)));
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
