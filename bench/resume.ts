/**
 * Training that resumes exactly (issue 15), on the training section's model and data: what keeping Adam's
 * state costs a save (`snapshotModel` + `store.commit`, as LiveModel.save does, with the state against the
 * same save without it), and whether 4 epochs in one run and 2 + a save, a load from the store and 2 more
 * give bit-identical weights on the CPU backend, through the app's training path.
 */
import * as tf from '@tensorflow/tfjs';
import Dexie from 'dexie';
import { createTrainingServices } from '../src/app/trainingServices';
import type { OptimizerState, TrainingServices } from '../src/core/ports';
import type { RepoId } from '../src/core/versions/types';
import { materializeModel, snapshotModel } from '../src/ml/snapshot';
import { DexieVersionStore } from '../src/storage/DexieVersionStore';
import { GraftDb } from '../src/storage/db';
import type { BenchEntry } from './main';
import { BASE_CONFIG, data, makeModel } from './training';
import { median, round, settle, timed } from './util';

const WIDTH = 64;
/** A save of this model takes milliseconds, so its figure takes more runs than the section's `reps`. */
const SAVES_PER_REP = 5;
let seq = 0;

interface OpenStore {
  readonly store: DexieVersionStore;
  readonly name: string;
  readonly repoId: RepoId;
}

async function openStore(): Promise<OpenStore> {
  const name = `graft-bench-resume-${++seq}`;
  const store = new DexieVersionStore(new GraftDb(name));
  const repo = await store.createRepository('resume');
  return { store, name, repoId: repo.id };
}

async function dropStore(s: OpenStore): Promise<void> {
  s.store.close();
  await Dexie.delete(s.name);
}

/** A save as the app makes one after a run: the model's snapshot, and the run's optimizer state when given. */
async function saveRun(s: OpenStore, model: tf.LayersModel, optimizer: OptimizerState | null) {
  return s.store.commit({
    repoId: s.repoId,
    parent: null,
    message: 'trained',
    change: 'trained',
    snapshot: await snapshotModel(model),
    provenance: { app: 'graft' },
    ...(optimizer ? { optimizer } : {}),
  });
}

/** Every weight's bytes, in order, for a bit-for-bit comparison. */
function weightBytes(model: tf.LayersModel): Uint8Array[] {
  return model.getWeights().map((w) => new Uint8Array(w.dataSync().slice().buffer));
}

function differingBytes(
  a: readonly Uint8Array[],
  b: readonly Uint8Array[],
): { bytes: number; total: number } {
  let bytes = 0;
  let total = 0;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i] ?? new Uint8Array(0);
    const y = b[i] ?? new Uint8Array(0);
    total += Math.max(x.length, y.length);
    for (let k = 0; k < Math.max(x.length, y.length); k++) if (x[k] !== y[k]) bytes++;
  }
  return { bytes, total };
}

async function overhead(
  services: TrainingServices<tf.LayersModel>,
  reps: number,
  say: (line: string) => void,
): Promise<BenchEntry> {
  const model = makeModel(WIDTH);
  const outcome = await services.train(model, data, { ...BASE_CONFIG, epochs: 2 }, {}, null);
  const stateBytes = outcome.optimizer.tensors.reduce((n, t) => n + (t.data?.byteLength ?? 0), 0);
  const modelBytes = weightBytes(model).reduce((n, w) => n + w.byteLength, 0);
  const withState: number[] = [];
  const without: number[] = [];
  const runs = reps * SAVES_PER_REP;
  const blobs = { with: 0, without: 0 };
  // Fresh databases each time, so neither save finds blobs already stored; the order alternates.
  for (let i = -1; i < runs; i++) {
    for (const side of i % 2 === 0 ? ['with', 'without'] : ['without', 'with']) {
      const s = await openStore();
      await settle();
      let written = 0;
      const ms = await timed(async () => {
        written = (await saveRun(s, model, side === 'with' ? outcome.optimizer : null)).blobsWritten;
      });
      blobs[side === 'with' ? 'with' : 'without'] = written;
      await dropStore(s);
      if (i >= 0) (side === 'with' ? withState : without).push(ms);
    }
  }
  const list = (xs: number[]) => xs.map((v) => v.toFixed(1)).join(', ');
  say(`  resume: saves with Adam state ${list(withState)} ms; without ${list(without)} ms`);
  model.dispose();
  const value = median(withState);
  const baseline = median(without);
  const ratio = value / baseline;
  return {
    name: 'train-resume-overhead',
    value: round(value),
    unit: 'ms',
    baseline: round(baseline),
    ratio: round(ratio, 3),
    target: 'ratio ≤ 1.3',
    met: ratio <= 1.3,
    note: `A save as LiveModel.save makes one (snapshotModel + store.commit into a fresh database) of the training section's model (Dense ${WIDTH} relu → Dense 10 softmax, ${modelBytes.toLocaleString('en-US')} bytes of weights) after 2 epochs of Adam on ${tf.getBackend()}: with the run's optimizer state (${outcome.optimizer.tensors.length} tensors, ${stateBytes.toLocaleString('en-US')} bytes, ${outcome.optimizer.iterations} steps) against the same save without it (blobs written: ${blobs.with} against ${blobs.without}; on a model this small a save's time goes mostly by the number of blobs, each one an IndexedDB Blob of its own); median of ${runs} runs each, order alternating, after an untimed pair. ratio: value ÷ baseline (the state's overhead factor).`,
    samples: { value: withState.map((v) => round(v)), baseline: without.map((v) => round(v)) },
  };
}

async function continueEqual(
  services: TrainingServices<tf.LayersModel>,
  say: (line: string) => void,
): Promise<BenchEntry> {
  const config = { ...BASE_CONFIG, epochs: 4 };
  const straight = makeModel(WIDTH);
  await services.train(straight, data, config, {}, null);
  const a = weightBytes(straight);
  straight.dispose();

  // 2 epochs, saved with their state; the model and state read back from the store; 2 more.
  const first = makeModel(WIDTH);
  const half = await services.train(first, data, { ...config, epochs: 2 }, {}, null);
  const s = await openStore();
  try {
    const saved = await saveRun(s, first, half.optimizer);
    first.dispose();
    const loaded = await s.store.load(saved.version.id);
    const resumed = await materializeModel(loaded);
    const state = await s.store.loadOptimizerState(saved.version.id);
    const rest = await services.train(resumed, data, { ...config, epochs: 2 }, {}, state);
    const b = weightBytes(resumed);
    resumed.dispose();
    const diff = differingBytes(a, b);
    say(
      `  resume: 4 epochs vs 2 + save + load + 2 on ${tf.getBackend()}: ${diff.bytes} of ${diff.total} weight bytes differ; the second part ran epochs ${rest.firstEpoch + 1}–${rest.firstEpoch + rest.epochsRun}, state ${state ? 'loaded' : 'missing'}`,
    );
    const met = diff.bytes === 0 && state !== null && rest.firstEpoch === 2;
    return {
      name: 'train-continue-equal',
      value: diff.bytes,
      unit: 'bytes differing',
      baseline: diff.total,
      ratio: round(1 - diff.bytes / Math.max(1, diff.total), 6),
      target: 'bit-identical (0 bytes differ)',
      met,
      note: `The training section's model and data on the ${tf.getBackend()} backend through the app's training path (app/trainingServices.ts): 4 epochs in one run, against 2 epochs saved with their Adam state into a fresh store, the version and its state loaded back (store.load + materializeModel + store.loadOptimizerState) and 2 more epochs continuing it (numbered from epoch ${rest.firstEpoch + 1}). value: weight bytes that differ; baseline: all weight bytes; ratio: the share that is equal. met: no byte differs.`,
    };
  } finally {
    await dropStore(s);
  }
}

/** Both rows on the CPU backend, where runs repeat bit for bit; the backend in use is put back after. */
export async function benchResume(say: (line: string) => void, reps: number): Promise<BenchEntry[]> {
  const previous = tf.getBackend();
  await tf.setBackend('cpu');
  await tf.ready();
  try {
    const store = await openStore();
    const services = createTrainingServices(store.store);
    try {
      return [await overhead(services, reps, say), await continueEqual(services, say)];
    } finally {
      await dropStore(store);
    }
  } finally {
    await tf.setBackend(previous);
  }
}
