/**
 * Keras's own names for things in its files: the snake_case a class becomes in a `.keras` weights file,
 * and the rule that numbers repeated names. Both must match Keras exactly, since Keras 3 finds a layer's
 * variables by these paths (`layers/dense_1/vars/0`), not by the layer's name.
 */

/** `BatchNormalization` → `batch_normalization`, `ConvLSTM2D` → `conv_lstm2d`, as Keras's `to_snake_case`. */
export function kerasSnakeCase(className: string): string {
  return className
    .replace(/\W+/g, '')
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/**
 * Names the items of one list the way Keras's saving code does: the first `dense`, then `dense_1`,
 * `dense_2`… Call `next` for each item in the list's order.
 */
export class KerasContainerNames {
  readonly #used = new Map<string, number>();

  next(className: string): string {
    const name = kerasSnakeCase(className);
    const seen = this.#used.get(name);
    if (seen === undefined) {
      this.#used.set(name, 0);
      return name;
    }
    this.#used.set(name, seen + 1);
    return `${name}_${seen + 1}`;
  }
}

/** Model classes as TF.js names them → as Keras 3 does (its functional model class is `Functional`). */
export function kerasModelClass(tfjsClass: string): string {
  return tfjsClass === 'Model' ? 'Functional' : tfjsClass;
}

/** Class names that are whole models (nested models are layers of their parent). */
export const MODEL_CLASSES: ReadonlySet<string> = new Set(['Sequential', 'Functional', 'Model']);

/** Layers whose variables live in a recurrent cell (`<layer>/cell/vars`). */
export const RNN_CLASSES: ReadonlySet<string> = new Set([
  'RNN',
  'SimpleRNN',
  'LSTM',
  'GRU',
  'ConvLSTM1D',
  'ConvLSTM2D',
  'ConvLSTM3D',
]);
