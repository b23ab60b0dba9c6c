import { describe, expect, it } from 'vitest';
import { generateDataset, keptDataOf, type Dataset } from '../core/data';
import type { PredictionMatrix } from '../core/diff/predictions';
import { GraftError } from '../core/errors';
import type { VersionId } from '../core/hashing';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate, SEED_SPEC } from '../core/model/templates';
import { DEFAULT_TRAIN_CONFIG, type EpochLogs, type TrainConfig } from '../core/model/training';
import type { Version } from '../core/versions/types';
import { CompareState } from './Compare.svelte';
import { DataSelection } from './DataSelection.svelte';
import { ModelSource } from './ModelSource.svelte';
import { classScores } from './Predictions.svelte';
import type { OptimizerState, TrainingServices } from '../core/ports';
import { Training } from './Training.svelte';
import { runIdAt } from './trainingRecord';
import {
  FAKE_REPO,
  FakeWorkspace,
  fakeModel,
  fakeOptimizerState,
  fakeServices,
  runFrames,
  type FakeModel,
} from './testWorkspace.svelte';

const TOY = findTemplate('toy-2d')?.spec as ModelSpec;
const SINE = findTemplate('sine')?.spec as ModelSpec;
const CONFIG: TrainConfig = { ...DEFAULT_TRAIN_CONFIG, epochs: 2, loss: 'categoricalCrossentropy' };
const BATCHES = 3;

interface FakeRun {
  /** Validation loss of each epoch; the training loss is 1 / (epoch + 1). */
  valLoss?: readonly number[];
  /** Called after each batch, with the batch's number counted over the whole run. */
  afterBatch?: (n: number) => void;
  /** Throws a NaN-loss error in this epoch (0-based), after changing the weights. */
  nanAt?: number;
  /** Collects the state each run was asked to continue. */
  resumed?: (OptimizerState | null)[];
}

/**
 * A training loop with TF.js's callback order: batches, the epoch, then a checkpoint when due; epochs are
 * numbered on from the state it continues, and it ends with a state one step further per batch.
 */
function fakeTrain(run: FakeRun = {}): TrainingServices<FakeModel>['train'] {
  return async (model, _data, config, callbacks, resume) => {
    run.resumed?.push(resume);
    const history: EpochLogs[] = [];
    const first = resume?.epochs ?? 0;
    let steps = resume?.iterations ?? 0;
    const state = () =>
      fakeOptimizerState(model, {
        optimizer: config.optimizer,
        learningRate: config.learningRate,
        iterations: steps,
        epochs: first + history.length,
      });
    let n = 0;
    for (let epoch = first; epoch < first + config.epochs; epoch++) {
      let trained = 0;
      for (let batch = 0; batch < BATCHES; batch++) {
        if (callbacks.shouldStop?.()) break;
        for (const w of model.weights.values()) w.fill(epoch + 1);
        steps++;
        if (run.nanAt === epoch)
          throw new GraftError('error.train/nan-loss.at', {
            what: 'NaN',
            epochNumber: epoch + 1,
            batchNumber: 1,
            learningRate: config.learningRate,
            epoch,
            batch,
            loss: NaN,
            history: [...history],
          });
        callbacks.onBatch?.(epoch, batch, BATCHES, { loss: 1 / (epoch + 1), acc: 0.5 });
        trained++;
        run.afterBatch?.(++n);
      }
      if (trained === 0) break;
      const logs: EpochLogs = {
        epoch,
        loss: 1 / (epoch + 1),
        acc: 0.5 + epoch / 10,
        val_loss: run.valLoss?.[epoch - first] ?? 1,
        val_acc: 0.5,
        batches: trained,
        totalBatches: BATCHES,
        timeMs: 1,
      };
      history.push(logs);
      await callbacks.onEpoch?.(epoch, logs);
      const every = config.checkpointEvery ?? 0;
      if (trained === BATCHES && every > 0 && (epoch + 1) % every === 0)
        await callbacks.onCheckpoint?.(epoch, logs, state());
      if (trained < BATCHES) break;
    }
    const stoppedEarly = history.length < config.epochs || (history.at(-1)?.batches ?? 0) < BATCHES;
    return {
      history,
      epochsRun: history.length,
      stoppedEarly,
      wallTimeMs: 12,
      backend: 'cpu',
      firstEpoch: first,
      optimizer: state(),
    };
  };
}

async function setup(
  options: {
    spec?: ModelSpec;
    run?: FakeRun;
    dataset?: Dataset;
    base?: VersionId;
    /** The state `base` keeps, made on a model of this spec (default: the live model's). */
    kept?: { iterations: number; epochs: number; optimizer?: OptimizerState['optimizer']; spec?: ModelSpec };
  } = {},
) {
  const model = fakeModel(options.spec ?? TOY, 0.25);
  const k = options.kept;
  const kept = k
    ? fakeOptimizerState(k.spec ? fakeModel(k.spec) : model, {
        optimizer: k.optimizer ?? 'adam',
        learningRate: 0.01,
        iterations: k.iterations,
        epochs: k.epochs,
      })
    : undefined;
  const ws = new FakeWorkspace(model, options.base ?? null, kept);
  const { services, log } = fakeServices(fakeTrain(options.run));
  const data = new DataSelection(ws.activity, services.datasets);
  const models = new ModelSource(ws.asHistory(), ws.asLive(), ws.asReader(), services);
  const compare = new CompareState(ws.activity, ws.asHistory(), ws.asReader(), data, models);
  const training = new Training(ws.activity, ws.asHistory(), ws.asLive(), services, data, models);
  await data.use(options.dataset ?? generateDataset('xor', { n: 40 }));
  const { run } = training;
  return { ws, model, training, run, data, log, compare };
}

function version(id: VersionId, parents: VersionId[], provenance: Record<string, unknown>): Version {
  return {
    id,
    repoId: FAKE_REPO,
    parents,
    message: id,
    createdAt: '2026-01-01T00:00:00.000Z',
    change: 'trained',
    topologyHash: 'a'.repeat(64),
    summary: { className: 'Sequential', layerCount: 0, paramCount: 0, inputShape: null, outputShape: null },
    tensors: [],
    provenance: { app: 'graft', ...provenance },
    metrics: {},
  } as unknown as Version;
}

const id = (c: string) => c.repeat(64) as VersionId;

describe('Training', () => {
  it('suggests the data’s template settings with the loss the model’s output needs', async () => {
    const { training, run, data } = await setup();
    expect(training.fit.suggestedConfig).toMatchObject({
      learningRate: 0.03,
      epochs: 100,
      loss: 'categoricalCrossentropy',
    });
    expect(data.suitedTemplates.map((t) => t.id)).toEqual(['toy-2d']);
    expect(training.fit.compatibility?.problems).toEqual([]);
    expect(run.blockedReason).toBeNull();
    expect(data.prepared?.split.validation.length).toBe(8);
  });

  it('brings progress to the screen once per frame, not once per batch', async () => {
    let seenMidRun: number | null = null;
    let framesMidRun = 0;
    const { run, log } = await setup({
      run: {
        afterBatch: (n) => {
          if (n !== BATCHES) return;
          // Three batches in: nothing has been drawn yet, and only one frame was asked for.
          seenMidRun = run.batchLosses.length;
          framesMidRun = log.frames.length;
          runFrames(log);
        },
      },
    });
    await run.train(CONFIG);
    expect(seenMidRun).toBe(0);
    expect(framesMidRun).toBe(1);
    expect(run.batchLosses).toHaveLength(2 * BATCHES);
    expect(run.history).toHaveLength(2);
    expect(run.progress).toEqual({ epoch: 1, epochs: 2, batch: BATCHES, batches: BATCHES });
    expect(run.running).toBe(false);
  });

  it('makes the trained model a change to save that records how it was trained', async () => {
    const { ws, run, data, model } = await setup({ run: { valLoss: [0.8, 0.6] } });
    await run.train(CONFIG);
    expect(ws.activity.error).toBeNull();
    const [{ model: trained, pending }] = ws.replaced as [(typeof ws.replaced)[number]];
    expect(trained).toBe(model);
    expect(pending.change).toBe('trained');
    expect(pending.description).toBe('trained 2 epochs on XOR');
    expect(pending.provenance['training']).toEqual({
      optimizer: 'adam',
      learningRate: 0.01,
      loss: 'categoricalCrossentropy',
      batchSize: 32,
      epochs: 2,
      epochsRun: 2,
      stoppedEarly: false,
      seed: 42,
      validationSplit: 0.2,
      backend: 'cpu',
      history: { loss: [1, 0.5], acc: [0.5, 0.6], val_loss: [0.8, 0.6], val_acc: [0.5, 0.5] },
      wallTimeMs: 12,
      optimizerState: { continued: false, afreshBecause: 'none-kept' },
    });
    expect(pending.optimizer).toMatchObject({ optimizer: 'adam', iterations: 2 * BATCHES, epochs: 2 });
    // The generated rows are kept with the version, and its record names them.
    const kept = await keptDataOf(data.dataset!);
    expect(kept).not.toBeNull();
    expect(pending.data).toBe(kept);
    expect(pending.provenance['dataset']).toMatchObject({
      kept: { hash: kept?.hash, byteLength: kept?.bytes.byteLength, format: 'graft-rows/1' },
    });
    expect(pending.provenance['dataset']).toMatchObject({
      name: 'XOR',
      rows: 40,
      fingerprint: data.prepared?.fingerprint,
      split: { seed: 42, validationFraction: 0.2, trainRows: 32, validationRows: 8 },
    });
    expect(pending.metrics).toEqual({ loss: 0.5, acc: 0.6, val_loss: 0.6, val_acc: 0.5 });
  });

  it('offers the last run’s settings again, with a loss that fits the model', async () => {
    const { run } = await setup();
    await run.train({ ...CONFIG, epochs: 3, loss: 'sparseCategoricalCrossentropy' });
    expect(run.config).toMatchObject({ epochs: 3, loss: 'sparseCategoricalCrossentropy' });
    await run.train({ ...CONFIG, epochs: 3, loss: 'meanSquaredError' });
    expect(run.config).toMatchObject({ epochs: 3, loss: 'categoricalCrossentropy' });
  });

  it('splits again when a run asks for another seed or validation share', async () => {
    const { ws, run, data } = await setup();
    const before = data.prepared?.fingerprint;
    await run.train({ ...CONFIG, seed: 7, validationSplit: 0.5 });
    expect(data.prepared?.split.validation.length).toBe(20);
    expect(data.prepared?.fingerprint).not.toBe(before);
    expect(ws.replaced[0]?.pending.provenance['dataset']).toMatchObject({
      fingerprint: data.prepared?.fingerprint,
    });
  });

  it('stops at the next batch and keeps what was learned', async () => {
    const { ws, run } = await setup({ run: { afterBatch: (n) => n === 4 && run.stop() } });
    await run.train({ ...CONFIG, epochs: 10 });
    expect(run.result?.stoppedEarly).toBe(true);
    expect(run.history).toHaveLength(2);
    expect(ws.replaced[0]?.pending.description).toBe('trained 2 epochs on XOR (stopped early)');
  });

  it('puts the model back after a NaN loss, saves nothing, and keeps the broken run only when asked', async () => {
    const { ws, run, model } = await setup({ run: { nanAt: 1 } });
    await run.train(CONFIG);
    expect(ws.replaced).toEqual([]);
    expect(ws.activity.error).toBeNull();
    expect(run.failure?.message).toBe(
      'The loss became NaN in epoch 2, batch 1, so training stopped. A lower learning rate (now 0.01) or normalised inputs usually fix this.',
    );
    expect([...model.weights.values()].every((w) => w.every((v) => v === 0.25))).toBe(true);

    expect((await run.keepBrokenRun()).ok).toBe(true);
    expect(run.failure).toBeNull();
    const pending = ws.replaced[0]?.pending;
    expect(pending?.description).toBe('trained on XOR until the loss became NaN in epoch 2');
    expect(pending?.provenance['training']).toMatchObject({
      epochsRun: 1,
      nonFiniteLoss: { epoch: 1, batch: 0 },
    });
    expect([...model.weights.values()].every((w) => w.every((v) => v === 2))).toBe(true);
  });

  it('saves a checkpoint every N epochs on its own branch and keeps only the best and the last', async () => {
    const base = id('b');
    const { ws, training, run, log } = await setup({ base, run: { valLoss: [0.5, 0.3, 0.4, 0.45] } });
    await run.train({ ...CONFIG, epochs: 4, checkpointEvery: 1, checkpointRetention: 'best+last' });
    expect(log.checkpoints.map((c) => c.branch.replace(/^checkpoints\/[\d-]+\//, ''))).toEqual([
      'epoch-1',
      'epoch-2',
      'epoch-3',
      'epoch-4',
    ]);
    expect(log.checkpoints.every((c) => c.parent === base && c.repoId === FAKE_REPO)).toBe(true);
    expect(log.checkpoints[1]?.message).toBe('Checkpoint after epoch 2 of 4 on XOR');
    expect(log.checkpoints[1]?.metrics).toMatchObject({ val_loss: 0.3 });
    const [first, second, third, fourth] = ['1', '2', '3', '4'].map((n) => n.padStart(64, '0'));
    expect(log.deleted).toEqual([first, third]);
    expect(training.checkpoints.list.map((c) => c.epoch)).toEqual([2, 4]);
    expect(ws.replaced[0]?.pending.provenance['training']).toMatchObject({
      checkpoints: [second, fourth],
      checkpointEvery: 1,
    });
  });

  it('says why a model does not fit the data and will not train it', async () => {
    const { ws, training, run, log } = await setup({ spec: SEED_SPEC });
    expect(training.fit.compatibility?.problems).toEqual([
      'The model takes 100 values per example (input [100]), but XOR has 2 features.',
      'The model has 10 outputs, but XOR has 2 classes.',
    ]);
    expect(training.fit.compatibility?.fit).toEqual({
      name: 'XOR',
      features: 2,
      outputs: 2,
      task: 'classification',
    });
    expect(run.blockedReason).toMatch(/does not fit the data/);
    await run.train(CONFIG);
    expect(ws.activity.error?.message).toMatch(/^The model takes 100 values per example/);
    expect(log.frames).toEqual([]);
  });

  it('words an output of variable length without a blank where its size would be', async () => {
    const { ws, training } = await setup();
    // An imported LSTM that returns its whole sequence, of any length.
    ws.live = { ...ws.live!, summary: { ...ws.live!.summary, outputShape: [null, null, 2] } };
    expect(training.fit.compatibility?.problems).toContain(
      "The model's output [any, 2] is not one row of class scores; end it with a Dense layer.",
    );
  });

  it('predicts with the scaling stored in the nearest trained ancestor, in the data’s own units', async () => {
    const trained = id('1');
    const edited = id('2');
    const { ws, training } = await setup({
      spec: SINE,
      dataset: generateDataset('sine', { n: 40 }),
      base: edited,
    });
    ws.stored.set(
      trained,
      version(trained, [], {
        dataset: {
          name: 'Noisy sine',
          normalization: { method: 'standard', offset: [10], scale: [2], target: { offset: 100, scale: 10 } },
        },
      }),
    );
    ws.stored.set(edited, version(edited, [trained], { edit: {} }));
    // The fake model answers with its first scaled input: (14 − 10) / 2 = 2, which is 2 × 10 + 100 in data units.
    await training.predictions.predictExample([14]);
    expect(training.predictions.error).toBeNull();
    expect(training.predictions.current?.value).toBe(120);

    await training.predictions.predictExample([Number.NaN]);
    expect(training.predictions.error?.message).toBe('“x” needs a number.');
  });

  it('evaluates a saved version and forgets a live result once the live model changes', async () => {
    const { ws, training } = await setup();
    await training.evaluation.evaluate('live');
    expect(ws.activity.busyLabels).toContain('Evaluating');
    expect(training.evaluation.current?.rows).toBe('8 validation rows of XOR');
    expect(training.evaluation.current?.normalization).toMatch(/XOR’s own scaling/);
    await ws.replaceLive(fakeModel(TOY), {
      change: 'trained',
      description: 't',
      provenance: {},
      metrics: {},
    });
    expect(training.evaluation.current).toBeNull();
  });

  it('lets Compare run two versions on the validation rows, each with its own scaling', async () => {
    const a = id('a');
    const b = id('b');
    const { ws, compare, data } = await setup();
    const norm = (offset: number) => ({
      normalization: { method: 'standard', offset: [offset, 0], scale: [1, 1] },
    });
    ws.stored.set(a, version(a, [], { spec: TOY, dataset: norm(0) }));
    ws.stored.set(b, version(b, [a], { spec: TOY, dataset: norm(1) }));
    const source = compare.behaviourSource;
    expect(source?.label).toBe('8 validation rows of XOR');
    const p = (await source?.predict(a, b)) as {
      a: PredictionMatrix;
      b: PredictionMatrix;
      labels?: ArrayLike<number>;
    };
    expect(p.a.shape).toEqual([8, 2]);
    expect(p.labels).toHaveLength(8);
    // Version b's stored offset of 1 shifts every answer by −1.
    expect((p.a.data[0] ?? 0) - (p.b.data[0] ?? 0)).toBeCloseTo(1, 5);
    data.clear();
    expect(compare.behaviourSource).toBeNull();
  });
});

describe('continuing the optimizer state', () => {
  const ITERS = 2 * BATCHES;

  it('continues the last unsaved run’s state, numbering epochs on, and keeps the newer state', async () => {
    const resumed: (OptimizerState | null)[] = [];
    const { ws, run } = await setup({ run: { resumed } });
    expect(run.planFor(CONFIG)).toEqual({ kind: 'afresh', reason: 'none-kept' });
    await run.train(CONFIG);
    const first = ws.live?.pending?.optimizer;
    expect(run.planFor(CONFIG)).toEqual({
      kind: 'continue',
      firstEpoch: 2,
      iterations: ITERS,
      optimizer: 'adam',
      from: null,
    });
    await run.train(CONFIG);
    expect(resumed).toEqual([null, first]);
    expect(run.firstEpoch).toBe(2);
    expect(run.history.map((h) => h.epoch)).toEqual([2, 3]);
    // Progress counts this run's epochs: the bar fills once per run.
    expect(run.progress).toEqual({ epoch: 1, epochs: 2, batch: BATCHES, batches: BATCHES });
    const pending = ws.live?.pending;
    expect(pending?.optimizer).toMatchObject({ iterations: 2 * ITERS, epochs: 4 });
    expect(pending?.provenance['training']).toMatchObject({
      optimizerState: { continued: true, epochsBefore: 2, stepsBefore: ITERS },
    });
  });

  it('continues the state a saved version keeps, read from the store when the run starts', async () => {
    const resumed: (OptimizerState | null)[] = [];
    const base = id('b');
    const { ws, run } = await setup({ base, kept: { iterations: 30, epochs: 5 }, run: { resumed } });
    expect(run.planFor(CONFIG)).toEqual({
      kind: 'continue',
      firstEpoch: 5,
      iterations: 30,
      optimizer: 'adam',
      from: base,
    });
    expect(ws.statesRead).toEqual([]);
    await run.train(CONFIG);
    expect(ws.statesRead).toEqual([base]);
    expect(resumed[0]).toBe(ws.keptStates.get(base));
    expect(run.history.map((h) => h.epoch)).toEqual([5, 6]);
    expect(ws.live?.pending?.provenance['training']).toMatchObject({
      optimizerState: { continued: true, continuedFrom: base, epochsBefore: 5, stepsBefore: 30 },
    });
    // Saved, then trained again: the version just saved keeps the newer state.
    const saved = id('c');
    ws.saveAs(saved);
    expect(run.planFor(CONFIG)).toMatchObject({ kind: 'continue', firstEpoch: 7, from: saved });
  });

  it('starts afresh when switched off, for another optimizer, or on other weights, and says why', async () => {
    const resumed: (OptimizerState | null)[] = [];
    const base = id('b');
    const { run } = await setup({ base, kept: { iterations: 30, epochs: 5 }, run: { resumed } });
    const kept = { optimizer: 'adam', from: base };
    expect(run.planFor({ optimizer: 'sgd' })).toEqual({ kind: 'afresh', reason: 'other-optimizer', kept });
    run.continueWanted = false;
    expect(run.planFor(CONFIG)).toEqual({ kind: 'afresh', reason: 'chosen', kept });
    await run.train(CONFIG);
    expect(resumed).toEqual([null]);
    expect(run.firstEpoch).toBe(0);
    expect(run.history.map((h) => h.epoch)).toEqual([0, 1]);

    const other = await setup({ base, kept: { iterations: 30, epochs: 5, spec: SINE } });
    expect(other.run.planFor(CONFIG)).toEqual({ kind: 'afresh', reason: 'other-weights', kept });
  });

  it('drops the state when the model is edited after the run, and says the model changed', async () => {
    const base = id('b');
    const { ws, run, model } = await setup({ base, kept: { iterations: 30, epochs: 5 } });
    await run.train(CONFIG);
    expect(ws.live?.pending?.optimizer).toBeDefined();
    await ws.replaceLive(model, { change: 'edited', description: 'edited', provenance: {}, metrics: {} });
    expect(ws.live?.pending?.optimizer).toBeUndefined();
    expect(run.planFor(CONFIG)).toEqual({ kind: 'afresh', reason: 'edited' });
  });

  it('keeps each checkpoint’s own state, epochs numbered on', async () => {
    const base = id('b');
    const { run, log } = await setup({ base, kept: { iterations: 30, epochs: 2 } });
    await run.train({ ...CONFIG, epochs: 2, checkpointEvery: 1, checkpointRetention: 'all' });
    expect(log.checkpoints.map((c) => c.branch.replace(/^checkpoints\/[\d-]+\//, ''))).toEqual([
      'epoch-3',
      'epoch-4',
    ]);
    expect(log.checkpoints[0]?.message).toBe('Checkpoint after epoch 3 of 4 on XOR');
    expect(log.checkpoints.every((c) => c.data?.hash !== undefined)).toBe(true);
    expect(log.checkpoints.map((c) => [c.optimizer?.iterations, c.optimizer?.epochs])).toEqual([
      [30 + BATCHES, 3],
      [30 + 2 * BATCHES, 4],
    ]);
  });
});

describe('helpers', () => {
  it('turns one sigmoid output into two class scores and softmaxes raw scores', () => {
    expect(classScores([0.25])).toEqual([0.75, 0.25]);
    expect(classScores([0.2, 0.8])).toEqual([0.2, 0.8]);
    const soft = classScores([0, Math.log(3)]);
    expect(soft[1]).toBeCloseTo(0.75, 6);
  });

  it('names a run by the second it started', () => {
    expect(runIdAt(new Date(2026, 0, 2, 3, 4, 5))).toBe('20260102-030405');
  });
});
