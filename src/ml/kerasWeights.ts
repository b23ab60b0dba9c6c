/**
 * Weights-only Keras files — `.weights.h5` (Keras 3's `save_weights`, or Keras 2's) and `.safetensors` —
 * read into tensors, matched to a live model's weights (core/keras/weightsMatch.ts) and written into it.
 */
import * as tf from '@tensorflow/tfjs';
import { countNonFinite, nonFiniteWarning } from '../core/bundle/nonFinite';
import { quote } from '../core/bundle/untrusted';
import { GraftError } from '../core/errors';
import { sha256Hex } from '../core/hashing';
import { attrList, attrText, h5Find, h5Group, type H5Dataset, type H5Group } from '../core/keras/hdf5';
import { readSafetensors, toStoredTensor } from '../core/keras/safetensors';
import { planWeights, type FileTensor, type ModelWeight, type WeightsPlan } from '../core/keras/weightsMatch';
import type { NamedBytes } from '../core/ports';
import type { StoredDType } from '../core/versions/types';
import { kerasV3Slots } from './kerasLayout';
import { castTo, datasetValues, invalid } from './kerasValues';

/** A weights-only file, read and converted, waiting to be matched to a live model. */
export interface WeightsFile {
  readonly format: 'weights-h5' | 'safetensors';
  readonly fileName: string;
  readonly sha256: string;
  readonly kerasVersion: string | null;
  readonly tensors: readonly (FileTensor & {
    readonly dtype: StoredDType;
    readonly data: Uint8Array<ArrayBuffer>;
  })[];
  /** Element types the file stored that were widened to float32, e.g. `float16`. */
  readonly converted: readonly string[];
  /** What the file holds besides weights that Graft leaves out (an optimizer's state). */
  readonly skipped: readonly string[];
  /** Tensors holding NaN or infinite values, in words. */
  readonly warnings: readonly string[];
}

/** Element types by the names people know them by ("float16", not safetensors' "F16"). */
const ELEMENT_NAMES: Readonly<Record<string, string>> = {
  F16: 'float16',
  BF16: 'bfloat16',
  F64: 'float64',
  I8: 'int8',
  U8: 'uint8',
  I16: 'int16',
  U16: 'uint16',
  U32: 'uint32',
  I64: 'int64',
  U64: 'uint64',
};

export async function readSafetensorsWeights(file: NamedBytes): Promise<WeightsFile> {
  const sha256 = await sha256Hex(file.bytes as Uint8Array<ArrayBuffer>);
  const converted = new Set<string>();
  const perLayer = new Map<string, number>();
  const tensors = readSafetensors(file.bytes, file.name).tensors.map((t) => {
    // `dense/kernel`, `0.weight`: what comes before the last separator names the layer.
    const cut = Math.max(t.name.lastIndexOf('/'), t.name.lastIndexOf('.'));
    const layer = cut > 0 ? t.name.slice(0, cut) : null;
    const index = perLayer.get(layer ?? '') ?? 0;
    perLayer.set(layer ?? '', index + 1);
    const stored = toStoredTensor(t, file.name);
    if (stored.convertedFrom) converted.add(ELEMENT_NAMES[stored.convertedFrom] ?? stored.convertedFrom);
    return { key: t.name, layer, index, shape: t.shape, dtype: stored.dtype, data: stored.data };
  });
  return {
    format: 'safetensors',
    fileName: file.name,
    sha256,
    kerasVersion: null,
    tensors,
    converted: [...converted],
    skipped: [],
    warnings: nonFiniteTensors(tensors),
  };
}

/**
 * A weights-only HDF5 file: Keras 3's `save_weights` (`layers/…/vars/<i>`, each `vars` group naming its
 * layer), or Keras 2's (one group per layer listed in `layer_names`, each listing its `weight_names`).
 */
export async function weightsFromHdf5(file: NamedBytes, root: H5Group): Promise<WeightsFile> {
  const sha256 = await sha256Hex(file.bytes as Uint8Array<ArrayBuffer>);
  const converted = new Set<string>();
  const tensors: WeightsFile['tensors'][number][] = [];
  const skipped: string[] = [];
  const legacyNames = attrList(root.attrs, 'layer_names');
  if (legacyNames !== null) {
    for (const layerName of legacyNames) {
      const g = h5Group(root, layerName);
      (g ? (attrList(g.attrs, 'weight_names') ?? []) : []).forEach((path, index) => {
        const node = g ? h5Find(g, path) : null;
        if (node?.kind !== 'dataset')
          throw invalid(`the weight ${quote(path)} of layer ${quote(layerName)} is missing`);
        tensors.push(weightTensor(node, path, layerName, index, converted));
      });
    }
  } else {
    const walk = (g: H5Group, path: string, depth: number) => {
      if (depth > 64) throw invalid('its groups are nested too deeply');
      for (const key of g.keys) {
        const child = g.get(key);
        const childPath = path ? `${path}/${key}` : key;
        if (child?.kind !== 'group') continue;
        if (childPath === 'optimizer') skipped.push('optimizer');
        else if (key !== 'vars') walk(child, childPath, depth + 1);
        else {
          const layer = attrText(child.attrs, 'name') ?? path.split('/').pop() ?? null;
          const indices = child.keys.filter((k) => /^\d+$/.test(k)).sort((x, y) => Number(x) - Number(y));
          for (const index of indices) {
            const ds = child.get(index);
            if (ds?.kind === 'dataset')
              tensors.push(weightTensor(ds, `${childPath}/${index}`, layer, Number(index), converted));
          }
        }
      }
    };
    walk(root, '', 0);
  }
  if (tensors.length === 0)
    throw new GraftError('import/keras-invalid', `${quote(file.name)} holds no weights Graft recognises.`, {
      data: { detail: 'no weights' },
    });
  return {
    format: 'weights-h5',
    fileName: file.name,
    sha256,
    kerasVersion: attrText(root.attrs, 'keras_version'),
    tensors,
    converted: [...converted],
    skipped,
    warnings: nonFiniteTensors(tensors),
  };
}

function nonFiniteTensors(tensors: WeightsFile['tensors']): string[] {
  return tensors.flatMap((t) => {
    const n = t.dtype === 'float32' ? countNonFinite(t.data) : 0;
    return n > 0 ? [nonFiniteWarning(t.key, n)] : [];
  });
}

function weightTensor(
  ds: H5Dataset,
  key: string,
  layer: string | null,
  index: number,
  converted: Set<string>,
) {
  const values = datasetValues(ds, ds.shape, key, converted);
  return { key, layer, index, shape: ds.shape, dtype: values.dtype, data: values.data };
}

/** The live model's weights as the matcher sees them. */
export function modelWeights(model: tf.LayersModel): ModelWeight[] {
  const out: ModelWeight[] = [];
  for (const slot of kerasV3Slots(model)) {
    let offset = 0;
    for (const part of slot.parts)
      part.weights.forEach((w, i) => {
        out.push({
          name: w.originalName,
          layer: slot.layer.name,
          index: offset + i,
          kerasPath: `${part.path}/vars/${i}`,
          shape: w.shape as number[],
        });
      });
    offset += slot.parts.reduce((n, p) => n + p.weights.length, 0);
  }
  return out;
}

export function planWeightsInto(model: tf.LayersModel, file: WeightsFile): WeightsPlan {
  return planWeights(modelWeights(model), file.tensors);
}

/** Writes the planned tensors into the live model's variables (in place, like a training step). */
export function applyWeights(model: tf.LayersModel, file: WeightsFile, plan: WeightsPlan): number {
  const byKey = new Map(file.tensors.map((t) => [t.key, t]));
  const byName = new Map(model.weights.map((w) => [w.originalName, w]));
  let applied = 0;
  tf.tidy(() => {
    for (const m of plan.matches) {
      const variable = byName.get(m.weight);
      const tensor = byKey.get(m.tensor);
      if (!variable || !tensor) continue;
      const bytes = castTo({ data: tensor.data, dtype: tensor.dtype }, variable.dtype, m.tensor);
      const values =
        variable.dtype === 'int32'
          ? new Int32Array(bytes.buffer)
          : variable.dtype === 'bool'
            ? bytes
            : new Float32Array(bytes.buffer);
      variable.write(tf.tensor(values, variable.shape as number[], variable.dtype));
      applied++;
    }
  });
  return applied;
}
