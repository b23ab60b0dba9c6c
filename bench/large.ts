/**
 * The page side of the `large` bench section (issue 16, item 1): a model with 1 GiB of float32 weights
 * committed, checked out, exported, downloaded and imported through the app's own code, and the same model
 * saved and loaded by TF.js's `indexeddb://`. bench/largeRun.mjs drives it one step at a time through
 * `window.__large` (each step alone, so that Node can measure the browser's memory around it); the page
 * opens as bench/index.html?large.
 */
import * as tf from '@tensorflow/tfjs';
import Dexie from 'dexie';
import type { VersionId } from '../src/core/hashing';
import { mulberry32 } from '../src/core/random';
import type { RepoId } from '../src/core/versions/types';
import { saveFile } from '../src/app/browser';
import { startBackend } from '../src/ml/backend';
import { materializeModel } from '../src/ml/snapshot';
import { exportBundle, importBundle } from '../src/storage/bundles';
import { DexieVersionStore } from '../src/storage/DexieVersionStore';
import { GraftDb } from '../src/storage/db';
import { commitModel, denseStack } from './model';

/** The model's layers: `inputs` → Dense of each `hidden` width (relu) → Dense `outputs` (softmax). */
export interface LargePlan {
  readonly inputs: number;
  readonly hidden: readonly number[];
  readonly outputs: number;
}

/**
 * 4096 → 8192 → 4096 → … (eight Dense layers) → 10: eight kernels of 4096 × 8192 floats, 128 MiB each,
 * 1 GiB in all, plus 96 KiB of biases and a 160 KiB head.
 */
export const LARGE_PLAN: LargePlan = {
  inputs: 4096,
  hidden: [8192, 4096, 8192, 4096, 8192, 4096, 8192, 4096],
  outputs: 10,
};

export interface LargeModelMeta {
  readonly layers: string;
  readonly tensors: number;
  readonly largestTensorBytes: number;
  readonly weightBytes: number;
  readonly buildMs: number;
}

/** A step's result: its own wall-clock time in the page, and what it found. */
export interface Timed<T> {
  readonly ms: number;
  readonly result: T;
}

export interface LargeApi {
  /** Starts the CPU backend and opens the store: emptied first, or as a crashed page left it. */
  open(options: { empty: boolean }): Promise<{ backend: string }>;
  /** Builds the model (LARGE_PLAN unless told) and fills every weight from the seeded PRNG. */
  build(plan: LargePlan | null): Promise<LargeModelMeta>;
  /** The live model's answer to the bench's fixed input row. */
  predictLive(): number[];
  commit(): Promise<Timed<{ versionId: VersionId; repoId: RepoId; bytesWritten: number }>>;
  /** loadOverlapped + materializeModel + the verification + one predict, as the app's checkout does. */
  checkout(id: VersionId): Promise<Timed<{ prediction: number[] }>>;
  /**
   * exportBundle of the whole repository (timed), then a download of its file started as the Share panel
   * starts one; bench/largeRun.mjs waits for the download to finish.
   */
  exportAndDownload(repoId: RepoId): Promise<Timed<{ fileName: string; bytes: number }>>;
  /** importBundle of the file picked in the page's file input (bench/largeRun.mjs sets it). */
  importPicked(): Promise<Timed<{ addedVersions: VersionId[]; addedBytes: number; fileBytes: number }>>;
  verify(id: VersionId): Promise<Timed<{ ok: boolean; checkedBytes: number; problems: string }>>;
  tfjsSave(): Promise<Timed<null>>;
  tfjsLoad(): Promise<Timed<{ prediction: number[] }>>;
  tfjsRemove(): Promise<void>;
  /** Collects garbage (bench/run.mjs launches Chromium with --js-flags=--expose-gc). */
  gc(): void;
}

declare global {
  interface Window {
    __large?: LargeApi;
  }
}

/** The id of the page's file input: bench/largeRun.mjs sets the downloaded bundle on `#large-bundle`. */
const LARGE_INPUT_ID = 'large-bundle';
const DB_NAME = 'graft-bench-large';
const TFJS_URL = 'indexeddb://bench-large';

/** Fills `values` from a seeded PRNG, scaled as He-uniform would (initialisers are slow on big kernels). */
function fill(values: Float32Array, seed: number, fanIn: number): void {
  const next = mulberry32(seed);
  const scale = Math.sqrt(6 / fanIn);
  for (let i = 0; i < values.length; i++) values[i] = (next() * 2 - 1) * scale;
}

function buildModel(plan: LargePlan): tf.LayersModel {
  return denseStack('bench_large', plan.inputs, plan.hidden, plan.outputs);
}

/** Layer by layer, so that at most one layer's new weights exist beside the zeros they replace. */
function randomize(model: tf.LayersModel): void {
  model.layers.forEach((layer, l) => {
    const fresh = layer.weights.map((w, k) => {
      const shape = w.shape as number[];
      const values = new Float32Array(shape.reduce((n, d) => n * d, 1));
      fill(values, 1000 * l + k + 1, shape.length > 1 ? (shape[0] as number) : 1);
      return tf.tensor(values, shape, 'float32');
    });
    layer.setWeights(fresh);
    tf.dispose(fresh);
  });
}

const gc = (globalThis as { gc?: () => void }).gc;

async function timed<T>(fn: () => Promise<T>): Promise<Timed<T>> {
  const t0 = performance.now();
  const result = await fn();
  return { ms: performance.now() - t0, result };
}

/** Installs `window.__large` and the file input; the page is driven from bench/largeRun.mjs. */
export function installLarge(log: (line: string) => void): void {
  let store: DexieVersionStore | null = null;
  let model: tf.LayersModel | null = null;
  let input: tf.Tensor | null = null;
  const picker = document.createElement('input');
  picker.type = 'file';
  picker.id = LARGE_INPUT_ID;
  document.body.append(picker);

  const need = <T>(value: T | null, what: string): T => {
    if (value === null) throw new Error(`The large bench has no ${what} yet.`);
    return value;
  };
  /** The bench's fixed input row, the same in every profile for a model of this input width. */
  const inputFor = (m: tf.LayersModel): tf.Tensor => {
    const width = m.inputs[0]?.shape[1] ?? 0;
    if (input?.shape[1] !== width) {
      const row = new Float32Array(width);
      fill(row, 7, 3);
      input?.dispose();
      input = tf.tensor2d(row, [1, width]);
    }
    return input;
  };
  const predict = (m: tf.LayersModel): number[] => {
    const out = m.predict(inputFor(m)) as tf.Tensor;
    const values = Array.from(out.dataSync());
    out.dispose();
    return values;
  };

  window.__large = {
    async open({ empty }) {
      const backend = await startBackend('cpu');
      if (empty) {
        await Dexie.delete(DB_NAME);
        await tf.io.removeModel(TFJS_URL).catch(() => undefined);
      }
      store = new DexieVersionStore(new GraftDb(DB_NAME));
      log(`large: backend ${backend.active}, ${empty ? 'empty ' : ''}store ${DB_NAME}`);
      return { backend: backend.active };
    },

    async build(asked) {
      const t0 = performance.now();
      const plan = asked ?? LARGE_PLAN;
      model?.dispose();
      model = buildModel(plan);
      randomize(model);
      const sizes = model.weights.map((w) => (w.shape as number[]).reduce((n, d) => n * d, 1) * 4);
      const meta: LargeModelMeta = {
        layers: `${plan.inputs} → ${plan.hidden.join(' → ')} → ${plan.outputs}`,
        tensors: sizes.length,
        largestTensorBytes: Math.max(...sizes),
        weightBytes: sizes.reduce((n, s) => n + s, 0),
        buildMs: performance.now() - t0,
      };
      log(`large: built ${meta.layers}, ${meta.weightBytes.toLocaleString('en-US')} bytes`);
      return meta;
    },

    predictLive: () => predict(need(model, 'model')),

    commit: () =>
      timed(async () => {
        const s = need(store, 'store');
        const repo = await s.createRepository('large');
        const r = await commitModel(s, repo.id, null, need(model, 'model'));
        return { versionId: r.version.id, repoId: repo.id, bytesWritten: r.bytesWritten };
      }),

    checkout: (id) =>
      timed(async () => {
        const loaded = await need(store, 'store').loadOverlapped(id);
        const m = await materializeModel(loaded);
        try {
          await loaded.verified;
          return { prediction: predict(m) };
        } finally {
          m.dispose();
        }
      }),

    async exportAndDownload(repoId) {
      const { ms, result: bundle } = await timed(() =>
        exportBundle(need(store, 'store'), { repoId, scope: { kind: 'repository' } }),
      );
      saveFile(bundle.file, bundle.fileName, 'application/zip');
      return { ms, result: { fileName: bundle.fileName, bytes: bundle.file.size } };
    },

    importPicked: () =>
      timed(async () => {
        const file = picker.files?.[0];
        if (!file) throw new Error('No bundle was picked.');
        const report = await importBundle(need(store, 'store'), file);
        return {
          addedVersions: [...report.addedVersions],
          addedBytes: report.addedBytes,
          fileBytes: file.size,
        };
      }),

    verify: (id) =>
      timed(async () => {
        const report = await need(store, 'store').verify(id);
        return {
          ok: report.ok,
          checkedBytes: report.checkedBytes,
          problems: report.problems.map((p) => JSON.stringify(p)).join('; '),
        };
      }),

    tfjsSave: () =>
      timed(async () => {
        await need(model, 'model').save(TFJS_URL);
        return null;
      }),

    tfjsLoad: () =>
      timed(async () => {
        const m = await tf.loadLayersModel(TFJS_URL);
        try {
          return { prediction: predict(m) };
        } finally {
          m.dispose();
        }
      }),

    async tfjsRemove() {
      await tf.io.removeModel(TFJS_URL).catch(() => undefined);
    },

    gc: () => gc?.(),
  };
}
