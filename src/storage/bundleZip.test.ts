import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { blobPath } from '../core/bundle/names';
import { listZip } from '../core/bundle/zip';
import { toHex } from '../core/hashing';
import { floats, tinySnapshot } from '../core/testVersions';
import { exportBundle, importBundle } from './bundles';
import { storedBytes } from './blobValue';
import { bundleBytes, freshStore, rejects } from './testDb';

async function oneVersion() {
  const store = freshStore();
  const repo = await store.createRepository('Export');
  const kernel = Array.from({ length: 4096 }, (_, i) => Math.sin(i * 0.7));
  const { version } = await store.commit({
    repoId: repo.id,
    parent: null,
    message: 'base',
    change: 'created',
    snapshot: tinySnapshot(kernel, [0, 0]),
    provenance: { app: 'graft' },
  });
  const request = { repoId: repo.id, scope: { kind: 'repository' } } as const;
  const full = await store.getVersion(version.id);
  return { store, request, kernelHash: full.tensors[0]!.hash, biasHash: full.tensors[1]!.hash };
}

/** Whether a command runs here: the check below uses the unzip tools people have, where they exist. */
function has(command: string, args: string[]): boolean {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('exporting a bundle', () => {
  it('is a Blob that joins the stored weights without a copy, and imports elsewhere', async () => {
    const { store, request, kernelHash } = await oneVersion();
    const exported = await exportBundle(store, request);
    expect(exported.file).toBeInstanceOf(Blob);
    expect(exported.file.type).toBe('application/zip');
    expect(exported.stats.bundleBytes).toBe(exported.file.size);
    const bytes = await bundleBytes(exported);
    const kernel = listZip(bytes, 'test').get(blobPath(kernelHash));
    // Stored, not deflated: the entry's bytes are the blob's own.
    expect(kernel).toMatchObject({ method: 0, size: 4096 * 4, compressedSize: 4096 * 4 });
    const report = await importBundle(freshStore(), bytes);
    expect(report.addedBlobs).toBe(3);
  });

  it.runIf(has('python3', ['-c', 'import zipfile']) && has('unzip', ['-v']))(
    'writes a standard zip that Python’s zipfile and unzip read and check, CRCs included',
    async () => {
      const { store, request } = await oneVersion();
      const bytes = await bundleBytes(exportBundle(store, request));
      const dir = mkdtempSync(join(tmpdir(), 'graft-zip-'));
      try {
        const path = join(dir, 'bundle.graft.zip');
        writeFileSync(path, bytes);
        // testzip() reads every member and checks its CRC-32; it returns the first bad name, or None.
        const listed = execFileSync(
          'python3',
          [
            '-c',
            'import sys, zipfile\nz = zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\n' +
              'print("\\n".join(sorted(i.filename + " " + str(i.compress_type) for i in z.infolist())))',
            path,
          ],
          { encoding: 'utf8' },
        );
        expect(listed).toMatch(/^graft-bundle\.json 8$/m);
        expect(listed.match(/^blobs\/[0-9a-f]{64} 0$/gm)).toHaveLength(3);
        expect(execFileSync('unzip', ['-t', path], { encoding: 'utf8' })).toMatch(/No errors detected/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('refuses a stored blob whose bytes no longer match its name, or are missing: damage never leaves', async () => {
    const { store, request, kernelHash, biasHash } = await oneVersion();
    await store.db.blobs.update(kernelHash, {
      data: new Blob([floats(Array.from({ length: 4096 }, () => 1))]),
    });
    const e = await rejects(exportBundle(store, request));
    expect([e.code, e.key]).toEqual(['storage/blob-corrupt', 'error.storage/blob-corrupt.export']);
    expect(e.message).toContain(kernelHash.slice(0, 12));
    // Same bytes, a size on record that disagrees.
    const kernel = await store.db.blobs.get(kernelHash);
    expect(kernel).toBeDefined();
    await store.db.blobs.put({ ...kernel!, data: new Blob([floats([1])]) });
    expect((await rejects(exportBundle(store, request))).key).toBe('error.storage/blob-corrupt.export');
    await store.db.blobs.delete(biasHash);
    expect((await rejects(exportBundle(store, request))).key).toBe('error.storage/blob-missing.export');
  });
});

describe('importing a bundle', () => {
  const blobsIn = async (store: ReturnType<typeof freshStore>) =>
    Object.fromEntries(
      await Promise.all(
        (await store.db.blobs.toArray()).map(async (b) => [
          b.hash,
          [b.size, toHex(new Uint8Array(await storedBytes(b.data)))],
        ]),
      ),
    );

  it('stores the same bytes whether a tool stored or deflated the weights', async () => {
    const { store, request } = await oneVersion();
    const bytes = await bundleBytes(exportBundle(store, request));
    const deflated = zipSync(unzipSync(bytes), { level: 9 });
    expect([...listZip(deflated, 'test').values()].every((e) => e.method === 8)).toBe(true);
    const [a, b] = [freshStore(), freshStore()];
    await importBundle(a, bytes);
    await importBundle(b, deflated);
    const stored = await blobsIn(a);
    expect(Object.keys(stored)).toHaveLength(3);
    expect(await blobsIn(b)).toEqual(stored);
    expect(stored).toEqual(await blobsIn(store));
  });
});
