/**
 * Architecture diff between two Keras / TF.js Layers topologies (the `modelTopology` that `model.save`
 * writes): which layers were added, removed or reconfigured, how parameter counts moved, and the layer
 * graph with each edge's status so the UI can draw both.
 */
import { err, GraftError, ok, type Result } from '../errors';
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import { elementCount } from '../versions/version';
import { WeightLayerIndex } from './layerOfWeight';

export interface LayerNode {
  readonly name: string;
  readonly className: string;
  /** The layer's config as written, `name` included. */
  readonly config: JsonObject;
  /** Position in the topology's layer list. */
  readonly index: number;
  /** Names of the layers feeding this one, in order, each once. */
  readonly inputs: readonly string[];
  /** For a model used as a layer: the names of every layer inside it, at any depth. */
  readonly nested: readonly string[];
}

export interface LayerEdge {
  readonly from: string;
  readonly to: string;
}

export interface ParsedTopology {
  readonly className: string;
  readonly name: string | null;
  readonly layers: readonly LayerNode[];
  readonly edges: readonly LayerEdge[];
  /** True when edges come from `inbound_nodes`; false when they follow a Sequential model's order. */
  readonly explicitEdges: boolean;
}

export type LayerStatus = 'added' | 'removed' | 'changed' | 'unchanged';
export const LAYER_STATUSES: readonly LayerStatus[] = ['added', 'removed', 'changed', 'unchanged'];

/** One config value that differs; `key` is a dotted path such as `kernel_initializer.config.scale`. */
export interface ConfigChange {
  readonly key: string;
  /** undefined: the key is absent on that side. */
  readonly before: JsonValue | undefined;
  readonly after: JsonValue | undefined;
}

export interface ParamCounts {
  /** null when that side's tensor list was not given. */
  readonly before: number | null;
  readonly after: number | null;
}

export interface LayerDiff {
  /** The layer's name in the newer topology, or in the older one for removed layers; unique in a diff. */
  readonly name: string;
  readonly status: LayerStatus;
  readonly className: string;
  readonly before: LayerNode | null;
  readonly after: LayerNode | null;
  /** Set when the layer was matched by position and class although its name changed. */
  readonly renamedFrom: string | null;
  readonly changes: readonly ConfigChange[];
  readonly params: ParamCounts;
}

export type EdgeStatus = 'added' | 'removed' | 'unchanged';

/** An edge between two `LayerDiff.name`s. */
export interface EdgeDiff extends LayerEdge {
  readonly status: EdgeStatus;
}

export interface TopologyDiff {
  readonly before: { readonly className: string; readonly name: string | null };
  readonly after: { readonly className: string; readonly name: string | null };
  /** The newer model's layer order, with removed layers placed after their nearest kept predecessor. */
  readonly layers: readonly LayerDiff[];
  readonly edges: readonly EdgeDiff[];
  readonly counts: Readonly<Record<LayerStatus, number>>;
  readonly edgeCounts: Readonly<Record<EdgeStatus, number>>;
  /** Totals over all weights; `unassigned` counts weights whose name matched no layer. */
  readonly params: ParamCounts & { readonly unassigned: ParamCounts };
  /** No layer added, removed or changed, no edge moved, and the model class is the same. */
  readonly identical: boolean;
}

/** What the diff needs of a tensor entry: enough to count parameters. */
export interface WeightShape {
  readonly name: string;
  readonly shape: readonly number[];
}

export interface TopologyDiffOptions {
  /** Each version's weights, to count parameters per layer. */
  readonly tensors?: {
    readonly before?: readonly WeightShape[];
    readonly after?: readonly WeightShape[];
  };
}

const MODEL_CLASSES = new Set(['Sequential', 'Model', 'Functional']);

function incompatible(why: string): Result<never> {
  return err(new GraftError('error.diff/incompatible.topology', { why }));
}

/** Peels `model.json`'s `modelTopology` and Keras's `model_config` wrappers off a topology. */
function unwrap(json: JsonObject): JsonObject {
  let current = json;
  for (let depth = 0; depth < 4; depth++) {
    const inner = current['modelTopology'] ?? current['model_config'];
    if (!isJsonObject(inner)) break;
    current = inner;
  }
  return current;
}

function layerList(model: JsonObject): JsonValue[] | null {
  const config = model['config'];
  if (Array.isArray(config)) return config; // Keras 1 / early Keras 2 Sequential
  if (isJsonObject(config) && Array.isArray(config['layers'])) return config['layers'];
  return null;
}

/** Layer names referenced by `inbound_nodes`, in both the Keras 2 / TF.js and the Keras 3 encodings. */
function inboundNames(value: JsonValue | undefined, out: string[]): void {
  if (Array.isArray(value)) {
    const [first, second] = value;
    if (typeof first === 'string' && typeof second === 'number') {
      // Keras 2 / TF.js: [layerName, nodeIndex, tensorIndex, kwargs]; kwargs may hold more tensors.
      out.push(first);
      for (const rest of value.slice(3)) inboundNames(rest, out);
      return;
    }
    for (const v of value) inboundNames(v, out);
    return;
  }
  if (!isJsonObject(value)) return;
  const config = value['config'];
  if (isJsonObject(config) && Array.isArray(config['keras_history'])) {
    const owner = config['keras_history'][0];
    if (typeof owner === 'string') out.push(owner);
    return;
  }
  for (const v of Object.values(value)) inboundNames(v, out);
}

function nestedNames(layer: JsonObject, out: string[], depth: number): void {
  if (depth > 16) return;
  for (const inner of layerList(layer) ?? []) {
    if (!isJsonObject(inner)) continue;
    const config = isJsonObject(inner['config']) ? inner['config'] : {};
    const name = typeof inner['name'] === 'string' ? inner['name'] : config['name'];
    if (typeof name === 'string') out.push(name);
    nestedNames(inner, out, depth + 1);
  }
}

/** Reads a topology into layers and edges; refuses what is not a Layers model. */
export function parseTopology(json: unknown): Result<ParsedTopology> {
  if (!isJsonObject(json)) return incompatible('it is not a JSON object');
  const model = unwrap(json);
  const className = model['class_name'];
  if (typeof className !== 'string') return incompatible('it has no model class');
  const raw = layerList(model);
  if (raw === null) return incompatible(`a ${className} without a layer list is not a Layers model`);
  const config = model['config'];
  const modelName = isJsonObject(config) && typeof config['name'] === 'string' ? config['name'] : null;

  const layers: LayerNode[] = [];
  const inbound: JsonValue[] = [];
  const seen = new Set<string>();
  for (const [index, entry] of raw.entries()) {
    if (!isJsonObject(entry)) return incompatible(`layer ${index + 1} is not an object`);
    const layerClass = entry['class_name'];
    if (typeof layerClass !== 'string') return incompatible(`layer ${index + 1} has no class`);
    const layerConfig = isJsonObject(entry['config']) ? entry['config'] : {};
    const given = typeof entry['name'] === 'string' ? entry['name'] : layerConfig['name'];
    // Unnamed layers still need an identity to be matched on; `#n` cannot collide with a Keras name.
    let name = typeof given === 'string' && given !== '' ? given : `#${index + 1}`;
    if (seen.has(name)) name = `${name}#${index + 1}`;
    seen.add(name);
    const nested: string[] = [];
    if (MODEL_CLASSES.has(layerClass)) nestedNames(entry, nested, 0);
    layers.push({ name, className: layerClass, config: layerConfig, index, inputs: [], nested });
    inbound.push(entry['inbound_nodes'] ?? null);
  }

  const explicitEdges = className !== 'Sequential' && inbound.some((v) => Array.isArray(v) && v.length > 0);
  const edges: LayerEdge[] = [];
  const withInputs = layers.map((layer, i) => {
    let inputs: string[];
    if (explicitEdges) {
      const names: string[] = [];
      inboundNames(inbound[i], names);
      inputs = [...new Set(names)].filter((n) => seen.has(n) && n !== layer.name);
    } else {
      const previous = layers[i - 1];
      inputs = previous ? [previous.name] : [];
    }
    for (const from of inputs) edges.push({ from, to: layer.name });
    return { ...layer, inputs };
  });
  return ok({ className, name: modelName, layers: withInputs, edges, explicitEdges });
}

function jsonEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  if (a === b) return true;
  if (a === undefined || b === undefined || a === null || b === null) return false;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((v, i) => jsonEqual(v, b[i]));
  }
  const ka = Object.keys(a).filter((k) => a[k] !== undefined);
  const kb = Object.keys(b).filter((k) => b[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual(a[k], b[k]));
}

const DTYPE_POLICIES = new Set(['DTypePolicy', 'Policy', 'FloatDTypePolicy']);

/**
 * A layer config with what does not describe the architecture taken out: its name (renames are reported
 * apart), Keras 3's dtype policy object, which says the same as TF.js's plain `dtype: 'float32'`, and the
 * seeds of its initializers. A seed only picks the starting weights, which the weight diff measures; and
 * builders number seeds by position, so inserting one layer would otherwise "change" every layer below it.
 */
function comparable(config: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(config)) {
    if (key === 'name' || value === undefined) continue;
    if (key.endsWith('_initializer') && isJsonObject(value) && isJsonObject(value['config'])) {
      const { config: inner, ...rest } = value;
      out[key] = { ...rest, config: Object.fromEntries(Object.entries(inner).filter(([k]) => k !== 'seed')) };
      continue;
    }
    if (key === 'dtype' && isJsonObject(value) && typeof value['class_name'] === 'string') {
      const inner = value['config'];
      if (
        DTYPE_POLICIES.has(value['class_name']) &&
        isJsonObject(inner) &&
        typeof inner['name'] === 'string'
      ) {
        out[key] = inner['name'];
        continue;
      }
    }
    out[key] = value;
  }
  return out;
}

function configChanges(
  path: string,
  a: JsonValue | undefined,
  b: JsonValue | undefined,
  out: ConfigChange[],
): void {
  if (jsonEqual(a, b)) return;
  // A serialised object whose class changed (say VarianceScaling → Zeros) is one change, not one per field.
  const sameKind =
    isJsonObject(a) && isJsonObject(b) && (a['class_name'] ?? null) === (b['class_name'] ?? null);
  if (sameKind && isJsonObject(a) && isJsonObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const key of keys) configChanges(path ? `${path}.${key}` : key, a[key], b[key], out);
    return;
  }
  out.push({ key: path, before: a, after: b });
}

/** Longest strictly increasing subsequence of `values`, as the positions in `values` that form it. */
function increasingRun(values: readonly number[]): Set<number> {
  const tails: number[] = [];
  const previous: number[] = new Array<number>(values.length).fill(-1);
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((values[tails[mid] as number] as number) < v) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) previous[i] = tails[lo - 1] as number;
    tails[lo] = i;
  }
  const run = new Set<number>();
  for (let i = tails.length ? (tails[tails.length - 1] as number) : -1; i >= 0; i = previous[i] as number)
    run.add(i);
  return run;
}

const MAX_ALIGNMENT_CELLS = 250_000;

/**
 * Pairs renamed layers inside one gap between name-matched anchors: an order-keeping alignment where
 * only layers of the same class may pair and a pair with an identical config counts double.
 */
function alignGap(a: readonly LayerNode[], b: readonly LayerNode[]): [LayerNode, LayerNode][] {
  if (a.length === 0 || b.length === 0) return [];
  const score = (x: LayerNode, y: LayerNode) =>
    x.className !== y.className ? 0 : jsonEqual(comparable(x.config), comparable(y.config)) ? 2 : 1;
  if (a.length * b.length > MAX_ALIGNMENT_CELLS) {
    const pairs: [LayerNode, LayerNode][] = [];
    let j = 0;
    for (const x of a) {
      const k = b.findIndex((y, idx) => idx >= j && y.className === x.className);
      if (k < 0) continue;
      pairs.push([x, b[k] as LayerNode]);
      j = k + 1;
    }
    return pairs;
  }
  const cols = b.length + 1;
  const best = new Int32Array((a.length + 1) * cols);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      const s = score(a[i] as LayerNode, b[j] as LayerNode);
      const take = s > 0 ? s + (best[(i + 1) * cols + j + 1] as number) : 0;
      best[i * cols + j] = Math.max(
        take,
        best[(i + 1) * cols + j] as number,
        best[i * cols + j + 1] as number,
      );
    }
  }
  const pairs: [LayerNode, LayerNode][] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i] as LayerNode;
    const y = b[j] as LayerNode;
    const s = score(x, y);
    const here = best[i * cols + j] as number;
    if (s > 0 && here === s + (best[(i + 1) * cols + j + 1] as number)) {
      pairs.push([x, y]);
      i++;
      j++;
    } else if (here === (best[(i + 1) * cols + j] as number)) i++;
    else j++;
  }
  return pairs;
}

/** Matches layers: by name first, then renamed layers by position and class between the named anchors. */
function matchLayers(a: ParsedTopology, b: ParsedTopology): Map<LayerNode, LayerNode> {
  const byName = new Map(a.layers.map((l) => [l.name, l]));
  const pairs = new Map<LayerNode, LayerNode>();
  const anchors: [LayerNode, LayerNode][] = [];
  for (const y of b.layers) {
    const x = byName.get(y.name);
    if (x) {
      pairs.set(x, y);
      anchors.push([x, y]);
    }
  }
  // Anchors that keep their relative order bound the gaps; a layer moved elsewhere stays matched by name
  // but does not split the gaps.
  const run = increasingRun(anchors.map(([x]) => x.index));
  const boundsA: number[] = [];
  const boundsB: number[] = [];
  anchors.forEach(([x, y], i) => {
    if (run.has(i)) {
      boundsA.push(x.index);
      boundsB.push(y.index);
    }
  });
  const gapOf = (bounds: readonly number[], index: number) => {
    let lo = 0;
    let hi = bounds.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((bounds[mid] as number) < index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const matchedB = new Set(pairs.values());
  const gapsA = new Map<number, LayerNode[]>();
  const gapsB = new Map<number, LayerNode[]>();
  for (const x of a.layers) if (!pairs.has(x)) push(gapsA, gapOf(boundsA, x.index), x);
  for (const y of b.layers) if (!matchedB.has(y)) push(gapsB, gapOf(boundsB, y.index), y);
  for (const [gap, xs] of gapsA) {
    for (const [x, y] of alignGap(xs, gapsB.get(gap) ?? [])) pairs.set(x, y);
  }
  return pairs;
}

function push<K, V>(m: Map<K, V[]>, key: K, value: V): void {
  const list = m.get(key);
  if (list) list.push(value);
  else m.set(key, [value]);
}

export interface LayerParams {
  readonly perLayer: ReadonlyMap<string, number>;
  readonly total: number;
  /** Parameters of weights whose name matched no layer. */
  readonly unassigned: number;
}

/** A topology's layer names and nested-layer aliases, as `diffWeights` takes them to assign weights. */
export function weightLayerNames(topology: ParsedTopology): {
  readonly layerNames: readonly string[];
  readonly layerAliases: ReadonlyMap<string, string>;
} {
  const layerAliases = new Map<string, string>();
  for (const layer of topology.layers) for (const inner of layer.nested) layerAliases.set(inner, layer.name);
  return { layerNames: topology.layers.map((l) => l.name), layerAliases };
}

/** Parameter counts per layer of a parsed topology, from a version's tensor list. */
export function countLayerParams(topology: ParsedTopology, tensors: readonly WeightShape[]): LayerParams {
  const names = weightLayerNames(topology);
  const index = new WeightLayerIndex(names.layerNames, names.layerAliases);
  const perLayer = new Map<string, number>();
  let total = 0;
  let unassigned = 0;
  for (const t of tensors) {
    const n = elementCount(t.shape);
    total += n;
    const layer = index.layerOf(t.name);
    if (layer === null) unassigned += n;
    else perLayer.set(layer, (perLayer.get(layer) ?? 0) + n);
  }
  return { perLayer, total, unassigned };
}

function paramsByLayer(
  topology: ParsedTopology,
  tensors: readonly WeightShape[] | undefined,
): LayerParams | null {
  return tensors ? countLayerParams(topology, tensors) : null;
}

/** Compares two topologies. Either may be a bare topology, a `model_config` wrapper or a whole model.json. */
export function diffTopology(
  before: unknown,
  after: unknown,
  options: TopologyDiffOptions = {},
): Result<TopologyDiff> {
  const pa = parseTopology(before);
  if (!pa.ok) return pa;
  const pb = parseTopology(after);
  if (!pb.ok) return pb;
  const a = pa.value;
  const b = pb.value;
  const paramsA = paramsByLayer(a, options.tensors?.before);
  const paramsB = paramsByLayer(b, options.tensors?.after);
  const countOf = (p: typeof paramsA, layer: LayerNode | null) =>
    p === null ? null : layer === null ? 0 : (p.perLayer.get(layer.name) ?? 0);

  const pairs = matchLayers(a, b);
  const partnerOfB = new Map<LayerNode, LayerNode>();
  for (const [x, y] of pairs) partnerOfB.set(y, x);

  const describe = (x: LayerNode | null, y: LayerNode | null): LayerDiff => {
    const params = { before: x ? countOf(paramsA, x) : null, after: y ? countOf(paramsB, y) : null };
    if (x === null || y === null) {
      const only = (x ?? y) as LayerNode;
      return {
        name: only.name,
        status: x ? 'removed' : 'added',
        className: only.className,
        before: x,
        after: y,
        renamedFrom: null,
        changes: [],
        params: {
          before: x ? params.before : paramsA === null ? null : 0,
          after: y ? params.after : paramsB === null ? null : 0,
        },
      };
    }
    const changes: ConfigChange[] = [];
    if (x.className !== y.className)
      changes.push({ key: 'class_name', before: x.className, after: y.className });
    configChanges('', comparable(x.config), comparable(y.config), changes);
    const paramsMoved = params.before !== null && params.after !== null && params.before !== params.after;
    return {
      name: y.name,
      status: changes.length > 0 || paramsMoved ? 'changed' : 'unchanged',
      className: y.className,
      before: x,
      after: y,
      renamedFrom: x.name === y.name ? null : x.name,
      changes,
      params,
    };
  };

  // Removed layers go right after the newer-model position of their nearest kept predecessor.
  const removedAfter = new Map<number, LayerNode[]>();
  let anchor = -1;
  for (const x of a.layers) {
    const y = pairs.get(x);
    if (y) anchor = y.index;
    else push(removedAfter, anchor, x);
  }
  const layers: LayerDiff[] = [];
  for (const x of removedAfter.get(-1) ?? []) layers.push(describe(x, null));
  for (const y of b.layers) {
    layers.push(describe(partnerOfB.get(y) ?? null, y));
    for (const x of removedAfter.get(y.index) ?? []) layers.push(describe(x, null));
  }

  // Edges are keyed by the diff's names: an older layer that was matched speaks with its newer name.
  const unified = new Map<string, string>();
  for (const x of a.layers) unified.set(x.name, pairs.get(x)?.name ?? x.name);
  const key = (e: LayerEdge) => `${e.from}\u0000${e.to}`;
  const edgesA = new Map<string, LayerEdge>();
  for (const e of a.edges) {
    const mapped = { from: unified.get(e.from) ?? e.from, to: unified.get(e.to) ?? e.to };
    edgesA.set(key(mapped), mapped);
  }
  const edges: EdgeDiff[] = [];
  const inB = new Set<string>();
  for (const e of b.edges) {
    inB.add(key(e));
    edges.push({ ...e, status: edgesA.has(key(e)) ? 'unchanged' : 'added' });
  }
  for (const [k, e] of edgesA) if (!inB.has(k)) edges.push({ ...e, status: 'removed' });

  const counts: Record<LayerStatus, number> = { added: 0, removed: 0, changed: 0, unchanged: 0 };
  for (const l of layers) counts[l.status]++;
  const edgeCounts: Record<EdgeStatus, number> = { added: 0, removed: 0, unchanged: 0 };
  for (const e of edges) edgeCounts[e.status]++;

  return ok({
    before: { className: a.className, name: a.name },
    after: { className: b.className, name: b.name },
    layers,
    edges,
    counts,
    edgeCounts,
    params: {
      before: paramsA?.total ?? null,
      after: paramsB?.total ?? null,
      unassigned: { before: paramsA?.unassigned ?? null, after: paramsB?.unassigned ?? null },
    },
    identical:
      a.className === b.className &&
      counts.added + counts.removed + counts.changed === 0 &&
      edgeCounts.added + edgeCounts.removed === 0,
  });
}

export interface LayerPosition {
  /** Longest path from a source layer: the row the layer is drawn in. */
  readonly rank: number;
  /** Column within its rank, left to right in list order. */
  readonly slot: number;
}

export interface LayerGraphLayout {
  readonly positions: ReadonlyMap<string, LayerPosition>;
  readonly ranks: number;
  /** The widest rank's number of layers. */
  readonly width: number;
}

/**
 * A layered layout of the diff's union graph (both versions' layers and edges), so removed layers sit
 * where they used to be. Keras graphs are acyclic; should an edge close a cycle, it is ignored for ranking.
 */
export function layoutLayerGraph(diff: Pick<TopologyDiff, 'layers' | 'edges'>): LayerGraphLayout {
  const order = new Map(diff.layers.map((l, i) => [l.name, i]));
  const incoming = new Map<string, number>();
  const outgoing = new Map<string, string[]>();
  for (const l of diff.layers) incoming.set(l.name, 0);
  for (const e of diff.edges) {
    if (!order.has(e.from) || !order.has(e.to) || e.from === e.to) continue;
    incoming.set(e.to, (incoming.get(e.to) ?? 0) + 1);
    push(outgoing, e.from, e.to);
  }
  const rank = new Map<string, number>();
  const queue: string[] = [];
  for (const l of diff.layers) if (incoming.get(l.name) === 0) queue.push(l.name);
  for (let head = 0; head < queue.length; head++) {
    const name = queue[head] as string;
    const r = rank.get(name) ?? 0;
    rank.set(name, r);
    for (const next of outgoing.get(name) ?? []) {
      rank.set(next, Math.max(rank.get(next) ?? 0, r + 1));
      const left = (incoming.get(next) as number) - 1;
      incoming.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  for (const l of diff.layers)
    if (!rank.has(l.name)) rank.set(l.name, l.before?.index ?? l.after?.index ?? 0);

  const positions = new Map<string, LayerPosition>();
  const filled = new Map<number, number>();
  let ranks = 0;
  let width = 0;
  for (const l of diff.layers) {
    const r = rank.get(l.name) as number;
    const slot = filled.get(r) ?? 0;
    filled.set(r, slot + 1);
    positions.set(l.name, { rank: r, slot });
    ranks = Math.max(ranks, r + 1);
    width = Math.max(width, slot + 1);
  }
  return { positions, ranks, width };
}
