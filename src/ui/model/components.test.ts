/**
 * Server-side renders of the live-model card and the architecture diagram for a model with two inputs
 * and two outputs through an LSTM that returns its states: every input and output is shown, and only
 * the first dimension of a shape is the batch.
 */
import { render } from 'svelte/server';
import type { Component } from 'svelte';
import { afterEach, describe, expect, it } from 'vitest';
import type { LayerInfo } from '../../core/ports';
import { graphFromTopology } from '../../core/model/graph';
import { summaryShapes } from '../../core/versions/summary';
import type { RepoId } from '../../core/versions/types';
import type { Live } from '../../state/LiveModel.svelte';
import { locale } from '../i18n';
import ArchitectureDiagram from './ArchitectureDiagram.svelte';
import LiveModelCard from './LiveModelCard.svelte';

afterEach(() => {
  locale.lang = 'en';
});

function html<P extends object>(component: Component<P>, props: P): string {
  return render(component, { props })
    .body.replace(/<!--[^>]*-->/g, '')
    .replace(/ class="svelte-[a-z0-9]+"/g, '')
    .replace(/ svelte-[a-z0-9]+/g, '');
}
const text = (markup: string) => markup.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

const LAYERS: LayerInfo[] = [
  { name: 'sequence', className: 'InputLayer', outputShape: '[batch, any, 81]', params: 0, trainable: true },
  { name: 'meta', className: 'InputLayer', outputShape: '[batch, 4]', params: 0, trainable: true },
  {
    name: 'encoder',
    className: 'LSTM',
    outputShape: '[batch, any, 16] [batch, 16] [batch, 16]',
    params: 6272,
    trainable: true,
  },
  { name: 'merge', className: 'Concatenate', outputShape: '[batch, 20]', params: 0, trainable: true },
  { name: 'class', className: 'Dense', outputShape: '[batch, 3]', params: 63, trainable: true },
  { name: 'score', className: 'Dense', outputShape: '[batch, 1]', params: 17, trainable: true },
];

const LIVE: Live<unknown> = {
  repoId: 'r' as RepoId,
  model: null,
  summary: {
    className: 'Model',
    layerCount: 6,
    paramCount: 6352,
    ...summaryShapes(
      [
        [null, null, 81],
        [null, 4],
      ],
      [
        [null, 3],
        [null, 1],
      ],
    ),
  },
  layers: LAYERS,
  base: null,
  pending: null,
  kept: {},
  probe: null,
};

describe('the live-model card', () => {
  const props = { live: LIVE, branch: 'main', canSave: false, busy: false, onsave: async () => {} };

  it('shows every input and output, one shape a line', () => {
    const body = html(LiveModelCard, props);
    expect(body).toContain(
      '<dt>Inputs</dt> <dd class="shapes" data-testid="live-inputs"><span>[batch, any, 81]</span><span>[batch, 4]</span></dd>',
    );
    expect(body).toContain('<span>[batch, 3]</span><span>[batch, 1]</span>');
    // Each of the LSTM's three outputs in the layer table.
    expect(body).toContain(
      '<td class="shapes"><code>[batch, any, 16]</code><code>[batch, 16]</code><code>[batch, 16]</code></td>',
    );
  });

  it('keeps the single Input and Output of a one-input model', () => {
    const { className, layerCount, paramCount } = LIVE.summary;
    const summary = { className, layerCount, paramCount, ...summaryShapes([[null, 5]], [[null, 2]]) };
    const one = { ...LIVE, summary };
    const body = text(html(LiveModelCard, { ...props, live: one }));
    expect(body).toContain('Input [batch, 5] Output [batch, 2]');
  });

  it('words the dimensions in Chinese', () => {
    locale.lang = 'zh-CN';
    expect(html(LiveModelCard, props)).toContain('<span>[批, 任意, 81]</span>');
  });
});

describe('the architecture diagram', () => {
  const topology = {
    class_name: 'Model',
    config: {
      layers: [
        { name: 'sequence', class_name: 'InputLayer', config: {}, inbound_nodes: [] },
        { name: 'meta', class_name: 'InputLayer', config: {}, inbound_nodes: [] },
        { name: 'encoder', class_name: 'LSTM', config: {}, inbound_nodes: [[['sequence', 0, 0, {}]]] },
        {
          name: 'merge',
          class_name: 'Concatenate',
          config: {},
          inbound_nodes: [
            [
              ['encoder', 0, 1, {}],
              ['meta', 0, 0, {}],
            ],
          ],
        },
        { name: 'class', class_name: 'Dense', config: {}, inbound_nodes: [[['merge', 0, 0, {}]]] },
        { name: 'score', class_name: 'Dense', config: {}, inbound_nodes: [[['encoder', 0, 0, {}]]] },
      ],
    },
  };
  const graph = graphFromTopology(topology, LAYERS);

  it('gives each output of a layer a line of its own, in a box tall enough for them', () => {
    const body = html(ArchitectureDiagram, { nodes: graph.nodes, edges: graph.edges });
    const encoder = /<g class="node recurrent"[^>]*>(.*?)<\/g>/.exec(body)?.[1] ?? '';
    expect(encoder).toContain(
      '<div class="shape">[batch, any, 16]</div><div class="shape">[batch, 16]</div><div class="shape">[batch, 16]</div>',
    );
    // Three shape lines make the box 26 px taller than a one-line box, and its foreignObject with it.
    expect(encoder).toMatch(/<rect width="176" height="80" rx="7"/);
    expect(encoder).toMatch(/<foreignObject width="176" height="80">/);
    // The parameter count sits beside the type, never on a shape's line.
    expect(encoder).toContain('<span class="class">LSTM</span> <span class="params">6,272</span>');
    // Everything, whole, in the tooltip.
    expect(encoder).toContain(
      'title="encoder · LSTM · [batch, any, 16] [batch, 16] [batch, 16] · 6,272 parameters"',
    );
    const input = /<g class="node input"[^>]*>(.*?)<\/g>/.exec(body)?.[1] ?? '';
    expect(input).toMatch(/<rect width="176" height="54" rx="7"/);
  });

  it('never lets two boxes overlap, however tall a rank is', () => {
    const body = html(ArchitectureDiagram, { nodes: graph.nodes, edges: graph.edges });
    const boxes = [
      ...body.matchAll(
        /<g class="node [^"]*" transform="translate\(([\d.]+),([\d.]+)\)"><title>[^<]*<\/title><rect width="(\d+)" height="(\d+)"/g,
      ),
    ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), w: Number(m[3]), h: Number(m[4]) }));
    expect(boxes).toHaveLength(graph.nodes.length);
    for (const [i, a] of boxes.entries())
      for (const b of boxes.slice(i + 1)) {
        const apart = a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y;
        expect(apart, `${JSON.stringify(a)} and ${JSON.stringify(b)}`).toBe(true);
      }
    // The rank below the three-line LSTM starts a full gap below it.
    const encoder = boxes[2]!;
    expect(Math.min(...boxes.filter((b) => b.y > encoder.y).map((b) => b.y))).toBe(
      encoder.y + encoder.h + 30,
    );
  });

  it('shows the first shapes of a layer with many outputs and counts the rest', () => {
    const many = [
      { ...graph.nodes[2]!, outputShape: '[batch, 1] [batch, 2] [batch, 3] [batch, 4] [batch, 5]' },
    ];
    const body = html(ArchitectureDiagram, { nodes: many, edges: [] });
    expect(body).toContain(
      '<div class="shape">[batch, 1]</div><div class="shape">[batch, 2]</div><div class="shape">+3 more</div>',
    );
  });
});
