/**
 * An archive read a range at a time, so that a bundle of a gigabyte is never held whole: a picked File
 * (`blobSource`) or bytes already in memory (`bytesSource`). What a reader of one learns of a range it
 * does not read into memory is its digest (`DigestRanges`), computed wherever the caller can read it.
 */
import type { BlobHash } from '../hashing';

export interface ArchiveSource {
  readonly size: number;
  /** The bytes of [start, end), cut short at the archive's end. */
  read(start: number, end: number): Promise<Uint8Array<ArrayBuffer>>;
}

export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** What a check of some bytes needs: their SHA-256, CRC-32 and length, and how many float32 are not finite. */
export interface ContentDigest {
  readonly hash: BlobHash;
  readonly crc: number;
  readonly size: number;
  /** NaN and ±Infinity among the bytes read as float32; present only when asked for. */
  readonly nonFinite?: number;
}

export interface RangeCheck extends ByteRange {
  /** Whether the range is a float32 weight whose NaN and ±Infinity are to be counted. */
  readonly nonFinite: boolean;
}

/**
 * Digests of the archive's ranges, in the order given; `onEach` as each is done (it may throw, which
 * stops the rest).
 */
export type DigestRanges = (
  ranges: readonly RangeCheck[],
  onEach: (index: number, digest: ContentDigest) => void,
) => Promise<readonly ContentDigest[]>;

export function bytesSource(bytes: Uint8Array): ArchiveSource {
  // A view, not a copy; the caller's bytes are an ArrayBuffer's (shared memory is never a bundle).
  const view = bytes as Uint8Array<ArrayBuffer>;
  return { size: bytes.length, read: (start, end) => Promise.resolve(view.subarray(start, end)) };
}

/** What `blobSource` needs of a Blob or File: the two methods that read part of it. */
export interface Sliceable {
  readonly size: number;
  slice(start?: number, end?: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

export function blobSource(blob: Sliceable): ArchiveSource {
  return {
    size: blob.size,
    read: async (start, end) => new Uint8Array(await blob.slice(start, end).arrayBuffer()),
  };
}

/**
 * Windows closer than this are read as one: a read costs more than the few bytes between them. Kept
 * below the size of the blobs an import leaves in the File (storage's inline limit, 32 KiB), so that a
 * joined read never takes in one of those.
 */
const JOIN_GAP = 16 * 1024;
/** A joined read stops growing here; a single window may still be larger. */
const JOIN_MAX = 8 * 1024 ** 2;
/** Reads in flight at once: enough to keep the browser's file reads busy, few enough to stay cheap. */
const PARALLEL = 8;

/**
 * Reads the given windows ahead, joining near ones, and gives a source that serves any read inside one
 * of them from memory (others go to `source`). Reading a zip's headers and small files this way takes a
 * few reads of a File instead of one or two per file.
 */
export async function readAhead(
  source: ArchiveSource,
  windows: readonly ByteRange[],
): Promise<ArchiveSource> {
  const sorted = windows
    .map((w) => ({ start: Math.max(0, w.start), end: Math.min(source.size, w.end) }))
    .filter((w) => w.end > w.start)
    .sort((a, b) => a.start - b.start);
  const spans: { start: number; end: number }[] = [];
  for (const w of sorted) {
    const last = spans[spans.length - 1];
    if (last && w.end <= last.end) continue;
    if (last && w.start - last.end <= JOIN_GAP && w.end - last.start <= JOIN_MAX) last.end = w.end;
    else spans.push({ start: last ? Math.max(w.start, last.end) : w.start, end: w.end });
  }
  const chunks = new Array<Uint8Array<ArrayBuffer>>(spans.length);
  let next = 0;
  const lane = async () => {
    while (next < spans.length) {
      const i = next++;
      const s = spans[i] as ByteRange;
      chunks[i] = await source.read(s.start, s.end);
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, spans.length) }, lane));
  return {
    size: source.size,
    read(start, end) {
      // The last span that starts at or before `start`: spans are sorted and do not overlap.
      let lo = 0;
      let hi = spans.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((spans[mid] as ByteRange).start <= start) lo = mid;
        else hi = mid - 1;
      }
      const span = spans[lo];
      const chunk = chunks[lo];
      const stop = Math.min(end, source.size);
      if (span && chunk && span.start <= start && stop <= span.start + chunk.length)
        return Promise.resolve(chunk.subarray(start - span.start, stop - span.start));
      return source.read(start, end);
    },
  };
}
