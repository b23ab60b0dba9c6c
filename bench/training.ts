/**
 * Training: the app's path (src/ml/backgroundTraining.ts — src/ml/train.ts in a worker — with the callbacks
 * Training.svelte.ts passes, and the Train tab's panel redrawing its curves up to four times a second) against a bare
 * `model.fit` on the page's thread with the same model, data and backend, per epoch; and the longest
 * main-thread task while training, with and without the shader warm-up, on WebGL and on the CPU.
 */
import * as tf from '@tensorflow/tfjs';
import { flushSync, mount, unmount } from 'svelte';
import type { EpochLogs, TrainConfig, TrainProgress } from '../src/core/model/training';
import { mulberry32 } from '../src/core/random';
import { trainInBackground } from '../src/ml/backgroundTraining';
import type { TrainingCallbacks, TrainingData } from '../src/core/ports';
import { progressFrames } from '../src/app/progressFrames';
import '../src/ui/common/theme.css';
import type { BenchEntry } from './main';
import TrainingView from './TrainingView.svelte';
import { median, round, settle, traced, withLongTasks, type MainThreadTrace } from './util';

// Shaped like the digits data set the app ships: 64 features, 10 classes, 1,437 training rows, 360 validation.
const FEATURES = 64;
const CLASSES = 10;
const TRAIN_ROWS = 1437;
const VAL_ROWS = 360;
const EPOCHS = 4;
const FIRST_RUNS = 2;
export const BASE_CONFIG: TrainConfig = {
  optimizer: 'adam',
  learningRate: 0.01,
  loss: 'categoricalCrossentropy',
  batchSize: 32,
  epochs: EPOCHS,
  seed: 7,
};

function syntheticDigits(rows: number, seed: number): { x: Float32Array; labels: Float32Array } {
  const rng = mulberry32(seed);
  const centres = Array.from({ length: CLASSES }, (_, c) =>
    Float32Array.from({ length: FEATURES }, (_, f) => ((c * 7 + f * 3) % 11) / 11),
  );
  const x = new Float32Array(rows * FEATURES);
  const labels = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const c = Math.floor(rng() * CLASSES);
    labels[r] = c;
    const centre = centres[c] as Float32Array;
    for (let f = 0; f < FEATURES; f++) x[r * FEATURES + f] = (centre[f] as number) + (rng() - 0.5) * 0.6;
  }
  return { x, labels };
}

const trainSet = syntheticDigits(TRAIN_ROWS, 1);
const valSet = syntheticDigits(VAL_ROWS, 2);
export const data: TrainingData = {
  xTrain: { values: trainSet.x, shape: [TRAIN_ROWS, FEATURES] },
  yTrain: { values: trainSet.labels, shape: [TRAIN_ROWS, 1] },
  xVal: { values: valSet.x, shape: [VAL_ROWS, FEATURES] },
  yVal: { values: valSet.labels, shape: [VAL_ROWS, 1] },
};

/** The seed template's shape (inputs → Dense relu → Dense softmax); `width` differs per run so that each run compiles its own shaders. */
export function makeModel(width: number): tf.LayersModel {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({
      units: width,
      activation: 'relu',
      inputShape: [FEATURES],
      kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
    }),
  );
  model.add(
    tf.layers.dense({
      units: CLASSES,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
    }),
  );
  return model;
}

/** Where the app's last run trained: its worker, or the page's thread when the backend cannot run in one. */
let thread: 'worker' | 'page' = 'page';

interface Run {
  readonly epochMs: number[];
  readonly longTasks: number[];
  readonly trace: MainThreadTrace | null;
}

/** The app's path: trainInBackground() with Training.svelte.ts's callbacks, the panel redrawn as the app redraws it. */
async function appRun(
  model: tf.LayersModel,
  config: TrainConfig,
  warmUp: boolean,
  panel = true,
): Promise<Run> {
  if (!panel) {
    // The same path with nothing on screen: how much of the difference to bare fit is the panel's drawing.
    const { result, trace } = await traced(() =>
      trainInBackground(model, data, config, { onBatch: () => {}, shouldStop: () => false }, { warmUp }),
    );
    return { epochMs: result.history.map((h) => h.timeMs), longTasks: [], trace };
  }
  const host = document.createElement('div');
  host.style.cssText = 'width:720px;position:fixed;right:0;top:0;background:#fff';
  document.body.append(host);
  const view = mount(TrainingView, { target: host, props: { config } }) as unknown as {
    show: (p: TrainProgress | null, h: readonly EpochLogs[], l: readonly number[], busy: boolean) => void;
  };
  flushSync();
  // Training.svelte.ts: a buffer filled per batch and per epoch, copied into the panel's state when the
  // app's services say (src/app/progressFrames.ts: before a paint, at most four times a second).
  const buffer = {
    progress: null as TrainProgress | null,
    losses: [] as number[],
    history: [] as EpochLogs[],
  };
  let shown = { progress: null as TrainProgress | null, losses: 0, history: 0 };
  let frameRequested = false;
  const nextFrame = progressFrames();
  const flush = (busy: boolean) => {
    const losses = buffer.losses.length !== shown.losses ? buffer.losses.slice() : null;
    const history = buffer.history.length !== shown.history ? buffer.history.slice() : null;
    if (buffer.progress === shown.progress && !losses && !history && busy) return;
    view.show(buffer.progress, history ?? buffer.history.slice(), losses ?? buffer.losses.slice(), busy);
    shown = { progress: buffer.progress, losses: buffer.losses.length, history: buffer.history.length };
  };
  const requestFrame = () => {
    if (frameRequested) return;
    frameRequested = true;
    nextFrame(() => {
      frameRequested = false;
      flush(true);
    });
  };
  const epochs = config.epochs;
  const callbacks: TrainingCallbacks = {
    onBatch: (epoch, batch, batches, logs) => {
      buffer.progress = { epoch, epochs, batch: batch + 1, batches };
      buffer.losses.push(logs.loss);
      requestFrame();
    },
    onEpoch: (epoch, logs) => {
      buffer.history.push(logs);
      buffer.progress = { epoch, epochs, batch: logs.batches, batches: logs.totalBatches };
      requestFrame();
    },
    shouldStop: () => false,
  };
  try {
    const { result, trace } = await traced(() =>
      withLongTasks(() => trainInBackground(model, data, config, callbacks, { warmUp })),
    );
    flush(false);
    flushSync();
    if (!host.textContent?.includes(`Epoch ${epochs} of ${epochs}`))
      throw new Error('The training panel did not show the last epoch');
    // These classes separate easily: a run that does not learn them started from broken weights.
    const acc = result.result.history.at(-1)?.val_acc ?? 0;
    if (!(acc > 0.8)) throw new Error(`The app's run ended at validation accuracy ${acc} (warmUp ${warmUp})`);
    thread = result.result.thread ?? 'page';
    return { epochMs: result.result.history.map((h) => h.timeMs), longTasks: result.tasks, trace };
  } finally {
    unmount(view as never);
    host.remove();
  }
}

/** The baseline: model.fit on the same tensors, shuffled, with the same validation set, and nothing else. */
async function bareRun(model: tf.LayersModel, config: TrainConfig): Promise<Run> {
  const x = tf.tensor2d(trainSet.x, [TRAIN_ROWS, FEATURES]);
  const y = tf.oneHot(tf.tensor1d(Int32Array.from(trainSet.labels), 'int32'), CLASSES).toFloat();
  const xv = tf.tensor2d(valSet.x, [VAL_ROWS, FEATURES]);
  const yv = tf.oneHot(tf.tensor1d(Int32Array.from(valSet.labels), 'int32'), CLASSES).toFloat();
  const optimizer = tf.train.adam(config.learningRate);
  model.compile({ optimizer, loss: config.loss, metrics: ['acc'] });
  const epochMs: number[] = [];
  let started = 0;
  try {
    const { result, trace } = await traced(() =>
      withLongTasks(() =>
        model.fit(x, y, {
          epochs: config.epochs,
          batchSize: config.batchSize,
          shuffle: true,
          validationData: [xv, yv],
          verbose: 0,
          callbacks: {
            onEpochBegin: async () => {
              started = performance.now();
            },
            onEpochEnd: async () => {
              epochMs.push(performance.now() - started);
            },
          },
        }),
      ),
    );
    return { epochMs, longTasks: result.tasks, trace };
  } finally {
    tf.dispose([x, y, xv, yv]);
    optimizer.dispose();
  }
}

const steady = (run: Run) => median(run.epochMs.slice(1));
const longest = (xs: readonly number[]) => (xs.length ? Math.max(...xs) : 0);
const list = (xs: readonly number[]) => xs.map((v) => v.toFixed(0)).join(', ');

async function benchBackend(
  backend: 'webgl' | 'cpu',
  reps: number,
  say: (line: string) => void,
): Promise<BenchEntry[]> {
  if (!(await tf.setBackend(backend))) {
    say(`  ${backend}: not available here, skipped`);
    return [];
  }
  await tf.ready();
  const config = { ...BASE_CONFIG };
  let width = 64;
  // Epoch times: app and bare alternate which goes first; each on a new model of the same shape, whose
  // shaders are compiled by then (a first, untimed pair of runs compiles them).
  const app: Run[] = [];
  const bare: Run[] = [];
  const noPanel: Run[] = [];
  const fresh = () => makeModel(width);
  for (let i = -1; i < reps; i++) {
    const order = i % 2 === 0 ? ['app', 'bare', 'no panel'] : ['no panel', 'bare', 'app'];
    for (const side of order) {
      const model = fresh();
      await settle();
      const run =
        side === 'bare' ? await bareRun(model, config) : await appRun(model, config, true, side === 'app');
      model.dispose();
      if (i >= 0) (side === 'app' ? app : side === 'bare' ? bare : noPanel).push(run);
      say(
        `  ${backend} ${i < 0 ? 'warm-up pair' : `run ${i + 1}/${reps}`} ${side === 'app' ? `app (in ${thread})` : side}: epochs ${list(run.epochMs)} ms; ` +
          `longest task ${longest(run.longTasks).toFixed(0)} ms${run.trace ? ` (${run.trace.longestCpuMs.toFixed(0)} ms CPU)` : ''}` +
          (run.trace?.threads
            ? `; CPU ms by thread: ${Object.entries(run.trace.threads)
                .slice(0, 6)
                .map(([n, ms]) => `${n} ${ms}`)
                .join(', ')}`
            : ''),
      );
    }
  }
  const appEpoch = median(app.map(steady));
  const bareEpoch = median(bare.map(steady));
  const noPanelEpoch = median(noPanel.map(steady));

  // Long tasks of a first run, on shapes no run has compiled yet: with and without the warm-up.
  // Two epochs and two runs of each kind: a first run spends most of its time compiling.
  const firstRuns: Record<'warm' | 'cold' | 'bare', Run[]> = { warm: [], cold: [], bare: [] };
  const firstConfig = { ...config, epochs: 2 };
  for (let i = 0; i < FIRST_RUNS; i++) {
    for (const kind of ['warm', 'cold', 'bare'] as const) {
      width += 1;
      const model = fresh();
      await settle();
      const run =
        kind === 'bare'
          ? await bareRun(model, firstConfig)
          : await appRun(model, firstConfig, kind === 'warm');
      model.dispose();
      firstRuns[kind].push(run);
      say(
        `  ${backend} first run ${i + 1}/${FIRST_RUNS} ${kind}: epochs ${list(run.epochMs)} ms; long tasks ${list(run.longTasks)} ms` +
          (run.trace
            ? `; longest task ${run.trace.longestWallMs.toFixed(0)} ms (${run.trace.longestCpuMs.toFixed(0)} ms CPU)`
            : ''),
      );
    }
  }
  const longestOf = (runs: Run[]) => median(runs.map((r) => longest(r.longTasks)));
  const cpuOf = (runs: Run[]) => median(runs.map((r) => r.trace?.longestCpuMs ?? NaN));
  const ratio = appEpoch / bareEpoch;
  const steadyLongest = median(app.map((r) => longest(r.longTasks)));
  const entry = (name: string, value: number, note: string, samples: number[]): BenchEntry => ({
    name,
    value: round(value),
    unit: 'ms',
    baseline: 100,
    ratio: round(100 / value, 2),
    target: '< 100 ms',
    met: value < 100,
    note: `${note} baseline: the target. ratio: target ÷ value (above 1: within it).`,
    samples: { value: samples.map((v) => round(v)), baseline: [] },
  });
  return [
    {
      name: `train-epoch-${backend}`,
      value: round(appEpoch),
      unit: 'ms',
      baseline: round(bareEpoch),
      ratio: round(bareEpoch / appEpoch, 3),
      target: 'value ≤ 1.05 × baseline',
      met: ratio <= 1.05,
      note: `Per-epoch time on ${backend}, ${TRAIN_ROWS} rows of ${FEATURES} features in batches of ${config.batchSize}, ${VAL_ROWS} validation rows, Dense ${width - reps} relu → Dense ${CLASSES} softmax, Adam. Graft: the app's path, src/ml/backgroundTraining.ts (src/ml/train.ts, here in ${thread === 'worker' ? 'its worker' : "the page's thread"}), with the callbacks Training.svelte.ts passes and the Train tab's panel (curves, progress) redrawn on the page as the app does (before a paint, at most every 250 ms). Baseline: model.fit on the page's thread with shuffle and the same validation data. Median over ${reps} runs of each run's median of epochs 2-${EPOCHS} (shaders compiled by then); app ÷ bare = ${ratio.toFixed(3)}. The app's path with no panel on screen: ${noPanelEpoch.toFixed(0)} ms (${(noPanelEpoch / bareEpoch).toFixed(3)} × bare). ratio: baseline ÷ value.`,
      samples: { value: app.map((r) => round(steady(r))), baseline: bare.map((r) => round(steady(r))) },
    },
    entry(
      `train-longest-task-${backend}`,
      steadyLongest,
      `Longest main-thread task (PerformanceObserver 'longtask', 0 = none over 50 ms) during a whole training run of the app's path on ${backend} once its shaders are compiled; median of ${reps} runs.`,
      app.map((r) => longest(r.longTasks)),
    ),
    entry(
      `train-first-run-longest-task-${backend}`,
      longestOf(firstRuns.warm),
      `As train-longest-task-${backend}, but each run (2 epochs) on a model of a new width, so it compiles its shaders: with the warm-up (the default); median of ${FIRST_RUNS} runs. Without it: median ${longestOf(firstRuns.cold).toFixed(0)} ms (runs ${list(firstRuns.cold.map((r) => longest(r.longTasks)))}); bare model.fit: ${longestOf(firstRuns.bare).toFixed(0)} ms. The longest task's own CPU time (trace): warm-up ${cpuOf(firstRuns.warm).toFixed(0)} ms, without ${cpuOf(firstRuns.cold).toFixed(0)} ms, bare ${cpuOf(firstRuns.bare).toFixed(0)} ms.`,
      firstRuns.warm.map((r) => longest(r.longTasks)),
    ),
  ];
}

export async function benchTraining(say: (line: string) => void, reps: number): Promise<BenchEntry[]> {
  return [...(await benchBackend('webgl', reps, say)), ...(await benchBackend('cpu', reps, say))];
}
