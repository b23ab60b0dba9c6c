import { describe, expect, it } from 'vitest';
import { crc32 } from '../core/bundle/crc32';
import { hashBlob } from '../core/hashing';
import { digestBlob, readHashed } from './blobDigest';
import type { DigestReply, DigestRequest } from './blobDigest.worker';
import { blobDigester, blobWorkers, type DigestWorker } from './blobDigests';

const blobOf = (n: number, seed: number) => new Blob([new Uint8Array(n).map((_, i) => (i * seed) % 251)]);

/** A worker that runs the worker's own digest in this thread, answering asynchronously as a worker does. */
class FakeWorker implements DigestWorker {
  onmessage: ((e: MessageEvent<DigestReply>) => void) | null = null;
  onerror: ((e: ErrorEvent) => void) | null = null;
  terminated = false;
  handled = 0;
  constructor(private readonly behave: 'work' | 'die' | 'unreadable' = 'work') {}
  postMessage(request: DigestRequest): void {
    const { id } = request;
    void (async () => {
      await Promise.resolve();
      if (this.behave === 'die') {
        this.onerror?.({ message: 'failed to load', preventDefault() {} } as ErrorEvent);
        return;
      }
      const data: DigestReply =
        this.behave === 'unreadable'
          ? { id, ok: false, name: 'NotReadableError', message: 'gone' }
          : request.keep
            ? { id, ok: true, read: await readHashed(request.blob) }
            : {
                id,
                ok: true,
                digest: await digestBlob(request.blob, undefined, { nonFinite: request.nonFinite === true }),
              };
      this.handled++;
      this.onmessage?.({ data } as MessageEvent<DigestReply>);
    })();
  }
  terminate(): void {
    this.terminated = true;
  }
}

describe('digesting stored blobs', () => {
  it('gives each blob its SHA-256, CRC-32 and size, in the order asked, the work shared by the workers', async () => {
    const spawned: FakeWorker[] = [];
    const digest = blobDigester(() => {
      const w = new FakeWorker();
      spawned.push(w);
      return w;
    });
    const blobs = [blobOf(10, 3), blobOf(5000, 7), blobOf(0, 1), blobOf(300, 11), blobOf(70_000, 13)];
    const seen: number[] = [];
    const out = await digest(blobs, (i) => seen.push(i));
    for (const [i, blob] of blobs.entries()) {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      expect(out[i]).toEqual({ hash: await hashBlob(bytes), crc: crc32(bytes), size: bytes.length });
    }
    expect(seen.sort()).toEqual([0, 1, 2, 3, 4]);
    expect(spawned).toHaveLength(2);
    expect(spawned.every((w) => w.handled > 0)).toBe(true);
    // Kept for the next export rather than started again.
    await digest([blobOf(1, 1)]);
    expect(spawned).toHaveLength(2);
  });

  it('digests in the page when no worker can start, or one dies, with the same result', async () => {
    const blobs = [blobOf(100, 3), blobOf(200, 5), blobOf(300, 7)];
    const expected = await Promise.all(blobs.map((b) => digestBlob(b)));
    expect(await blobDigester(null)(blobs)).toEqual(expected);
    const thrown = blobDigester(() => {
      throw new Error('blocked by the content security policy');
    });
    expect(await thrown(blobs)).toEqual(expected);
    const dying: FakeWorker[] = [];
    const dies = blobDigester(() => {
      const w = new FakeWorker('die');
      dying.push(w);
      return w;
    });
    expect(await dies(blobs)).toEqual(expected);
    expect(dying.length).toBeGreaterThan(0);
    expect(dying.every((w) => w.terminated)).toBe(true);
    // Once a worker has died, the page does the work without starting more.
    const started = dying.length;
    expect(await dies(blobs)).toEqual(expected);
    expect(dying).toHaveLength(started);
  });

  it('fails as the read failed, a NotReadableError staying one, and stops handing out work', async () => {
    const worker = new FakeWorker('unreadable');
    const digest = blobDigester(() => worker, { workers: 1 });
    const e = await digest([blobOf(10, 1), blobOf(20, 1), blobOf(30, 1)]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DOMException);
    expect((e as DOMException).name).toBe('NotReadableError');
    expect(worker.handled).toBe(1);
  });

  it('ends idle workers after a while', async () => {
    const worker = new FakeWorker();
    const digest = blobDigester(() => worker, { idleMs: 10 });
    await digest([blobOf(10, 1)]);
    expect(worker.terminated).toBe(false);
    await new Promise((r) => setTimeout(r, 30));
    expect(worker.terminated).toBe(true);
  });

  it('reads each blob in pieces into one buffer kept between blobs, with the same digest as a plain read', async () => {
    const scratch = { buffer: new ArrayBuffer(0) };
    const plain = async (blob: Blob) => {
      const bytes = new Uint8Array(await blob.arrayBuffer());
      return { hash: await hashBlob(bytes), crc: crc32(bytes), size: bytes.length };
    };
    // Larger than one read, then smaller (the buffer is reused), then empty.
    for (const blob of [blobOf(9 * 1024 ** 2 + 5, 3), blobOf(1000, 7), blobOf(0, 1)])
      expect(await digestBlob(blob, scratch)).toEqual(await plain(blob));
    expect(scratch.buffer.byteLength).toBe(9 * 1024 ** 2 + 6);
  });

  it('digests what a blob really holds, even more than its size says, and reads non-byte streams whole', async () => {
    const bytes = new Uint8Array(5000).map((_, i) => i % 256);
    const streamOf = (type?: 'bytes') =>
      new ReadableStream({
        ...(type ? { type } : {}),
        start(controller) {
          controller.enqueue(bytes.slice());
          controller.close();
        },
      });
    // A blob that says 10 bytes and holds 5000, as a damaged file could.
    const lying = {
      size: 10,
      stream: () => streamOf('bytes'),
      arrayBuffer: async () => bytes.slice().buffer,
    };
    const expected = { hash: await hashBlob(bytes), crc: crc32(bytes), size: 5000 };
    expect(await digestBlob(lying as unknown as Blob)).toEqual(expected);
    // A stream of chunks rather than bytes cannot be read into a buffer: the blob is read whole instead.
    const chunks = { ...lying, size: 5000, stream: () => streamOf() };
    expect(await digestBlob(chunks as unknown as Blob)).toEqual(expected);
  });

  it('reads blobs to be kept: their bytes and SHA-256, from the workers or in the page alike', async () => {
    const spawned: FakeWorker[] = [];
    const pool = blobWorkers(() => {
      const w = new FakeWorker();
      spawned.push(w);
      return w;
    });
    const blobs = [blobOf(10, 3), blobOf(70_000, 13), blobOf(0, 1), blobOf(4096, 5)];
    const expected = await Promise.all(
      blobs.map(async (b) => {
        const bytes = new Uint8Array(await b.arrayBuffer());
        return { hash: await hashBlob(bytes), bytes: [...bytes] };
      }),
    );
    const asPlain = (reads: { hash: string; bytes: ArrayBuffer }[]) =>
      reads.map((r) => ({ hash: r.hash, bytes: [...new Uint8Array(r.bytes)] }));
    expect(asPlain(await pool.read(blobs))).toEqual(expected);
    expect(spawned.every((w) => w.handled > 0)).toBe(true);
    // Digests and reads share the workers.
    await pool.digest(blobs);
    expect(spawned).toHaveLength(2);
    expect(asPlain(await blobWorkers(null).read(blobs))).toEqual(expected);
    const dies = blobWorkers(() => new FakeWorker('die'));
    expect(asPlain(await dies.read(blobs))).toEqual(expected);
  });

  it('counts NaN and ±Infinity as float32 when asked, across pieces that split a float, in the worker too', async () => {
    const values = new Float32Array(3001).map((_, i) => Math.sin(i));
    for (const at of [0, 7, 1500, 3000]) values[at] = Number.NaN;
    values[42] = Number.POSITIVE_INFINITY;
    values[43] = Number.NEGATIVE_INFINITY;
    const bytes = new Uint8Array(values.buffer);
    // A stream that hands out 4 097, then 13, then 4 097… bytes: floats cut in two at every step.
    const pieces = (size: number) => {
      let at = 0;
      let odd = false;
      return new ReadableStream({
        type: 'bytes',
        pull(controller) {
          const view = controller.byobRequest?.view as Uint8Array | null;
          if (!view || at >= size) {
            controller.close();
            controller.byobRequest?.respond(0);
            return;
          }
          odd = !odd;
          const n = Math.min(view.byteLength, size - at, odd ? 4097 : 13);
          view.set(bytes.subarray(at, at + n));
          at += n;
          controller.byobRequest?.respond(n);
        },
      });
    };
    const split = { size: bytes.length, stream: () => pieces(bytes.length) } as unknown as Blob;
    const expected = { hash: await hashBlob(bytes), crc: crc32(bytes), size: bytes.length };
    expect(await digestBlob(split, undefined, { nonFinite: true })).toEqual({ ...expected, nonFinite: 6 });
    expect(await digestBlob(split)).toEqual(expected);
    // Cut at a byte that is not a float's last: the three left over are not a float.
    const cut = { size: 4 * 42 + 3, stream: () => pieces(4 * 42 + 3) } as unknown as Blob;
    expect((await digestBlob(cut, undefined, { nonFinite: true })).nonFinite).toBe(2);
    // Through the workers, asked per blob.
    const digest = blobDigester(() => new FakeWorker());
    const plain = new Blob([bytes]);
    const out = await digest([plain, plain], undefined, (i) => ({ nonFinite: i === 0 }));
    expect(out).toEqual([{ ...expected, nonFinite: 6 }, expected]);
  });
});
