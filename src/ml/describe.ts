/** The architecture table's rows, read off a live model. */
import type * as tf from '@tensorflow/tfjs';
import { shapesText } from '../core/model/shapeText';
import type { LayerInfo } from '../core/ports';

/** `[batch, any, 81]`; a layer with several outputs (an LSTM returning its state) gets each one's. */
function outputShapeText(shape: tf.Shape | tf.Shape[]): string {
  return shapesText(Array.isArray(shape[0]) ? (shape as tf.Shape[]) : [shape as tf.Shape]);
}

export function describeLayers(model: tf.LayersModel): LayerInfo[] {
  return model.layers.map((layer) => ({
    name: layer.name,
    className: layer.getClassName(),
    outputShape: outputShapeText(layer.outputShape),
    params: layer.countParams(),
    trainable: layer.trainable,
  }));
}
