// One data selection for the whole app: what the Train tab chooses, the builder offers and Compare runs on.
import { afterEach, describe, expect, it } from 'vitest';
import { generateDataset } from '../core/data';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import { DEFAULT_TRAIN_CONFIG, type EpochLogs } from '../core/model/training';
import { Builder } from './Builder.svelte';
import { CompareState } from './Compare.svelte';
import { DataSelection } from './DataSelection.svelte';
import { locale } from './i18n';
import { ModelSource } from './ModelSource.svelte';
import type { TrainingServices } from '../core/ports';
import { Training } from './Training.svelte';
import { FakeWorkspace, fakeModel, fakeServices, type FakeModel } from './testWorkspace.svelte';

const TOY = findTemplate('toy-2d')?.spec as ModelSpec;

/** One epoch of one batch: enough for a run to split the data as its settings say. */
const oneEpoch: TrainingServices<FakeModel>['train'] = async (_model, _data, _config, callbacks) => {
  const logs: EpochLogs = { epoch: 0, loss: 0.5, batches: 1, totalBatches: 1, timeMs: 1 };
  await callbacks.onEpoch?.(0, logs);
  return { history: [logs], epochsRun: 1, stoppedEarly: false, wallTimeMs: 1, backend: 'cpu' };
};

/** The app's state as compose.ts wires it: every feature over one data selection. */
function app() {
  const ws = new FakeWorkspace(fakeModel(TOY, 0.25));
  const { services } = fakeServices(oneEpoch);
  const data = new DataSelection(ws.activity, services.datasets);
  const models = new ModelSource(ws.asHistory(), ws.asLive(), ws.asReader(), services);
  return {
    ws,
    data,
    builder: new Builder(ws.activity, ws.asHistory(), ws.asLive(), services, data),
    compare: new CompareState(ws.activity, ws.asHistory(), ws.asReader(), data, models),
    training: new Training(ws.activity, ws.asHistory(), ws.asLive(), services, data, models),
  };
}

afterEach(() => {
  locale.lang = 'en';
});

describe('DataSelection', () => {
  it('shows the data chosen on the Train tab to the builder and to Compare, and a new choice to all of them', async () => {
    const { data, builder, compare, training } = app();
    expect(builder.inputShapeHint).toBeNull();
    expect(compare.behaviourSource).toBeNull();
    expect(training.run.blockedReason).toBe('Choose a data set first.');

    await data.use(generateDataset('xor', { n: 40 }));
    expect(builder.inputShapeHint).toEqual([2]);
    expect(compare.behaviourSource?.label).toBe('8 validation rows of XOR');
    expect(compare.behaviourSource?.classNames).toEqual(['same sign', 'different signs']);
    expect(training.fit.compatibility?.problems).toEqual([]);
    expect(training.run.blockedReason).toBeNull();

    await data.use(generateDataset('sine', { n: 30 }));
    expect(builder.inputShapeHint).toEqual([1]);
    expect(compare.behaviourSource?.label).toMatch(/^6 validation rows of /);
    expect(compare.behaviourSource?.classNames ?? []).toEqual([]);
    expect(training.fit.compatibility?.fit).toMatchObject({ features: 1, outputs: 1, task: 'regression' });
    expect(training.run.blockedReason).toMatch(/does not fit the data/);
  });

  it('lets Compare run on the rows a training run split off', async () => {
    const { data, compare, training } = app();
    await data.use(generateDataset('xor', { n: 40 }));
    await training.run.train({ ...DEFAULT_TRAIN_CONFIG, epochs: 1, validationSplit: 0.5 });
    expect(data.prepared?.split.validationFraction).toBe(0.5);
    expect(compare.behaviourSource?.label).toBe('20 validation rows of XOR');
  });

  it('tells its watchers of each new choice, new split and clearing, until they stop watching', async () => {
    const { data } = app();
    let calls = 0;
    const stop = data.watch(() => calls++);
    const xor = generateDataset('xor', { n: 40 });
    await data.use(xor);
    expect(calls).toBe(1);
    const prepared = data.prepared;
    // The same settings keep the same split, and nobody is told.
    expect(await data.splitFor(xor, { seed: 42, validationSplit: 0.2 })).toBe(prepared);
    expect(calls).toBe(1);
    await data.splitFor(xor, { seed: 7, validationSplit: 0.2 });
    expect(calls).toBe(2);
    data.clear();
    expect(calls).toBe(3);
    stop();
    await data.use(xor);
    expect(calls).toBe(3);
  });

  it('forgets an evaluation and a prediction made on earlier data once data is chosen again', async () => {
    const { data, training } = app();
    const xor = generateDataset('xor', { n: 40 });
    await data.use(xor);
    await training.evaluation.evaluate('live');
    await training.predictions.predictExample([0.5, 0.5]);
    expect(training.evaluation.current).not.toBeNull();
    expect(training.predictions.current?.scores).toHaveLength(2);
    await data.use(xor);
    expect(training.evaluation.current).toBeNull();
    expect(training.predictions.current).toBeNull();
  });

  it('says what it is busy with in the active language', async () => {
    const { ws, data, training } = app();
    locale.lang = 'zh-CN';
    await data.use(generateDataset('xor', { n: 40 }));
    await training.evaluation.evaluate('live');
    expect(ws.activity.busyLabels).toEqual(['正在准备数据', '正在评估']);
    await training.predictions.predictExample([1]);
    // Worded in the reader's language where it is shown (formatError); the state keeps key and data.
    expect(training.predictions.error?.key).toBe('error.data/invalid.try-count');
    expect(training.predictions.error?.data).toEqual({ features: 2, given: 1 });
  });
});
