/**
 * Graft's benchmark page. It measures Graft's storage (snapshot, SHA-256, Dexie blobs) against TF.js's own
 * `indexeddb://` save and load on one model with about 64 MiB of float32 weights, and leaves a report on
 * `window.__benchDone` for bench/run.mjs. Every timed figure is the median of `reps` runs (at least 3); Graft
 * and the baseline alternate which goes first, and every run starts from fresh, empty databases.
 *
 * Query parameters: `backend=webgl` (default cpu), `reps=N` (default 3, the minimum); `large` opens the
 * large section's page instead (bench/large.ts).
 */
import * as tf from '@tensorflow/tfjs';
import Dexie from 'dexie';
import { hashBlob, type VersionId } from '../src/core/hashing';
import { tensorBytes, type BackendChoice } from '../src/core/ports';
import type { RepoId } from '../src/core/versions/types';
import { startBackend } from '../src/ml/backend';
import { materializeModel, snapshotModel } from '../src/ml/snapshot';
import { storedBytes } from '../src/storage/blobValue';
import { DexieVersionStore } from '../src/storage/DexieVersionStore';
import { GraftDb } from '../src/storage/db';
import { benchBundles } from './bundles';
import { buildModel, commitModel, HIDDEN, INPUTS, OUTPUTS, randomizeLayer, rng } from './model';
import { benchHistory } from './history';
import { installLarge } from './large';
import { benchResume } from './resume';
import { benchTraining } from './training';
import { median, ms, round, settle, timed } from './util';

export type BenchSection = 'storage' | 'training' | 'bundles' | 'history';
export const SECTIONS: readonly BenchSection[] = ['storage', 'training', 'bundles', 'history'];

export interface BenchEntry {
  readonly section?: BenchSection;
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly baseline: number;
  /** Time figures: baseline ms ÷ Graft ms, above 1 means Graft is faster. Others: see `note`. */
  readonly ratio: number;
  readonly target: string;
  /** null where there is no target (reference figures). */
  readonly met: boolean | null;
  readonly note?: string;
  readonly samples?: { readonly value: readonly number[]; readonly baseline: readonly number[] };
}

export interface BreakdownRow {
  readonly name: string;
  readonly ms: number;
  readonly samples: readonly number[];
}

export interface StorageModelMeta {
  readonly layers: string;
  readonly tensors: number;
  readonly params: number;
  readonly weightBytes: number;
  readonly headTensors: number;
  readonly headBytes: number;
}

export interface BenchReport {
  readonly meta: {
    readonly backend: string;
    readonly requestedBackend: BackendChoice;
    readonly tfjs: string;
    readonly userAgent: string;
    readonly reps: number;
    readonly sections: readonly BenchSection[];
    /** The 64 MiB model of the storage figures, when they ran. */
    readonly storageModel?: StorageModelMeta;
    readonly totalMs: number;
  };
  readonly results: BenchEntry[];
  readonly breakdown: BreakdownRow[];
}

declare global {
  interface Window {
    __benchDone?: Promise<BenchReport>;
    __benchReport?: BenchReport;
  }
}

const params = new URLSearchParams(location.search);
const REQUESTED: BackendChoice = params.get('backend') === 'webgl' ? 'webgl' : 'cpu';
const REPS = Math.max(3, Math.floor(Number(params.get('reps') ?? 3)) || 3);
const ONLY = new Set(
  (params.get('only') ?? SECTIONS.join(','))
    .split(',')
    .filter((s): s is BenchSection => (SECTIONS as readonly string[]).includes(s)),
);
const HEAD_VERSIONS = 50;

const logEl = document.getElementById('log');
const lines: string[] = [];
function log(line: string): void {
  console.log(line);
  lines.push(line);
  if (logEl) logEl.textContent = lines.join('\n');
}

// ---- fresh databases per run -------------------------------------------------------------------------

let seq = 0;

async function withStore<T>(fn: (store: DexieVersionStore, repoId: RepoId) => Promise<T>): Promise<T> {
  const name = `graft-bench-${++seq}`;
  const store = new DexieVersionStore(new GraftDb(name));
  try {
    const repo = await store.createRepository('bench');
    return await fn(store, repo.id);
  } finally {
    store.close();
    await Dexie.delete(name);
  }
}

async function withTfKey<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const url = `indexeddb://bench-${++seq}`;
  try {
    return await fn(url);
  } finally {
    await tf.io.removeModel(url).catch(() => undefined);
  }
}

async function withRawDb<T>(fn: (db: Dexie) => Promise<T>): Promise<T> {
  const name = `graft-bench-raw-${++seq}`;
  const db = new Dexie(name);
  db.version(1).stores({ blobs: 'hash' });
  await db.open();
  try {
    return await fn(db);
  } finally {
    db.close();
    await Dexie.delete(name);
  }
}

async function clearLeftovers(): Promise<void> {
  for (const info of await indexedDB.databases())
    if (info.name?.startsWith('graft-bench-')) await Dexie.delete(info.name);
  for (const url of Object.keys(await tf.io.listModels()))
    if (url.startsWith('indexeddb://bench-')) await tf.io.removeModel(url);
}

// ---- measuring ------------------------------------------------------------------------------------

/** Runs Graft and the baseline `reps` times, alternating which goes first. Each run returns its ms. */
async function compare(
  name: string,
  graft: () => Promise<number>,
  baseline: () => Promise<number>,
): Promise<{ value: number[]; baseline: number[] }> {
  const g: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < REPS; i++) {
    const order = i % 2 === 0 ? (['graft', 'baseline'] as const) : (['baseline', 'graft'] as const);
    for (const side of order) {
      const t = side === 'graft' ? await graft() : await baseline();
      (side === 'graft' ? g : b).push(t);
      log(`  ${name} run ${i + 1}/${REPS} ${side}: ${ms(t)}`);
    }
  }
  return { value: g, baseline: b };
}

function timeEntry(
  name: string,
  samples: { value: number[]; baseline: number[] },
  minRatio: number | null,
  note: string,
): BenchEntry {
  const value = median(samples.value);
  const baseline = median(samples.baseline);
  const ratio = baseline / value;
  return {
    name,
    value: round(value),
    unit: 'ms',
    baseline: round(baseline),
    ratio: round(ratio, 2),
    target: minRatio === null ? '(reference)' : `≥ ${minRatio}×`,
    met: minRatio === null ? null : ratio >= minRatio,
    note,
    samples: { value: samples.value.map((x) => round(x)), baseline: samples.baseline.map((x) => round(x)) },
  };
}

async function benchStorage(): Promise<{
  results: BenchEntry[];
  breakdown: BreakdownRow[];
  meta: StorageModelMeta;
}> {
  const model = buildModel();
  for (const layer of model.layers) randomizeLayer(layer);
  const head = model.layers[model.layers.length - 1] as tf.layers.Layer;
  const commit = (store: DexieVersionStore, repoId: RepoId, parent: VersionId | null) =>
    commitModel(store, repoId, parent, model);
  /** Every weight's bytes as Graft stores them (views of the backend's arrays where it allows). */
  const readAll = async () => Promise.all((await snapshotModel(model)).tensors.map((t) => tensorBytes(t)));
  /**
   * New values, hence new TF.js data ids, for every weight: Graft's hash cache (keyed by data id) knows
   * none of them, as with a freshly built or trained model.
   */
  const freshModel = () => {
    for (const layer of model.layers) randomizeLayer(layer);
  };

  const probe = await readAll();
  const weightBytes = probe.reduce((n, b) => n + b.byteLength, 0);
  const headBytes = head.weights.reduce(
    (n, w) => n + w.shape.reduce((a: number, d) => a * (d ?? 1), 1) * 4,
    0,
  );
  const meta: StorageModelMeta = {
    layers: `${INPUTS} → ${HIDDEN.join(' → ')} → ${OUTPUTS}`,
    tensors: probe.length,
    params: model.countParams(),
    weightBytes,
    headTensors: head.weights.length,
    headBytes,
  };
  log(
    `model ${meta.layers}: ${meta.tensors} tensors, ${meta.params.toLocaleString('en-US')} params, ` +
      `${weightBytes.toLocaleString('en-US')} bytes (${(weightBytes / 2 ** 20).toFixed(2)} MiB); ` +
      `head ${meta.headTensors} tensors, ${headBytes.toLocaleString('en-US')} bytes; reps ${REPS}`,
  );
  const results: BenchEntry[] = [];
  const breakdown: BreakdownRow[] = [];

  // 1. Committing the whole model into an empty store, against a full TF.js save.
  log('commit-64mib-new');
  results.push(
    timeEntry(
      'commit-64mib-new',
      await compare(
        'commit-64mib-new',
        () =>
          withStore(async (store, repoId) => {
            freshModel();
            await settle();
            return timed(() => commit(store, repoId, null));
          }),
        () =>
          withTfKey(async (url) => {
            await settle();
            return timed(() => model.save(url));
          }),
      ),
      3,
      "Graft: snapshotModel + reading + SHA-256 of every tensor + Dexie write, into an empty store; before each Graft run every weight gets new values (untimed), so no hash is cached. Baseline: model.save('indexeddb://…').",
    ),
  );

  // 2. Only the head changed since the last commit / save.
  log('commit-64mib-head-only');
  const headWrites: number[] = [];
  results.push(
    timeEntry(
      'commit-64mib-head-only',
      await compare(
        'commit-64mib-head-only',
        () =>
          withStore(async (store, repoId) => {
            const base = await commit(store, repoId, null);
            randomizeLayer(head);
            await settle();
            let written = 0;
            const t = await timed(async () => {
              written = (await commit(store, repoId, base.version.id)).bytesWritten;
            });
            headWrites.push(written);
            return t;
          }),
        () =>
          withTfKey(async (url) => {
            await model.save(url);
            randomizeLayer(head);
            await settle();
            return timed(() => model.save(url));
          }),
      ),
      10,
      "Only the last layer's weights changed. Graft: snapshot + commit with the previous version as parent (unchanged weights keep their cached hashes, so only the head is read, hashed and written). Baseline: model.save('indexeddb://…') over the earlier save of the same key.",
    ),
  );
  const written = median(headWrites);
  results.push({
    name: 'commit-64mib-head-only-bytes',
    value: written,
    unit: 'bytes',
    baseline: headBytes,
    ratio: round(headBytes / written, 3),
    target: 'value ≤ 1.02 × baseline',
    met: written <= 1.02 * headBytes,
    note: `value: bytesWritten of the head-only Graft commit (median; runs: ${headWrites.join(', ')}). baseline: byte size of the last layer's ${meta.headTensors} tensors. ratio: baseline ÷ value (1 = Graft wrote exactly the changed bytes). A full TF.js save writes ${weightBytes.toLocaleString('en-US')}.`,
  });

  // 3. Checking out: read, verify, rebuild, and answer one prediction.
  log('checkout-64mib');
  const input = tf.tensor2d(
    Float32Array.from({ length: INPUTS }, () => rng() * 2 - 1),
    [1, INPUTS],
  );
  const predictOnce = (m: tf.LayersModel): Float32Array => {
    const out = m.predict(input) as tf.Tensor;
    const values = out.dataSync() as Float32Array;
    out.dispose();
    return values;
  };
  const expected = predictOnce(model);
  const check = (got: Float32Array, who: string) => {
    const diff = Math.max(...expected.map((v, i) => Math.abs(v - (got[i] ?? NaN))));
    if (!(diff <= 1e-6))
      throw new Error(`${who} checkout predicts differently from the live model (max diff ${diff})`);
  };
  // The checkout's own phases, inside its timed runs (the parts below are each timed alone).
  const checkoutPhases = { read: [] as number[], build: [] as number[], predict: [] as number[] };
  results.push(
    timeEntry(
      'checkout-64mib',
      await compare(
        'checkout-64mib',
        () =>
          withStore(async (store, repoId) => {
            const { version } = await commit(store, repoId, null);
            await settle();
            let m: tf.LayersModel | null = null;
            let got: Float32Array = new Float32Array(0);
            const t = await timed(async () => {
              // What the app's checkout does: build the model while the weights are re-hashed.
              const t0 = performance.now();
              const loaded = await store.loadOverlapped(version.id);
              const t1 = performance.now();
              m = await materializeModel(loaded);
              await loaded.verified;
              const t2 = performance.now();
              got = predictOnce(m);
              const t3 = performance.now();
              checkoutPhases.read.push(t1 - t0);
              checkoutPhases.build.push(t2 - t1);
              checkoutPhases.predict.push(t3 - t2);
            });
            (m as tf.LayersModel | null)?.dispose();
            check(got, 'Graft');
            return t;
          }),
        () =>
          withTfKey(async (url) => {
            await model.save(url);
            await settle();
            let m: tf.LayersModel | null = null;
            let got: Float32Array = new Float32Array(0);
            const t = await timed(async () => {
              m = await tf.loadLayersModel(url);
              got = predictOnce(m);
            });
            (m as tf.LayersModel | null)?.dispose();
            check(got, 'TF.js');
            return t;
          }),
      ),
      2,
      "Graft: store.loadOverlapped (reads every blob) + materializeModel while every blob is re-hashed, then await the verification + one 1-row predict with dataSync. Baseline: tf.loadLayersModel('indexeddb://…') + the same predict.",
    ),
  );

  // 4. Storage of 50 versions that each change only the head.
  log(`storage-${HEAD_VERSIONS}-head-versions`);
  results.push(
    await withStore(async (store, repoId) => {
      let parent = (await commit(store, repoId, null)).version.id;
      const base = await store.usage();
      const times: number[] = [];
      const writes = new Set<number>();
      for (let i = 0; i < HEAD_VERSIONS; i++) {
        randomizeLayer(head);
        const t0 = performance.now();
        const r = await commit(store, repoId, parent);
        times.push(performance.now() - t0);
        writes.add(r.bytesWritten);
        parent = r.version.id;
      }
      const used = await store.usage();
      const ideal = base.bytes + HEAD_VERSIONS * headBytes;
      log(
        `  ${HEAD_VERSIONS} head commits: median ${ms(median(times))}, min ${ms(Math.min(...times))}, max ${ms(Math.max(...times))}; ` +
          `bytesWritten per commit: ${[...writes].join(', ')}; usage ${used.bytes} bytes in ${used.blobs} blobs, ${used.versions} versions`,
      );
      for (const [phase, samples] of Object.entries({
        'checkout, in its timed runs: store.loadOverlapped (read + SHA-256 in the workers)':
          checkoutPhases.read,
        'checkout, in its timed runs: materializeModel + verified': checkoutPhases.build,
        'checkout, in its timed runs: the first predict of the new model': checkoutPhases.predict,
      }))
        breakdown.push({ name: phase, ms: round(median(samples)), samples: samples.map((x) => round(x)) });
      breakdown.push({
        name: `head-only commit (median of the ${HEAD_VERSIONS} storage commits)`,
        ms: round(median(times)),
        samples: times.map((x) => round(x)),
      });
      return {
        name: `storage-${HEAD_VERSIONS}-head-versions`,
        value: used.bytes,
        unit: 'bytes',
        baseline: ideal,
        ratio: round(ideal / used.bytes, 4),
        target: 'ratio ≥ 0.98',
        met: used.bytes <= 1.02 * ideal,
        note: `value: store.usage().bytes after the base commit and ${HEAD_VERSIONS} commits that each change only the head. baseline: the ideal, ${base.bytes} bytes (usage after the base commit, topology included) + ${HEAD_VERSIONS} × ${headBytes} head bytes. ratio: baseline ÷ value (1 = no overhead). ${HEAD_VERSIONS + 1} full TF.js saves would take ${((HEAD_VERSIONS + 1) * weightBytes).toLocaleString('en-US')} bytes.`,
      };
    }),
  );

  // 5. The raw ceiling: one Blob per tensor into a bare Dexie table, nothing else.
  log('raw-blob-put-64mib');
  const rawBytes = await readAll();
  const hashes = await Promise.all(rawBytes.map((b) => hashBlob(b)));
  const rows = () => rawBytes.map((b, i) => ({ hash: hashes[i], data: new Blob([b]) }));
  results.push(
    timeEntry(
      'raw-blob-put-64mib',
      await compare(
        'raw-blob-put-64mib',
        () =>
          withRawDb(async (db) => {
            await settle();
            return timed(() => db.table('blobs').bulkPut(rows()));
          }),
        () =>
          withTfKey(async (url) => {
            await settle();
            return timed(() => model.save(url));
          }),
      ),
      null,
      "The ceiling for any commit: new Blob per tensor + one Dexie bulkPut into a bare db with one table keyed by 'hash', from bytes already snapshotted and hashed (no snapshot, no SHA-256). Baseline: model.save('indexeddb://…').",
    ),
  );

  // Where the time goes: the parts of a commit and of a checkout, each alone.
  log('breakdown');
  // Three runs each (the minimum): these explain the figures above, they are not figures themselves.
  const part = async (name: string, fn: () => Promise<unknown>) => {
    const samples: number[] = [];
    for (let i = 0; i < 3; i++) {
      await settle();
      samples.push(await timed(fn));
    }
    breakdown.push({ name, ms: round(median(samples)), samples: samples.map((x) => round(x)) });
    log(`  ${name}: ${ms(median(samples))}`);
  };
  await part('snapshotModel (topology + lazy weight handles)', () => snapshotModel(model));
  await part("snapshotModel + every weight's bytes (tensorBytes)", readAll);
  await part('SHA-256 of every tensor, in parallel (as commit does)', () =>
    Promise.all(rawBytes.map((b) => hashBlob(b))),
  );
  await part('SHA-256 of every tensor, one after another', async () => {
    for (const b of rawBytes) await hashBlob(b);
  });
  await part('new Blob() of every tensor (copy)', async () => rows());
  await withStore(async (store, repoId) => {
    const { version } = await commit(store, repoId, null);
    const { tensors } = await store.getVersion(version.id);
    let loaded: Awaited<ReturnType<DexieVersionStore['load']>> | null = null;
    await part('store.load (read + re-hash every blob)', async () => {
      loaded = await store.load(version.id);
    });
    await part('read every blob without hashing (bulkGet + arrayBuffer)', async () => {
      const got = await store.db.blobs.bulkGet(tensors.map((t) => t.hash));
      await Promise.all(got.map((r) => (r ? storedBytes(r.data) : null)));
    });
    await part('materializeModel (from loaded bytes)', async () => {
      if (loaded) (await materializeModel(loaded)).dispose();
    });
  });
  await part('predict 1 row + dataSync', async () => predictOnce(model));
  await withTfKey(async (url) => {
    await model.save(url);
    await part("tf.loadLayersModel('indexeddb://…')", async () => (await tf.loadLayersModel(url)).dispose());
  });

  input.dispose();
  model.dispose();
  return { results: results.map((r) => ({ section: 'storage', ...r })), breakdown, meta };
}

async function bench(): Promise<BenchReport> {
  const started = performance.now();
  const backend = await startBackend(REQUESTED);
  log(`backend ${backend.active}${backend.fallbackReason ? ` (fell back: ${backend.fallbackReason})` : ''}`);
  await clearLeftovers();
  const results: BenchEntry[] = [];
  const breakdown: BreakdownRow[] = [];
  let storageModel: StorageModelMeta | undefined;
  const tagged = (section: BenchSection, entries: readonly BenchEntry[]) =>
    entries.map((e) => ({ section, ...e }));

  if (ONLY.has('storage')) {
    const storage = await benchStorage();
    results.push(...storage.results);
    breakdown.push(...storage.breakdown);
    storageModel = storage.meta;
  }
  if (ONLY.has('training')) {
    log('training');
    results.push(...tagged('training', await benchTraining(log, REPS)));
    results.push(...tagged('training', await benchResume(log, REPS)));
    await tf.setBackend(backend.active);
  }
  if (ONLY.has('bundles')) {
    log('bundles');
    results.push(...tagged('bundles', await benchBundles(log, REPS)));
  }
  if (ONLY.has('history')) {
    log('history panel');
    results.push(...tagged('history', await benchHistory(log, REPS)));
  }

  const report: BenchReport = {
    meta: {
      backend: backend.active,
      requestedBackend: REQUESTED,
      tfjs: tf.version.tfjs,
      userAgent: navigator.userAgent,
      reps: REPS,
      sections: SECTIONS.filter((s) => ONLY.has(s)),
      ...(storageModel ? { storageModel } : {}),
      totalMs: round(performance.now() - started),
    },
    results,
    breakdown,
  };
  log(`done in ${(report.meta.totalMs / 1000).toFixed(1)} s`);
  for (const r of results)
    log(
      `${r.name}: ${r.value} ${r.unit} vs ${r.baseline} → ratio ${r.ratio} (${r.target}${r.met === false ? ', MISSED' : ''})`,
    );
  return report;
}

// bench/index.html?large: the large section's page, which bench/largeRun.mjs drives one step at a time.
if (params.has('large')) installLarge(log);
else
  window.__benchDone = bench().then(
    (report) => {
      window.__benchReport = report;
      return report;
    },
    (e: unknown) => {
      log(`FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      throw e;
    },
  );
