/** Immutable edits on a ModelSpec: what the layer editor does when a user adds, removes, moves or changes a layer. */
import { analyzeSpec } from './analyze';
import { DEFAULT_SNAKE_NAMES, type LayerKind, type LayerPatch, type LayerSpec, type ModelSpec } from './spec';

/** A fresh, practically unique layer id. Random rather than counted so that an id removed and re-added is never reused. */
export function newLayerId(): string {
  const bytes = new Uint8Array(6);
  globalThis.crypto.getRandomValues(bytes);
  let out = 'l';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** The first `base_N` name no layer of `spec` uses. */
export function uniqueLayerName(spec: ModelSpec, base: string): string {
  const used = new Set(spec.layers.map((l) => l.name));
  for (let n = 1; ; n++) {
    const candidate = `${base}_${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** The shape flowing into position `index`, or null where an earlier layer is invalid. */
function shapeAt(spec: ModelSpec, index: number): readonly number[] | null {
  if (index <= 0) return spec.inputShape;
  return analyzeSpec(spec).layers[index - 1]?.outputShape ?? null;
}

/** A reshape that makes a flat input usable by the layer kind that follows it. */
function suggestedTarget(input: readonly number[] | null, forKind: LayerKind | null): number[] {
  const n = input ? input.reduce((a, d) => a * d, 1) : 64;
  const side = Math.round(Math.sqrt(n));
  if (forKind === 'LSTM') return [n, 1];
  return side * side === n ? [side, side, 1] : [n, 1];
}

/**
 * A new layer of `kind` with sensible options for position `index` of `spec` (default: the end), a name
 * no other layer uses and a fresh id.
 */
export function createLayer(
  kind: LayerKind,
  spec: ModelSpec,
  index: number = spec.layers.length,
  id: string = newLayerId(),
): LayerSpec {
  const base = { id, name: uniqueLayerName(spec, DEFAULT_SNAKE_NAMES[kind]), trainable: true };
  switch (kind) {
    case 'Dense':
      return { ...base, kind, units: 32, activation: 'relu', useBias: true };
    case 'Conv2D':
      return {
        ...base,
        kind,
        filters: 8,
        kernelSize: [3, 3],
        strides: [1, 1],
        padding: 'valid',
        activation: 'relu',
        useBias: true,
      };
    case 'MaxPooling2D':
      return { ...base, kind, poolSize: [2, 2], strides: [2, 2], padding: 'valid' };
    case 'Flatten':
      return { ...base, kind };
    case 'Dropout':
      return { ...base, kind, rate: 0.2 };
    case 'BatchNormalization':
      return { ...base, kind, momentum: 0.99, epsilon: 0.001 };
    case 'Reshape': {
      const next = spec.layers[index]?.kind ?? null;
      return { ...base, kind, targetShape: suggestedTarget(shapeAt(spec, index), next) };
    }
    case 'LSTM':
      return {
        ...base,
        kind,
        units: 32,
        activation: 'tanh',
        // Keras's default, not TF.js's: Keras 3's hard_sigmoid is a different function from TF.js's, so a
        // layer made with it could not be exported as a .keras file that computes the same.
        recurrentActivation: 'sigmoid',
        returnSequences: false,
        useBias: true,
      };
  }
}

function clampIndex(index: number, length: number): number {
  return Math.max(0, Math.min(length, Math.trunc(index)));
}

/** Inserts `layer` before position `index` (default: at the end). */
export function insertLayer(
  spec: ModelSpec,
  layer: LayerSpec,
  index: number = spec.layers.length,
): ModelSpec {
  const at = clampIndex(index, spec.layers.length);
  return { ...spec, layers: [...spec.layers.slice(0, at), layer, ...spec.layers.slice(at)] };
}

export function removeLayer(spec: ModelSpec, id: string): ModelSpec {
  const layers = spec.layers.filter((l) => l.id !== id);
  return layers.length === spec.layers.length ? spec : { ...spec, layers };
}

/** Moves the layer `id` by `delta` positions (-1 = up); moves past either end stop there. */
export function moveLayer(spec: ModelSpec, id: string, delta: number): ModelSpec {
  const from = spec.layers.findIndex((l) => l.id === id);
  if (from < 0) return spec;
  const to = clampIndex(from + delta, spec.layers.length - 1);
  if (to === from) return spec;
  const layers = [...spec.layers];
  const [moved] = layers.splice(from, 1);
  if (moved) layers.splice(to, 0, moved);
  return { ...spec, layers };
}

/**
 * Applies `patch` to the layer `id`. Keys the layer's kind does not have are ignored, so a patch written
 * for one kind can never turn a layer into an impossible mix of two.
 */
export function updateLayer(spec: ModelSpec, id: string, patch: LayerPatch): ModelSpec {
  let changed = false;
  const layers = spec.layers.map((layer) => {
    if (layer.id !== id) return layer;
    const next: Record<string, unknown> = { ...layer };
    for (const [key, value] of Object.entries(patch)) {
      if (key === 'id' || key === 'kind' || !(key in layer) || value === undefined) continue;
      next[key] = value;
    }
    changed = true;
    return next as unknown as LayerSpec;
  });
  return changed ? { ...spec, layers } : spec;
}

export function setInputShape(spec: ModelSpec, inputShape: readonly number[]): ModelSpec {
  return { ...spec, inputShape: [...inputShape] };
}

export function findLayer(spec: ModelSpec, id: string): LayerSpec | undefined {
  return spec.layers.find((l) => l.id === id);
}
