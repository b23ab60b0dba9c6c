/**
 * A model's inputs and outputs in its `ModelSummary`. `inputShape`/`outputShape` hold the first; the lists
 * `inputShapes`/`outputShapes` are there only when a model has several, so the summary of a one-input,
 * one-output model is exactly what it was before the lists existed (and hashes into the same version id).
 */
import type { Dims } from '../model/shapeText';
import type { ModelSummary } from './types';

type Shapes = Pick<ModelSummary, 'inputShape' | 'outputShape' | 'inputShapes' | 'outputShapes'>;

/** The shape fields of a summary for a model with these inputs and outputs. */
export function summaryShapes(inputs: readonly Dims[], outputs: readonly Dims[]): Shapes {
  return {
    inputShape: inputs[0] ?? null,
    outputShape: outputs[0] ?? null,
    ...(inputs.length > 1 ? { inputShapes: inputs } : {}),
    ...(outputs.length > 1 ? { outputShapes: outputs } : {}),
  };
}

/** Every input's shape, in order; empty when the summary does not know. */
export function inputShapesOf(s: ModelSummary): readonly Dims[] {
  return s.inputShapes ?? (s.inputShape ? [s.inputShape] : []);
}

/** Every output's shape, in order; empty when the summary does not know. */
export function outputShapesOf(s: ModelSummary): readonly Dims[] {
  return s.outputShapes ?? (s.outputShape ? [s.outputShape] : []);
}
