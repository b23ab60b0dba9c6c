/**
 * The app's HDF5 reader and writer: h5wasm run in a worker (./hdf5.worker.ts), with a deadline. A file the
 * library cannot finish reading in time — a damaged one can make it loop forever — is refused and the
 * worker ended; the page never freezes. The main thread never loads the library itself.
 */
import { GraftError } from '../core/errors';
import type { Hdf5Io } from '../core/keras/hdf5';
import { fromCopy, type H5Copy } from './hdf5Copy';
import type { Hdf5Reply, Hdf5Request } from './hdf5.worker';

/** Time allowed for one file: generous for a real model, at slow-disk speeds. */
export function deadlineMs(bytes: number): number {
  return 20_000 + bytes / 10_000;
}

export interface WorkerLike {
  postMessage(message: Hdf5Request): void;
  terminate(): void;
  onmessage: ((e: MessageEvent<Hdf5Reply>) => void) | null;
  onerror: ((e: ErrorEvent) => void) | null;
}

const spawnWorker = (): WorkerLike =>
  new Worker(new URL('./hdf5.worker.ts', import.meta.url), { type: 'module', name: 'graft-hdf5' });

export function workerHdf5(spawn: () => WorkerLike = spawnWorker, deadline = deadlineMs): Hdf5Io {
  let worker: WorkerLike | null = null;
  let next = 0;
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();

  const stop = (error: unknown) => {
    worker?.terminate();
    worker = null;
    for (const w of waiting.values()) w.reject(error);
    waiting.clear();
  };
  const ensure = (): WorkerLike => {
    if (worker) return worker;
    const w = spawn();
    w.onmessage = ({ data: reply }) => {
      const pending = waiting.get(reply.id);
      if (!pending) return;
      waiting.delete(reply.id);
      if (reply.ok) pending.resolve(reply.value);
      else pending.reject(GraftError.fromJSON(reply.error));
    };
    w.onerror = (e) =>
      stop(
        new GraftError(e.message ? 'error.internal.hdf5-stopped' : 'error.internal.hdf5-not-started', {
          detail: e.message,
        }),
      );
    worker = w;
    return w;
  };
  type Ask =
    | { op: 'open'; bytes: Uint8Array; fileName: string }
    | { op: 'write'; root: Extract<Hdf5Request, { op: 'write' }>['root'] };
  const ask = (request: Ask, ms: number, late: () => GraftError): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = ++next;
      const timer = setTimeout(() => stop(late()), ms);
      waiting.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      ensure().postMessage({ ...request, id } as Hdf5Request);
    });

  return {
    async open(bytes, fileName) {
      const copy = (await ask(
        { op: 'open', bytes, fileName },
        deadline(bytes.byteLength),
        () => new GraftError('error.import/hdf5-invalid.timeout', { file: fileName }),
      )) as H5Copy;
      return fromCopy(copy);
    },
    async write(root) {
      return (await ask(
        { op: 'write', root },
        deadline(0) * 3,
        () => new GraftError('error.internal.hdf5-write-timeout'),
      )) as Uint8Array<ArrayBuffer>;
    },
  };
}
