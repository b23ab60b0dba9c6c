// One data selection for the whole app: what the Train tab chooses, the builder offers and Compare runs on.
import { afterEach, describe, expect, it } from 'vitest';
import {
  datasetProvenance,
  generateDataset,
  keptDataOf,
  parseCsvBytes,
  parseShippedDataset,
  prepareDataset,
  tableToDataset,
  type Dataset,
  type DatasetLoader,
  type PrepareOptions,
  type PreparedData,
} from '../core/data';
import { GraftError } from '../core/errors';
import { canonicalJson, hashBlob, type BlobHash, type VersionId } from '../core/hashing';
import type { JsonObject } from '../core/json';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import { DEFAULT_TRAIN_CONFIG, type EpochLogs } from '../core/model/training';
import { Builder } from './Builder.svelte';
import { CompareState } from './Compare.svelte';
import { DataSelection } from './DataSelection.svelte';
import { locale } from './i18n';
import { ModelSource } from './ModelSource.svelte';
import type { DataBlob, DataSelectionStore, TrainingServices } from '../core/ports';
import type { Provenance, Version } from '../core/versions/types';
import { Training } from './Training.svelte';
import { FAKE_REPO, FakeWorkspace, fakeModel, fakeServices, type FakeModel } from './testWorkspace.svelte';

const TOY = findTemplate('toy-2d')?.spec as ModelSpec;

/** One epoch of one batch: enough for a run to split the data as its settings say. */
const oneEpoch: TrainingServices<FakeModel>['train'] = async (_model, _data, _config, callbacks) => {
  const logs: EpochLogs = { epoch: 0, loss: 0.5, batches: 1, totalBatches: 1, timeMs: 1 };
  await callbacks.onEpoch?.(0, logs);
  return {
    history: [logs],
    epochsRun: 1,
    stoppedEarly: false,
    wallTimeMs: 1,
    backend: 'cpu',
    firstEpoch: 0,
    optimizer: { optimizer: 'adam', learningRate: 0.01, iterations: 1, epochs: 1, weights: [], tensors: [] },
  };
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

// ---- The data a version keeps, back after a reload or a checkout ----

const HOUSES =
  'rooms;area;garden;price\n3;72,5;yes;210\n2;48;no;150,5\n4;95;yes;320\n3;80;no;240\n5;120;yes;410\n2;51,5;no;160\n';
const file = (text: string, name = 'houses.csv'): File => new File([text], name, { type: 'text/csv' });

/** The loader the app hands the picker, over core's parsers (no fetching: Iris comes from a string). */
const LOADER: DatasetLoader = {
  loadShipped: async (id) =>
    parseShippedDataset(id, [
      '4,4,setosa,versicolor,virginica\n5.1,3.5,1.4,0.2,0\n7.0,3.2,4.7,1.4,1\n6.3,3.3,6.0,2.5,2\n4.9,3.0,1.4,0.2,0\n',
    ]),
  readCsv: async (f) => parseCsvBytes(new Uint8Array(await f.arrayBuffer())),
  csvToDataset: tableToDataset,
  generate: generateDataset,
};

async function readHouses(text = HOUSES, name = 'houses.csv'): Promise<Dataset> {
  return tableToDataset(await LOADER.readCsv(file(text, name)), { labelColumn: 'price', fileName: name });
}

const id = (n: number): VersionId => `${String(n).repeat(64)}`.slice(0, 64) as VersionId;

/** The store's versions and the data they keep, as a save (with `CommitRequest.data`) leaves them. */
class FakeDataStore implements DataSelectionStore {
  readonly versions = new Map<VersionId, Version>();
  readonly data = new Map<VersionId, Uint8Array<ArrayBuffer>>();
  readonly keptAgain: { id: VersionId; hash: string }[] = [];
  loads = 0;

  async getVersion(v: VersionId): Promise<Version> {
    const found = this.versions.get(v);
    if (!found) throw new GraftError('error.storage/not-found');
    return found;
  }
  async loadData(v: VersionId): Promise<Uint8Array<ArrayBuffer> | null> {
    this.loads++;
    return this.data.get(v) ?? null;
  }
  async keepData(v: VersionId, blob: DataBlob): Promise<void> {
    // The store checks the hash against the bytes; so does this fake.
    if ((await hashBlob(blob.bytes)) !== blob.hash) throw new GraftError('error.storage/blob-corrupt');
    this.data.set(v, blob.bytes);
    this.keptAgain.push({ id: v, hash: blob.hash });
  }

  /** A version trained on `dataset` split as `split` says; `keep: false` saves it without its data. */
  async trained(
    v: VersionId,
    dataset: Dataset,
    options: { split?: PrepareOptions; keep?: boolean; old?: boolean } = {},
  ): Promise<PreparedData> {
    const prepared = await prepareDataset(dataset, options.split ?? { validationFraction: 0.2, seed: 42 });
    const blob = await keptDataOf(dataset);
    let record = JSON.parse(canonicalJson(datasetProvenance(prepared, blob))) as JsonObject;
    if (options.old) {
      // As versions recorded it before data was kept.
      const { kept: _kept, ...rest } = record;
      const { delimiter: _d, hasHeader: _h, missing: _m, ...source } = record['source'] as JsonObject;
      record = { ...rest, source };
    }
    this.add(v, { dataset: record });
    if (blob && options.keep !== false && !options.old) this.data.set(v, blob.bytes);
    return prepared;
  }

  add(v: VersionId, provenance: Partial<Provenance>, links: Partial<Version> = {}): void {
    this.versions.set(v, {
      id: v,
      repoId: FAKE_REPO,
      parents: [],
      message: '',
      createdAt: '2026-01-01T00:00:00.000Z',
      change: 'trained',
      topologyHash: '0'.repeat(64) as BlobHash,
      summary: { className: 'Sequential', layerCount: 1, paramCount: 1, inputShape: null, outputShape: null },
      tensors: [],
      provenance: { app: 'graft', ...provenance },
      metrics: {},
      ...links,
    });
  }
}

function selection(store = new FakeDataStore()) {
  const ws = new FakeWorkspace(null);
  return { ws, store, data: new DataSelection(ws.activity, LOADER, store) };
}

function same(a: Dataset | null | undefined, b: Dataset): void {
  expect(a?.x).toEqual(b.x);
  expect(a?.y).toEqual(b.y);
  expect(a?.featureNames).toEqual(b.featureNames);
  expect(a?.classNames).toEqual(b.classNames);
  expect(a?.id).toBe(b.id);
}

// `follow()` runs `followVersion` from an effect, which Svelte's server build (these tests) never runs: the
// end-to-end test tests/e2e/dataKept.spec.ts sees it wired in the page.
describe('DataSelection and the data a version keeps', () => {
  it("brings a version's CSV back after a reload, split as it was, with no upload", async () => {
    const { ws, store, data } = selection();
    const houses = await readHouses();
    const saved = await store.trained(id(1), houses, { split: { validationFraction: 0.34, seed: 5 } });

    await data.followVersion(id(1));
    same(data.dataset, houses);
    expect(data.prepared?.fingerprint).toBe(saved.fingerprint);
    expect(data.prepared?.split.seed).toBe(5);
    expect(data.kept?.hash).toBe((await keptDataOf(houses))?.hash);
    expect(data.versionData).toMatchObject({ status: 'in-use', versionId: id(1) });
    expect(ws.activity.busyLabels).toEqual(['Loading houses, the data of this version']);
    expect(ws.activity.error).toBeNull();
  });

  it('keeps the data a run trained on when the version it is saved as comes back', async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    await data.use(houses);
    const chosen = data.chosen;
    const prepared = await data.splitFor(houses, { seed: 9, validationSplit: 0.5 });
    await store.trained(id(1), houses, { split: { seed: 9, validationFraction: 0.5 } });
    await data.followVersion(id(1));
    expect(data.dataset).toBe(houses);
    expect(data.prepared).toBe(prepared);
    expect(data.chosen).toBe(chosen);
    expect(store.loads).toBe(0);
    expect(data.versionData?.status).toBe('in-use');
    // Now the version's data, it follows the live model to another version like restored data does.
    const sine = generateDataset('sine', { n: 25 });
    await store.trained(id(2), sine);
    await data.followVersion(id(2));
    same(data.dataset, sine);
  });

  it("leaves data the user chose on purpose, offering the version's instead", async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    await store.trained(id(1), houses);
    const xor = generateDataset('xor', { n: 40 });
    await data.use(xor);
    await data.followVersion(id(1));
    expect(data.dataset).toBe(xor);
    expect(data.versionData).toMatchObject({ status: 'other', versionId: id(1) });
    expect(data.versionData?.record.source).toMatchObject({ kind: 'csv', fileName: 'houses.csv' });

    expect(await data.restoreFor(id(1))).toEqual({ ok: true, value: 'restored' });
    same(data.dataset, houses);
    expect(data.versionData?.status).toBe('in-use');
  });

  it("moves from one version's data to the next version's, and to none when the next one's is missing", async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    const sine = generateDataset('sine', { n: 25 });
    await store.trained(id(1), houses);
    await store.trained(id(2), sine);
    await store.trained(id(3), await readHouses(HOUSES.replace('410', '415')), { keep: false });

    await data.followVersion(id(1));
    same(data.dataset, houses);
    await data.followVersion(id(2));
    same(data.dataset, sine);
    expect(data.kept?.hash).toBe((await keptDataOf(sine))?.hash);
    await data.followVersion(id(3));
    expect(data.dataset).toBeNull();
    expect(data.kept).toBeNull();
    expect(data.versionData).toMatchObject({ status: 'missing', reason: 'not-here', versionId: id(3) });
  });

  it('finds the data of the trained version an edit or a rollback was made from', async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    await store.trained(id(1), houses);
    store.add(id(2), {}, { parents: [id(1)], change: 'edited' });
    store.add(id(3), {}, { parents: [id(2)], change: 'rollback', restoredFrom: id(1) });
    await data.followVersion(id(2));
    expect(data.versionData).toMatchObject({ status: 'in-use', versionId: id(1) });
    same(data.dataset, houses);
    await data.followVersion(id(3));
    expect(data.versionData).toMatchObject({ status: 'in-use', versionId: id(1) });
  });

  it('changes nothing for a version that names no data, or none at all', async () => {
    const { store, data } = selection();
    store.add(id(1), {}, { change: 'created' });
    const xor = generateDataset('xor', { n: 40 });
    await data.use(xor);
    await data.followVersion(id(1));
    await data.followVersion(null);
    expect(data.dataset).toBe(xor);
    expect(data.versionData).toBeNull();
  });

  it('takes the last version followed when the live model moves on before its data is back', async () => {
    const { store, data } = selection();
    await store.trained(id(1), await readHouses());
    const circles = generateDataset('circles', { n: 30 });
    await store.trained(id(2), circles);
    const first = data.followVersion(id(1));
    await data.followVersion(id(2));
    await first;
    same(data.dataset, circles);
    expect(data.versionData?.versionId).toBe(id(2));
  });

  it('loads a shipped data set by name: a version keeps nothing of it', async () => {
    const { ws, store, data } = selection();
    locale.lang = 'zh-CN';
    const iris = await LOADER.loadShipped('iris');
    await store.trained(id(1), iris, { split: { validationFraction: 0.25, seed: 1 } });
    expect(store.data.size).toBe(0);
    await data.followVersion(id(1));
    same(data.dataset, iris);
    expect(data.kept).toBeNull();
    expect(store.loads).toBe(0);
    expect(ws.activity.busyLabels).toEqual(['正在加载此版本的数据 鸢尾花']);
  });

  it('refuses kept bytes that make other rows, and keeps what is in use', async () => {
    const { ws, store, data } = selection();
    await store.trained(id(1), await readHouses());
    store.data.set(id(1), new TextEncoder().encode(HOUSES.replace('410', '999')));
    const xor = generateDataset('xor', { n: 40 });
    await data.use(xor);
    const result = await data.restoreFor(id(1));
    expect(result).toEqual({ ok: true, value: 'none' });
    expect(ws.activity.error?.message).toMatch(
      /^The data rebuilt for this version \(houses\) is not the data it was trained on/,
    );
    expect(data.dataset).toBe(xor);
    expect(data.versionData).toBeNull();
  });
});

describe('DataSelection: a version whose data is missing', () => {
  it('says which file it was, and takes it again only if its rows match', async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    const saved = await store.trained(id(1), houses, { keep: false });
    await data.followVersion(id(1));
    expect(data.dataset).toBeNull();
    const missing = data.versionData;
    expect(missing).toMatchObject({ status: 'missing', reason: 'not-here', versionId: id(1) });
    expect(missing?.record).toMatchObject({ rows: 6, fingerprint: saved.fingerprint, name: 'houses' });

    const wrong = await data.pickAgain(file(HOUSES.replace('3;80;no;240', '3;80;no;241')));
    expect(wrong.ok).toBe(false);
    if (!wrong.ok)
      expect(wrong.error.message).toMatch(
        /^houses\.csv is not the data this version was trained on: its rows have the fingerprint [0-9a-f]{12}, not /,
      );
    expect(data.dataset).toBeNull();
    expect(data.versionData).toBe(missing);
    expect(store.keptAgain).toEqual([]);

    // The same rows, saved by another program with other line ends and under another name, are the data.
    const copy = HOUSES.replace(/\n/g, '\r\n');
    expect(await data.pickAgain(file(copy, 'houses (1).csv'))).toEqual({ ok: true, value: undefined });
    same(data.dataset, houses);
    expect(data.prepared?.fingerprint).toBe(saved.fingerprint);
    expect(data.versionData).toMatchObject({ status: 'in-use', versionId: id(1) });
    const hash = await hashBlob(new TextEncoder().encode(copy));
    expect(store.keptAgain).toEqual([{ id: id(1), hash }]);
    expect(data.kept?.hash).toBe(hash);
  });

  it('says the data was not kept for a version saved before Graft kept it, and takes its file too', async () => {
    const { store, data } = selection();
    const houses = await readHouses();
    await store.trained(id(1), houses, { old: true });
    await data.followVersion(id(1));
    expect(data.versionData).toMatchObject({ status: 'missing', reason: 'not-kept' });
    expect((await data.pickAgain(file(HOUSES))).ok).toBe(true);
    same(data.dataset, houses);
    expect(store.keptAgain.map((k) => k.id)).toEqual([id(1)]);
  });

  it('takes the file chosen the usual way when it is the missing one, and keeps it with the version', async () => {
    const { store, data } = selection();
    await store.trained(id(1), await readHouses(), { keep: false });
    await data.followVersion(id(1));
    await data.use(await readHouses());
    expect(data.versionData?.status).toBe('in-use');
    expect(store.keptAgain.map((k) => k.id)).toEqual([id(1)]);
    // Other data chosen while it is missing leaves the notice up.
    const other = selection();
    await other.store.trained(id(1), await readHouses(), { keep: false });
    await other.data.followVersion(id(1));
    await other.data.use(generateDataset('xor', { n: 40 }));
    expect(other.data.versionData?.status).toBe('missing');
    expect(other.store.keptAgain).toEqual([]);
  });

  it('has no file to pick again for data that did not come from one', async () => {
    const { data } = selection();
    const r = await data.pickAgain(file(HOUSES));
    expect(r.ok).toBe(false);
    if (!r.ok)
      expect(r.error.message).toBe('houses.csv did not come from a file, so there is no file to pick again.');
  });
});
