/**
 * Where Keras keeps each weight of a TF.js model, in both of its file layouts:
 * - Keras 3 (`.keras`, `.weights.h5`): one group per object, found by path, not by name —
 *   `layers/<class in snake_case, numbered>/vars/<i>`, with recurrent cells under `cell`, a Bidirectional's
 *   halves under `forward_layer`/`backward_layer`, a TimeDistributed's layer under `layer`, stacked cells
 *   under `cell/cells/<class>` and nested models under their own `layers/`;
 * - the legacy HDF5 layout (`model.save('model.h5')`, Keras 2 and 3): one group per top-level layer, named
 *   after it, listing that layer's weights as Keras orders them (trainable first, then the rest).
 * Walking the TF.js layer objects (rather than the config) gives each weight together with its place.
 */
import * as tf from '@tensorflow/tfjs';
import { KerasContainerNames, kerasModelClass } from '../core/keras/naming';

type Layer = tf.layers.Layer;
type Variable = tf.LayerVariable;

/** One Keras 3 weights group and the TF.js weights it holds, in `vars/0…n` order. */
export interface KerasPart {
  /** The group holding `vars`, e.g. `layers/lstm/cell`. */
  readonly path: string;
  readonly weights: readonly Variable[];
}

/** A layer (not a model) of the model, wherever it is nested, with the groups of its weights. */
export interface KerasSlot {
  /** Names from the outermost model's layer down to this one. */
  readonly names: readonly string[];
  readonly layer: Layer;
  /** The layer's own group, e.g. `layers/sequential/layers/dense`. */
  readonly path: string;
  readonly parts: readonly KerasPart[];
}

const isModel = (layer: Layer): layer is tf.LayersModel => layer instanceof tf.LayersModel;
const isInput = (layer: Layer) => layer.getClassName() === 'InputLayer';

/** Every layer of `model` with its Keras 3 paths, in the order Keras saves them. */
export function kerasV3Slots(model: tf.LayersModel): KerasSlot[] {
  const out: KerasSlot[] = [];
  walk(model, '', [], out);
  return out;
}

/** What Keras lists as a model's layers: a Sequential's input layer is not one of them. */
function containerLayers(model: tf.LayersModel): Layer[] {
  return model.getClassName() === 'Sequential' ? model.layers.filter((l) => !isInput(l)) : model.layers;
}

function walk(model: tf.LayersModel, prefix: string, names: readonly string[], out: KerasSlot[]): void {
  const counter = new KerasContainerNames();
  for (const layer of containerLayers(model)) {
    const path = `${prefix}layers/${counter.next(kerasModelClass(layer.getClassName()))}`;
    if (isModel(layer)) walk(layer, `${path}/`, [...names, layer.name], out);
    else out.push({ names: [...names, layer.name], layer, path, parts: partsOf(layer, path) });
  }
}

interface Recurrent {
  readonly cell: Layer;
}
interface Stacked {
  readonly cells: readonly Layer[];
}
interface Bidirectional {
  readonly forwardLayer: Layer;
  readonly backwardLayer: Layer;
}

function partsOf(layer: Layer, path: string): KerasPart[] {
  const className = layer.getClassName();
  if (className === 'Bidirectional') {
    const b = layer as unknown as Bidirectional;
    return [
      ...partsOf(b.forwardLayer, `${path}/forward_layer`),
      ...partsOf(b.backwardLayer, `${path}/backward_layer`),
    ];
  }
  if (layer instanceof tf.layers.Layer && 'layer' in layer && className === 'TimeDistributed')
    return partsOf((layer as unknown as { layer: Layer }).layer, `${path}/layer`);
  if ('cell' in layer && (layer as unknown as Recurrent).cell instanceof tf.layers.Layer)
    return cellParts((layer as unknown as Recurrent).cell, `${path}/cell`);
  return [{ path, weights: layer.weights }];
}

function cellParts(cell: Layer, path: string): KerasPart[] {
  if (cell.getClassName() !== 'StackedRNNCells') return [{ path, weights: cell.weights }];
  const names = new KerasContainerNames();
  return (cell as unknown as Stacked).cells.flatMap((c) =>
    cellParts(c, `${path}/cells/${names.next(c.getClassName())}`),
  );
}

/** A top-level layer's weights in the order the legacy HDF5 layout lists them. */
export function legacyWeightOrder(layer: Layer): Variable[] {
  return [...layer.trainableWeights, ...layer.nonTrainableWeights];
}
