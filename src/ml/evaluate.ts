/** Evaluating a model on a data set (loss, accuracy and confusion matrix, or regression errors) and predicting rows. */
import * as tf from '@tensorflow/tfjs';
import { accuracyOf, argmaxRows, confusionMatrix, regressionMetrics } from '../core/model/metrics';
import type { LossName } from '../core/model/training';
import type { EvaluateOptions, ModelEvaluation, Prediction, RowData } from '../core/ports';
import { inputTensor, makeYielder, targetTensor } from './train';

const LOSS_FNS: Readonly<Record<LossName, (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor>> = {
  categoricalCrossentropy: tf.metrics.categoricalCrossentropy,
  // evaluateModel one-hot encodes the indices first; on one-hot targets both losses are the same number.
  sparseCategoricalCrossentropy: tf.metrics.categoricalCrossentropy,
  binaryCrossentropy: tf.metrics.binaryCrossentropy,
  meanSquaredError: tf.metrics.meanSquaredError,
};

function outputUnits(model: tf.LayersModel): number {
  const shape = model.outputs[0]?.shape ?? [];
  return (shape[shape.length - 1] as number | null) ?? 1;
}

/** Runs `model` on `rows` in chunks, yielding to the page between them; the result is one typed array. */
export async function predict(
  model: tf.LayersModel,
  rows: RowData,
  options: { batchSize?: number } = {},
): Promise<Prediction> {
  const x = inputTensor(model, rows, 'the rows to predict');
  const yielder = makeYielder();
  try {
    return await predictTensor(model, x, options.batchSize ?? 256, yielder.yieldNow);
  } finally {
    x.dispose();
    yielder.close();
  }
}

async function predictTensor(
  model: tf.LayersModel,
  x: tf.Tensor,
  chunk: number,
  yieldNow: () => Promise<void>,
  onChunk?: (pred: tf.Tensor, start: number, size: number) => void,
): Promise<Prediction> {
  const rows = x.shape[0] ?? 0;
  const outShape = (model.outputs[0]?.shape.slice(1) ?? []) as number[];
  const per = outShape.reduce((n, d) => n * d, 1);
  const values = new Float32Array(rows * per);
  for (let start = 0; start < rows; start += chunk) {
    const size = Math.min(chunk, rows - start);
    const pred = tf.tidy(() => model.predictOnBatch(x.slice(start, size)) as tf.Tensor);
    try {
      onChunk?.(pred, start, size);
      values.set((await pred.data()) as Float32Array, start * per);
    } finally {
      pred.dispose();
    }
    await yieldNow();
  }
  return { values, shape: [rows, ...outShape] };
}

/**
 * Loss plus, for classification, accuracy and a confusion matrix (targets as class indices or one-hot
 * rows; a single sigmoid output counts as two classes split at 0.5), or, for regression, MAE, MSE and R².
 */
export async function evaluateModel(
  model: tf.LayersModel,
  x: RowData,
  y: RowData,
  options: EvaluateOptions,
): Promise<ModelEvaluation> {
  const units = outputUnits(model);
  const lossName: LossName =
    options.loss ??
    (options.task === 'regression'
      ? 'meanSquaredError'
      : units === 1
        ? 'binaryCrossentropy'
        : 'categoricalCrossentropy');
  const xs = inputTensor(model, x, 'the evaluation inputs');
  const yielder = makeYielder();
  let ys: tf.Tensor | null = null;
  let lossSum: tf.Tensor = tf.scalar(0);
  try {
    const targetLoss = lossName === 'sparseCategoricalCrossentropy' ? 'categoricalCrossentropy' : lossName;
    const targets = targetTensor(model, y, targetLoss, 'the evaluation targets');
    ys = targets;
    const lossFn = LOSS_FNS[lossName];
    let count = 0;
    const prediction = await predictTensor(
      model,
      xs,
      options.batchSize ?? 256,
      yielder.yieldNow,
      (pred, start, size) => {
        const next = tf.tidy(() => {
          const losses = lossFn(targets.slice(start, size), pred);
          count += losses.size;
          return lossSum.add(losses.sum());
        });
        lossSum.dispose();
        lossSum = next;
      },
    );
    const loss = ((await lossSum.data())[0] ?? NaN) / count;
    const rows = prediction.shape[0] ?? 0;
    const truth = (await ys.data()) as Float32Array;
    if (options.task === 'regression') {
      const m = regressionMetrics(truth, prediction.values);
      return { rows, loss, lossName, mae: m.mae, mse: m.mse, r2: m.r2 };
    }
    const classes = units === 1 ? 2 : units;
    const predicted =
      units === 1
        ? Int32Array.from(prediction.values, (p) => (p >= 0.5 ? 1 : 0))
        : argmaxRows(prediction.values, units);
    const perTruth = truth.length / Math.max(rows, 1);
    const trueClasses =
      perTruth === 1 ? Int32Array.from(truth, (v) => Math.round(v)) : argmaxRows(truth, perTruth);
    const confusion = confusionMatrix(trueClasses, predicted, classes);
    return { rows, loss, lossName, accuracy: accuracyOf(confusion), confusion };
  } finally {
    xs.dispose();
    ys?.dispose();
    lossSum.dispose();
    yielder.close();
  }
}
