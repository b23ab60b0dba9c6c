/** The architecture table's rows, read off a live model. */
import type * as tf from '@tensorflow/tfjs';
import type { LayerInfo } from '../core/ports';

function shapeText(shape: tf.Shape | tf.Shape[]): string {
  const one = (s: tf.Shape) => `[${s.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
  return Array.isArray(shape[0]) ? (shape as tf.Shape[]).map(one).join(' ') : one(shape as tf.Shape);
}

export function describeLayers(model: tf.LayersModel): LayerInfo[] {
  return model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    outputShape: shapeText(layer.outputShape),
    params: layer.countParams(),
    trainable: layer.trainable,
  }));
}
