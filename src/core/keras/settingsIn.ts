/**
 * The settings inside a Keras layer config that name functions or policies — activations, initializers,
 * regularizers, constraints, dtypes — in the form TF.js reads. What TF.js computes differently is refused;
 * what only changes training or initialisation is replaced or dropped with a note.
 */
import type { JsonValue } from '../json';
import { isJsonObject, type JsonObject } from '../json';
import type { GraftError } from '../errors';
import type { KerasNote } from './configIn';
import { ACTIVATIONS, CONSTRAINTS, INITIALIZER_KEYS, INITIALIZERS, own } from './tables';

/** What a setting's translation reports through: the translation under way. */
export interface Reporter {
  /** Whether the file is from Keras 3 or later (hard_sigmoid changed meaning there). */
  readonly keras3: boolean;
  note(code: KerasNote['code'], layer: string, value: string): void;
  refuse(layer: string, className: string, why: 'custom-class' | 'setting', setting?: string): GraftError;
}

export function dtype(r: Reporter, v: JsonValue | undefined, layer: string, isInput: boolean): string {
  let name: string | null = null;
  if (typeof v === 'string') name = v;
  else if (isJsonObject(v)) {
    const inner = isJsonObject(v.config) ? v.config.name : undefined;
    name = typeof inner === 'string' ? inner : typeof v.name === 'string' ? v.name : null;
  }
  if (name === null) return 'float32';
  if (name === 'float32' || name === 'int32' || name === 'bool') return name;
  if (/^u?int(8|16|64)$/.test(name)) return isInput ? 'int32' : 'float32';
  if (name === 'string') throw r.refuse(layer, 'InputLayer', 'setting', 'string inputs');
  // float16, bfloat16, float64 and the mixed policies: weights come in as float32 and TF.js computes
  // in float32, which is at least as precise as the file's own policy.
  r.note('float32-policy', layer, name);
  return 'float32';
}

export function activation(
  r: Reporter,
  v: JsonValue | undefined,
  layer: string,
  className: string,
): JsonValue {
  if (v === undefined || v === null) return 'linear';
  let name: string | null = null;
  if (typeof v === 'string') name = v;
  else if (isJsonObject(v)) {
    const inner = isJsonObject(v.config) ? v.config : {};
    // Keras 3 writes built-in activations as strings; an object is a function it serialised by name.
    if (typeof v.class_name === 'string' && v.class_name !== 'function') name = v.class_name;
    else if (typeof inner.name === 'string') name = inner.name;
    else if (typeof v.config === 'string') name = v.config;
    if (typeof v.module === 'string' && !v.module.startsWith('keras'))
      throw r.refuse(layer, className, 'custom-class', String(name ?? 'activation'));
  }
  if (name === null) throw r.refuse(layer, className, 'setting', 'a custom activation');
  const key = name.replace(/^keras\.activations\./, '');
  if (key === 'hard_sigmoid') {
    if (r.keras3)
      throw r.refuse(
        layer,
        className,
        'setting',
        'the hard_sigmoid activation as Keras 3 computes it (relu6(x + 3) / 6)',
      );
    return 'hard_sigmoid';
  }
  const mapped = own(ACTIVATIONS, key);
  if (!mapped) throw r.refuse(layer, className, 'setting', `the ${key} activation`);
  return mapped;
}

export function initializer(r: Reporter, v: JsonValue | undefined, layer: string): JsonValue {
  if (v === undefined || v === null) return null;
  const name =
    typeof v === 'string' ? v : isJsonObject(v) && typeof v.class_name === 'string' ? v.class_name : null;
  const mapped = name === null ? undefined : own(INITIALIZERS, name);
  if (!mapped) {
    r.note('initializer-replaced', layer, String(name ?? 'unknown'));
    return { class_name: 'GlorotUniform', config: { seed: null } };
  }
  const given = isJsonObject(v) && isJsonObject(v.config) ? v.config : {};
  const config: JsonObject = {};
  for (const key of own(INITIALIZER_KEYS, mapped) ?? ['seed'])
    if (given[key] !== undefined) config[key] = given[key];
  if (mapped === 'Constant' && typeof config.value !== 'number') config.value = 0;
  if (mapped === 'VarianceScaling' && config.distribution === 'untruncated_normal')
    config.distribution = 'normal';
  if (typeof v === 'string' && (v === 'normal' || v === 'uniform')) return { class_name: mapped, config: {} };
  return { class_name: mapped, config };
}

export function regularizer(r: Reporter, v: JsonValue | undefined, layer: string): JsonValue {
  if (v === undefined || v === null) return null;
  const name =
    typeof v === 'string' ? v : isJsonObject(v) && typeof v.class_name === 'string' ? v.class_name : '';
  const given = isJsonObject(v) && isJsonObject(v.config) ? v.config : {};
  const num = (key: string, fallback: number) =>
    typeof given[key] === 'number' ? (given[key] as number) : fallback;
  switch (name.toLowerCase()) {
    case 'l1':
      return { class_name: 'L1L2', config: { l1: num('l1', 0.01), l2: 0 } };
    case 'l2':
      return { class_name: 'L1L2', config: { l1: 0, l2: num('l2', 0.01) } };
    case 'l1l2':
    case 'l1_l2':
      return { class_name: 'L1L2', config: { l1: num('l1', 0), l2: num('l2', 0) } };
    default:
      r.note('regularizer-dropped', layer, name || 'unknown');
      return null;
  }
}

export function constraint(r: Reporter, v: JsonValue | undefined, layer: string): JsonValue {
  if (v === undefined || v === null) return null;
  const name =
    typeof v === 'string' ? v : isJsonObject(v) && typeof v.class_name === 'string' ? v.class_name : '';
  const mapped = own(CONSTRAINTS, name);
  if (!mapped) {
    r.note('constraint-dropped', layer, name || 'unknown');
    return null;
  }
  const given = isJsonObject(v) && isJsonObject(v.config) ? v.config : {};
  const config: JsonObject = {};
  for (const key of ['max_value', 'min_value', 'rate', 'axis'])
    if (given[key] !== undefined) config[key] = given[key];
  return { class_name: mapped, config };
}
