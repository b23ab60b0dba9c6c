import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { summarize } from './snapshot';
import { twoInTwoOutLstm } from './testModels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('summarize', () => {
  it('records every input and output of a model with several', () => {
    const model = twoInTwoOutLstm();
    expect(summarize(model)).toEqual({
      className: 'Model',
      layerCount: 7,
      paramCount: model.countParams(),
      inputShape: [null, null, 81],
      outputShape: [null, 3],
      inputShapes: [
        [null, null, 81],
        [null, 4],
      ],
      outputShapes: [
        [null, 3],
        [null, 1],
      ],
    });
    model.dispose();
  });

  it('keeps the summary of a one-input, one-output model as it always was', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 2 })] });
    expect(summarize(model)).toEqual({
      className: 'Sequential',
      layerCount: 1,
      paramCount: 12,
      inputShape: [null, 5],
      outputShape: [null, 2],
    });
    model.dispose();
  });
});
