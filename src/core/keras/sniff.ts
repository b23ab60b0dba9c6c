/**
 * What a picked file is, from its first bytes: an HDF5 file (Keras's `.h5`) or a safetensors file. Small on
 * purpose: the app asks this of every file it is given, and loads the readers only when the answer is yes.
 */

/** The eight bytes every HDF5 file starts with (at offset 0, or 512, 1024… after a user block). */
export const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a] as const;

export function isHdf5(bytes: Uint8Array): boolean {
  for (
    let offset = 0;
    offset + 8 <= bytes.length && offset <= 1 << 20;
    offset = offset === 0 ? 512 : offset * 2
  )
    if (HDF5_SIGNATURE.every((b, i) => bytes[offset + i] === b)) return true;
  return false;
}

/** What the reference implementation (the Rust `safetensors` crate) refuses above; also bounds our parse. */
export const SAFETENSORS_MAX_HEADER = 100_000_000;
const BRACE = 0x7b;

/** The two 32-bit halves of safetensors' little-endian 64-bit header length. */
export function headerLengthWords(bytes: Uint8Array): [number, number] {
  const u32 = (at: number) =>
    ((bytes[at] as number) |
      ((bytes[at + 1] as number) << 8) |
      ((bytes[at + 2] as number) << 16) |
      ((bytes[at + 3] as number) << 24)) >>>
    0;
  return [u32(0), u32(4)];
}

/** Cheap sniff: an 8-byte length that fits the file and a header that starts with `{`. */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const [n, high] = headerLengthWords(bytes);
  return high === 0 && n >= 2 && n <= SAFETENSORS_MAX_HEADER && n <= bytes.length - 8 && bytes[8] === BRACE;
}
