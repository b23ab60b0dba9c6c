/**
 * Many blobs read and hashed at once — stored ones for an export or a checkout, slices of a picked bundle
 * for an import — in two hashing workers (./blobDigest.worker.ts): Chromium's Web Crypto hashes on the
 * thread that asks, so in the page the hashes would run one after another and block it. Each worker reads
 * a blob and hashes it while the other does the same with another blob, so both cores of a small machine
 * work. An export or an import asks for digests (SHA-256, and the CRC-32 computed as the pieces arrive,
 * for an import's weights their NaN count too); a checkout asks for the bytes themselves, hashed, moved to
 * the page without a copy. Where there are no workers (Node, tests) or one cannot start, the page does the
 * rest itself, with the same results.
 */
import { digestBlob, readHashed, type BlobDigest, type DigestOptions, type HashedBytes } from './blobDigest';
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

/** The bytes of `blobs` with their SHA-256, largest first, in the order given; `onEach` as each arrives. */
export type ReadBlobs = (
  blobs: readonly Blob[],
  onEach?: (index: number, read: HashedBytes) => void,
) => Promise<HashedBytes[]>;

const WORKERS = 2;
/** Workers are kept this long after an export, so the next one does not wait for them to start. */
const IDLE_MS = 15_000;

interface PoolOptions {
  readonly workers?: number;
  readonly idleMs?: number;
}

/** What one kind of job asks a worker, takes from its reply, and does in the page instead. */
interface Job<T> {
  readonly keep: boolean;
  readonly reply: (data: DigestReply & { ok: true }) => T | null;
  readonly inPage: (blob: Blob, asked: DigestOptions) => Promise<T>;
}

type RunJobs = <T>(
  job: Job<T>,
  blobs: readonly Blob[],
  onEach?: (i: number, out: T) => void,
  options?: (i: number) => DigestOptions,
) => Promise<T[]>;

function workerPool(spawn: (() => DigestWorker) | null, options: PoolOptions = {}): RunJobs {
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
  const ask = <T>(w: DigestWorker, job: Job<T>, blob: Blob, asked: DigestOptions): Promise<T | null> =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      w.onmessage = ({ data }) => {
        if (data.id !== id) return;
        // A failed read keeps its name (NotReadableError…), so storage words it as a read in the page would be.
        if (data.ok) resolve(job.reply(data));
        else reject(new DOMException(data.message, data.name));
      };
      w.onerror = (e) => {
        e.preventDefault();
        resolve(null);
      };
      w.postMessage({
        id,
        blob,
        ...(job.keep ? { keep: true } : {}),
        ...(asked.nonFinite ? { nonFinite: true } : {}),
      });
    });

  return async <T>(
    job: Job<T>,
    blobs: readonly Blob[],
    onEach?: (i: number, out: T) => void,
    options: (i: number) => DigestOptions = () => ({}),
  ) => {
    const out = new Array<T>(blobs.length);
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
          let result = w ? await ask(w, job, blob, asked) : await job.inPage(blob, asked);
          if (result === null) {
            w?.terminate();
            w = null;
            usable = false;
            result = await job.inPage(blob, asked);
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

const DIGEST: Job<BlobDigest> = {
  keep: false,
  reply: (data) => ('digest' in data ? data.digest : null),
  inPage: (blob, asked) => digestBlob(blob, undefined, asked),
};

const READ: Job<HashedBytes> = {
  keep: true,
  reply: (data) => ('read' in data ? data.read : null),
  inPage: readHashed,
};

/** Digests through workers of their own (see `blobWorkers` for both kinds sharing them). */
export function blobDigester(spawn: (() => DigestWorker) | null, options: PoolOptions = {}): DigestBlobs {
  return blobWorkers(spawn, options).digest;
}

/** Digests and reads sharing one pool of workers. */
export function blobWorkers(
  spawn: (() => DigestWorker) | null,
  options: PoolOptions = {},
): { digest: DigestBlobs; read: ReadBlobs } {
  const run = workerPool(spawn, options);
  return {
    digest: (blobs, onEach, options) => run(DIGEST, blobs, onEach, options),
    read: (blobs, onEach) => run(READ, blobs, onEach),
  };
}

const shared = blobWorkers(
  typeof Worker === 'undefined'
    ? null
    : () =>
        new Worker(new URL('./blobDigest.worker.ts', import.meta.url), {
          type: 'module',
          name: 'graft-digest',
        }) as unknown as DigestWorker,
);

export const digestBlobs: DigestBlobs = shared.digest;
/** Reads stored blobs to be used (a checkout), each hashed by the worker that read it. */
export const readBlobs: ReadBlobs = shared.read;
