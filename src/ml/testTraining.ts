/**
 * What the training tests share: the toy model, XOR data, a model whose loss blows up, weights as plain
 * numbers and as bits, an expected GraftError, and a model and an optimizer state taken apart into bytes
 * and put together again.
 */
import type * as tf from '@tensorflow/tfjs';
import { GraftError } from '../core/errors';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import type { TrainConfig } from '../core/model/training';
import { mulberry32 } from '../core/random';
import { tensorBytes, type OptimizerState, type TrainingData } from '../core/ports';
import { materializeModel, snapshotModel } from './snapshot';

export const TOY = findTemplate('toy-2d')?.spec as ModelSpec;

export const TOY_CONFIG: TrainConfig = {
  optimizer: 'adam',
  learningRate: 0.05,
  loss: 'categoricalCrossentropy',
  batchSize: 16,
  epochs: 3,
  seed: 7,
};

/**
 * One linear unit pulled from inputs of 1000 toward -1000 (`blowupData`): trained with SGD on mean squared
 * error at a learning rate of 1e6, its loss becomes NaN or infinite in the first epoch.
 */
export const BLOWUP: ModelSpec = {
  name: 'blowup',
  inputShape: [1],
  layers: [
    { id: 'o', name: 'o', kind: 'Dense', units: 1, activation: 'linear', useBias: true, trainable: true },
  ],
};

export function blowupData(rows = 64): TrainingData {
  return {
    xTrain: { values: new Float32Array(rows).fill(1000), shape: [rows, 1] },
    yTrain: { values: new Float32Array(rows).fill(-1000), shape: [rows, 1] },
  };
}

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

/** Every weight's bits, as signed 32-bit integers: equal only when bit for bit equal (NaN and -0 included). */
export function weightBits(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => {
    const values = w.dataSync();
    return Array.from(new Int32Array(values.buffer, values.byteOffset, values.length));
  });
}

/** A model rebuilt from its topology and weights' bytes, as a stored version is after a reload. */
export async function rebuilt(model: tf.LayersModel): Promise<tf.LayersModel> {
  const snapshot = await snapshotModel(model);
  return materializeModel({
    topology: snapshot.topology,
    tensors: await Promise.all(
      snapshot.tensors.map(async (t) => ({
        entry: { name: t.name, shape: [...t.shape], dtype: t.dtype },
        data: (await tensorBytes(t)).slice().buffer,
      })),
    ),
  });
}

/**
 * `state` as a store gives it back: its meta through JSON, its tensors' bytes copied into one buffer at
 * odd offsets (no typed array of 4-byte values can start there), nothing shared with the original.
 */
export async function throughBytes(state: OptimizerState): Promise<OptimizerState> {
  const bytes = await Promise.all(state.tensors.map((t) => tensorBytes(t)));
  const blob = new Uint8Array(bytes.reduce((n, b) => n + b.byteLength + 1, 0));
  const tensors = [];
  let at = 1;
  for (const [i, t] of state.tensors.entries()) {
    const b = bytes[i] as Uint8Array;
    blob.set(b, at);
    tensors.push({
      name: t.name,
      shape: [...t.shape],
      dtype: t.dtype,
      data: blob.subarray(at, at + b.byteLength),
    });
    at += b.byteLength + 1;
  }
  const { tensors: _, ...meta } = state;
  return { ...(JSON.parse(JSON.stringify(meta)) as Omit<OptimizerState, 'tensors'>), tensors };
}

/** A state's meta and every tensor's name, shape, dtype and bytes, for comparing states bit for bit. */
export async function stateContents(state: OptimizerState) {
  const { tensors, ...meta } = state;
  return {
    meta,
    tensors: await Promise.all(
      tensors.map(async (t) => ({
        name: t.name,
        shape: [...t.shape],
        dtype: t.dtype,
        bytes: Array.from(await tensorBytes(t)),
      })),
    ),
  };
}
