import { describe, expect, it } from 'vitest';
import { isGraftError } from '../errors';
import type { JsonObject, JsonValue } from '../json';
import {
  denseConfig,
  functionalTopology,
  FUNCTIONAL_WEIGHTS,
  sequentialTopology,
  SEQUENTIAL_WEIGHTS,
} from './testTopologies';
import {
  countLayerParams,
  diffTopology,
  layoutLayerGraph,
  parseTopology,
  weightLayerNames,
  type LayerDiff,
  type TopologyDiff,
} from './topology';
import { diffWeights } from './weights';

function diff(a: unknown, b: unknown, tensors?: Parameters<typeof diffTopology>[2]): TopologyDiff {
  const r = diffTopology(a, b, tensors);
  if (!r.ok) throw r.error;
  return r.value;
}

function layers(t: JsonObject): JsonObject[] {
  return (t['config'] as JsonObject)['layers'] as JsonObject[];
}

function layer(d: TopologyDiff, name: string): LayerDiff {
  const found = d.layers.find((l) => l.name === name);
  if (!found) throw new Error(`no layer ${name} in ${d.layers.map((l) => l.name).join(', ')}`);
  return found;
}

const summary = (d: TopologyDiff) => d.layers.map((l) => `${l.status}:${l.name}`);
const edgeList = (d: TopologyDiff, status: string) =>
  d.edges
    .filter((e) => e.status === status)
    .map((e) => `${e.from}>${e.to}`)
    .sort();

/** Renames every layer (and inbound reference) the way TF.js's auto-naming does when a model is rebuilt. */
function renamed(t: JsonObject, rename: (name: string) => string): JsonObject {
  const copy = JSON.parse(JSON.stringify(t)) as JsonObject;
  const walk = (v: JsonValue): JsonValue => {
    if (Array.isArray(v)) {
      if (typeof v[0] === 'string' && typeof v[1] === 'number')
        return [rename(v[0]), ...v.slice(1).map(walk)];
      return v.map(walk);
    }
    if (v !== null && typeof v === 'object') {
      const out: JsonObject = {};
      for (const [k, x] of Object.entries(v))
        out[k] = k === 'name' && typeof x === 'string' ? rename(x) : walk(x);
      return out;
    }
    return v;
  };
  const cfg = copy['config'] as JsonObject;
  cfg['layers'] = walk(cfg['layers'] as JsonValue);
  return copy;
}

describe('parseTopology', () => {
  it('reads a Sequential model in order, with edges following the order', () => {
    const r = parseTopology(sequentialTopology());
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.className).toBe('Sequential');
    expect(r.value.name).toBe('sequential_1');
    expect(r.value.layers.map((l) => `${l.className}:${l.name}`)).toEqual([
      'Dense:dense_Dense1',
      'Dropout:dropout_Dropout1',
      'Dense:dense_Dense2',
    ]);
    expect(r.value.explicitEdges).toBe(false);
    expect(r.value.edges).toEqual([
      { from: 'dense_Dense1', to: 'dropout_Dropout1' },
      { from: 'dropout_Dropout1', to: 'dense_Dense2' },
    ]);
  });

  it('reads a functional model’s edges from inbound_nodes', () => {
    const r = parseTopology(functionalTopology());
    if (!r.ok) throw r.error;
    expect(r.value.explicitEdges).toBe(true);
    expect(r.value.layers.find((l) => l.name === 'sum')?.inputs).toEqual(['a', 'b']);
    expect(r.value.edges).toHaveLength(5);
  });

  it('reads Keras 3 inbound nodes (keras_history) too', () => {
    const t = {
      class_name: 'Functional',
      config: {
        name: 'k3',
        layers: [
          {
            name: 'x',
            class_name: 'InputLayer',
            config: { name: 'x', batch_shape: [null, 2] },
            inbound_nodes: [],
          },
          {
            name: 'y',
            class_name: 'Dense',
            config: { name: 'y', units: 1 },
            inbound_nodes: [
              {
                args: [
                  {
                    class_name: '__keras_tensor__',
                    config: { shape: [null, 2], keras_history: ['x', 0, 0] },
                  },
                ],
                kwargs: {},
              },
            ],
          },
        ],
      },
    };
    const r = parseTopology(t);
    if (!r.ok) throw r.error;
    expect(r.value.edges).toEqual([{ from: 'x', to: 'y' }]);
  });

  it('accepts the model_config and modelTopology wrappers and old list-style Sequential configs', () => {
    const inner = sequentialTopology();
    for (const wrapped of [
      { keras_version: '2.15', backend: 'tensorflow', model_config: inner },
      { modelTopology: { model_config: inner }, weightsManifest: [] },
      { class_name: 'Sequential', config: layers(inner) },
    ]) {
      const r = parseTopology(wrapped);
      if (!r.ok) throw r.error;
      expect(r.value.layers).toHaveLength(3);
    }
  });

  it('names unnamed layers by position and keeps duplicate names apart', () => {
    const r = parseTopology({
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'Dense', config: { units: 1 } },
          { class_name: 'Dense', config: { units: 1, name: 'd' } },
          { class_name: 'Dense', config: { units: 1, name: 'd' } },
        ],
      },
    });
    if (!r.ok) throw r.error;
    expect(r.value.layers.map((l) => l.name)).toEqual(['#1', 'd', 'd#3']);
    expect(r.value.name).toBeNull();
  });

  it('refuses what is not a Layers topology with diff/incompatible', () => {
    for (const bad of [
      null,
      42,
      [],
      { class_name: 'Sequential' },
      { config: { layers: [] } },
      {
        class_name: 'Sequential',
        config: { layers: [7] },
      },
      { class_name: 'Sequential', config: { layers: [{ config: {} }] } },
    ]) {
      const r = parseTopology(bad);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(isGraftError(r.error, 'diff/incompatible')).toBe(true);
    }
    const r = diffTopology(sequentialTopology(), { class_name: 'GraphModel' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/cannot be compared/);
  });
});

describe('diffTopology', () => {
  it('finds nothing between a topology and itself', () => {
    const d = diff(sequentialTopology(), sequentialTopology(), {
      tensors: { before: SEQUENTIAL_WEIGHTS, after: SEQUENTIAL_WEIGHTS },
    });
    expect(d.identical).toBe(true);
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 3 });
    expect(d.edgeCounts).toEqual({ added: 0, removed: 0, unchanged: 2 });
    expect(d.params).toEqual({ before: 26, after: 26, unassigned: { before: 0, after: 0 } });
    expect(layer(d, 'dense_Dense1').params).toEqual({ before: 16, after: 16 });
    expect(layer(d, 'dropout_Dropout1').params).toEqual({ before: 0, after: 0 });
  });

  it('lists changed config keys with old and new values, and the parameter counts that moved', () => {
    const b = sequentialTopology();
    layers(b)[2] = { class_name: 'Dense', config: denseConfig('dense_Dense2', 3, 'sigmoid') };
    const weightsB = [
      ...SEQUENTIAL_WEIGHTS.slice(0, 2),
      { name: 'dense_Dense2/kernel', shape: [4, 3] },
      {
        name: 'dense_Dense2/bias',
        shape: [3],
      },
    ];
    const d = diff(sequentialTopology(), b, { tensors: { before: SEQUENTIAL_WEIGHTS, after: weightsB } });
    const l = layer(d, 'dense_Dense2');
    expect(l.status).toBe('changed');
    expect(l.changes).toEqual([
      { key: 'units', before: 2, after: 3 },
      { key: 'activation', before: 'softmax', after: 'sigmoid' },
    ]);
    expect(l.params).toEqual({ before: 10, after: 15 });
    expect(d.params.before).toBe(26);
    expect(d.params.after).toBe(31);
    expect(d.identical).toBe(false);
    expect(d.counts.changed).toBe(1);
  });

  it('marks a layer changed when only its parameter count moved (its input grew)', () => {
    const weightsB = [
      { name: 'dense_Dense1/kernel', shape: [3, 4] },
      { name: 'dense_Dense1/bias', shape: [4] },
      { name: 'dense_Dense2/kernel', shape: [5, 2] },
      { name: 'dense_Dense2/bias', shape: [2] },
    ];
    const d = diff(sequentialTopology(), sequentialTopology(), {
      tensors: { before: SEQUENTIAL_WEIGHTS, after: weightsB },
    });
    const l = layer(d, 'dense_Dense2');
    expect(l.status).toBe('changed');
    expect(l.changes).toEqual([]);
    expect(l.params).toEqual({ before: 10, after: 12 });
  });

  it('reports a nested config path, and a replaced initializer as one change', () => {
    const b = sequentialTopology();
    const cfg = denseConfig('dense_Dense1', 4, 'relu', { batch_input_shape: [null, 3], dtype: 'float32' });
    cfg['kernel_initializer'] = {
      class_name: 'VarianceScaling',
      config: { scale: 2, mode: 'fan_avg', distribution: 'normal', seed: null },
    };
    cfg['bias_initializer'] = { class_name: 'Ones', config: {} };
    layers(b)[0] = { class_name: 'Dense', config: cfg };
    const l = layer(diff(sequentialTopology(), b), 'dense_Dense1');
    expect(l.changes).toEqual([
      { key: 'kernel_initializer.config.scale', before: 1, after: 2 },
      {
        key: 'bias_initializer',
        before: { class_name: 'Zeros', config: {} },
        after: { class_name: 'Ones', config: {} },
      },
    ]);
  });

  it('ignores initializer seeds: they pick starting weights, and builders renumber them by position', () => {
    const withSeed = (seed: number) => {
      const t = sequentialTopology();
      const cfg = denseConfig('dense_Dense1', 4, 'relu', { batch_input_shape: [null, 3], dtype: 'float32' });
      cfg['kernel_initializer'] = { class_name: 'GlorotUniform', config: { seed } };
      layers(t)[0] = { class_name: 'Dense', config: cfg };
      return t;
    };
    const d = diff(withSeed(44), withSeed(45));
    expect(d.identical).toBe(true);
    expect(layer(d, 'dense_Dense1').changes).toEqual([]);
    // A different initializer is still a change.
    const other = withSeed(44);
    const cfg = layers(other)[0]?.['config'] as JsonObject;
    cfg['kernel_initializer'] = { class_name: 'HeNormal', config: { seed: 44 } };
    expect(layer(diff(withSeed(44), other), 'dense_Dense1').changes.map((c) => c.key)).toEqual([
      'kernel_initializer',
    ]);
  });

  it('reports keys that appear or disappear with undefined on the missing side', () => {
    const b = sequentialTopology();
    const dropout = layers(b)[1] as JsonObject;
    dropout['config'] = { rate: 0.2, seed: null, name: 'dropout_Dropout1', trainable: true, extra: 1 };
    const l = layer(diff(sequentialTopology(), b), 'dropout_Dropout1');
    expect(l.changes).toEqual([
      { key: 'noise_shape', before: null, after: undefined },
      { key: 'extra', before: undefined, after: 1 },
    ]);
  });

  it('treats a Keras 3 dtype policy and the plain dtype it names as the same', () => {
    const b = sequentialTopology();
    const first = (layers(b)[0] as JsonObject)['config'] as JsonObject;
    first['dtype'] = {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float32' },
      registered_name: null,
    };
    expect(diff(sequentialTopology(), b).identical).toBe(true);
    first['dtype'] = {
      module: 'keras',
      class_name: 'DTypePolicy',
      config: { name: 'float16' },
      registered_name: null,
    };
    expect(layer(diff(sequentialTopology(), b), 'dense_Dense1').changes).toEqual([
      { key: 'dtype', before: 'float32', after: 'float16' },
    ]);
  });

  it('ignores key order inside configs', () => {
    const b = sequentialTopology();
    const first = layers(b)[0] as JsonObject;
    const cfg = first['config'] as JsonObject;
    first['config'] = Object.fromEntries(Object.entries(cfg).reverse());
    expect(diff(sequentialTopology(), b).identical).toBe(true);
  });

  it('finds an added layer, where it sits, and the edges it reroutes', () => {
    const b = sequentialTopology();
    layers(b).splice(2, 0, { class_name: 'Dense', config: denseConfig('dense_Dense3', 8, 'relu') });
    const weightsB = [
      ...SEQUENTIAL_WEIGHTS.slice(0, 2),
      { name: 'dense_Dense3/kernel', shape: [4, 8] },
      { name: 'dense_Dense3/bias', shape: [8] },
      { name: 'dense_Dense2/kernel', shape: [8, 2] },
      { name: 'dense_Dense2/bias', shape: [2] },
    ];
    const d = diff(sequentialTopology(), b, { tensors: { before: SEQUENTIAL_WEIGHTS, after: weightsB } });
    expect(summary(d)).toEqual([
      'unchanged:dense_Dense1',
      'unchanged:dropout_Dropout1',
      'added:dense_Dense3',
      'changed:dense_Dense2',
    ]);
    expect(layer(d, 'dense_Dense3').params).toEqual({ before: 0, after: 40 });
    expect(edgeList(d, 'added')).toEqual(['dense_Dense3>dense_Dense2', 'dropout_Dropout1>dense_Dense3']);
    expect(edgeList(d, 'removed')).toEqual(['dropout_Dropout1>dense_Dense2']);
  });

  it('places a removed layer after its nearest kept predecessor', () => {
    const b = sequentialTopology();
    layers(b).splice(1, 1);
    const d = diff(sequentialTopology(), b);
    expect(summary(d)).toEqual([
      'unchanged:dense_Dense1',
      'removed:dropout_Dropout1',
      'unchanged:dense_Dense2',
    ]);
    expect(layer(d, 'dropout_Dropout1').after).toBeNull();
    expect(layer(d, 'dropout_Dropout1').params).toEqual({ before: null, after: null });
    expect(edgeList(d, 'added')).toEqual(['dense_Dense1>dense_Dense2']);
    expect(edgeList(d, 'removed')).toEqual([
      'dense_Dense1>dropout_Dropout1',
      'dropout_Dropout1>dense_Dense2',
    ]);
  });

  it('places a removed first layer at the top', () => {
    const b = sequentialTopology();
    layers(b).splice(0, 1);
    expect(summary(diff(sequentialTopology(), b))[0]).toBe('removed:dense_Dense1');
  });

  it('matches layers that TF.js renamed when the model was rebuilt, by position and class', () => {
    const bump = (n: string) => n.replace(/(\d+)$/, (d) => String(Number(d) + 10));
    const d = diff(sequentialTopology(), renamed(sequentialTopology(), bump));
    expect(d.identical).toBe(true);
    expect(d.layers.map((l) => [l.name, l.renamedFrom])).toEqual([
      ['dense_Dense11', 'dense_Dense1'],
      ['dropout_Dropout11', 'dropout_Dropout1'],
      ['dense_Dense12', 'dense_Dense2'],
    ]);
    expect(d.edgeCounts).toEqual({ added: 0, removed: 0, unchanged: 2 });
  });

  it('counts parameters of a renamed layer from each side’s own weight names', () => {
    const bump = (n: string) => n.replace(/(\d+)$/, (d) => String(Number(d) + 10));
    const weightsB = SEQUENTIAL_WEIGHTS.map((w) => ({
      ...w,
      name: w.name.replace(/\d+\//, (m) => `${Number(m.slice(0, -1)) + 10}/`),
    }));
    const d = diff(sequentialTopology(), renamed(sequentialTopology(), bump), {
      tensors: { before: SEQUENTIAL_WEIGHTS, after: weightsB },
    });
    expect(layer(d, 'dense_Dense11').params).toEqual({ before: 16, after: 16 });
    expect(d.identical).toBe(true);
  });

  it('with every layer renamed and one inserted, pairs the rest and marks only the new one added', () => {
    const a = sequentialTopology();
    const b = sequentialTopology();
    layers(b).splice(1, 0, { class_name: 'Dense', config: denseConfig('dense_Dense9', 4, 'tanh') });
    const d = diff(
      a,
      renamed(b, (n) => `${n}_v2`),
    );
    expect(summary(d)).toEqual([
      'unchanged:dense_Dense1_v2',
      'added:dense_Dense9_v2',
      'unchanged:dropout_Dropout1_v2',
      'unchanged:dense_Dense2_v2',
    ]);
  });

  it('prefers the renamed candidate whose config is identical', () => {
    const a = sequentialTopology();
    const b = sequentialTopology();
    // b: a new Dense(4, tanh) in front, then the old layers; all renamed.
    layers(b).splice(0, 0, { class_name: 'Dense', config: denseConfig('fresh', 2, 'tanh') });
    const d = diff(
      a,
      renamed(b, (n) => `${n}_x`),
    );
    expect(layer(d, 'fresh_x').status).toBe('added');
    expect(layer(d, 'dense_Dense1_x').renamedFrom).toBe('dense_Dense1');
  });

  it('does not pair a removed layer with an added one far away', () => {
    const a = sequentialTopology();
    const b = sequentialTopology();
    layers(b).splice(0, 1);
    layers(b).push({ class_name: 'Dense', config: denseConfig('tail', 4, 'relu') });
    const d = diff(a, b);
    expect(layer(d, 'dense_Dense1').status).toBe('removed');
    expect(layer(d, 'tail').status).toBe('added');
  });

  it('reports a layer whose class changed under the same name as changed', () => {
    const b = functionalTopology();
    const out = layers(b)[4] as JsonObject;
    out['class_name'] = 'Conv1D';
    const l = layer(diff(functionalTopology(), b), 'out');
    expect(l.status).toBe('changed');
    expect(l.changes[0]).toEqual({ key: 'class_name', before: 'Dense', after: 'Conv1D' });
    expect(l.className).toBe('Conv1D');
  });

  it('finds a rewired functional graph through its edges while layers stay unchanged', () => {
    const b = functionalTopology();
    (layers(b)[4] as JsonObject)['inbound_nodes'] = [[['a', 0, 0, {}]]];
    const d = diff(functionalTopology(), b);
    expect(d.counts.unchanged).toBe(5);
    expect(edgeList(d, 'added')).toEqual(['a>out']);
    expect(edgeList(d, 'removed')).toEqual(['sum>out']);
    expect(d.identical).toBe(false);
  });

  it('keeps a layer matched by name when it moved in the list', () => {
    const b = functionalTopology();
    const ls = layers(b);
    const [moved] = ls.splice(1, 1);
    ls.splice(2, 0, moved as JsonObject);
    const d = diff(functionalTopology(), b);
    expect(d.counts).toEqual({ added: 0, removed: 0, changed: 0, unchanged: 5 });
    expect(d.identical).toBe(true);
  });

  it('compares a Sequential model with a functional one', () => {
    const d = diff(sequentialTopology(), functionalTopology());
    expect(d.before.className).toBe('Sequential');
    expect(d.after.className).toBe('Model');
    expect(d.identical).toBe(false);
    expect(d.layers.length).toBeGreaterThanOrEqual(5);
  });

  it('maps weights to the exact layer, never to a layer whose name is only a prefix', () => {
    const a = {
      class_name: 'Sequential',
      config: {
        layers: [
          { class_name: 'Dense', config: { name: 'dense_Dense1', units: 2 } },
          { class_name: 'Dense', config: { name: 'dense_Dense10', units: 3 } },
        ],
      },
    };
    const weights = [
      { name: 'dense_Dense1/kernel', shape: [2, 2] },
      { name: 'dense_Dense10/kernel', shape: [2, 3] },
      { name: 'dense_Dense10/bias', shape: [3] },
      { name: 'stray', shape: [5] },
    ];
    const d = diff(a, a, { tensors: { before: weights, after: weights } });
    expect(layer(d, 'dense_Dense1').params.after).toBe(4);
    expect(layer(d, 'dense_Dense10').params.after).toBe(9);
    expect(d.params.unassigned).toEqual({ before: 5, after: 5 });
  });

  it('counts a nested model’s weights to the layer that holds it', () => {
    const t = {
      class_name: 'Sequential',
      config: {
        layers: [
          {
            class_name: 'Sequential',
            config: {
              name: 'encoder',
              layers: [{ class_name: 'Dense', config: { name: 'inner_dense', units: 2 } }],
            },
          },
          { class_name: 'Dense', config: { name: 'head', units: 1 } },
        ],
      },
    };
    const weights = [
      { name: 'inner_dense/kernel', shape: [3, 2] },
      { name: 'encoder/inner_dense/bias', shape: [2] },
      { name: 'head/kernel', shape: [2, 1] },
    ];
    const d = diff(t, t, { tensors: { before: weights, after: weights } });
    expect(layer(d, 'encoder').params.after).toBe(8);
    expect(layer(d, 'head').params.after).toBe(2);
  });

  it('leaves parameter counts null for a side without tensors', () => {
    const d = diff(functionalTopology(), functionalTopology(), { tensors: { after: FUNCTIONAL_WEIGHTS } });
    expect(layer(d, 'a').params).toEqual({ before: null, after: 16 });
    expect(d.params.before).toBeNull();
    expect(d.params.after).toBe(37);
    expect(d.identical).toBe(true);
  });
});

describe('layoutLayerGraph', () => {
  it('ranks layers by longest path and spreads parallel branches', () => {
    const b = functionalTopology();
    layers(b).push({
      name: 'extra',
      class_name: 'Dense',
      config: denseConfig('extra', 1, 'linear'),
      inbound_nodes: [[['in', 0, 0, {}]]],
    });
    const d = diff(functionalTopology(), b);
    const layout = layoutLayerGraph(d);
    expect(layout.positions.get('in')).toEqual({ rank: 0, slot: 0 });
    expect(layout.positions.get('a')).toEqual({ rank: 1, slot: 0 });
    expect(layout.positions.get('b')).toEqual({ rank: 1, slot: 1 });
    expect(layout.positions.get('extra')).toEqual({ rank: 1, slot: 2 });
    expect(layout.positions.get('sum')).toEqual({ rank: 2, slot: 0 });
    expect(layout.positions.get('out')).toEqual({ rank: 3, slot: 0 });
    expect(layout.ranks).toBe(4);
    expect(layout.width).toBe(3);
  });

  it('keeps a removed layer in the chain where it used to be', () => {
    const b = sequentialTopology();
    layers(b).splice(1, 1);
    const layout = layoutLayerGraph(diff(sequentialTopology(), b));
    expect(layout.positions.get('dropout_Dropout1')?.rank).toBe(1);
    expect(layout.positions.get('dense_Dense2')?.rank).toBe(2);
  });

  it('survives a cycle and edges to unknown layers', () => {
    const layout = layoutLayerGraph({
      layers: diff(sequentialTopology(), sequentialTopology()).layers,
      edges: [
        { from: 'dense_Dense1', to: 'dropout_Dropout1', status: 'unchanged' },
        { from: 'dropout_Dropout1', to: 'dense_Dense1', status: 'unchanged' },
        { from: 'ghost', to: 'dense_Dense2', status: 'added' },
      ],
    });
    expect(layout.positions.size).toBe(3);
    expect(layout.positions.get('dense_Dense2')?.rank).toBe(0);
  });
});

describe('one version’s layers', () => {
  it('counts parameters per layer of a single topology', () => {
    const t = parseTopology(functionalTopology());
    if (!t.ok) throw t.error;
    const counts = countLayerParams(t.value, [...FUNCTIONAL_WEIGHTS, { name: 'orphan', shape: [2, 2] }]);
    expect(Object.fromEntries(counts.perLayer)).toEqual({ a: 16, b: 16, out: 5 });
    expect(counts.total).toBe(41);
    expect(counts.unassigned).toBe(4);
  });

  it('hands diffWeights the names it needs to assign nested weights', () => {
    const t = parseTopology({
      class_name: 'Sequential',
      config: {
        layers: [
          {
            class_name: 'Sequential',
            config: {
              name: 'encoder',
              layers: [{ class_name: 'Dense', config: { name: 'inner', units: 2 } }],
            },
          },
        ],
      },
    });
    if (!t.ok) throw t.error;
    const names = weightLayerNames(t.value);
    expect(names.layerNames).toEqual(['encoder']);
    const w = {
      name: 'inner/kernel',
      shape: [2, 2],
      dtype: 'float32' as const,
      hash: 'h'.repeat(64) as never,
    };
    expect(diffWeights([w], [w], names).tensors[0]?.layer).toBe('encoder');
  });
});
