/** Moving models between TF.js and Graft through TF.js's own ModelArtifacts, with no extra copies. */
import * as tf from '@tensorflow/tfjs';
import './tfjsFixes';
import { GraftError } from '../core/errors';
import type { JsonObject } from '../core/json';
import type { BlobHash } from '../core/hashing';
import type { ModelSnapshot, TensorData, WeightsInMemory } from '../core/ports';
import { summaryShapes } from '../core/versions/summary';
import type { ModelSummary, StoredDType } from '../core/versions/types';

const STORED: readonly string[] = ['float32', 'int32', 'bool'];

/** The summary stored with a version: every input's and output's shape, batch first. */
export function summarize(model: tf.LayersModel): ModelSummary {
  const shape = (t: tf.SymbolicTensor) => [...t.shape];
  return {
    className: model.getClassName(),
    layerCount: model.layers.length,
    paramCount: model.countParams(),
    ...summaryShapes(model.inputs.map(shape), model.outputs.map(shape)),
  };
}

/**
 * Hashes of weight buffers Graft has already hashed, keyed by TF.js's data id. A tensor's data never
 * changes under one data id (training assigns a new one), so a known id means known bytes: a save after
 * training one layer reads and hashes only that layer.
 */
const KNOWN_HASHES = new WeakMap<object, BlobHash>();

/** Captures topology and weights exactly as `model.save` would write them, reading weights lazily. */
export function snapshotModel(model: tf.LayersModel): Promise<ModelSnapshot> {
  const topology = model.toJSON(null, false) as unknown as JsonObject;
  const tensors = model.weights.map((w): TensorData => {
    const variable = w.read();
    const dtype = variable.dtype;
    if (!STORED.includes(dtype))
      throw new GraftError('error.ml/model-invalid.dtype', { weight: w.originalName, dtype });
    const dataId = variable.dataId as object;
    const known = KNOWN_HASHES.get(dataId);
    return {
      name: w.originalName,
      shape: variable.shape,
      dtype: dtype as StoredDType,
      ...(known ? { hash: known } : {}),
      read: async () => {
        const values = (await variable.data()) as Float32Array | Int32Array | Uint8Array;
        return new Uint8Array(values.buffer as ArrayBuffer, values.byteOffset, values.byteLength);
      },
      onHashed: (hash) => KNOWN_HASHES.set(dataId, hash),
    };
  });
  return Promise.resolve({ topology, summary: summarize(model), tensors });
}

/** Records the verified hashes of a freshly loaded model's weights. */
function rememberHashes(model: tf.LayersModel, entries: readonly { name: string; hash?: BlobHash }[]): void {
  const byName = new Map(entries.map((e) => [e.name, e.hash]));
  for (const w of model.weights) {
    const hash = byName.get(w.originalName);
    if (hash) KNOWN_HASHES.set(w.read().dataId as object, hash);
  }
}

/**
 * A version's model, its weights the loaded bytes themselves: each buffer becomes its tensor's storage
 * (on the CPU backend; WebGL uploads it), with no copy. TF.js's own loading copies every weight out of the
 * buffers it is given while they are still held, which needs the model's size twice; a 1 GiB model would
 * need 2 GiB more at once. The model is built first with zero-filled weights (TF.js's fast initialisation
 * for a model about to be loaded: memory the system hands out as it is written, so never here), then
 * given the tensors. The loaded version's buffers must not be changed afterwards (nothing in Graft does).
 */
export async function materializeModel(loaded: WeightsInMemory): Promise<tf.LayersModel> {
  let model: tf.LayersModel | null = null;
  try {
    model = await buildWithoutWeights(loaded.topology);
    const named: tf.NamedTensorMap = {};
    const used = new Set<ArrayBuffer>();
    for (const { entry, data } of loaded.tensors) {
      // Two weights with the same bytes arrive as one buffer; each tensor gets storage of its own.
      const buffer = used.has(data) ? data.slice(0) : data;
      used.add(buffer);
      named[entry.name] = tf.tensor(typedArray(buffer, entry.dtype), [...entry.shape], entry.dtype);
    }
    try {
      model.loadWeights(named, true);
    } finally {
      // The model's variables took the tensors' storage over; these handles are no longer needed.
      tf.dispose(Object.values(named));
    }
    rememberHashes(
      model,
      loaded.tensors.map((t) => t.entry),
    );
    return model;
  } catch (e) {
    model?.dispose();
    throw new GraftError(
      'error.ml/model-invalid.rebuild',
      { detail: e instanceof Error ? e.message : String(e) },
      { cause: e },
    );
  }
}

function typedArray(buffer: ArrayBuffer, dtype: StoredDType): Float32Array | Int32Array | Uint8Array {
  if (dtype === 'float32') return new Float32Array(buffer);
  if (dtype === 'int32') return new Int32Array(buffer);
  return new Uint8Array(buffer);
}

/** The one tiny weight that asks TF.js for its fast, zero-filled initialisation (see below). */
const BUILD_ONLY = '__graft_build_only__';

type LoadWeights = (this: tf.LayersModel, weights: tf.NamedTensorMap, strict?: boolean) => void;

/**
 * The model of `topology` with zero-filled weights, through TF.js's own loader: given weights it builds the
 * layers with zeros instead of running their initialisers (random values of the model's full size), then
 * loads the weights. Given one stand-in weight that the loading step, for this call only, leaves aside,
 * it returns the built model. Loads of other models meanwhile go through unchanged.
 */
async function buildWithoutWeights(topology: JsonObject): Promise<tf.LayersModel> {
  const proto = tf.LayersModel.prototype as unknown as { loadWeights: LoadWeights };
  const own = Object.prototype.hasOwnProperty.call(proto, 'loadWeights');
  const original = proto.loadWeights;
  proto.loadWeights = function (weights, strict) {
    if (Object.prototype.hasOwnProperty.call(weights, BUILD_ONLY)) return;
    original.call(this, weights, strict);
  };
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: topology as object,
        weightSpecs: [{ name: BUILD_ONLY, shape: [1], dtype: 'float32' }],
        weightData: new ArrayBuffer(4),
      }),
    );
  } finally {
    if (own) proto.loadWeights = original;
    else delete (proto as { loadWeights?: LoadWeights }).loadWeights;
  }
}
