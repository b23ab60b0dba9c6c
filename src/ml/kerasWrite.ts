/**
 * A TF.js model written as a Keras 3 `.keras` file: its config.json (core/keras/configOut.ts) and its
 * weights where Keras keeps them (./kerasLayout.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { writeZip } from '../core/bundle/zip';
import type { JsonObject } from '../core/json';
import { KERAS_FORMAT_VERSION, tfjsToKeras, type ExportShapes } from '../core/keras/configOut';
import type { H5WriteDataset, H5WriteGroup, Hdf5Io } from '../core/keras/hdf5';
import { kerasV3Slots } from './kerasLayout';

export interface KerasExportInfo {
  readonly graftVersionId: string;
  readonly savedAt: Date;
}

/** A `.keras` file of `model` that `keras.saving.load_model` opens with the same predictions. */
export async function writeKerasFile(
  model: tf.LayersModel,
  io: Hdf5Io,
  info: KerasExportInfo,
): Promise<Uint8Array<ArrayBuffer>> {
  const topology = model.toJSON(null, false) as unknown as JsonObject;
  const config = tfjsToKeras(topology, exportShapes(model));
  const root: { attrs: Record<string, string>; children: Map<string, H5WriteGroup | H5WriteDataset> } = {
    attrs: {},
    children: new Map(),
  };
  const groupAt = (path: string) => {
    let node = root;
    for (const part of path.split('/').filter(Boolean)) {
      let next = node.children.get(part) as typeof root | undefined;
      if (!next) {
        next = { attrs: {}, children: new Map() };
        node.children.set(part, next);
      }
      node = next;
    }
    return node;
  };
  groupAt('vars').attrs.name = model.name;
  for (const slot of kerasV3Slots(model)) {
    groupAt(`${slot.path}/vars`).attrs.name = slot.layer.name;
    for (const part of slot.parts) {
      const vars = groupAt(`${part.path}/vars`);
      for (const [i, w] of part.weights.entries()) {
        const values = await w.read().data();
        vars.children.set(String(i), {
          shape: w.shape as number[],
          type: w.dtype === 'int32' ? 'int32' : w.dtype === 'bool' ? 'bool' : 'float32',
          data: new Uint8Array(values.buffer, values.byteOffset, values.byteLength),
        });
      }
    }
  }
  const weights = await io.write(root);
  const stamp = info.savedAt.toISOString().replace('T', '@').slice(0, 19);
  const metadata = {
    keras_version: KERAS_FORMAT_VERSION,
    date_saved: stamp,
    graft: { versionId: info.graftVersionId },
  };
  const text = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
  return writeZip(
    [
      { name: 'metadata.json', data: text(metadata), compress: true },
      { name: 'config.json', data: text(config), compress: true },
      { name: 'model.weights.h5', data: weights, compress: false },
    ],
    info.savedAt,
  );
}

/** The shapes `tfjsToKeras` records, read off the built model with TF.js's own numbering of calls. */
function exportShapes(model: tf.LayersModel): ExportShapes {
  type Shape = (number | null)[];
  const outputs = new Map<string, Shape[][]>();
  const inputs = new Map<string, Shape[]>();
  // Calls are numbered as TF.js's topology numbers them: every call of the layer, a nested model's own
  // construction included.
  const visit = (m: tf.LayersModel) => {
    for (const layer of m.layers) {
      const nodes: Shape[][] = [];
      layer.inboundNodes.forEach((node) => {
        nodes.push(node.outputTensors.map((t) => [...t.shape]));
        if (!inputs.has(layer.name) && node.inputTensors.length > 0 && node.inboundLayers.length > 0)
          inputs.set(
            layer.name,
            node.inputTensors.map((t) => [...t.shape]),
          );
      });
      if (!outputs.has(layer.name)) outputs.set(layer.name, nodes);
      if (layer instanceof tf.LayersModel) visit(layer);
    }
  };
  visit(model);
  return {
    outputs: (layer, node) => outputs.get(layer)?.[node] ?? null,
    inputs: (layer) => inputs.get(layer) ?? null,
  };
}
