import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../json';
import { analyzeSpec } from './analyze';
import { graphFromSpec, graphFromTopology, layoutGraph } from './graph';
import { SEED_SPEC } from './templates';

describe('graphFromTopology', () => {
  it('chains a Sequential model behind an input node, with shapes and counts from the live layers', () => {
    const topology: JsonObject = {
      class_name: 'Sequential',
      config: {
        name: 's',
        layers: [
          { class_name: 'Dense', config: { name: 'hidden', batch_input_shape: [null, 100] } },
          { class_name: 'Dense', config: { name: 'output' } },
        ],
      },
    };
    const g = graphFromTopology(topology, [
      { name: 'hidden', className: 'Dense', outputShape: '[batch, 64]', params: 6464, trainable: true },
      { name: 'output', className: 'Dense', outputShape: '[batch, 10]', params: 650, trainable: true },
    ]);
    expect(g.nodes).toEqual([
      { id: '__input__', name: 'input', className: 'InputLayer', outputShape: '[batch, 100]', params: 0 },
      { id: 'hidden', name: 'hidden', className: 'Dense', outputShape: '[batch, 64]', params: 6464 },
      { id: 'output', name: 'output', className: 'Dense', outputShape: '[batch, 10]', params: 650 },
    ]);
    expect(g.edges).toEqual([
      { from: '__input__', to: 'hidden' },
      { from: 'hidden', to: 'output' },
    ]);
  });

  it('reads a functional model with two inputs and a merge (Keras 2 inbound nodes)', () => {
    const topology: JsonObject = {
      class_name: 'Functional',
      config: {
        layers: [
          {
            name: 'a',
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 3] },
            inbound_nodes: [],
          },
          {
            name: 'b',
            class_name: 'InputLayer',
            config: { batch_input_shape: [null, 4] },
            inbound_nodes: [],
          },
          { name: 'da', class_name: 'Dense', config: {}, inbound_nodes: [[['a', 0, 0, {}]]] },
          {
            name: 'cat',
            class_name: 'Concatenate',
            config: {},
            inbound_nodes: [
              [
                ['da', 0, 0, {}],
                ['b', 0, 0, {}],
              ],
            ],
          },
          { name: 'out', class_name: 'Dense', config: {}, inbound_nodes: [[['cat', 0, 0, {}]]] },
        ],
      },
    };
    const g = graphFromTopology(topology);
    expect(g.nodes.map((n) => [n.id, n.outputShape])).toEqual([
      ['a', '[batch, 3]'],
      ['b', '[batch, 4]'],
      ['da', ''],
      ['cat', ''],
      ['out', ''],
    ]);
    expect(g.edges).toEqual([
      { from: 'a', to: 'da' },
      { from: 'da', to: 'cat' },
      { from: 'b', to: 'cat' },
      { from: 'cat', to: 'out' },
    ]);
  });

  it('reads Keras 3 keras_history references', () => {
    const ref = (name: string) => ({
      class_name: '__keras_tensor__',
      config: { keras_history: [name, 0, 0] },
    });
    const topology: JsonObject = {
      class_name: 'Functional',
      config: {
        layers: [
          { name: 'x', class_name: 'InputLayer', config: { batch_shape: [null, 2] }, inbound_nodes: [] },
          {
            name: 'add',
            class_name: 'Add',
            config: {},
            inbound_nodes: [{ args: [[ref('x'), ref('x')]], kwargs: {} }],
          },
        ],
      },
    };
    expect(graphFromTopology(topology).edges).toEqual([{ from: 'x', to: 'add' }]);
  });

  it('calls only the first unknown dimension of an input the batch (a sequence of any length)', () => {
    const topology: JsonObject = {
      class_name: 'Functional',
      config: {
        layers: [
          {
            name: 'seq',
            class_name: 'InputLayer',
            config: { batch_shape: [null, null, 81] },
            inbound_nodes: [],
          },
        ],
      },
    };
    expect(graphFromTopology(topology).nodes[0]?.outputShape).toBe('[batch, any, 81]');
  });
});

describe('graphFromSpec', () => {
  it('uses the analysis for shapes and parameter counts', () => {
    const g = graphFromSpec(SEED_SPEC, analyzeSpec(SEED_SPEC));
    expect(g.nodes.map((n) => [n.name, n.outputShape, n.params])).toEqual([
      ['input', '[100]', 0],
      ['hidden', '[64]', 6464],
      ['output', '[10]', 650],
    ]);
    expect(g.edges).toHaveLength(2);
  });
});

describe('layoutGraph', () => {
  it('puts each node one rank below its deepest input (longest path)', () => {
    const edges = [
      { from: 'in', to: 'a' },
      { from: 'a', to: 'b' },
      { from: 'b', to: 'merge' },
      { from: 'in', to: 'merge' },
    ];
    const { ranks, position } = layoutGraph(['in', 'a', 'b', 'merge'], edges);
    expect(ranks).toEqual([['in'], ['a'], ['b'], ['merge']]);
    expect(position.get('merge')).toEqual({ rank: 3, order: 0 });
  });

  it('orders siblings to avoid crossings', () => {
    const edges = [
      { from: 'x', to: 'x2' },
      { from: 'y', to: 'y2' },
      { from: 'x2', to: 'out' },
      { from: 'y2', to: 'out' },
    ];
    const { ranks } = layoutGraph(['x', 'y', 'y2', 'x2', 'out'], edges);
    expect(ranks).toEqual([['x', 'y'], ['x2', 'y2'], ['out']]);
  });

  it('survives cycles, self loops, unknown ends and an empty graph', () => {
    const { ranks } = layoutGraph(
      ['a', 'b', 'c'],
      [
        { from: 'a', to: 'b' },
        { from: 'b', to: 'c' },
        { from: 'c', to: 'b' },
        { from: 'a', to: 'a' },
        { from: 'a', to: 'ghost' },
      ],
    );
    expect(ranks.flat().sort()).toEqual(['a', 'b', 'c']);
    expect(layoutGraph([], []).ranks).toEqual([]);
  });
});
