/**
 * What exporting needs of a stored blob before it may leave: its SHA-256 (to check it is the blob it is
 * named after) and its CRC-32 and length (for the zip). Runs in a hashing worker (./blobDigest.worker.ts),
 * or in the page where there are no workers.
 */
import { crc32 } from '../core/bundle/crc32';
import { hashBlob, type BlobHash } from '../core/hashing';

export interface BlobDigest {
  readonly hash: BlobHash;
  readonly crc: number;
  readonly size: number;
}

export async function digestBlob(blob: Blob): Promise<BlobDigest> {
  const bytes = new Uint8Array(await blob.arrayBuffer());
  // Web Crypto hashes on a thread of its own, so the CRC below runs while it does.
  const hash = hashBlob(bytes);
  const crc = crc32(bytes);
  return { hash: await hash, crc, size: bytes.byteLength };
}
