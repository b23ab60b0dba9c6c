/**
 * Shape inference, parameter counts and validation of a ModelSpec, without TF.js. The counts follow TF.js's
 * own layers exactly (build.test.ts holds them against TF.js), so the builder can show them on every
 * keystroke and refuse a stack before anything is built.
 */
import { GraftError, type ErrorPart } from '../errors';
import { ACTIVATIONS, PADDINGS, type LayerSpec, type ModelSpec, type Pair } from './spec';

export type Shape = readonly number[];

export interface WeightShape {
  /** The weight's name inside its layer, as TF.js writes it after the layer name: `kernel`, `bias`… */
  readonly name: string;
  readonly shape: Shape;
  readonly trainable: boolean;
}

export type SpecProblemCode = 'model/invalid-layer' | 'model/invalid-stack';

/**
 * What can be wrong with a spec, in English with `{name}` placeholders. A problem's `message` is this text
 * filled from its `values` (after "Layer N (Kind): " for a layer's problem); the UI shows the catalogue's
 * `model.problem.<problem>` message (the same English, and its translations) filled from the same values.
 */
export const SPEC_PROBLEMS = {
  unknownActivation: '{value} is not an activation Graft knows ({known})',
  notBoolean: '{field} must be true or false, not {value}',
  badPadding: 'padding must be "valid" or "same", not {value}',
  kernelSizeNotPair: 'kernel size must be two positive integers, not {value}',
  poolSizeNotPair: 'pool size must be two positive integers, not {value}',
  stridesNotPair: 'strides must be two positive integers, not {value}',
  unitsNotPositive: 'units must be a positive integer, not {value}',
  filtersNotPositive: 'filters must be a positive integer, not {value}',
  rateOutOfRange: 'rate must be at least 0 and below 1, not {value}',
  momentumOutOfRange: 'momentum must be at least 0 and below 1, not {value}',
  epsilonNotPositive: 'epsilon must be a positive number, not {value}',
  targetShapeEntries: 'target shape must be positive integers (one may be -1), not {value}',
  targetShapeTwoUnknowns: 'target shape may contain -1 only once, not {value}',
  needs3d: 'needs a 3-D input [height, width, channels] but gets {shape}; add a Reshape first',
  kernelTooBig: 'its {window} kernel does not fit its {input} input; use a smaller kernel or "same" padding',
  poolTooBig: 'its {window} pool does not fit its {input} input; use a smaller pool or "same" padding',
  alreadyFlat: 'its input {shape} is already flat; remove this layer',
  reshapeIndivisible: 'target shape {target} cannot hold the {have} values of its input {shape}',
  reshapeMismatch: 'target shape {target} holds {known} values but its input {shape} holds {have}',
  needs2d: 'needs a 2-D input [timesteps, features] but gets {shape}; add a Reshape first',
  nameMissing: 'needs a name',
  nameInvalid:
    'the name {name} may only use letters, digits and - . _ /, and must start with a letter or digit',
  nameTaken: 'the name {name} is already used by layer {other}',
  idTaken: 'has the same id as layer {other}; give it a fresh one',
  modelNameMissing: 'The model needs a name.',
  badInputShape:
    'The input shape must be one or more positive integers, e.g. [100] or [8, 8, 1], not {value}.',
  noLayers: 'The model has no layers; add at least one.',
  tooManyParams:
    'The model would have {params} parameters; Graft keeps models under {max} so they fit in a browser tab.',
  /** Wraps a layer's own problem. */
  inLayer: 'Layer {index} ({kind}): {message}',
} as const;

export type SpecProblemKind = keyof typeof SPEC_PROBLEMS;
type Values = Readonly<Record<string, string>>;

/** The English message of a problem, filled from its values. */
export function specProblemMessage(problem: SpecProblemKind, values: Values): string {
  return SPEC_PROBLEMS[problem].replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

export interface SpecProblem {
  /** `model/invalid-layer`: an option is wrong; `model/invalid-stack`: the layers do not fit together. */
  readonly code: SpecProblemCode;
  /** null for problems of the model as a whole (its input shape, its size). */
  readonly layerId: string | null;
  /** 0-based position of the layer; messages count from 1. */
  readonly index: number | null;
  /** The option at fault, e.g. `units`, `targetShape`, `inputShape`; null when it is the position. */
  readonly field: string | null;
  /** What is wrong (see SPEC_PROBLEMS), without the layer: `index` and `layerId` say which. */
  readonly problem: Exclude<SpecProblemKind, 'inLayer'>;
  /** The placeholders' values for the problem's message. */
  readonly values: Values;
  /** The problem in English, starting "Layer N (Kind): " for a layer's problem. */
  readonly message: string;
}

export interface LayerAnalysis {
  readonly id: string;
  readonly index: number;
  /** null when an earlier layer's problem hides what this one receives. */
  readonly inputShape: Shape | null;
  readonly outputShape: Shape | null;
  /** In TF.js's order of `layer.weights`; null when the input shape is unknown. */
  readonly weights: readonly WeightShape[] | null;
  readonly params: number | null;
  readonly trainableParams: number | null;
  readonly problems: readonly SpecProblem[];
}

export interface SpecAnalysis {
  readonly layers: readonly LayerAnalysis[];
  readonly outputShape: Shape | null;
  /** null while any layer's count is unknown. */
  readonly totalParams: number | null;
  readonly trainableParams: number | null;
  /** Every problem, in layer order, model-wide ones first. */
  readonly problems: readonly SpecProblem[];
  readonly ok: boolean;
}

/** Larger models would not fit comfortably in a browser tab (200 MB of float32 weights). */
export const MAX_PARAMS = 50_000_000;

/** The names TF.js accepts for layers (its tensor-name rule). */
const LAYER_NAME = /^[A-Za-z0-9][-A-Za-z0-9._/]*$/;

export function formatShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

function show(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'string') return `"${value}"`;
  return String(value);
}

const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isPositivePair = (v: unknown): v is Pair =>
  Array.isArray(v) && v.length === 2 && v.every(isPositiveInt);
const product = (shape: Shape): number => shape.reduce((n, d) => n * d, 1);

/** Output length of a sliding window, as Keras's conv_output_length computes it. */
function windowOutput(input: number, window: number, stride: number, padding: string): number {
  const length = padding === 'same' ? input : input - window + 1;
  return Math.floor((length + stride - 1) / stride);
}

interface LayerCheck {
  readonly problems: {
    field: string | null;
    code: SpecProblemCode;
    problem: Exclude<SpecProblemKind, 'inLayer'>;
    values: Values;
  }[];
  /** Set only when the options that decide the shape are valid and the input fits. */
  output: Shape | null;
  weights: WeightShape[] | null;
}

function checkOptions(layer: LayerSpec, check: LayerCheck): void {
  const bad = (
    field: string,
    problem: Exclude<SpecProblemKind, 'inLayer'>,
    value: unknown,
    more: Values = {},
  ) =>
    check.problems.push({
      field,
      code: 'model/invalid-layer',
      problem,
      values: { value: show(value), ...more },
    });
  const activation = (field: 'activation' | 'recurrentActivation', value: unknown) => {
    if (!(ACTIVATIONS as readonly unknown[]).includes(value))
      bad(field, 'unknownActivation', value, { known: ACTIVATIONS.join(', ') });
  };
  const bool = (field: string, value: unknown) => {
    if (typeof value !== 'boolean') bad(field, 'notBoolean', value, { field });
  };
  const padding = (value: unknown) => {
    if (!(PADDINGS as readonly unknown[]).includes(value)) bad('padding', 'badPadding', value);
  };
  const pair = (field: 'kernelSize' | 'poolSize' | 'strides', value: unknown) => {
    if (!isPositivePair(value)) bad(field, `${field}NotPair`, value);
  };
  bool('trainable', layer.trainable);
  switch (layer.kind) {
    case 'Dense':
    case 'LSTM':
      if (!isPositiveInt(layer.units)) bad('units', 'unitsNotPositive', layer.units);
      activation('activation', layer.activation);
      if (layer.kind === 'LSTM') {
        activation('recurrentActivation', layer.recurrentActivation);
        bool('returnSequences', layer.returnSequences);
      }
      bool('useBias', layer.useBias);
      return;
    case 'Conv2D':
      if (!isPositiveInt(layer.filters)) bad('filters', 'filtersNotPositive', layer.filters);
      pair('kernelSize', layer.kernelSize);
      pair('strides', layer.strides);
      padding(layer.padding);
      activation('activation', layer.activation);
      bool('useBias', layer.useBias);
      return;
    case 'MaxPooling2D':
      pair('poolSize', layer.poolSize);
      pair('strides', layer.strides);
      padding(layer.padding);
      return;
    case 'Dropout':
      if (typeof layer.rate !== 'number' || !(layer.rate >= 0 && layer.rate < 1))
        bad('rate', 'rateOutOfRange', layer.rate);
      return;
    case 'BatchNormalization':
      if (typeof layer.momentum !== 'number' || !(layer.momentum >= 0 && layer.momentum < 1))
        bad('momentum', 'momentumOutOfRange', layer.momentum);
      if (typeof layer.epsilon !== 'number' || !(layer.epsilon > 0 && Number.isFinite(layer.epsilon)))
        bad('epsilon', 'epsilonNotPositive', layer.epsilon);
      return;
    case 'Reshape': {
      const t: unknown = layer.targetShape;
      const entriesOk =
        Array.isArray(t) && t.length > 0 && t.every((d: unknown) => isPositiveInt(d) || d === -1);
      if (!entriesOk) bad('targetShape', 'targetShapeEntries', t);
      else if (t.filter((d) => d === -1).length > 1) bad('targetShape', 'targetShapeTwoUnknowns', t);
      return;
    }
    case 'Flatten':
      return;
  }
}

const SHAPE_FIELDS: ReadonlySet<string> = new Set([
  'units',
  'filters',
  'kernelSize',
  'strides',
  'poolSize',
  'padding',
  'targetShape',
  'returnSequences',
  'useBias',
]);

function inferShape(layer: LayerSpec, input: Shape, check: LayerCheck): void {
  // Shape-deciding options already reported as wrong leave the output unknown rather than guessed.
  if (check.problems.some((p) => p.field !== null && SHAPE_FIELDS.has(p.field))) return;
  const stack = (problem: Exclude<SpecProblemKind, 'inLayer'>, values: Values) =>
    check.problems.push({ field: null, code: 'model/invalid-stack', problem, values });
  const w = (name: string, shape: Shape, trainable = true): WeightShape => ({ name, shape, trainable });
  switch (layer.kind) {
    case 'Dense': {
      const last = input[input.length - 1] ?? 0;
      check.output = [...input.slice(0, -1), layer.units];
      check.weights = [
        w('kernel', [last, layer.units]),
        ...(layer.useBias ? [w('bias', [layer.units])] : []),
      ];
      return;
    }
    case 'Conv2D':
    case 'MaxPooling2D': {
      if (input.length !== 3) {
        stack('needs3d', { shape: formatShape(input) });
        return;
      }
      const [h, wd, c] = input as [number, number, number];
      const win = layer.kind === 'Conv2D' ? layer.kernelSize : layer.poolSize;
      const oh = windowOutput(h, win[0], layer.strides[0], layer.padding);
      const ow = windowOutput(wd, win[1], layer.strides[1], layer.padding);
      if (oh <= 0 || ow <= 0) {
        stack(layer.kind === 'Conv2D' ? 'kernelTooBig' : 'poolTooBig', {
          window: `${win[0]}×${win[1]}`,
          input: `${h}×${wd}`,
        });
        return;
      }
      if (layer.kind === 'MaxPooling2D') {
        check.output = [oh, ow, c];
        check.weights = [];
        return;
      }
      check.output = [oh, ow, layer.filters];
      check.weights = [
        w('kernel', [win[0], win[1], c, layer.filters]),
        ...(layer.useBias ? [w('bias', [layer.filters])] : []),
      ];
      return;
    }
    case 'Flatten':
      if (input.length < 2) {
        stack('alreadyFlat', { shape: formatShape(input) });
        return;
      }
      check.output = [product(input)];
      check.weights = [];
      return;
    case 'Dropout':
      check.output = input;
      check.weights = [];
      return;
    case 'BatchNormalization': {
      const c = input[input.length - 1] ?? 0;
      check.output = input;
      check.weights = [
        w('gamma', [c]),
        w('beta', [c]),
        w('moving_mean', [c], false),
        w('moving_variance', [c], false),
      ];
      return;
    }
    case 'Reshape': {
      const have = product(input);
      const known = product(layer.targetShape.filter((d) => d !== -1));
      if (layer.targetShape.includes(-1)) {
        if (have % known !== 0) {
          stack('reshapeIndivisible', {
            target: formatShape(layer.targetShape),
            have: String(have),
            shape: formatShape(input),
          });
          return;
        }
        check.output = layer.targetShape.map((d) => (d === -1 ? have / known : d));
      } else {
        if (known !== have) {
          stack('reshapeMismatch', {
            target: formatShape(layer.targetShape),
            known: String(known),
            shape: formatShape(input),
            have: String(have),
          });
          return;
        }
        check.output = layer.targetShape;
      }
      check.weights = [];
      return;
    }
    case 'LSTM': {
      if (input.length !== 2) {
        stack('needs2d', { shape: formatShape(input) });
        return;
      }
      const [t, f] = input as [number, number];
      const u = layer.units;
      check.output = layer.returnSequences ? [t, u] : [u];
      check.weights = [
        w('kernel', [f, 4 * u]),
        w('recurrent_kernel', [u, 4 * u]),
        ...(layer.useBias ? [w('bias', [4 * u])] : []),
      ];
      return;
    }
  }
}

function checkNames(spec: ModelSpec): Map<number, LayerCheck['problems']> {
  const out = new Map<number, LayerCheck['problems']>();
  const byName = new Map<string, number>();
  const byId = new Map<string, number>();
  spec.layers.forEach((layer, i) => {
    const problems: LayerCheck['problems'] = [];
    const name: unknown = layer.name;
    if (typeof name !== 'string' || name === '')
      problems.push({ field: 'name', code: 'model/invalid-layer', problem: 'nameMissing', values: {} });
    else if (!LAYER_NAME.test(name))
      problems.push({
        field: 'name',
        code: 'model/invalid-layer',
        problem: 'nameInvalid',
        values: { name: show(name) },
      });
    else if (byName.has(name))
      problems.push({
        field: 'name',
        code: 'model/invalid-layer',
        problem: 'nameTaken',
        values: { name: show(name), other: String((byName.get(name) ?? 0) + 1) },
      });
    else byName.set(name, i);
    if (byId.has(layer.id))
      problems.push({
        field: 'id',
        code: 'model/invalid-layer',
        problem: 'idTaken',
        values: { other: String((byId.get(layer.id) ?? 0) + 1) },
      });
    else byId.set(layer.id, i);
    out.set(i, problems);
  });
  return out;
}

export function analyzeSpec(spec: ModelSpec): SpecAnalysis {
  const problems: SpecProblem[] = [];
  const modelProblem = (
    field: string | null,
    code: SpecProblemCode,
    problem: Exclude<SpecProblemKind, 'inLayer'>,
    values: Values = {},
  ) =>
    problems.push({
      code,
      layerId: null,
      index: null,
      field,
      problem,
      values,
      message: specProblemMessage(problem, values),
    });

  if (typeof spec.name !== 'string' || spec.name.trim() === '')
    modelProblem('name', 'model/invalid-layer', 'modelNameMissing');
  const inputOk =
    Array.isArray(spec.inputShape) && spec.inputShape.length > 0 && spec.inputShape.every(isPositiveInt);
  if (!inputOk)
    modelProblem('inputShape', 'model/invalid-stack', 'badInputShape', { value: show(spec.inputShape) });
  if (spec.layers.length === 0) modelProblem(null, 'model/invalid-stack', 'noLayers');

  const nameProblems = checkNames(spec);
  const layers: LayerAnalysis[] = [];
  let shape: Shape | null = inputOk ? spec.inputShape : null;
  spec.layers.forEach((layer, index) => {
    const check: LayerCheck = { problems: [...(nameProblems.get(index) ?? [])], output: null, weights: null };
    checkOptions(layer, check);
    if (shape !== null) inferShape(layer, shape, check);
    const layerProblems = check.problems.map((p) => ({
      code: p.code,
      layerId: layer.id,
      index,
      field: p.field,
      problem: p.problem,
      values: p.values,
      message: specProblemMessage('inLayer', {
        index: String(index + 1),
        kind: layer.kind,
        message: specProblemMessage(p.problem, p.values),
      }),
    }));
    problems.push(...layerProblems);
    const weights = check.weights;
    const trainable = layer.trainable === true;
    layers.push({
      id: layer.id,
      index,
      inputShape: shape,
      outputShape: check.output,
      weights,
      params: weights ? weights.reduce((n, x) => n + product(x.shape), 0) : null,
      trainableParams: weights
        ? weights.reduce((n, x) => n + (trainable && x.trainable ? product(x.shape) : 0), 0)
        : null,
      problems: layerProblems,
    });
    shape = check.output;
  });

  const counts = layers.map((l) => l.params);
  const totalParams = counts.every((c) => c !== null) ? counts.reduce((a, b) => a + b, 0) : null;
  const trainableCounts = layers.map((l) => l.trainableParams);
  const trainableParams = trainableCounts.every((c) => c !== null)
    ? trainableCounts.reduce((a, b) => a + b, 0)
    : null;
  if (totalParams !== null && totalParams > MAX_PARAMS)
    modelProblem(null, 'model/invalid-stack', 'tooManyParams', {
      params: totalParams.toLocaleString('en-US'),
      max: MAX_PARAMS.toLocaleString('en-US'),
    });
  const modelWide = problems.filter((p) => p.layerId === null);
  const ordered = [...modelWide, ...problems.filter((p) => p.layerId !== null)];
  return {
    layers,
    outputShape: spec.layers.length === 0 ? null : (layers[layers.length - 1]?.outputShape ?? null),
    totalParams,
    trainableParams,
    problems: ordered,
    ok: ordered.length === 0,
  };
}

export function validateSpec(spec: ModelSpec): readonly SpecProblem[] {
  return analyzeSpec(spec).problems;
}

/** A problem as a phrase of an error's message, worded from the UI catalogue's `model.problem.*`. */
export function specProblemPart(p: SpecProblem, spec: ModelSpec): ErrorPart {
  const problem: ErrorPart = { part: `model.problem.${p.problem}`, vars: p.values };
  if (p.index === null) return { ...problem, en: p.message };
  const kind = spec.layers[p.index]?.kind ?? '';
  return {
    part: 'model.problem.inLayer',
    vars: { index: String(p.index + 1), kind, message: problem },
    en: p.message,
  };
}

/** Throws the first problem as a GraftError (all of them in `data.problems`); returns the analysis when there are none. */
export function assertValidSpec(spec: ModelSpec): SpecAnalysis {
  const analysis = analyzeSpec(spec);
  const [first, ...rest] = analysis.problems;
  if (first) {
    const more = rest.length === 0 ? '' : rest.length === 1 ? '-and-one' : '-and-more';
    throw new GraftError(`error.${first.code}.spec${more}`, {
      problems: analysis.problems,
      problem: specProblemPart(first, spec),
      more: rest.length,
    });
  }
  return analysis;
}
