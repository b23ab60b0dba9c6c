/** What the training tests share: the toy model, XOR data, weights as plain numbers, an expected GraftError. */
import type * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import type { TrainConfig } from '../core/model/training';
import { mulberry32 } from '../core/random';
import type { TrainingData } from '../core/ports';

export const TOY = findTemplate('toy-2d')?.spec as ModelSpec;

export const TOY_CONFIG: TrainConfig = {
  optimizer: 'adam',
  learningRate: 0.05,
  loss: 'categoricalCrossentropy',
  batchSize: 16,
  epochs: 3,
  seed: 7,
};

/** XOR in the plane: class 1 where x and y have the same sign. */
export function xor(rows: number, seed = 1): TrainingData {
  const next = mulberry32(seed);
  const x = new Float32Array(rows * 2);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = next() * 2 - 1;
    const b = next() * 2 - 1;
    x[2 * r] = a;
    x[2 * r + 1] = b;
    y[r] = a * b > 0 ? 1 : 0;
  }
  return { xTrain: { values: x, shape: [rows, 2] }, yTrain: { values: y, shape: [rows] } };
}

export function values(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

export async function caught(p: Promise<unknown>): Promise<GraftError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof GraftError) return e;
    throw e;
  }
  throw new Error('expected a GraftError');
}
