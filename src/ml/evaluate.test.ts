import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { updateLayer } from '../core/model/edit';
import { accuracyOf, regressionMetrics } from '../core/model/metrics';
import type { ModelSpec } from '../core/model/spec';
import { findTemplate } from '../core/model/templates';
import { mulberry32 } from '../core/random';
import { buildModel } from './build';
import { evaluateModel, predict } from './evaluate';
import type { RowData } from '../core/ports';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const TOY = findTemplate('toy-2d')?.spec as ModelSpec;
const SINE = findTemplate('sine')?.spec as ModelSpec;

function points(rows: number, seed = 1): { x: RowData; labels: RowData } {
  const next = mulberry32(seed);
  const x = Float32Array.from({ length: rows * 2 }, () => next() * 2 - 1);
  const labels = Float32Array.from({ length: rows }, (_, r) =>
    (x[2 * r] ?? 0) * (x[2 * r + 1] ?? 0) > 0 ? 1 : 0,
  );
  return { x: { values: x, shape: [rows, 2] }, labels: { values: labels, shape: [rows] } };
}

describe('predict', () => {
  it('returns every row as one typed array, in chunks of any size', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const { x } = points(37);
    const whole = await predict(model, x);
    const chunked = await predict(model, x, { batchSize: 5 });
    expect(whole.shape).toEqual([37, 2]);
    expect(whole.values).toBeInstanceOf(Float32Array);
    expect(Array.from(chunked.values)).toEqual(Array.from(whole.values));
    const direct = model.predict(tf.tensor2d(x.values, [37, 2])) as tf.Tensor;
    expect(Array.from(whole.values)).toEqual(Array.from(direct.dataSync()));
    direct.dispose();
    model.dispose();
  });
});

describe('evaluateModel', () => {
  it('gives the loss TF.js reports, the accuracy and a confusion matrix for classification', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const { x, labels } = points(50);
    const before = tf.memory().numTensors;
    const e = await evaluateModel(model, x, labels, { task: 'classification', batchSize: 16 });
    expect(tf.memory().numTensors).toBe(before);

    model.compile({ optimizer: 'sgd', loss: 'categoricalCrossentropy', metrics: ['acc'] });
    const xs = tf.tensor2d(x.values, [50, 2]);
    const ys = tf.oneHot(tf.tensor1d(Array.from(labels.values), 'int32'), 2);
    const [loss, acc] = model.evaluate(xs, ys) as tf.Scalar[];
    expect(e.loss).toBeCloseTo(loss?.dataSync()[0] ?? NaN, 5);
    expect(e.accuracy).toBeCloseTo(acc?.dataSync()[0] ?? NaN, 5);
    expect(e.lossName).toBe('categoricalCrossentropy');
    expect(e.rows).toBe(50);
    expect(e.confusion?.classes).toBe(2);
    expect(Array.from(e.confusion?.counts ?? []).reduce((a, b) => a + b, 0)).toBe(50);
    expect(accuracyOf(e.confusion!)).toBe(e.accuracy);
    tf.dispose([xs, ys, loss, acc]);
    model.dispose();
  });

  it('accepts one-hot targets and reports a sparse loss by its name', async () => {
    const model = buildModel(TOY, { seed: 1 });
    const { x, labels } = points(20);
    const oneHot: RowData = {
      values: Float32Array.from({ length: 40 }, (_, i) =>
        labels.values[Math.floor(i / 2)] === i % 2 ? 1 : 0,
      ),
      shape: [20, 2],
    };
    const a = await evaluateModel(model, x, labels, { task: 'classification' });
    const b = await evaluateModel(model, x, oneHot, { task: 'classification' });
    const c = await evaluateModel(model, x, labels, {
      task: 'classification',
      loss: 'sparseCategoricalCrossentropy',
    });
    expect(b.accuracy).toBe(a.accuracy);
    expect(b.loss).toBeCloseTo(a.loss, 6);
    expect(c.loss).toBeCloseTo(a.loss, 6);
    expect(c.lossName).toBe('sparseCategoricalCrossentropy');
    model.dispose();
  });

  it('treats a single sigmoid output as two classes split at 0.5', async () => {
    const model = buildModel(updateLayer(TOY, 'output', { units: 1, activation: 'sigmoid' }), { seed: 1 });
    const { x, labels } = points(30);
    const e = await evaluateModel(model, x, labels, { task: 'classification' });
    const p = await predict(model, x);
    const right = Array.from(p.values).filter((v, i) => (v >= 0.5 ? 1 : 0) === labels.values[i]).length;
    expect(e.lossName).toBe('binaryCrossentropy');
    expect(e.confusion?.classes).toBe(2);
    expect(e.accuracy).toBeCloseTo(right / 30, 10);
    model.dispose();
  });

  it('gives MSE as the loss, MAE and R² for regression', async () => {
    const model = buildModel(SINE, { seed: 1 });
    const xs = Float32Array.from({ length: 25 }, (_, i) => i / 5);
    const ys = xs.map(Math.sin);
    const e = await evaluateModel(
      model,
      { values: xs, shape: [25, 1] },
      { values: ys, shape: [25] },
      { task: 'regression' },
    );
    const p = await predict(model, { values: xs, shape: [25, 1] });
    const m = regressionMetrics(ys, p.values);
    expect(e.lossName).toBe('meanSquaredError');
    expect(e.loss).toBeCloseTo(m.mse, 5);
    expect(e.mse).toBe(m.mse);
    expect(e.mae).toBe(m.mae);
    expect(e.r2).toBe(m.r2);
    expect(e.confusion).toBeUndefined();
    model.dispose();
  });
});
