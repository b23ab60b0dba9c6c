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
      throw new GraftError(
        'ml/model-invalid',
        `Weight "${w.originalName}" has dtype ${dtype}, which Graft cannot store.`,
      );
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

export async function materializeModel(loaded: WeightsInMemory): Promise<tf.LayersModel> {
  const weightSpecs: tf.io.WeightsManifestEntry[] = loaded.tensors.map(({ entry }) => ({
    name: entry.name,
    shape: [...entry.shape],
    dtype: entry.dtype,
  }));
  try {
    const model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: loaded.topology as object,
        weightSpecs,
        weightData: loaded.tensors.map((t) => t.data),
      }),
    );
    rememberHashes(
      model,
      loaded.tensors.map((t) => t.entry),
    );
    return model;
  } catch (e) {
    throw new GraftError(
      'ml/model-invalid',
      `TF.js could not rebuild this model: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
