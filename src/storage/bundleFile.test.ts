// Importing a bundle straight from the picked File: large stored blobs are checked where they lie (by the
// hashing workers, reading slices) and stored as those slices, never read whole by the page; everything is
// still checked before anything is written.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { crc32 } from '../core/bundle/crc32';
import { MANIFEST_FILE, blobPath } from '../core/bundle/names';
import { countNonFinite } from '../core/bundle/nonFinite';
import { listZip, type ZipEntry } from '../core/bundle/zip';
import { hashBlob, toHex } from '../core/hashing';
import { mulberry32 } from '../core/random';
import { dataBlob, tinyOptimizer, tinySnapshot } from '../core/testVersions';
import type { BlobDigest } from './blobDigest';
import { digestBlobs, type DigestBlobs } from './blobDigests';
import { INLINE_MAX_BYTES, storedBytes } from './blobValue';
import { exportBundle, importBundle } from './bundles';
import type { DexieVersionStore } from './DexieVersionStore';
import { bundleBytes, dumpStore, freshStore, rejects } from './testDb';

vi.mock('./blobDigests', async (importOriginal) => {
  const real = await importOriginal<typeof import('./blobDigests')>();
  return { ...real, digestBlobs: vi.fn(real.digestBlobs) };
});

/** 16 384 floats: 64 KiB, twice what is kept inline, so the import leaves it in the File. */
const ROWS = 8192;
const kernel = (seed: number) => Array.from({ length: ROWS * 2 }, (_, i) => Math.sin(i * 0.37 + seed));
const csv =
  'x1,x2,label\n' + Array.from({ length: 3000 }, (_, i) => `${i * 0.5},${i % 7},c${i % 3}`).join('\n');

/** v1 (large kernel with a NaN and an Infinity, large Adam moments, large kept data) → v2. */
async function source() {
  const store = freshStore();
  const repo = await store.createRepository('Large');
  const k1 = kernel(1);
  k1[5] = Number.NaN;
  k1[ROWS] = Number.POSITIVE_INFINITY;
  const optimizer = tinyOptimizer(
    { kernel: kernel(2), bias: [0.1, 0.2] },
    { kernel: kernel(3), bias: [0, 1] },
  );
  const data = await dataBlob(csv);
  const v1 = (
    await store.commit({
      repoId: repo.id,
      branch: 'main',
      parent: null,
      message: 'first',
      change: 'created',
      snapshot: tinySnapshot(k1, [0.5, -0.5]),
      provenance: { app: 'graft' },
      optimizer,
      data,
    })
  ).version;
  const v2 = (
    await store.commit({
      repoId: repo.id,
      branch: 'main',
      parent: v1.id,
      message: 'second',
      change: 'trained',
      snapshot: tinySnapshot(kernel(4), [0.5, -0.5]),
      provenance: { app: 'graft' },
    })
  ).version;
  const exported = await exportBundle(
    store,
    { repoId: repo.id, scope: { kind: 'repository' }, includeData: true },
    () => {},
  );
  const bytes = await bundleBytes(exported);
  const entries = listZip(bytes, 'test');
  const large = [...entries.values()].filter((e) => e.method === 0 && e.size > INLINE_MAX_BYTES);
  return { store, bytes, entries, large, kernelHash: (await store.getVersion(v1.id)).tensors[0]!.hash, v2 };
}

/** What an import left in the database, but for the times it was done at. */
async function contents(store: DexieVersionStore) {
  const db = store.db;
  const blobs = await Promise.all(
    (await db.blobs.toArray()).map(async (b) => ({
      ...b,
      inline: !(b.data instanceof Blob),
      data: toHex(new Uint8Array(await storedBytes(b.data))),
    })),
  );
  return {
    repositories: await db.repositories.toArray(),
    versions: await db.versions.toArray(),
    manifests: await db.manifests.toArray(),
    refs: (await db.refs.toArray()).map(({ updatedAt: _at, ...r }) => r),
    blobs,
  };
}

function mutated(
  bytes: Uint8Array,
  change: (copy: Uint8Array, view: DataView) => void,
): Uint8Array<ArrayBuffer> {
  const copy = bytes.slice();
  change(copy, new DataView(copy.buffer));
  return copy;
}

/** The offsets of an entry's CRC-32 in its central and local headers. */
function crcOffsets(bytes: Uint8Array, entry: ZipEntry): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset);
  const name = new TextEncoder().encode(entry.name);
  const local = entry.dataOffset - 30 - name.length;
  for (let at = bytes.length - 22 - 1; at >= 0; at--)
    if (view.getUint32(at, true) === 0x02014b50 && view.getUint32(at + 42, true) === local)
      return [at + 16, local + 14];
  throw new Error(`no central header for ${entry.name}`);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('importing a bundle from a File', () => {
  it('imports the same as from its bytes, with the large blobs stored as slices of the File', async () => {
    const { store, bytes, large } = await source();
    expect(large.length).toBeGreaterThanOrEqual(4); // two kernels, two Adam moments, the data
    const file = new File([bytes], 'large.graft.zip', { type: 'application/zip' });
    const [fromFile, fromBytes] = [freshStore(), freshStore()];
    const a = await importBundle(fromFile, file);
    const b = await importBundle(fromBytes, bytes);
    expect(a).toEqual(b);
    expect(a.addedVersions).toHaveLength(2);
    expect(a.warnings).toHaveLength(1);
    expect(a.warnings[0]).toMatch(/“dense\/kernel”.*2 NaN or infinite values/);
    const stored = await contents(fromFile);
    expect(stored).toEqual(await contents(fromBytes));
    // Large ones as Blobs, small ones inline, as a commit stores them.
    for (const blob of stored.blobs) expect(blob.inline).toBe(blob.size <= INLINE_MAX_BYTES);
    expect(stored.blobs.filter((blob) => !blob.inline)).toHaveLength(large.length);
    // And the same bytes as the exporting store holds.
    expect(stored.blobs.map((b) => b.data).sort()).toEqual(
      (await contents(store)).blobs.map((b) => b.data).sort(),
    );
  });

  it('never reads a large stored blob in the page: the hashing workers get each as a slice', async () => {
    const { bytes, large, entries } = await source();
    const file = new File([bytes], 'large.graft.zip');
    const realRead = Blob.prototype.arrayBuffer;
    const digested: number[] = [];
    // The workers' part, done here with the unwatched read; what the page reads is watched below.
    const workers: DigestBlobs = async (blobs, onEach, options) => {
      const out: BlobDigest[] = [];
      for (const [i, blob] of blobs.entries()) {
        digested.push(blob.size);
        const data = new Uint8Array(await realRead.call(blob));
        const d: BlobDigest = {
          hash: await hashBlob(data),
          crc: crc32(data),
          size: data.byteLength,
          ...(options?.(i).nonFinite ? { nonFinite: countNonFinite(data) } : {}),
        };
        out.push(d);
        onEach?.(i, d);
      }
      return out;
    };
    vi.mocked(digestBlobs).mockImplementationOnce(workers);
    const reads: number[] = [];
    vi.spyOn(Blob.prototype, 'arrayBuffer').mockImplementation(function (this: Blob) {
      reads.push(this.size);
      return realRead.call(this);
    });
    const streamed = vi.spyOn(Blob.prototype, 'stream');
    const progress: [number, number][] = [];
    const report = await importBundle(freshStore(), file, (done, total) => progress.push([done, total]));
    vi.restoreAllMocks();

    expect(report.addedVersions).toHaveLength(2);
    expect(report.warnings).toHaveLength(1);
    expect(digested.sort()).toEqual(large.map((e) => e.size).sort());
    expect(streamed).not.toHaveBeenCalled();
    const largeBytes = large.reduce((n, e) => n + e.size, 0);
    expect(Math.max(...reads)).toBeLessThan(Math.min(...large.map((e) => e.size)));
    // The directory, the headers, the text and the small blobs: the rest of the File, read at most twice.
    expect(reads.reduce((n, r) => n + r, 0)).toBeLessThanOrEqual(2 * (bytes.length - largeBytes));
    expect(entries.has(MANIFEST_FILE)).toBe(true);
    // Progress moves as the blobs are checked, up to the whole.
    const total = progress[0]![1];
    expect(progress[0]).toEqual([0, total]);
    expect(progress.at(-1)).toEqual([total, total]);
    expect(new Set(progress.map(([done]) => done)).size).toBeGreaterThan(large.length);
  });

  it('refuses a damaged File with its own error and writes nothing', async () => {
    const { bytes, entries, kernelHash, large } = await source();
    const kernelEntry = entries.get(blobPath(kernelHash)) as ZipEntry;
    expect(large).toContain(kernelEntry);
    const small = [...entries.values()].find(
      (e) => e.name.startsWith('blobs/') && e.size <= INLINE_MAX_BYTES,
    )!;
    const cases: [string, string, Uint8Array<ArrayBuffer>][] = [
      [
        'a flipped byte in a large stored weight',
        'bundle/hash-mismatch',
        mutated(bytes, (z) => {
          z[kernelEntry.dataOffset + 40_000] = (z[kernelEntry.dataOffset + 40_000] as number) ^ 0x01;
        }),
      ],
      [
        'a flipped byte in a small stored blob',
        'bundle/hash-mismatch',
        mutated(bytes, (z) => {
          z[small.dataOffset] = (z[small.dataOffset] as number) ^ 0x80;
        }),
      ],
      [
        'a wrong CRC on a large stored weight',
        'bundle/corrupt',
        mutated(bytes, (z, v) => {
          for (const at of crcOffsets(z, kernelEntry))
            v.setUint32(at, (v.getUint32(at, true) ^ 1) >>> 0, true);
        }),
      ],
      [
        'a wrong CRC on a small stored blob',
        'bundle/corrupt',
        mutated(bytes, (z, v) => {
          for (const at of crcOffsets(z, small)) v.setUint32(at, (v.getUint32(at, true) ^ 1) >>> 0, true);
        }),
      ],
      ['a truncated File', 'bundle/corrupt', bytes.slice(0, bytes.length - 100)],
      ['a File cut inside a large weight', 'bundle/corrupt', bytes.slice(0, kernelEntry.dataOffset + 1000)],
    ];
    const store = freshStore();
    await importBundle(store, new File([mutated(bytes, () => {})], 'ok.graft.zip'));
    const target = freshStore();
    const before = await dumpStore(target);
    for (const [what, code, damaged] of cases) {
      const e = await rejects(importBundle(target, new File([damaged], 'damaged.graft.zip')));
      expect([what, e.code]).toEqual([what, code]);
      expect(await dumpStore(target)).toBe(before);
    }
    // A bundle half of which is already here: the damage is still found before anything is written.
    const half = await dumpStore(store);
    for (const [what, code, damaged] of cases.slice(0, 4)) {
      const e = await rejects(importBundle(store, new File([damaged], 'damaged.graft.zip')));
      expect([what, e.code]).toEqual([what, code]);
      expect(await dumpStore(store)).toBe(half);
    }
  });

  it('ends every flipped byte of a File with large blobs in a clean import or a bundle error, writing nothing', async () => {
    const { bytes, large } = await source();
    const random = mulberry32(20261206);
    const pick = (n: number) => Math.floor(random() * n);
    // Half the flips in the headers, text and small blobs; half inside the large blobs.
    const outside: number[] = [];
    for (let at = 0, i = 0; at < bytes.length; at++) {
      while (i < large.length && at >= large[i]!.dataOffset + large[i]!.size) i++;
      const inLarge = i < large.length && at >= large[i]!.dataOffset;
      if (!inLarge) outside.push(at);
    }
    const target = freshStore();
    const before = await dumpStore(target);
    const codes = new Set<string>();
    for (let n = 0; n < 60; n++) {
      const blob = large[pick(large.length)]!;
      const at = n % 2 ? outside[pick(outside.length)]! : blob.dataOffset + pick(blob.size);
      const damaged = mutated(bytes, (z) => {
        z[at] = (z[at] as number) ^ (1 << pick(8));
      });
      try {
        await importBundle(target, new File([damaged], 'flipped.graft.zip'));
        codes.add('imported');
        await target.db.delete();
        await target.db.open();
      } catch (e) {
        const code = (e as { code?: string }).code ?? String(e);
        expect(code, `byte ${at}`).toMatch(/^bundle\//);
        codes.add(code);
        expect(await dumpStore(target)).toBe(before);
      }
    }
    expect(codes).toContain('bundle/hash-mismatch');
    expect(codes).toContain('bundle/corrupt');
  });

  it('words a File that can no longer be read as unreadable, writing nothing', async () => {
    const { bytes } = await source();
    const target = freshStore();
    const before = await dumpStore(target);
    vi.spyOn(Blob.prototype, 'arrayBuffer').mockRejectedValue(
      new DOMException('The requested file could not be read', 'NotReadableError'),
    );
    const e = await rejects(importBundle(target, new File([bytes], 'gone.graft.zip')));
    vi.restoreAllMocks();
    expect(e.key).toBe('error.bundle/corrupt.unreadable');
    expect(e.message).toMatch(/could not be read/);
    expect(await dumpStore(target)).toBe(before);
  });
});
