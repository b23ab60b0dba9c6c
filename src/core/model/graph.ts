/**
 * The layer graph of a model for the architecture diagram: nodes and edges read from a Keras / TF.js
 * topology (Sequential chains and Functional graphs with several inputs or branches), and a layered
 * layout (longest-path layering, then barycentre ordering to reduce crossings).
 */
import { isJsonObject, type JsonObject, type JsonValue } from '../json';
import type { LayerInfo } from '../ports';
import { formatShape, type SpecAnalysis } from './analyze';
import { shapeText } from './shapeText';
import type { ModelSpec } from './spec';

export interface GraphNode {
  /** Unique within the graph: the layer name. */
  readonly id: string;
  readonly name: string;
  readonly className: string;
  readonly outputShape: string;
  readonly params: number;
}

export interface GraphEdge {
  readonly from: string;
  readonly to: string;
}

export interface LayerGraph {
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
}

function node(
  name: string,
  className: string,
  info: ReadonlyMap<string, Pick<LayerInfo, 'outputShape' | 'params'>>,
  fallbackShape = '',
): GraphNode {
  const i = info.get(name);
  return { id: name, name, className, outputShape: i?.outputShape ?? fallbackShape, params: i?.params ?? 0 };
}

function batchShapeText(config: JsonValue | undefined): string {
  if (!isJsonObject(config)) return '';
  const shape = config['batch_input_shape'] ?? config['batch_shape'];
  if (!Array.isArray(shape)) return '';
  return shapeText(shape.map((d) => (typeof d === 'number' ? d : null)));
}

/** Layer names a Functional layer's inbound nodes refer to, in Keras 2 (`[[name, i, j, {}]]`) or Keras 3 (`keras_history`) form. */
function inboundNames(value: JsonValue | undefined): string[] {
  const out: string[] = [];
  const visit = (v: JsonValue | undefined): void => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number') {
        out.push(v[0]);
        return;
      }
      v.forEach(visit);
    } else if (isJsonObject(v)) {
      const history = v['keras_history'];
      if (Array.isArray(history) && typeof history[0] === 'string') out.push(history[0]);
      else Object.values(v).forEach(visit);
    }
  };
  visit(value);
  return [...new Set(out)];
}

/**
 * The graph of a stored topology. `layers` (as ml/describe reads them off the live model) supply output
 * shapes and parameter counts; without them nodes carry only names and classes.
 */
export function graphFromTopology(topology: JsonObject, layers: readonly LayerInfo[] = []): LayerGraph {
  const info = new Map(layers.map((l) => [l.name, l]));
  const model = isJsonObject(topology['model_config']) ? topology['model_config'] : topology;
  const config = model['config'];
  const entries = (Array.isArray(config) ? config : isJsonObject(config) ? config['layers'] : []) ?? [];
  const list = Array.isArray(entries) ? entries.filter(isJsonObject) : [];
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];

  if (model['class_name'] === 'Sequential') {
    let previous: string | null = null;
    list.forEach((entry, i) => {
      const cfg = isJsonObject(entry['config']) ? entry['config'] : {};
      const className = typeof entry['class_name'] === 'string' ? entry['class_name'] : '?';
      const name = typeof cfg['name'] === 'string' ? cfg['name'] : `layer_${i + 1}`;
      if (i === 0 && className !== 'InputLayer') {
        const inputShape = batchShapeText(cfg);
        if (inputShape) {
          nodes.push({
            id: '__input__',
            name: 'input',
            className: 'InputLayer',
            outputShape: inputShape,
            params: 0,
          });
          previous = '__input__';
        }
      }
      nodes.push(node(name, className, info, className === 'InputLayer' ? batchShapeText(cfg) : ''));
      if (previous !== null) edges.push({ from: previous, to: name });
      previous = name;
    });
    return { nodes, edges };
  }

  for (const entry of list) {
    const cfg = isJsonObject(entry['config']) ? entry['config'] : {};
    const name =
      typeof entry['name'] === 'string' ? entry['name'] : typeof cfg['name'] === 'string' ? cfg['name'] : '';
    if (!name) continue;
    const className = typeof entry['class_name'] === 'string' ? entry['class_name'] : '?';
    nodes.push(node(name, className, info, className === 'InputLayer' ? batchShapeText(cfg) : ''));
    for (const from of inboundNames(entry['inbound_nodes'])) edges.push({ from, to: name });
  }
  const known = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => known.has(e.from) && known.has(e.to)) };
}

/** The graph of a spec the builder is editing, with the shapes and counts its analysis inferred. */
export function graphFromSpec(spec: ModelSpec, analysis: SpecAnalysis): LayerGraph {
  const nodes: GraphNode[] = [
    {
      id: '__input__',
      name: 'input',
      className: 'InputLayer',
      outputShape: formatShape(spec.inputShape),
      params: 0,
    },
  ];
  const edges: GraphEdge[] = [];
  let previous = '__input__';
  spec.layers.forEach((layer, i) => {
    const a = analysis.layers[i];
    const id = `${layer.id}`;
    nodes.push({
      id,
      name: layer.name,
      className: layer.kind,
      outputShape: a?.outputShape ? formatShape(a.outputShape) : '?',
      params: a?.params ?? 0,
    });
    edges.push({ from: previous, to: id });
    previous = id;
  });
  return { nodes, edges };
}

export interface GraphLayout {
  /** Node ids by rank (top to bottom), each rank ordered left to right. */
  readonly ranks: readonly (readonly string[])[];
  readonly position: ReadonlyMap<string, { readonly rank: number; readonly order: number }>;
}

/**
 * Longest-path layering: every node sits one rank below the lowest of its inputs, so a branch that skips
 * layers draws as a long edge rather than squeezing the main path. Nodes on a cycle (never produced by
 * Keras, but a corrupt topology could) are placed after everything else instead of looping.
 */
export function layoutGraph(nodeIds: readonly string[], edges: readonly GraphEdge[]): GraphLayout {
  const ids = [...new Set(nodeIds)];
  const known = new Set(ids);
  const preds = new Map<string, string[]>(ids.map((id) => [id, []]));
  const succs = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!known.has(e.from) || !known.has(e.to) || e.from === e.to) continue;
    preds.get(e.to)?.push(e.from);
    succs.get(e.from)?.push(e.to);
  }
  const indegree = new Map(ids.map((id) => [id, preds.get(id)?.length ?? 0]));
  const rank = new Map<string, number>();
  const queue = ids.filter((id) => indegree.get(id) === 0);
  for (const id of queue) rank.set(id, 0);
  for (let q = 0; q < queue.length; q++) {
    const id = queue[q] as string;
    for (const next of succs.get(id) ?? []) {
      rank.set(next, Math.max(rank.get(next) ?? 0, (rank.get(id) ?? 0) + 1));
      const left = (indegree.get(next) ?? 0) - 1;
      indegree.set(next, left);
      if (left === 0) queue.push(next);
    }
  }
  let deepest = Math.max(-1, ...rank.values());
  for (const id of ids) if (!queue.includes(id)) rank.set(id, ++deepest);

  const rankCount = Math.max(0, ...rank.values()) + 1;
  const ranks: string[][] = Array.from({ length: ids.length === 0 ? 0 : rankCount }, () => []);
  for (const id of ids) ranks[rank.get(id) ?? 0]?.push(id);

  const orderOf = new Map<string, number>();
  const renumber = (r: string[]) => r.forEach((id, i) => orderOf.set(id, i));
  ranks.forEach(renumber);
  const barycentre = (id: string, neighbours: Map<string, string[]>) => {
    const ns = neighbours.get(id) ?? [];
    if (ns.length === 0) return orderOf.get(id) ?? 0;
    return ns.reduce((s, n) => s + (orderOf.get(n) ?? 0), 0) / ns.length;
  };
  // Two down-and-up sweeps settle small graphs; more rarely helps and costs on every redraw.
  for (let sweep = 0; sweep < 2; sweep++) {
    for (let r = 1; r < ranks.length; r++) {
      const row = ranks[r] as string[];
      row.sort((a, b) => barycentre(a, preds) - barycentre(b, preds));
      renumber(row);
    }
    for (let r = ranks.length - 2; r >= 0; r--) {
      const row = ranks[r] as string[];
      row.sort((a, b) => barycentre(a, succs) - barycentre(b, succs));
      renumber(row);
    }
  }
  const position = new Map(ids.map((id) => [id, { rank: rank.get(id) ?? 0, order: orderOf.get(id) ?? 0 }]));
  return { ranks, position };
}
