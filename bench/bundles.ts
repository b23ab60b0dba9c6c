/**
 * Sharing: export and import throughput of a 64 MiB single-version bundle and of a 50-version bundle
 * whose versions share all but their last layer, through the app's own path (storage/bundles.ts, which
 * Share.svelte.ts calls), and each bundle's size against the distinct blobs it carries.
 */
import * as tf from '@tensorflow/tfjs';
import Dexie from 'dexie';
import { storedBytes, type StoredBytes } from '../src/storage/blobValue';
import type { BlobHash, VersionId } from '../src/core/hashing';
import type { RepoId } from '../src/core/versions/types';
import type { BundleScope } from '../src/core/bundle/manifest';
import type { ExportedBundle } from '../src/core/ports';
import { exportBundle, importBundle } from '../src/storage/bundles';
import { DexieVersionStore } from '../src/storage/DexieVersionStore';
import { GraftDb } from '../src/storage/db';
import type { BenchEntry } from './main';
import { buildModel, commitModel, randomizeLayer } from './model';
import { median, round, settle, timed } from './util';

const MiB = 2 ** 20;
const VERSIONS = 50;
let seq = 0;

function openStore(): { store: DexieVersionStore; name: string } {
  const name = `graft-bench-bundle-${++seq}`;
  return { store: new DexieVersionStore(new GraftDb(name)), name };
}

async function dropStore(s: { store: DexieVersionStore; name: string }): Promise<void> {
  s.store.close();
  await Dexie.delete(s.name);
}

interface Measured {
  readonly exportMs: number[];
  readonly importMs: number[];
  /** The ceilings: reading the same blobs out of IndexedDB, and putting them into a bare table. */
  readonly rawReadMs: number[];
  readonly rawWriteMs: number[];
  readonly bundle: ExportedBundle;
}

/** Exports `scope` `reps` times, imports the bundle into a fresh database `reps` times, checks the import. */
async function measure(
  source: DexieVersionStore,
  repoId: RepoId,
  scope: BundleScope,
  reps: number,
  say: (line: string) => void,
  label: string,
): Promise<Measured> {
  const exportMs: number[] = [];
  const importMs: number[] = [];
  const rawReadMs: number[] = [];
  const rawWriteMs: number[] = [];
  let bundle: ExportedBundle | null = null;
  let progressCalls = 0;
  // What Share.svelte.ts passes: a progress callback that updates a field the UI shows.
  const onProgress = (done: number, total: number) => {
    progressCalls += done <= total ? 1 : 0;
  };
  for (let i = 0; i < reps; i++) {
    await settle();
    exportMs.push(
      await timed(async () => {
        bundle = await exportBundle(source, { repoId, scope }, onProgress);
      }),
    );
  }
  if (!bundle) throw new Error('no bundle');
  const out: ExportedBundle = bundle;
  // What a person's download holds and a picker hands back: the bundle as a File on disk, written untimed.
  const picked = await pickedFile(out.file, label);
  const rows = await source.listVersions(repoId);
  const hashes = [...new Set((await source.db.blobs.toCollection().primaryKeys()) as BlobHash[])];
  for (let i = 0; i < reps; i++) {
    const target = openStore();
    try {
      await settle();
      let added = 0;
      importMs.push(
        await timed(async () => {
          added = (await importBundle(target.store, picked.file, onProgress)).addedVersions.length;
        }),
      );
      if (added !== out.stats.versions)
        throw new Error(`${label}: the import added ${added} versions, the bundle has ${out.stats.versions}`);
      if (i === 0) {
        const again = await importBundle(target.store, picked.file, onProgress);
        if (again.addedVersions.length !== 0 || again.addedBlobs !== 0)
          throw new Error(`${label}: importing the same bundle twice added something`);
      }
    } finally {
      await dropStore(target);
    }
    // The ceilings, on the same blobs.
    await settle();
    let blobs: StoredBytes[] = [];
    rawReadMs.push(
      await timed(async () => {
        const got = await source.db.blobs.bulkGet(hashes);
        blobs = got.map((r) => r?.data ?? new Blob());
        await Promise.all(blobs.map((b) => storedBytes(b)));
      }),
    );
    const raw = new Dexie(`graft-bench-bundle-raw-${++seq}`);
    raw.version(1).stores({ blobs: 'hash' });
    await raw.open();
    try {
      const buffers = await Promise.all(blobs.map((b) => storedBytes(b)));
      await settle();
      rawWriteMs.push(
        await timed(() =>
          raw.table('blobs').bulkPut(buffers.map((b, k) => ({ hash: hashes[k], data: new Blob([b]) }))),
        ),
      );
    } finally {
      raw.close();
      await Dexie.delete(raw.name);
    }
  }
  await picked.remove();
  say(
    `  ${label}: ${rows.length} versions, ${out.stats.blobs} blobs, ${out.stats.blobBytes.toLocaleString('en-US')} blob bytes, ` +
      `bundle ${out.stats.bundleBytes.toLocaleString('en-US')} bytes; export ${exportMs.map((x) => x.toFixed(0)).join(', ')} ms; ` +
      `import ${importMs.map((x) => x.toFixed(0)).join(', ')} ms; raw read ${rawReadMs.map((x) => x.toFixed(0)).join(', ')} ms; ` +
      `raw write ${rawWriteMs.map((x) => x.toFixed(0)).join(', ')} ms; ${progressCalls} progress calls`,
  );
  return { exportMs, importMs, rawReadMs, rawWriteMs, bundle: out };
}

/** `blob` as a File on disk (the origin's private file system), as a file picker hands one over. */
async function pickedFile(blob: Blob, label: string): Promise<{ file: File; remove: () => Promise<void> }> {
  const root = await navigator.storage.getDirectory();
  const name = `bench-${label.replace(/\W+/g, '-')}.graft.zip`;
  const handle = await root.getFileHandle(name, { create: true });
  const writable = await handle.createWritable();
  await writable.write(blob);
  await writable.close();
  return { file: await handle.getFile(), remove: () => root.removeEntry(name) };
}

/** Issue 16: bundles near disk speed, as ratios to the IndexedDB ceilings (the 64 MiB rows only). */
interface ThroughputTargets {
  readonly export: number;
  readonly import: number;
}

function entries(name: string, m: Measured, what: string, targets?: ThroughputTargets): BenchEntry[] {
  const mib = m.bundle.stats.bundleBytes / MiB;
  const rate = (msList: number[]) => mib / (median(msList) / 1000);
  const samples = (msList: number[]) => msList.map((x) => round(mib / (x / 1000)));
  const throughput = (kind: 'export' | 'import', msList: number[], raw: number[], rawWhat: string) => {
    const value = rate(msList);
    const baseline = rate(raw);
    const target = targets?.[kind];
    return {
      name: `${name}-${kind}`,
      value: round(value),
      unit: 'MiB/s',
      baseline: round(baseline),
      ratio: round(value / baseline, 2),
      target: target === undefined ? '(reference)' : `ratio ≥ ${target}`,
      met: target === undefined ? null : value / baseline >= target,
      note: `${what}: bundle MiB ÷ median seconds of ${kind === 'export' ? 'exportBundle (two hashing workers read every blob, check its SHA-256 and size and compute its CRC-32; the manifest, model.json files and zip headers are built; the bundle is a Blob of those and the stored blobs, not copied)' : 'importBundle of the bundle as a File on disk, as a picker hands it over, into a fresh database (the zip records, text and small blobs read; each large weight checked — SHA-256, CRC-32, size, NaN count — by two hashing workers reading its slice of the File, and stored as that slice; then all written in one transaction)'}; median ${median(msList).toFixed(0)} ms. baseline: the IndexedDB ceiling, ${rawWhat}, in MiB of bundle per second. ratio: value ÷ baseline (1 = as fast as the raw IndexedDB ${kind === 'export' ? 'read' : 'write'}).`,
      samples: { value: samples(msList), baseline: samples(raw) },
    } satisfies BenchEntry;
  };
  const { bundleBytes, blobBytes } = m.bundle.stats;
  return [
    throughput('export', m.exportMs, m.rawReadMs, 'reading the same blobs (bulkGet + arrayBuffer)'),
    throughput('import', m.importMs, m.rawWriteMs, 'one bulkPut of the same blobs into a bare table'),
    {
      name: `${name}-size`,
      value: bundleBytes,
      unit: 'bytes',
      baseline: blobBytes,
      ratio: round(blobBytes / bundleBytes, 4),
      target: 'value ≤ 1.01 × baseline',
      met: bundleBytes <= 1.01 * blobBytes,
      note: `${what}. value: the .graft.zip's size. baseline: the sum of its ${m.bundle.stats.blobs} distinct blobs (tensors and topologies). ratio: baseline ÷ value; the bundle is ${(bundleBytes / blobBytes).toFixed(4)}× its blobs.`,
    },
  ];
}

export async function benchBundles(say: (line: string) => void, reps: number): Promise<BenchEntry[]> {
  const model = buildModel();
  const head = model.layers[model.layers.length - 1] as tf.layers.Layer;
  for (const layer of model.layers) randomizeLayer(layer);
  const source = openStore();
  try {
    const repo = await source.store.createRepository('bench');
    const commit = async (parent: VersionId | null) =>
      (await commitModel(source.store, repo.id, parent, model)).version.id;
    const base = await commit(null);
    const single = await measure(
      source.store,
      repo.id,
      { kind: 'version', id: base },
      reps,
      say,
      'one 64 MiB version',
    );
    let parent = base;
    for (let i = 1; i < VERSIONS; i++) {
      randomizeLayer(head);
      parent = await commit(parent);
    }
    const many = await measure(
      source.store,
      repo.id,
      { kind: 'repository' },
      reps,
      say,
      `${VERSIONS} versions`,
    );
    return [
      ...entries('bundle-64mib', single, 'One version of a 64 MiB model (10 tensors)', {
        export: 0.6,
        import: 0.7,
      }),
      ...entries(
        `bundle-${VERSIONS}-versions`,
        many,
        `${VERSIONS} versions of the 64 MiB model, each after the first changing only its last layer (80 KiB)`,
      ),
    ];
  } finally {
    model.dispose();
    await dropStore(source);
  }
}
