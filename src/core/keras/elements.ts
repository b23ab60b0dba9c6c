/**
 * Tensor elements as files store them (the safetensors dtype names, which HDF5's numeric types map onto)
 * turned into the three dtypes Graft stores: exact where the value fits, refused where it would not.
 */
import type { StoredDType } from '../versions/types';

export type ElementDType =
  'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

export const ELEMENT_SIZES: Readonly<Record<ElementDType, number>> = {
  BOOL: 1,
  U8: 1,
  I8: 1,
  I16: 2,
  U16: 2,
  F16: 2,
  BF16: 2,
  I32: 4,
  U32: 4,
  F32: 4,
  F64: 8,
  I64: 8,
  U64: 8,
};

const INT32_MAX = 2 ** 31 - 1;

/** One f16 bit pattern as the f32 bit pattern of the same value: exact for every input, NaN payloads kept. */
function halfToFloatBits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: shift the leading 1 up to the implicit bit, lowering the exponent as we go.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/**
 * A tensor's values in a dtype Graft stores (float32, int32, bool), little-endian and owned. F16 and BF16
 * widen exactly; F64 rounds to the nearest float32 (as numpy's astype does); smaller and unsigned integers
 * widen to int32; I64, U64 and U32 narrow only when every value fits, else the import stops, since a
 * silently wrapped integer (an index, a count) would be wrong without anyone noticing.
 */
export function toStoredElements(
  dtype: ElementDType,
  bytes: Uint8Array,
  tooWide: (index: number, value: bigint) => never,
): { dtype: StoredDType; data: Uint8Array<ArrayBuffer>; convertedFrom: ElementDType | null } {
  const src = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = bytes.byteLength / ELEMENT_SIZES[dtype];
  const widen = (read: (i: number) => number, to: StoredDType) => {
    const out = new Uint8Array(count * 4);
    const dst = new DataView(out.buffer);
    for (let i = 0; i < count; i++) dst.setUint32(i * 4, read(i), true);
    return { dtype: to, data: out, convertedFrom: dtype };
  };
  switch (dtype) {
    case 'F32':
      return { dtype: 'float32', data: bytes.slice(), convertedFrom: null };
    case 'I32':
      return { dtype: 'int32', data: bytes.slice(), convertedFrom: null };
    case 'BOOL':
      // Graft's bools are 0 or 1; numpy reads any other byte as true, and so does this.
      return { dtype: 'bool', data: bytes.map((b) => (b === 0 ? 0 : 1)), convertedFrom: null };
    case 'F16':
      return widen((i) => halfToFloatBits(src.getUint16(i * 2, true)), 'float32');
    case 'BF16':
      return widen((i) => src.getUint16(i * 2, true) << 16, 'float32');
    case 'F64': {
      const out = new Uint8Array(count * 4);
      const dst = new DataView(out.buffer);
      for (let i = 0; i < count; i++) dst.setFloat32(i * 4, src.getFloat64(i * 8, true), true);
      return { dtype: 'float32', data: out, convertedFrom: 'F64' };
    }
    case 'U8':
      return widen((i) => src.getUint8(i), 'int32');
    case 'I8':
      return widen((i) => src.getInt8(i), 'int32');
    case 'U16':
      return widen((i) => src.getUint16(i * 2, true), 'int32');
    case 'I16':
      return widen((i) => src.getInt16(i * 2, true), 'int32');
    case 'U32':
      return widen((i) => {
        const v = src.getUint32(i * 4, true);
        return v > INT32_MAX ? tooWide(i, BigInt(v)) : v;
      }, 'int32');
    case 'I64':
      return widen((i) => {
        const low = src.getUint32(i * 8, true);
        const high = src.getInt32(i * 8 + 4, true);
        // Fits when the high word is only the sign extension of the low word's top bit.
        if (high !== (low >= 2 ** 31 ? -1 : 0)) tooWide(i, src.getBigInt64(i * 8, true));
        return low;
      }, 'int32');
    case 'U64':
      return widen((i) => {
        const low = src.getUint32(i * 8, true);
        if (src.getUint32(i * 8 + 4, true) !== 0 || low > INT32_MAX)
          tooWide(i, src.getBigUint64(i * 8, true));
        return low;
      }, 'int32');
  }
}
