/** A hashing worker: digests stored blobs for an export, and bytes for an import (./blobDigest.ts), off the page's thread. */
import { digestBlob, keepBytes, type BlobDigest, type KeptBytes, type Scratch } from './blobDigest';

export type DigestRequest =
  /** A Blob crosses to the worker as a handle; its bytes are read here, never copied through the page. */
  | { readonly id: number; readonly op: 'digest'; readonly blob: Blob }
  /** Bytes transferred here, hashed, and stored in a Blob made here. */
  | { readonly id: number; readonly op: 'keep'; readonly bytes: Uint8Array<ArrayBuffer> };

export type DigestReply =
  | { readonly id: number; readonly ok: true; readonly value: BlobDigest | KeptBytes }
  | { readonly id: number; readonly ok: false; readonly name: string; readonly message: string };

const scope = globalThis as unknown as {
  onmessage: ((e: MessageEvent<DigestRequest>) => void) | null;
  postMessage(message: DigestReply): void;
};

/** Kept for the worker's life (the pool ends idle workers), reused for every blob it reads. */
const scratch: Scratch = { buffer: new ArrayBuffer(0) };

scope.onmessage = async ({ data: request }) => {
  const { id } = request;
  try {
    const value =
      request.op === 'digest' ? await digestBlob(request.blob, scratch) : await keepBytes(request.bytes);
    scope.postMessage({ id, ok: true, value });
  } catch (e) {
    const { name, message } = e instanceof Error ? e : { name: 'Error', message: String(e) };
    scope.postMessage({ id, ok: false, name, message });
  }
};
