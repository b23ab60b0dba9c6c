/**
 * A hashing worker: reads blobs (stored ones, or slices of a picked File) and digests them
 * (./blobDigest.ts) off the page's thread.
 */
import { digestBlob, readHashed, type BlobDigest, type HashedBytes, type Scratch } from './blobDigest';

export interface DigestRequest {
  readonly id: number;
  /** A Blob crosses to the worker as a handle; its bytes are read here, never copied through the page. */
  readonly blob: Blob;
  /**
   * Read to be kept (a checkout): the bytes come back to the page, moved rather than copied, with their
   * SHA-256 and no CRC. Otherwise (an export) only the digest comes back.
   */
  readonly keep?: boolean;
  /** Count the blob's NaN and ±Infinity as float32 too (a weight in a bundle being imported). */
  readonly nonFinite?: boolean;
}

export type DigestReply =
  | { readonly id: number; readonly ok: true; readonly digest: BlobDigest }
  | { readonly id: number; readonly ok: true; readonly read: HashedBytes }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<DigestRequest>) => void) | null;
  postMessage(message: DigestReply, transfer?: Transferable[]): void;
};

/** Kept for the worker's life (the pool ends idle workers), reused for every blob it reads. */
const scratch: Scratch = { buffer: new ArrayBuffer(0) };

scope.onmessage = async ({ data: { id, blob, keep, nonFinite } }) => {
  try {
    if (keep) {
      const read = await readHashed(blob);
      scope.postMessage({ id, ok: true, read }, [read.bytes]);
    } else {
      const digest = await digestBlob(blob, scratch, { nonFinite: nonFinite === true });
      scope.postMessage({ id, ok: true, digest });
    }
  } catch (e) {
    const { name, message } = e instanceof Error ? e : { name: 'Error', message: String(e) };
    scope.postMessage({ id, ok: false, name, message });
  }
};
