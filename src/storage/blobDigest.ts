/**
 * What exporting needs of a stored blob before it may leave: its SHA-256 (to check it is the blob it is
 * named after) and its CRC-32 and length (for the zip); and what importing needs of a large weight in a
 * picked bundle, read where it lies in the File: the same, with its NaN and ±Infinity counted. Runs in a
 * hashing worker (./blobDigest.worker.ts), or in the page where there are no workers.
 */
import type { ContentDigest } from '../core/bundle/archive';
import { crc32Update } from '../core/bundle/crc32';
import { countNonFinite } from '../core/bundle/nonFinite';
import { hashBlob, type BlobHash } from '../core/hashing';

export type BlobDigest = ContentDigest;

export interface DigestOptions {
  /** Count NaN and ±Infinity, reading the bytes as float32 (a float32 weight's). */
  readonly nonFinite?: boolean;
}

/** A stored blob's bytes, read to be used, with their SHA-256 (a checkout's read). */
export interface HashedBytes {
  readonly hash: BlobHash;
  readonly bytes: ArrayBuffer;
}

/**
 * Reads a blob into a buffer of its own, to be kept, and hashes it. No CRC: nothing is zipped. Web Crypto
 * hashes a copy it takes when called, so a large blob briefly needs its size twice; a caller reading many
 * keeps few of these in flight (see ./blobDigests.ts).
 */
export async function readHashed(blob: Blob): Promise<HashedBytes> {
  const bytes = await blob.arrayBuffer();
  return { hash: await hashBlob(bytes), bytes };
}

/** A buffer kept between digests, so that each blob is read into memory already mapped (see below). */
export interface Scratch {
  buffer: ArrayBuffer;
}

/** What one read asks for; the browser hands over what it has, often less. */
const READ_BYTES = 4 * 1024 ** 2;

/**
 * Reads the blob piece by piece into one buffer, the CRC of each piece computed while the browser fetches
 * the next, then hashes the whole. With `scratch` the buffer is reused from one blob to the next: filling
 * freshly allocated memory costs about as much as the read itself on small VMs, and reading in pieces
 * overlaps the CRC with the read (together a quarter to a third less time than `arrayBuffer()` then CRC).
 */
export async function digestBlob(
  blob: Blob,
  scratch: Scratch = { buffer: new ArrayBuffer(0) },
  options: DigestOptions = {},
): Promise<BlobDigest> {
  const { bytes, crc, nonFinite } = await read(blob, scratch, options.nonFinite === true);
  // Web Crypto takes its own copy of the bytes when called, so the buffer is free again once it returns.
  const hash = await hashBlob(bytes);
  return { hash, crc, size: bytes.byteLength, ...(nonFinite === null ? {} : { nonFinite }) };
}

async function read(
  blob: Blob,
  scratch: Scratch,
  countFloats: boolean,
): Promise<{ bytes: Uint8Array<ArrayBuffer>; crc: number; nonFinite: number | null }> {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = blob.stream().getReader({ mode: 'byob' });
  } catch {
    // A runtime whose blob streams are not byte streams: one read, into a buffer of its own.
    const bytes = new Uint8Array(await blob.arrayBuffer());
    return { bytes, crc: crc32Update(0, bytes), nonFinite: countFloats ? countNonFinite(bytes) : null };
  }
  // One byte more than the blob, so the last read, which only says the stream has ended, fits.
  if (scratch.buffer.byteLength <= blob.size) scratch.buffer = new ArrayBuffer(blob.size + 1);
  let at = 0;
  let crc = 0;
  // Floats are counted as whole ones arrive, like the CRC, while the browser fetches the next piece.
  let counted = 0;
  let nonFinite = 0;
  const countUpTo = (end: number) => {
    const whole = end - (end % 4);
    if (whole > counted)
      nonFinite += countNonFinite(new Uint8Array(scratch.buffer, counted, whole - counted));
    counted = Math.max(counted, whole);
  };
  try {
    for (;;) {
      // A blob longer than it says (a damaged file) reads on into a larger buffer, so the size that comes
      // back is the true one and the export refuses it.
      if (at === scratch.buffer.byteLength) scratch.buffer = grow(scratch.buffer, at);
      const view = new Uint8Array(scratch.buffer, at, Math.min(scratch.buffer.byteLength - at, READ_BYTES));
      const { done, value } = await reader.read(view);
      if (!value) break;
      // The read took the buffer over; the one it gives back is the same memory.
      scratch.buffer = value.buffer as ArrayBuffer;
      if (done) break;
      crc = crc32Update(crc, value);
      at += value.byteLength;
      if (countFloats) countUpTo(at);
    }
  } finally {
    reader.releaseLock();
  }
  return { bytes: new Uint8Array(scratch.buffer, 0, at), crc, nonFinite: countFloats ? nonFinite : null };
}

function grow(buffer: ArrayBuffer, used: number): ArrayBuffer {
  const bigger = new ArrayBuffer(Math.max(READ_BYTES, used * 2));
  new Uint8Array(bigger).set(new Uint8Array(buffer, 0, used));
  return bigger;
}
