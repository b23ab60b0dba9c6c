import { describe, expect, it } from 'vitest';
import { tinySnapshot } from '../core/testVersions';
import { INLINE_MAX_BYTES, storedBytes, storedValue } from './blobValue';
import { freshStore } from './testDb';

describe('blob rows', () => {
  it('keeps small blobs inline as a copy of their own bytes, larger ones as Blobs', async () => {
    const buffer = new Uint8Array(INLINE_MAX_BYTES * 4);
    buffer.fill(7);
    const small = storedValue(buffer.subarray(8, 8 + INLINE_MAX_BYTES));
    expect(small).toBeInstanceOf(Uint8Array);
    // Only its own bytes, not the whole buffer it was a view of.
    expect((small as Uint8Array).buffer.byteLength).toBe(INLINE_MAX_BYTES);
    buffer.fill(0);
    expect(new Uint8Array(await storedBytes(small))[0]).toBe(7);
    const large = storedValue(new Uint8Array(INLINE_MAX_BYTES + 1));
    expect(large).toBeInstanceOf(Blob);
    expect((await storedBytes(large)).byteLength).toBe(INLINE_MAX_BYTES + 1);
  });

  it('a commit writes a bias inline and a large kernel as a Blob, and both read back exactly', async () => {
    const store = freshStore();
    const repo = await store.createRepository('forms');
    const kernel = Array.from({ length: 16 * 1024 }, (_, i) => i / 3);
    const saved = await store.commit({
      repoId: repo.id,
      parent: null,
      message: 'two forms',
      change: 'created',
      snapshot: tinySnapshot(kernel, [0.25, -0.75]),
      provenance: { app: 'graft' },
    });
    const rows = await store.db.blobs.bulkGet(saved.tensors.map((t) => t.hash));
    expect(rows.map((r) => r?.data instanceof Blob)).toEqual([true, false]);
    const loaded = await store.load(saved.version.id);
    expect([...new Float32Array(loaded.tensors[1]!.data)]).toEqual([0.25, -0.75]);
    expect(new Float32Array(loaded.tensors[0]!.data)[3]).toBe(Math.fround(1));
    expect((await store.verify(saved.version.id)).ok).toBe(true);
  });
});
