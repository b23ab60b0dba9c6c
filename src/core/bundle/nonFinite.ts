/** Spotting NaN and ±Infinity in float32 weights: worth a warning on import, never a refusal. */
import { quote } from './untrusted';

/** Counts NaN and ±Infinity by their exponent bits, whatever the byte alignment of the view. */
export function countNonFinite(float32Bytes: Uint8Array): number {
  let n = 0;
  for (let i = 3; i < float32Bytes.length; i += 4)
    if (((float32Bytes[i] as number) & 0x7f) === 0x7f && ((float32Bytes[i - 1] as number) & 0x80) !== 0) n++;
  return n;
}

export function nonFiniteWarning(weight: string, count: number, where = ''): string {
  return `Weight ${quote(weight)}${where} holds ${count} NaN or infinite value${count === 1 ? '' : 's'}; this model may predict NaN.`;
}
