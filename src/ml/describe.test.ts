import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeLayers } from './describe';
import { twoInTwoOutLstm } from './testModels';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('describeLayers', () => {
  it('calls only the first dimension the batch: an LSTM over sequences of any length', () => {
    const model = tf.sequential({
      layers: [tf.layers.lstm({ inputShape: [null, 81], units: 8, returnSequences: true, name: 'lstm' })],
    });
    expect(describeLayers(model)[0]).toMatchObject({ name: 'lstm', outputShape: '[batch, any, 8]' });
    model.dispose();
  });

  it('gives each output of a layer with several: an LSTM returning its sequence and states', () => {
    const model = twoInTwoOutLstm();
    const shapes = Object.fromEntries(describeLayers(model).map((l) => [l.name, l.outputShape]));
    expect(shapes).toEqual({
      sequence: '[batch, any, 81]',
      meta: '[batch, 4]',
      encoder: '[batch, any, 16] [batch, 16] [batch, 16]',
      pool: '[batch, 16]',
      merge: '[batch, 20]',
      class: '[batch, 3]',
      score: '[batch, 1]',
    });
    model.dispose();
  });
});
