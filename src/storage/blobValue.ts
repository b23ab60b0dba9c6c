/**
 * How a blob row holds its bytes. Chromium writes every Blob stored in IndexedDB as a file of its own,
 * which costs about half a millisecond per blob however small it is, while bytes stored in the row itself
 * cost almost nothing up to tens of KiB (measured in Chromium 150 on the 2-core dev machine, 8 rows per
 * transaction: 8 KiB 5.6 ms as Blobs vs 1.8 ms inline, 32 KiB 5.8 vs 2.7, 64 KiB 4.2 vs 5.9). A model's
 * biases and small layers and an optimizer's scalars are such blobs, so they go inline; everything larger
 * stays a Blob, which keeps large weights out of the JS heap when rows are listed. Rows of either form are
 * read the same way, so databases written before schema 3 (all Blobs) read as before.
 */
export type StoredBytes = Blob | Uint8Array<ArrayBuffer>;

/** The largest blob kept inline in its row. */
export const INLINE_MAX_BYTES = 32 * 1024;

/** Whether bytes of this size are kept inline. */
export const keptInline = (byteLength: number): boolean => byteLength <= INLINE_MAX_BYTES;

/** The value a blob row stores for `bytes`. */
export function storedValue(bytes: Uint8Array<ArrayBuffer>): StoredBytes {
  if (!keptInline(bytes.byteLength)) return new Blob([bytes]);
  // A copy, as `new Blob` makes one: the caller may reuse or transfer its buffer before the write, and
  // IndexedDB would clone a view's whole buffer (a bias read out of a larger one would store all of it).
  return bytes.slice();
}

/** The bytes a blob row holds, whichever form it has (a Blob's may fail to read if the browser lost its file). */
export async function storedBytes(data: StoredBytes): Promise<ArrayBuffer> {
  if (data instanceof Blob) return data.arrayBuffer();
  return data.byteOffset === 0 && data.byteLength === data.buffer.byteLength
    ? data.buffer
    : data.slice().buffer;
}

/** The size of what a blob row holds. */
export const storedSize = (data: StoredBytes): number => (data instanceof Blob ? data.size : data.byteLength);
