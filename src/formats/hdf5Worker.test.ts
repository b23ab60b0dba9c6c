// The page's side of the HDF5 worker: replies come back as reads, errors keep their code, and a file the
// library never finishes is refused at the deadline with the worker ended (a real looping file is in
// tests/e2e/keras.spec.ts; here the worker is a stand-in that runs the real reader in this thread).
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { isGraftError, toGraftError } from '../core/errors';
import { attrText, h5Find } from '../core/keras/hdf5';
import { copyHdf5, hdf5 } from './hdf5';
import type { Hdf5Reply, Hdf5Request } from './hdf5.worker';
import { workerHdf5, type WorkerLike } from './hdf5Worker';

const SEED_H5 = new Uint8Array(readFileSync('tests/fixtures/keras/seed/seed-model.h5'));

/** A worker that answers as hdf5.worker.ts does, or never (`hang`). */
function fakeWorker(hang = false) {
  const made: (WorkerLike & { terminated: boolean })[] = [];
  const spawn = () => {
    const w: WorkerLike & { terminated: boolean } = {
      terminated: false,
      onmessage: null,
      onerror: null,
      terminate() {
        this.terminated = true;
      },
      postMessage(request: Hdf5Request) {
        if (hang) return;
        const reply = async (): Promise<Hdf5Reply> => {
          try {
            const value =
              request.op === 'open'
                ? await copyHdf5(request.bytes, request.fileName)
                : await hdf5.write(request.root);
            return { id: request.id, ok: true, value };
          } catch (e) {
            return { id: request.id, ok: false, error: toGraftError(e).toJSON() };
          }
        };
        void reply().then((data) => w.onmessage?.({ data } as MessageEvent<Hdf5Reply>));
      },
    };
    made.push(w);
    return w;
  };
  return { spawn, made };
}

describe('HDF5 through its worker', () => {
  it('reads a whole file from the worker’s copy: attributes, groups, dataset bytes', async () => {
    const io = workerHdf5(fakeWorker().spawn);
    const file = await io.open(SEED_H5, 'seed-model.h5');
    expect(attrText(file.root.attrs, 'keras_version')).toBe('3.15.1');
    const kernel = h5Find(file.root, 'model_weights/dense/dense/kernel');
    const direct = await hdf5.open(SEED_H5, 'seed-model.h5');
    const same = h5Find(direct.root, 'model_weights/dense/dense/kernel');
    expect(kernel?.kind === 'dataset' && [...kernel.read()]).toEqual(
      same?.kind === 'dataset' && [...same.read()],
    );
    direct.close();
  });

  it('keeps an error’s code and words', async () => {
    const io = workerHdf5(fakeWorker().spawn);
    const error = await io.open(SEED_H5.slice(0, 200), 'cut.h5').catch((e: unknown) => e);
    expect(isGraftError(error, 'import/hdf5-invalid')).toBe(true);
    expect(String((error as Error).message)).toContain('“cut.h5”');
  });

  it('refuses a file the library does not finish in time, ends the worker, and starts a new one after', async () => {
    vi.useFakeTimers();
    try {
      const hanging = fakeWorker(true);
      const io = workerHdf5(hanging.spawn, () => 1_000);
      const opening = io.open(SEED_H5, 'loops.h5').catch((e: unknown) => e);
      await vi.advanceTimersByTimeAsync(1_001);
      const error = await opening;
      expect(isGraftError(error, 'import/hdf5-invalid')).toBe(true);
      expect((error as Error).message).toMatch(/“loops\.h5”.*did not finish in time/);
      expect(hanging.made[0]?.terminated).toBe(true);
      void io.open(SEED_H5, 'again.h5').catch(() => undefined);
      expect(hanging.made).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('writes through the worker', async () => {
    const io = workerHdf5(fakeWorker().spawn);
    const bytes = await io.write({
      children: new Map([['vars', { attrs: { name: 'm' }, children: new Map() }]]),
    });
    const file = await hdf5.open(bytes, 'written.h5');
    expect(attrText(h5Find(file.root, 'vars')?.attrs ?? {}, 'name')).toBe('m');
    file.close();
  });
});
