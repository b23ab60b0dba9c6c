/**
 * Digests of many blobs at once — stored ones for an export, slices of a picked bundle for an import — in
 * two hashing workers (./blobDigest.worker.ts):
 * Chromium's Web Crypto hashes on the thread that asks, so in the page the hashes would run one after
 * another and block it. Each worker reads a blob, computes its CRC-32 as the pieces arrive and hashes it
 * while the other does the same with another blob, so both cores of a small machine work. Where there are
 * no workers (Node, tests) or one cannot start, the page digests the rest itself, with the same results.
 */
import { digestBlob, type BlobDigest, type DigestOptions } from './blobDigest';
import type { DigestReply, DigestRequest } from './blobDigest.worker';

export interface DigestWorker {
  postMessage(message: DigestRequest): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<DigestReply>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

/**
 * Digests of `blobs`, largest first, in the order given; `onEach` as each is done; `options(index)` says
 * what more a blob's digest counts.
 */
export type DigestBlobs = (
  blobs: readonly Blob[],
  onEach?: (index: number, digest: BlobDigest) => void,
  options?: (index: number) => DigestOptions,
) => Promise<BlobDigest[]>;

const WORKERS = 2;
/** Workers are kept this long after an export, so the next one does not wait for them to start. */
const IDLE_MS = 15_000;

export function blobDigester(
  spawn: (() => DigestWorker) | null,
  options: { workers?: number; idleMs?: number } = {},
): DigestBlobs {
  const { workers = WORKERS, idleMs = IDLE_MS } = options;
  const idle: DigestWorker[] = [];
  let timer: ReturnType<typeof setTimeout> | undefined;
  let usable = spawn !== null;
  let nextId = 0;

  const acquire = (): DigestWorker | null => {
    if (!usable || !spawn) return null;
    const ready = idle.pop();
    if (ready) return ready;
    try {
      return spawn();
    } catch {
      usable = false;
      return null;
    }
  };
  const release = (w: DigestWorker) => {
    idle.push(w);
    clearTimeout(timer);
    timer = setTimeout(() => idle.splice(0).forEach((x) => x.terminate()), idleMs);
  };
  /** A worker's digest; `null` when the worker died (it could not start, or crashed): the page does it. */
  const ask = (w: DigestWorker, blob: Blob, asked: DigestOptions): Promise<BlobDigest | null> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      w.onmessage = ({ data }) => {
        if (data.id !== id) return;
        // A failed read keeps its name (NotReadableError…), so storage words it as a read in the page would be.
        if (data.ok) resolve(data.digest);
        else reject(new DOMException(data.message, data.name));
      };
      w.onerror = (e) => {
        e.preventDefault();
        resolve(null);
      };
      w.postMessage({ id, blob, ...(asked.nonFinite ? { nonFinite: true } : {}) });
    });

  return async (blobs, onEach, options = () => ({})) => {
    const out = new Array<BlobDigest>(blobs.length);
    // The largest first, so that the workers finish at about the same time.
    const order = blobs.map((_, i) => i).sort((a, b) => (blobs[b] as Blob).size - (blobs[a] as Blob).size);
    let next = 0;
    let failed = false;
    const lane = async (first: DigestWorker | null) => {
      let w = first;
      try {
        while (next < order.length && !failed) {
          const i = order[next++] as number;
          const blob = blobs[i] as Blob;
          const asked = options(i);
          let digest = w ? await ask(w, blob, asked) : await digestBlob(blob, undefined, asked);
          if (!digest) {
            w?.terminate();
            w = null;
            usable = false;
            digest = await digestBlob(blob, undefined, asked);
          }
          out[i] = digest;
          onEach?.(i, digest);
        }
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        if (w) release(w);
      }
    };
    const lanes: Promise<void>[] = [];
    for (let k = 0; k < Math.min(workers, blobs.length); k++) {
      const w = acquire();
      // Without workers, one lane in the page: more would only take turns on its one thread.
      if (!w && k > 0) break;
      lanes.push(lane(w));
    }
    await Promise.all(lanes);
    return out;
  };
}

export const digestBlobs: DigestBlobs = blobDigester(
  typeof Worker === 'undefined'
    ? null
    : () =>
        new Worker(new URL('./blobDigest.worker.ts', import.meta.url), {
          type: 'module',
          name: 'graft-digest',
        }) as unknown as DigestWorker,
);
