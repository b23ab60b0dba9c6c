/** Moving models between TF.js and Graft through TF.js's own ModelArtifacts, with no extra copies. */
import * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import type { JsonObject } from '../core/json';
import type { ModelSnapshot, TensorData } from '../core/ports';
import type { ModelSummary, StoredDType, TensorEntry } from '../core/versions/types';

const STORED: readonly string[] = ['float32', 'int32', 'bool'];

export function summarize(model: tf.LayersModel): ModelSummary {
  const shape = (s: tf.Shape | tf.Shape[] | undefined) =>
    s === undefined ? null : ((Array.isArray(s[0]) ? s[0] : s) as (number | null)[]);
  return {
    className: model.getClassName(),
    layerCount: model.layers.length,
    paramCount: model.countParams(),
    inputShape: shape(model.inputs[0]?.shape),
    outputShape: shape(model.outputs[0]?.shape),
  };
}

/** Captures topology and weights exactly as `model.save` would write them. */
export async function snapshotModel(model: tf.LayersModel): Promise<ModelSnapshot> {
  let artifacts: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (a) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = artifacts as tf.io.ModelArtifacts | null;
  if (!a || !a.modelTopology || a.modelTopology instanceof ArrayBuffer)
    throw new GraftError('ml/model-invalid', 'This model could not be serialised by TF.js.');
  const specs = a.weightSpecs ?? [];
  const buffer =
    a.weightData === undefined ? new ArrayBuffer(0) : tf.io.CompositeArrayBuffer.join(a.weightData);
  let offset = 0;
  const tensors: TensorData[] = specs.map((spec) => {
    if (!STORED.includes(spec.dtype) || spec.quantization)
      throw new GraftError(
        'ml/model-invalid',
        `Weight "${spec.name}" has dtype ${spec.dtype}, which Graft cannot store.`,
      );
    const bytesPer = spec.dtype === 'bool' ? 1 : 4;
    const length = spec.shape.reduce((n, d) => n * d, 1) * bytesPer;
    const data = new Uint8Array(buffer, offset, length) as Uint8Array<ArrayBuffer>;
    offset += length;
    return { name: spec.name, shape: spec.shape, dtype: spec.dtype as StoredDType, data };
  });
  return { topology: a.modelTopology as JsonObject, summary: summarize(model), tensors };
}

/** Rebuilds a live model from stored topology and verified weight bytes. */
export interface WeightsInMemory {
  readonly topology: JsonObject;
  readonly tensors: readonly {
    readonly entry: Pick<TensorEntry, 'name' | 'shape' | 'dtype'>;
    readonly data: ArrayBuffer;
  }[];
}

export async function materializeModel(loaded: WeightsInMemory): Promise<tf.LayersModel> {
  const weightSpecs: tf.io.WeightsManifestEntry[] = loaded.tensors.map(({ entry }) => ({
    name: entry.name,
    shape: [...entry.shape],
    dtype: entry.dtype,
  }));
  try {
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: loaded.topology as object,
        weightSpecs,
        weightData: loaded.tensors.map((t) => t.data),
      }),
    );
  } catch (e) {
    throw new GraftError(
      'ml/model-invalid',
      `TF.js could not rebuild this model: ${e instanceof Error ? e.message : String(e)}`,
      { cause: e },
    );
  }
}
