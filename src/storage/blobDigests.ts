/**
 * Hashing for bundles in two workers (./blobDigest.worker.ts), so that both cores of a small machine work
 * and the page's thread stays free: Chromium's Web Crypto hashes on the thread that asks, so hashes asked
 * from the page run one after another there. An export has each worker read stored blobs (SHA-256 and
 * CRC-32, ./blobDigest.ts); an import hands them bytes to hash and keep in a Blob. Where there are no
 * workers (Node, tests) or one cannot start, the page does the rest itself, with the same results.
 */
import { digestBlob, keepBytes, type BlobDigest, type KeptBytes } from './blobDigest';
import type { DigestReply, DigestRequest } from './blobDigest.worker';

export interface DigestWorker {
  postMessage(message: DigestRequest, transfer?: Transferable[]): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<DigestReply>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

export interface Hashing {
  /** Reads and digests stored blobs, largest first; results in the order given. */
  digestBlobs(
    blobs: readonly Blob[],
    onEach?: (index: number, digest: BlobDigest) => void,
  ): Promise<BlobDigest[]>;
  /** Hashes each piece of bytes and makes the Blob that stores it; results in the order given. */
  keepBytes(
    pieces: readonly Uint8Array<ArrayBuffer>[],
    onEach?: (index: number, kept: KeptBytes) => void,
  ): Promise<KeptBytes[]>;
}

/** One kind of work: what a worker is sent for a job, and the same work done in the page. */
interface Job<J, R> {
  readonly size: (job: J) => number;
  readonly request: (id: number, job: J) => { message: DigestRequest; transfer: Transferable[] };
  readonly inPage: (job: J) => Promise<R>;
}

const WORKERS = 2;
/** Workers are kept this long after a bundle, so the next one does not wait for them to start. */
const IDLE_MS = 15_000;

export function hashingPool(
  spawn: (() => DigestWorker) | null,
  options: { workers?: number; idleMs?: number } = {},
): Hashing {
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
  /** A worker's answer; `null` when the worker died (it could not start, or crashed): the page does it. */
  const ask = <R>(w: DigestWorker, request: { message: DigestRequest; transfer: Transferable[] }) =>
    new Promise<R | null>((resolve, reject) => {
      const { id } = request.message;
      w.onmessage = ({ data }) => {
        if (data.id !== id) return;
        // A failed read keeps its name (NotReadableError…), so storage words it as a read in the page would be.
        if (data.ok) resolve(data.value as R);
        else reject(new DOMException(data.message, data.name));
      };
      w.onerror = (e) => {
        e.preventDefault();
        resolve(null);
      };
      w.postMessage(request.message, request.transfer);
    });

  async function run<J, R>(kind: Job<J, R>, jobs: readonly J[], onEach?: (i: number, r: R) => void) {
    const out = new Array<R>(jobs.length);
    // The largest first, so that the workers finish at about the same time.
    const order = jobs.map((_, i) => i).sort((a, b) => kind.size(jobs[b] as J) - kind.size(jobs[a] as J));
    let next = 0;
    let failed = false;
    const lane = async (first: DigestWorker | null) => {
      let w = first;
      try {
        while (next < order.length && !failed) {
          const i = order[next++] as number;
          const job = jobs[i] as J;
          let result = w ? await ask<R>(w, kind.request(++nextId, job)) : await kind.inPage(job);
          if (result === null) {
            w?.terminate();
            w = null;
            usable = false;
            result = await kind.inPage(job);
          }
          out[i] = result;
          onEach?.(i, result);
        }
      } catch (e) {
        failed = true;
        throw e;
      } finally {
        if (w) release(w);
      }
    };
    const lanes: Promise<void>[] = [];
    for (let k = 0; k < Math.min(workers, jobs.length); k++) {
      const w = acquire();
      // Without workers, one lane in the page: more would only take turns on its one thread.
      if (!w && k > 0) break;
      lanes.push(lane(w));
    }
    await Promise.all(lanes);
    return out;
  }

  const digest: Job<Blob, BlobDigest> = {
    size: (blob) => blob.size,
    request: (id, blob) => ({ message: { id, op: 'digest', blob }, transfer: [] }),
    inPage: (blob) => digestBlob(blob),
  };
  const keep: Job<Uint8Array<ArrayBuffer>, KeptBytes> = {
    size: (bytes) => bytes.byteLength,
    // A copy of just these bytes, moved to the worker: posting the view would clone all of its buffer.
    request: (id, bytes) => {
      const copy = bytes.slice();
      return { message: { id, op: 'keep', bytes: copy }, transfer: [copy.buffer] };
    },
    inPage: keepBytes,
  };
  return {
    digestBlobs: (blobs, onEach) => run(digest, blobs, onEach),
    keepBytes: (pieces, onEach) => run(keep, pieces, onEach),
  };
}

export const hashing: Hashing = hashingPool(
  typeof Worker === 'undefined'
    ? null
    : () =>
        new Worker(new URL('./blobDigest.worker.ts', import.meta.url), {
          type: 'module',
          name: 'graft-digest',
        }) as unknown as DigestWorker,
);
