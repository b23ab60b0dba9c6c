/**
 * Which tensor of a weights-only file (`.weights.h5`, `.safetensors`) goes into which weight of the live
 * model. Tried in order, each weight taken by the first rule that fits it with the same shape:
 * 1. the file's path for it is the weight's Keras 3 path (`layers/dense/vars/0`), or its name is the
 *    weight's name (`dense/kernel`, what Graft and Keras 3 call it);
 * 2. the same layer name and the same position within the layer (`dense_1/kernel:0` from Keras 2);
 * 3. the same name once spelled alike (`dense.kernel`, a `:0` suffix, a model prefix);
 * 4. what is left, in order, by shape.
 * The plan says, for everything not matched, why: that is what the preview shows before anything changes.
 */

export interface FileTensor {
  /** The tensor's name or path in the file. */
  readonly key: string;
  /** The layer the file puts it in, when it says. */
  readonly layer: string | null;
  /** Its position within that layer (or within the file, when no layer is known). */
  readonly index: number;
  readonly shape: readonly number[];
}

export interface ModelWeight {
  /** TF.js's name for the weight, e.g. `dense/kernel`. */
  readonly name: string;
  /** The name of the layer that owns it (for nested layers, the innermost). */
  readonly layer: string;
  readonly index: number;
  /** Where Keras 3 keeps it, e.g. `layers/dense/vars/0`. */
  readonly kerasPath: string;
  readonly shape: readonly number[];
}

export type MatchRule = 'path' | 'layer' | 'name' | 'order';

export interface WeightMatch {
  readonly weight: string;
  readonly tensor: string;
  readonly rule: MatchRule;
  readonly shape: readonly number[];
}

/** Why a weight keeps its value, or a tensor is not used. */
export type Unmatched =
  | {
      readonly why: 'shape';
      readonly other: string;
      readonly shape: readonly number[];
      readonly otherShape: readonly number[];
    }
  | { readonly why: 'none'; readonly shape: readonly number[] };

export interface WeightsPlan {
  readonly matches: readonly WeightMatch[];
  /** Model weights nothing in the file fits: they keep their current values. */
  readonly keptWeights: readonly ({ readonly weight: string } & Unmatched)[];
  /** File tensors that fit no weight: ignored. */
  readonly unusedTensors: readonly ({ readonly tensor: string } & Unmatched)[];
}

const NATURAL = new Intl.Collator('en', { numeric: true });

const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * One spelling for a weight's name: `dense_1/kernel:0`, `dense_1.kernel` → `dense_1/kernel`, and a
 * recurrent cell's own segment dropped (`lstm/lstm_cell/kernel` → `lstm/kernel`), since Keras names
 * variables inside the cell and TF.js names them after the layer.
 */
export function normalizeWeightName(name: string): string {
  return name
    .replace(/:\d+$/, '')
    .replace(/[.]/g, '/')
    .split('/')
    .filter((part) => part !== '' && !/^(\w+_cell|stacked_rnn_cells)(_\d+)?$/.test(part))
    .join('/');
}

export function planWeights(model: readonly ModelWeight[], file: readonly FileTensor[]): WeightsPlan {
  const matches: WeightMatch[] = [];
  const weightTaken = new Set<string>();
  const tensorTaken = new Set<string>();
  /** The first same-named but differently shaped partner of each weight, to explain the refusal. */
  const shapeClash = new Map<string, FileTensor>();
  const tensorClash = new Map<string, ModelWeight>();

  const tryRule = (rule: MatchRule, fits: (w: ModelWeight, t: FileTensor) => boolean) => {
    for (const w of model) {
      if (weightTaken.has(w.name)) continue;
      for (const t of file) {
        if (tensorTaken.has(t.key) || !fits(w, t)) continue;
        if (!sameShape(w.shape, t.shape)) {
          if (!shapeClash.has(w.name)) shapeClash.set(w.name, t);
          if (!tensorClash.has(t.key)) tensorClash.set(t.key, w);
          continue;
        }
        matches.push({ weight: w.name, tensor: t.key, rule, shape: w.shape });
        weightTaken.add(w.name);
        tensorTaken.add(t.key);
        break;
      }
    }
  };

  tryRule('path', (w, t) => t.key === w.kerasPath || t.key === w.name);
  tryRule('layer', (w, t) => t.layer !== null && t.layer === w.layer && t.index === w.index);
  tryRule('name', (w, t) => {
    const a = normalizeWeightName(t.key);
    const b = normalizeWeightName(w.name);
    return a === b || a.endsWith(`/${b}`) || b.endsWith(`/${a}`);
  });
  // By order: each weight, in the model's order, takes the first unused tensor of its shape, the file's
  // tensors in the order of their names (`0.weight` < `1.weight` < `10.weight`), since a file's byte
  // order says nothing (safetensors sorts tensors by size).
  const rest = file.filter((t) => !tensorTaken.has(t.key)).sort((a, b) => NATURAL.compare(a.key, b.key));
  for (const w of model) {
    if (weightTaken.has(w.name)) continue;
    const t = rest.find((t) => !tensorTaken.has(t.key) && sameShape(w.shape, t.shape));
    if (!t) continue;
    matches.push({ weight: w.name, tensor: t.key, rule: 'order', shape: w.shape });
    weightTaken.add(w.name);
    tensorTaken.add(t.key);
  }

  const order = new Map(model.map((w, i) => [w.name, i]));
  matches.sort((a, b) => (order.get(a.weight) ?? 0) - (order.get(b.weight) ?? 0));
  /** Why something was left: the first same-named partner of another shape, or nothing of its shape. */
  const why = (
    shape: readonly number[],
    clash: { name: string; shape: readonly number[] } | undefined,
  ): Unmatched =>
    clash ? { why: 'shape', other: clash.name, shape, otherShape: clash.shape } : { why: 'none', shape };
  return {
    matches,
    keptWeights: model
      .filter((w) => !weightTaken.has(w.name))
      .map((w) => {
        const t = shapeClash.get(w.name);
        return { weight: w.name, ...why(w.shape, t && { name: t.key, shape: t.shape }) };
      }),
    unusedTensors: file
      .filter((t) => !tensorTaken.has(t.key))
      .map((t) => ({ tensor: t.key, ...why(t.shape, tensorClash.get(t.key)) })),
  };
}
