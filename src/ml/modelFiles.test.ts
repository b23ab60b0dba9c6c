import * as tf from '@tensorflow/tfjs';
import { strToU8, unzipSync, zipSync } from 'fflate';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { standardModelFiles } from '../core/bundle/modelJson';
import { modelJsonPath } from '../core/bundle/names';
import { buildManifest, writeBundle } from '../core/bundle/write';
import type { ErrorCode } from '../core/errors';
import { isGraftError } from '../core/errors';
import { canonicalJson, hashBlob, type BlobHash } from '../core/hashing';
import type { JsonObject } from '../core/json';
import { tensorBytes, type ModelSnapshot, type TensorData } from '../core/ports';
import type { RepoId } from '../core/versions/types';
import { makeVersion } from '../core/versions/version';
import type { NamedBytes } from '../core/ports';
import { readModelFiles, sourceProvenance } from './modelFiles';
import { materializeModel, snapshotModel } from './snapshot';
import { modelFilesOf, twoInTwoOutLstm } from './testModels';

const FIXTURES = resolve(__dirname, '../../tests/fixtures/tfjs-models');

interface Expected {
  readonly inputShape: number[];
  readonly input: number[];
  readonly outputShape: number[];
  readonly output: number[];
}

function fixture(name: string): { files: NamedBytes[]; expected: Expected } {
  const dir = join(FIXTURES, name);
  const files = readdirSync(dir)
    .filter((f) => f !== 'expected.json')
    .map((f) => ({ name: f, bytes: new Uint8Array(readFileSync(join(dir, f))) }));
  return { files, expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as Expected };
}

const asData = async (snapshot: ModelSnapshot) => ({
  topology: snapshot.topology,
  tensors: await Promise.all(
    snapshot.tensors.map(async (t) => ({ entry: t, data: (await tensorBytes(t)).slice().buffer })),
  ),
});

async function predict(model: tf.LayersModel, e: Pick<Expected, 'input' | 'inputShape'>): Promise<number[]> {
  const out = tf.tidy(() => model.predict(tf.tensor(e.input, e.inputShape)) as tf.Tensor);
  const values = Array.from(await out.data());
  out.dispose();
  return values;
}

async function errorOf(p: Promise<unknown>): Promise<{ code: ErrorCode; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isGraftError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a GraftError');
}

const replaceFile = (files: NamedBytes[], name: string, bytes: Uint8Array) =>
  files.map((f) => (f.name === name ? { name, bytes } : f));
const editJson = (files: NamedBytes[], edit: (json: JsonObject) => void) =>
  files.map((f) => {
    if (f.name !== 'model.json') return f;
    const json = JSON.parse(new TextDecoder().decode(f.bytes)) as JsonObject;
    edit(json);
    return { name: f.name, bytes: strToU8(JSON.stringify(json)) };
  });

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('TF.js and Keras model files in', () => {
  const kinds: [string, Record<string, unknown>, string[]][] = [
    [
      'abalone-dense',
      {
        format: 'layers-model',
        generatedBy: 'TensorFlow.js tfjs-layers v1.3.2',
        kerasVersion: 'tfjs-layers 1.3.2',
        modelName: 'sequential_1',
      },
      ['Dense', 'Dense', 'Dense'],
    ],
    [
      'keras-2.1.6-sequential-cnn',
      {
        format: null,
        generatedBy: null,
        convertedBy: null,
        kerasVersion: '2.1.6',
        backend: 'tensorflow',
        // A list-form Sequential config has nowhere to keep a name.
        modelName: null,
      },
      ['Conv2D', 'BatchNormalization', 'MaxPooling2D', 'Dropout', 'Flatten', 'Dense'],
    ],
    [
      'keras-2.2.4-functional',
      {
        format: 'layers-model',
        convertedBy: 'TensorFlow.js Converter v1.0.1',
        kerasVersion: '2.2.4',
        modelName: 'model_1',
      },
      ['InputLayer', 'Reshape', 'Conv2D', 'MaxPooling2D', 'Flatten', 'Dense', 'Concatenate', 'Dense'],
    ],
    [
      'keras-2.4-functional-lstm',
      { generatedBy: 'keras v2.4.0', kerasVersion: '2.4.0', modelName: 'model' },
      ['InputLayer', 'LSTM', 'Dropout', 'Dense'],
    ],
  ];

  it.each(kinds)('imports %s and predicts exactly as the original', async (name, source, layers) => {
    const { files, expected } = fixture(name);
    const before = tf.memory().numTensors;
    const imported = await readModelFiles(files);
    expect(tf.memory().numTensors).toBe(before);
    expect(imported.source).toMatchObject(source);
    expect(imported.source.modelFile).toBe('model.json');
    expect([...imported.source.weightFiles].sort()).toEqual(
      files
        .map((f) => f.name)
        .filter((f) => f !== 'model.json')
        .sort(),
    );
    expect(imported.warnings).toEqual([]);
    const model = await materializeModel(await asData(imported.snapshot));
    expect(model.layers.map((l) => l.getClassName())).toEqual(layers);
    expect(await predict(model, expected)).toEqual(expected.output);
    model.dispose();
    expect(sourceProvenance(imported.source)).toMatchObject({
      kind: 'tfjs-layers-files',
      modelFile: 'model.json',
    });
  });

  it('reads a model with two inputs and two outputs, and its own name', async () => {
    const model = twoInTwoOutLstm('review_scorer');
    const { modelJson, weights } = await modelFilesOf(model);
    const imported = await readModelFiles([
      { name: 'model.json', bytes: strToU8(JSON.stringify(modelJson)) },
      { name: 'weights.bin', bytes: weights },
    ]);
    expect(imported.source.modelName).toBe('review_scorer');
    expect(imported.snapshot.summary).toMatchObject({
      inputShapes: [
        [null, null, 81],
        [null, 4],
      ],
      outputShapes: [
        [null, 3],
        [null, 1],
      ],
    });
    model.dispose();
  });

  it('takes the same files zipped, in a folder, with the litter zip tools add', async () => {
    const { files, expected } = fixture('keras-2.2.4-functional');
    const zip = zipSync({
      'my model/': new Uint8Array(0),
      ...Object.fromEntries(files.map((f) => [`my model/${f.name}`, f.bytes])),
      '__MACOSX/my model/._model.json': strToU8('junk'),
      'my model/.DS_Store': strToU8('junk'),
    });
    const imported = await readModelFiles([{ name: 'model.zip', bytes: zip }]);
    const model = await materializeModel(await asData(imported.snapshot));
    expect(await predict(model, expected)).toEqual(expected.output);
    model.dispose();
  });

  it('reads a Teachable Machine style export, leaving its metadata.json aside', async () => {
    const { files } = fixture('abalone-dense');
    const metadata = {
      name: 'metadata.json',
      bytes: strToU8('{"labels": ["a", "b"], "tfjsVersion": "1.3.1"}'),
    };
    const imported = await readModelFiles([...files, metadata]);
    expect(imported.warnings).toEqual([
      '“metadata.json” was not read: only model.json and its weight files are.',
    ]);
    expect(imported.source.modelFile).toBe('model.json');
  });

  it('warns about NaN weights but imports them', async () => {
    const { files } = fixture('abalone-dense');
    const weights = files.find((f) => f.name === 'weights.bin')!.bytes.slice();
    new DataView(weights.buffer).setFloat32(8, NaN, true);
    const imported = await readModelFiles(replaceFile(files, 'weights.bin', weights));
    expect(imported.warnings).toEqual([
      'Weight “dense_Dense1/kernel” holds 1 NaN or infinite value; this model may predict NaN.',
    ]);
  });

  const bad: [string, ErrorCode, RegExp, (files: NamedBytes[]) => NamedBytes[]][] = [
    [
      'a graph model',
      'import/graph-model',
      /Layers models only/,
      (files) =>
        editJson(files, (j) => {
          j.format = 'graph-model';
          j.modelTopology = { node: [{ name: 'x', op: 'Placeholder' }], versions: { producer: 27 } };
        }),
    ],
    [
      'an old graph model with no format field',
      'import/graph-model',
      /graph model/,
      (files) => editJson(files, (j) => (j.modelTopology = { node: [], library: {}, versions: {} })),
    ],
    [
      'a missing weight shard',
      'import/weights-missing',
      /group1-shard2of2/,
      (files) => files.filter((f) => f.name !== 'group1-shard2of2'),
    ],
    [
      'an extra file',
      'import/weights-mismatch',
      /“notes\.bin” is not one of the weight files/,
      (files) => [...files, { name: 'notes.bin', bytes: new Uint8Array(4) }],
    ],
    [
      'a truncated weight file',
      'import/weights-mismatch',
      /Weight group 1 .* holds 664 bytes.* need 668/,
      (files) =>
        replaceFile(
          files,
          'group1-shard2of2',
          files.find((f) => f.name === 'group1-shard2of2')!.bytes.slice(0, 330),
        ),
    ],
    [
      'an absurd shape',
      'import/absurd-shape',
      /“conv2d_1\/kernel”.*more than 268435456 elements/,
      (files) =>
        editJson(files, (j) => {
          ((j.weightsManifest as JsonObject[])[0]!.weights as JsonObject[])[0]!.shape = [1e5, 1e5, 1e5, 1e5];
        }),
    ],
    [
      'a negative dimension',
      'import/absurd-shape',
      /“conv2d_1\/kernel” shape\[0\] is -3/,
      (files) =>
        editJson(files, (j) => {
          ((j.weightsManifest as JsonObject[])[0]!.weights as JsonObject[])[0]!.shape = [-3, 3, 1, 4];
        }),
    ],
    [
      'an unknown layer class',
      'import/unknown-layer',
      /Layer “dropout_1” is a “MonteCarloDropout”/,
      (files) =>
        editJson(files, (j) => {
          const layers = ((j.modelTopology as JsonObject).model_config as JsonObject).config as JsonObject[];
          layers[3]!.class_name = 'MonteCarloDropout';
        }),
    ],
    [
      'a layer named after an object method',
      'import/unknown-layer',
      /“toString”/,
      (files) =>
        editJson(files, (j) => {
          const layers = ((j.modelTopology as JsonObject).model_config as JsonObject).config as JsonObject[];
          layers[3]!.class_name = 'toString';
        }),
    ],
    [
      'weights reshaped to the same byte count',
      'import/weights-mismatch',
      /“conv2d_1\/kernel” has shape \[9, 1, 1, 4\] in the files, but its layer needs \[3, 3, 1, 4\]/,
      (files) =>
        editJson(files, (j) => {
          ((j.weightsManifest as JsonObject[])[0]!.weights as JsonObject[])[0]!.shape = [9, 1, 1, 4];
        }),
    ],
    [
      'a layer TF.js cannot build',
      'import/invalid-model',
      /TF\.js could not build this model/,
      (files) =>
        editJson(files, (j) => {
          const layers = ((j.modelTopology as JsonObject).model_config as JsonObject).config as JsonObject[];
          (layers[5]!.config as JsonObject).activation = 'no-such-activation';
        }),
    ],
    [
      'no model.json',
      'import/invalid-model',
      /No model\.json/,
      (files) => files.filter((f) => f.name !== 'model.json'),
    ],
    [
      'a Keras .h5 file among TF.js files',
      'import/invalid-model',
      /“model\.h5” is a Keras file.*pick it on its own/,
      (files) => [...files, { name: 'model.h5', bytes: strToU8('\x89HDF') }],
    ],
    [
      'a model.json that is not JSON',
      'import/invalid-model',
      /not valid JSON/,
      (files) => replaceFile(files, 'model.json', strToU8('{"modelTopology": ')),
    ],
    [
      'a model.json with no topology',
      'import/invalid-model',
      /no model topology/,
      (files) => editJson(files, (j) => delete j.modelTopology),
    ],
    [
      'a string weight',
      'import/invalid-model',
      /dtype must be one of float32, int32, bool/,
      (files) =>
        editJson(files, (j) => {
          ((j.weightsManifest as JsonObject[])[0]!.weights as JsonObject[])[0]!.dtype = 'string';
        }),
    ],
    [
      'deep nesting',
      'import/invalid-model',
      /nested more than 128 levels/,
      (files) =>
        editJson(files, (j) => {
          let v: JsonObject = {};
          for (let i = 0; i < 300; i++) v = { v };
          j.userDefinedMetadata = v;
        }),
    ],
    [
      'weights named for another model',
      'import/weights-mismatch',
      /model\.json lists a weight “conv2d_9\/kernel” that no layer of the model has|needs a weight “conv2d_1\/kernel”/,
      (files) =>
        editJson(files, (j) => {
          ((j.weightsManifest as JsonObject[])[0]!.weights as JsonObject[])[0]!.name = 'conv2d_9/kernel';
        }),
    ],
    [
      'two model.json files',
      'import/invalid-model',
      /Pick one model\.json/,
      (files) => [
        ...files,
        { name: 'other/model.json', bytes: files.find((f) => f.name === 'model.json')!.bytes },
      ],
    ],
    [
      'a damaged zip',
      'bundle/corrupt',
      /“model\.zip” is damaged/,
      (files) => {
        const zip = zipSync(Object.fromEntries(files.map((f) => [f.name, f.bytes])));
        return [{ name: 'model.zip', bytes: zip.slice(0, zip.length - 30) }];
      },
    ],
  ];

  it.each(bad)('refuses %s with %s', async (_what, code, message, make) => {
    const before = tf.memory().numTensors;
    const e = await errorOf(readModelFiles(make(fixture('keras-2.1.6-sequential-cnn').files)));
    expect(e.code).toBe(code);
    expect(e.message).toMatch(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('standard TF.js out', () => {
  let model: tf.LayersModel;
  let snapshot: {
    topology: JsonObject;
    summary: ModelSnapshot['summary'];
    tensors: (TensorData & { data: Uint8Array<ArrayBuffer> })[];
  };
  const input = { inputShape: [2, 8], input: Array.from({ length: 16 }, (_, i) => Math.sin(i)) };

  beforeAll(async () => {
    model = tf.sequential({
      layers: [
        tf.layers.dense({
          inputShape: [8],
          units: 6,
          activation: 'relu',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }),
        }),
        tf.layers.dense({
          units: 2,
          activation: 'softmax',
          kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }),
        }),
      ],
    });
    const live = await snapshotModel(model);
    const tensors = await Promise.all(
      live.tensors.map(async (t) => ({ ...t, data: (await tensorBytes(t)).slice() })),
    );
    snapshot = { ...live, tensors };
  });

  /** The version a commit of `snapshot` would make, with its topology and weights as load() returns them. */
  async function loadedVersion() {
    const topologyBytes = strToU8(canonicalJson(snapshot.topology));
    const tensors = await Promise.all(
      snapshot.tensors.map(async (t) => ({
        entry: {
          name: t.name,
          shape: t.shape,
          dtype: t.dtype,
          hash: await hashBlob(t.data),
          byteLength: t.data.byteLength,
        },
        data: t.data.slice(),
      })),
    );
    const version = await makeVersion({
      repoId: 'repo-1' as RepoId,
      parents: [],
      message: 'exported',
      createdAt: '2026-03-01T00:00:00.000Z',
      change: 'created',
      topologyHash: await hashBlob(topologyBytes),
      summary: snapshot.summary,
      tensors: tensors.map((t) => t.entry),
      provenance: { app: 'graft', tfjsVersion: tf.version.tfjs },
      metrics: {},
    });
    return { version, topology: snapshot.topology, tensors, topologyBytes };
  }

  /** What `tf.loadLayersModel('file://…/model.json')` does: read model.json, then each path beside it. */
  function loadFromDisk(modelPath: string): Promise<tf.LayersModel> {
    return tf.loadLayersModel({
      load: async () => {
        const json = JSON.parse(readFileSync(modelPath, 'utf8')) as tf.io.ModelJSON;
        const groups = json.weightsManifest;
        const weightData = groups.flatMap((g) =>
          g.paths.map((p) => new Uint8Array(readFileSync(resolve(dirname(modelPath), p)))),
        );
        const joined = new Uint8Array(weightData.reduce((n, d) => n + d.length, 0));
        let offset = 0;
        for (const d of weightData) {
          joined.set(d, offset);
          offset += d.length;
        }
        return {
          modelTopology: json.modelTopology,
          weightSpecs: groups.flatMap((g) => g.weights),
          weightData: joined.buffer,
          format: json.format,
          generatedBy: json.generatedBy,
          convertedBy: json.convertedBy,
        };
      },
    });
  }

  it('writes model.json + weights.bin that TF.js loads from disk with identical predictions', async () => {
    const loaded = await loadedVersion();
    const files = standardModelFiles(loaded);
    const dir = mkdtempSync(join(tmpdir(), 'graft-export-'));
    try {
      writeFileSync(join(dir, files.modelFileName), JSON.stringify(files.modelJson));
      writeFileSync(join(dir, files.weightsFileName), files.weightsBin);
      const reloaded = await loadFromDisk(join(dir, files.modelFileName));
      expect(await predict(reloaded, input)).toEqual(await predict(model, input));
      reloaded.dispose();

      const back = await readModelFiles(
        [files.modelFileName, files.weightsFileName].map((f) => ({
          name: f,
          bytes: new Uint8Array(readFileSync(join(dir, f))),
        })),
      );
      expect(back.source).toMatchObject({ convertedBy: 'Graft', graftVersionId: loaded.version.id });
      expect(back.snapshot.tensors.map((t) => t.data)).toEqual(snapshot.tensors.map((t) => t.data));
      expect(back.snapshot.topology).toEqual(snapshot.topology);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes every version in a bundle a model TF.js loads from the unpacked folder', async () => {
    const loaded = await loadedVersion();
    const blobs = new Map<BlobHash, Uint8Array>([[loaded.version.topologyHash, loaded.topologyBytes]]);
    for (const t of loaded.tensors) blobs.set(t.entry.hash, t.data);
    const manifest = buildManifest({
      createdAt: '2026-03-01T00:00:00.000Z',
      app: { name: 'graft', version: 'test' },
      repository: { id: 'repo-1' as RepoId, name: 'Exported', createdAt: '2026-03-01T00:00:00.000Z' },
      scope: { kind: 'repository' },
      head: { kind: 'branch', name: 'main' },
      refs: [{ name: 'main', kind: 'branch', target: loaded.version.id }],
      versions: [loaded.version],
      blobSizes: new Map([...blobs].map(([h, b]) => [h, b.byteLength])),
    });
    const zip = writeBundle({
      manifest,
      topologies: new Map([[loaded.version.topologyHash, loaded.topology]]),
      blobs,
    });
    const dir = mkdtempSync(join(tmpdir(), 'graft-bundle-'));
    try {
      for (const [name, data] of Object.entries(unzipSync(zip))) {
        const path = join(dir, name);
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, data);
      }
      const reloaded = await loadFromDisk(join(dir, modelJsonPath(loaded.version.id)));
      expect(await predict(reloaded, input)).toEqual(await predict(model, input));
      reloaded.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
