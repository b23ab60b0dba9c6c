// Writes tests/fixtures/tfjs-models/<name>/: TF.js Layers models as tensorflowjs_converter wrote them
// from Python Keras over the years, plus expected.json with predictions on a fixed input.
//
// Each model is built and run here with TF.js on the CPU, saved through tf.io.withSaveHandler, and its
// JSON rewritten into the shape of one converter era: Keras version, `model_config` wrapping, list-form
// Sequential configs, `class_name: "Model"` / "Functional", missing format fields, weight groups split into
// extensionless shards. The predictions come from the model before rewriting, so a test that imports the
// files and predicts the same numbers proves nothing was lost on the way.
//
// Run: node scripts/make-fixtures.mjs   (rewrites the fixtures; commit them with the change that needs it)
import * as tf from '@tensorflow/tfjs';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(ROOT, 'tests/fixtures/tfjs-models');

await tf.setBackend('cpu');

/** Deterministic numbers in [-1, 1) from a seed (a 32-bit LCG; enough for fixtures). */
function numbers(count, seed) {
  let s = seed >>> 0;
  return Float32Array.from({ length: count }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 31 - 1;
  });
}

/** Every weight set to seeded values; BatchNormalization variances kept positive. */
function randomizeWeights(model, seed) {
  const weights = model.weights.map((w, i) => {
    const values = numbers(
      w.shape.reduce((n, d) => n * d, 1),
      seed + i,
    );
    const positive = w.name.includes('moving_variance') ? values.map((v) => Math.abs(v) + 0.5) : values;
    return tf.tensor(positive, w.shape);
  });
  model.setWeights(weights);
  tf.dispose(weights);
}

async function artifactsOf(model) {
  let artifacts;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { ...artifacts, weightData: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) };
}

function predictionsOf(model, inputShape, seed) {
  const input = numbers(
    inputShape.reduce((n, d) => n * d, 1),
    seed,
  );
  const output = tf.tidy(() => model.predict(tf.tensor(input, inputShape)));
  const result = {
    inputShape,
    input: Array.from(input),
    outputShape: output.shape,
    output: Array.from(output.dataSync()),
  };
  output.dispose();
  return result;
}

const bytesOf = (spec) => spec.shape.reduce((n, d) => n * d, 1) * (spec.dtype === 'bool' ? 1 : 4);

/**
 * Splits weights into groups (each a run of consecutive weights) and each group's bytes into shards,
 * cutting at arbitrary byte positions the way the converter's 4 MB shards do.
 */
function shard(specs, weightData, groupSizes, shardsPerGroup, ext) {
  const manifest = [];
  const files = {};
  let weightIndex = 0;
  let offset = 0;
  groupSizes.forEach((size, g) => {
    const weights = specs.slice(weightIndex, weightIndex + size);
    weightIndex += size;
    const length = weights.reduce((n, s) => n + bytesOf(s), 0);
    const bytes = weightData.subarray(offset, offset + length);
    offset += length;
    const paths = [];
    for (let i = 0; i < shardsPerGroup; i++) {
      const name = `group${g + 1}-shard${i + 1}of${shardsPerGroup}${ext}`;
      const start = Math.floor((length * i) / shardsPerGroup);
      const end = Math.floor((length * (i + 1)) / shardsPerGroup);
      files[name] = bytes.subarray(start, end);
      paths.push(name);
    }
    manifest.push({ paths, weights });
  });
  if (weightIndex !== specs.length) throw new Error('groups do not cover all weights');
  return { manifest, files };
}

function write(name, modelJson, files, expected) {
  const dir = join(OUT, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'model.json'), JSON.stringify(modelJson));
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(dir, file), bytes);
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(expected, null, 2)}\n`);
}

/** Keras writes glorot_uniform as VarianceScaling with a uniform distribution, and a dtype on every layer. */
function kerasify(layers) {
  for (const layer of layers) {
    const config = layer.config;
    config.dtype = 'float32';
    for (const key of ['kernel_initializer', 'recurrent_initializer']) {
      const init = config[key];
      if (init?.class_name === 'VarianceScaling') init.config.distribution = 'uniform';
    }
  }
  return layers;
}

// ---- abalone-dense: a real TF.js export, copied from ../shared ---------------------------------------

async function abalone() {
  const source = join(ROOT, '../shared/fixtures/tfjs-models/abalone-dense');
  const dir = join(OUT, 'abalone-dense');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin']) {
    copyFileSync(join(source, f), join(dir, f));
    chmodSync(join(dir, f), 0o644);
  }
  const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const weights = readFileSync(join(dir, 'weights.bin'));
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest[0].weights,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  );
  writeFileSync(join(dir, 'expected.json'), `${JSON.stringify(predictionsOf(model, [3, 8], 11), null, 2)}\n`);
  model.dispose();
}

// ---- Keras 2.1.6, Sequential CNN: model_config wrapper, list-form config, no format fields -------------

async function keras216SequentialCnn() {
  const model = tf.sequential({ name: 'sequential_1' });
  model.add(
    tf.layers.conv2d({
      name: 'conv2d_1',
      inputShape: [8, 8, 1],
      filters: 4,
      kernelSize: 3,
      activation: 'relu',
    }),
  );
  model.add(tf.layers.batchNormalization({ name: 'batch_normalization_1' }));
  model.add(tf.layers.maxPooling2d({ name: 'max_pooling2d_1', poolSize: 2 }));
  model.add(tf.layers.dropout({ name: 'dropout_1', rate: 0.25 }));
  model.add(tf.layers.flatten({ name: 'flatten_1' }));
  model.add(tf.layers.dense({ name: 'dense_1', units: 3, activation: 'softmax' }));
  randomizeWeights(model, 216);
  const expected = predictionsOf(model, [2, 8, 8, 1], 7);
  const a = await artifactsOf(model);
  const { manifest, files } = shard(a.weightSpecs, a.weightData, [a.weightSpecs.length], 2, '');
  const modelJson = {
    modelTopology: {
      keras_version: '2.1.6',
      backend: 'tensorflow',
      model_config: { class_name: 'Sequential', config: kerasify(a.modelTopology.config.layers) },
      training_config: {
        optimizer_config: {
          class_name: 'Adam',
          config: { lr: 0.001, beta_1: 0.9, beta_2: 0.999, decay: 0.0, epsilon: 1e-7, amsgrad: false },
        },
        loss: 'categorical_crossentropy',
        metrics: ['accuracy'],
        sample_weight_mode: null,
        loss_weights: null,
      },
    },
    weightsManifest: manifest,
  };
  write('keras-2.1.6-sequential-cnn', modelJson, files, expected);
  model.dispose();
}

// ---- Keras 2.2.4, functional "Model": two branches, Reshape, two groups of two extensionless shards ----

async function keras224Functional() {
  const input = tf.input({ name: 'input_1', shape: [16] });
  const image = tf.layers.reshape({ name: 'reshape_1', targetShape: [4, 4, 1] }).apply(input);
  const conv = tf.layers
    .conv2d({ name: 'conv2d_1', filters: 2, kernelSize: 3, padding: 'same', activation: 'tanh' })
    .apply(image);
  const pooled = tf.layers.maxPooling2d({ name: 'max_pooling2d_1', poolSize: 2 }).apply(conv);
  const flat = tf.layers.flatten({ name: 'flatten_1' }).apply(pooled);
  const side = tf.layers.dense({ name: 'dense_1', units: 4, activation: 'relu' }).apply(input);
  const joined = tf.layers.concatenate({ name: 'concatenate_1' }).apply([flat, side]);
  const output = tf.layers.dense({ name: 'dense_2', units: 3, activation: 'softmax' }).apply(joined);
  const model = tf.model({ name: 'model_1', inputs: input, outputs: output });
  randomizeWeights(model, 224);
  const expected = predictionsOf(model, [3, 16], 5);
  const a = await artifactsOf(model);
  const topology = a.modelTopology;
  topology.class_name = 'Model';
  topology.keras_version = '2.2.4';
  topology.backend = 'tensorflow';
  kerasify(topology.config.layers);
  const { manifest, files } = shard(a.weightSpecs, a.weightData, [2, a.weightSpecs.length - 2], 2, '');
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.2.4',
    convertedBy: 'TensorFlow.js Converter v1.0.1',
    modelTopology: topology,
    weightsManifest: manifest,
  };
  write('keras-2.2.4-functional', modelJson, files, expected);
  model.dispose();
}

// ---- Keras 2.4, "Functional" with an LSTM; the converter 2.x layout with .bin shards -------------------

async function keras24FunctionalLstm() {
  const input = tf.input({ name: 'input_1', batchShape: [null, 5, 3] });
  const lstm = tf.layers.lstm({ name: 'lstm', units: 4 }).apply(input);
  const dropped = tf.layers.dropout({ name: 'dropout', rate: 0.2 }).apply(lstm);
  const output = tf.layers.dense({ name: 'dense', units: 2 }).apply(dropped);
  const model = tf.model({ name: 'model', inputs: input, outputs: output });
  randomizeWeights(model, 24);
  const expected = predictionsOf(model, [2, 5, 3], 3);
  const a = await artifactsOf(model);
  const topology = a.modelTopology;
  topology.class_name = 'Functional';
  topology.keras_version = '2.4.0';
  topology.backend = 'tensorflow';
  kerasify(topology.config.layers);
  const { manifest, files } = shard(a.weightSpecs, a.weightData, [a.weightSpecs.length], 1, '.bin');
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.4.0',
    convertedBy: 'TensorFlow.js Converter v2.7.0',
    modelTopology: topology,
    weightsManifest: manifest,
  };
  write('keras-2.4-functional-lstm', modelJson, files, expected);
  model.dispose();
}

await abalone();
await keras216SequentialCnn();
await keras224Functional();
await keras24FunctionalLstm();
console.log(`fixtures written under ${OUT}`);
