import { describe, expect, it } from 'vitest';
import { KerasContainerNames, kerasSnakeCase } from './naming';

describe('Keras’s names for classes in a weights file', () => {
  it('snake_cases class names exactly as keras.src.utils.naming.to_snake_case does', () => {
    // Each pair as Keras 3.15 writes it in a .keras file (tests/fixtures/keras/layouts.json).
    const cases: [string, string][] = [
      ['Dense', 'dense'],
      ['BatchNormalization', 'batch_normalization'],
      ['Conv2D', 'conv2d'],
      ['Conv2DTranspose', 'conv2d_transpose'],
      ['ConvLSTM2D', 'conv_lstm2d'],
      ['LSTM', 'lstm'],
      ['GRUCell', 'gru_cell'],
      ['SimpleRNNCell', 'simple_rnn_cell'],
      ['StackedRNNCells', 'stacked_rnn_cells'],
      ['PReLU', 'p_re_lu'],
      ['LeakyReLU', 'leaky_re_lu'],
      ['InputLayer', 'input_layer'],
      ['Functional', 'functional'],
    ];
    for (const [cls, snake] of cases) expect(kerasSnakeCase(cls), cls).toBe(snake);
  });

  it('numbers repeats within one list', () => {
    const names = new KerasContainerNames();
    expect(['Dense', 'Dense', 'Dropout', 'Dense'].map((c) => names.next(c))).toEqual([
      'dense',
      'dense_1',
      'dropout',
      'dense_2',
    ]);
  });
});
