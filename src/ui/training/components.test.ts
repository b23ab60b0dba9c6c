/**
 * Server-side renders of the model-building and training components: what a screen reader and a
 * Playwright test find by role and name, with the data each component is given.
 */
import type { Component } from 'svelte';
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import { analyzeSpec } from '../../core/model/analyze';
import { createLayer, insertLayer, updateLayer } from '../../core/model/edit';
import { graphFromSpec, graphFromTopology } from '../../core/model/graph';
import { confusionMatrix } from '../../core/model/metrics';
import { SEED_SPEC } from '../../core/model/templates';
import { DEFAULT_TRAIN_CONFIG, type EpochLogs } from '../../core/model/training';
import ArchitectureDiagram from '../model/ArchitectureDiagram.svelte';
import LayerEditor from '../model/LayerEditor.svelte';
import ConfusionMatrix from './ConfusionMatrix.svelte';
import DigitPad from './DigitPad.svelte';
import LineChart from './LineChart.svelte';
import TrainingPanel from './TrainingPanel.svelte';
import type { VersionId } from '../../core/hashing';
import type { TrainPlan } from '../../state/TrainingRun.svelte';

const noop = () => {};

/** The rendered HTML without Svelte's scoping classes and hydration comments, as a reader would see it. */
function html<P extends object>(component: Component<P>, props: P): string {
  const { body } = render(component, { props });
  return body
    .replace(/<!--[^>]*-->/g, '')
    .replace(/ class="svelte-[a-z0-9]+"/g, '')
    .replace(/ svelte-[a-z0-9]+/g, '');
}
const count = (html: string, needle: string) => html.split(needle).length - 1;

function history(epochs: number, withVal = true): EpochLogs[] {
  return Array.from({ length: epochs }, (_, e) => ({
    epoch: e,
    loss: 1 / (e + 1),
    acc: 0.5 + e / (2 * epochs),
    ...(withVal ? { val_loss: 1.1 / (e + 1), val_acc: 0.45 + e / (2 * epochs) } : {}),
    batches: 10,
    totalBatches: 10,
    timeMs: 12,
  }));
}

describe('LayerEditor', () => {
  it('shows every layer with its output shape, parameters and the total', () => {
    const body = html(LayerEditor, { spec: SEED_SPEC, onchange: noop });
    expect(body).toContain('aria-label="Layer 1: hidden"');
    expect(body).toContain('aria-label="Layer 2: output"');
    expect(body).toContain('<code>[64]</code>');
    expect(body).toContain('6,464');
    expect(body).toMatch(/data-testid="spec-param-count"[^>]*>7,114</);
    expect(body).toContain('Valid');
    expect(body).toContain('aria-label="Move hidden up"');
  });

  it('puts a problem beside the layer at fault and marks its field', () => {
    const section = (body: string, n: number) =>
      body.slice(body.indexOf(`aria-label="Layer ${n}:`), body.indexOf(`aria-label="Layer ${n + 1}:`));
    const withConv = insertLayer(SEED_SPEC, createLayer('Conv2D', SEED_SPEC, 1, 'c'), 1);
    const body = html(LayerEditor, { spec: withConv, onchange: noop });
    expect(section(body, 2)).toContain(
      '<li>Layer 2 (Conv2D): needs a 3-D input [height, width, channels] but gets [64]; add a Reshape first</li>',
    );
    expect(section(body, 1)).not.toContain('<li>');
    expect(body).toContain('1 problem');

    const zero = html(LayerEditor, { spec: updateLayer(SEED_SPEC, 'hidden', { units: 0 }), onchange: noop });
    expect(section(zero, 1)).toContain('<li>Layer 1 (Dense): units must be a positive integer, not 0</li>');
    expect(section(zero, 1)).toMatch(/<input type="number"[^>]*value="0"[^>]*aria-invalid="true"/);
  });

  it('marks frozen layers and offers the data set input shape', () => {
    const frozen = updateLayer(SEED_SPEC, 'hidden', { trainable: false });
    const body = html(LayerEditor, { spec: frozen, onchange: noop, inputShapeHint: [64] });
    expect(body).toContain('Frozen: training leaves its 6,464 parameters as they are.');
    expect(body).toContain('The data set gives [64].');
    expect(body).toMatch(/<dt>Trainable<\/dt>\s*<dd>650<\/dd>/);
  });
});

describe('ArchitectureDiagram', () => {
  it('draws a box per layer and an arrow per edge', () => {
    const graph = graphFromSpec(SEED_SPEC, analyzeSpec(SEED_SPEC));
    const body = html(ArchitectureDiagram, { nodes: graph.nodes, edges: graph.edges });
    expect(count(body, 'class="edge"')).toBe(2);
    expect(count(body, '<rect class="stripe"')).toBe(3);
    expect(body).toContain('role="img"');
    expect(body).toContain('3 layers: input (InputLayer, [100]), hidden (Dense, [64]), output (Dense, [10])');
  });

  it('lays out a functional model with two inputs side by side', () => {
    const graph = graphFromTopology({
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
          {
            name: 'cat',
            class_name: 'Concatenate',
            config: {},
            inbound_nodes: [
              [
                ['a', 0, 0, {}],
                ['b', 0, 0, {}],
              ],
            ],
          },
        ],
      },
    });
    const body = html(ArchitectureDiagram, { nodes: graph.nodes, edges: graph.edges });
    expect(body).toContain('transform="translate(8,8)"');
    expect(body).toContain('transform="translate(204,8)"');
    expect(body).toContain('transform="translate(106,92)"');
    expect(count(body, 'class="edge"')).toBe(2);
  });

  it('says so when there is nothing to draw', () => {
    expect(html(ArchitectureDiagram, { nodes: [], edges: [] })).toContain('No layers to draw.');
  });
});

describe('TrainingPanel', () => {
  it('shows progress as an accessible progress bar and offers Stop while running', () => {
    const body = html(TrainingPanel, {
      config: DEFAULT_TRAIN_CONFIG,
      running: true,
      progress: { epoch: 1, epochs: 4, batch: 5, batches: 10 },
      history: history(1),
      ontrain: noop,
      onstop: noop,
    });
    expect(body).toContain('role="progressbar"');
    expect(body).toContain('aria-valuenow="38"');
    expect(body).toContain('aria-valuetext="Epoch 2 of 4, batch 5 of 10"');
    expect(body).toMatch(/<button type="submit" class="primary"[^>]*\bdisabled\b[^>]*>\s*Train/);
    expect(body).toMatch(/<button type="button"[^>]*>\s*Stop\s*<\/button>/);
    expect(body).not.toMatch(/<button type="button" disabled[^>]*>\s*Stop/);
  });

  it('draws loss and accuracy curves for train and validation, and the latest metrics', () => {
    const body = html(TrainingPanel, {
      config: DEFAULT_TRAIN_CONFIG,
      running: false,
      progress: { epoch: 9, epochs: 10, batch: 10, batches: 10 },
      history: history(10),
      result: {
        history: history(10),
        epochsRun: 10,
        stoppedEarly: true,
        wallTimeMs: 2500,
        backend: 'webgl',
      },
      backend: 'webgl',
      ontrain: noop,
      onstop: noop,
    });
    expect(count(body, '<figure class="chart')).toBe(2);
    expect(body).toContain('Loss. train: 0.1 after 10; validation: 0.11 after 10');
    expect(body).toContain('Accuracy. train: 0.95 after 10; validation: 0.9 after 10');
    expect(body).toContain('<dd>95.0%</dd>');
    expect(body).toContain('<dd>2.5 s</dd>');
    expect(body).toContain('Stopped early');
    expect(body).toContain('Train again');
  });

  it('has no accuracy chart for regression and refuses to start with a bad setting or a blocked reason', () => {
    const bad = html(TrainingPanel, {
      config: { ...DEFAULT_TRAIN_CONFIG, loss: 'meanSquaredError', batchSize: 0 },
      running: false,
      progress: null,
      history: [],
      ontrain: noop,
      onstop: noop,
    });
    expect(count(bad, '<figure class="chart')).toBe(1);
    expect(bad).toContain('The batch size must be a positive integer, not 0.');
    expect(bad).toMatch(/<button type="submit" class="primary"[^>]*\bdisabled\b/);
    const blocked = html(TrainingPanel, {
      config: DEFAULT_TRAIN_CONFIG,
      running: false,
      progress: null,
      history: [],
      blockedReason: 'Pick a data set first.',
      ontrain: noop,
      onstop: noop,
    });
    expect(blocked).toContain('Pick a data set first.');
    expect(blocked).toMatch(/<button type="submit" class="primary"[^>]*\bdisabled\b/);
  });
});

describe('LineChart', () => {
  it('stays small with thousands of points', () => {
    const values = Float64Array.from({ length: 4000 }, (_, i) => 2 / (1 + i / 100) + (i % 7) * 0.01);
    const body = html(LineChart, { title: 'Batch loss', series: [{ label: 'train', values }] });
    const d = /<path d="([^"]+)"/.exec(body)?.[1] ?? '';
    expect(count(d, 'L')).toBeLessThan(1300);
    expect(body).toContain('Batch loss. train:');
  });

  it('shows an empty state', () => {
    const body = html(LineChart, { title: 'Loss', series: [] });
    expect(body).toContain('No data yet');
  });
});

describe('what a run does with the optimizer', () => {
  const V = 'ab12cd34'.padEnd(64, '0') as VersionId;
  const panel = (plan: TrainPlan | null, extra: Partial<Parameters<typeof TrainingPanel>[1]> = {}) =>
    html(TrainingPanel, {
      config: DEFAULT_TRAIN_CONFIG,
      running: false,
      progress: null,
      history: [],
      planFor: plan ? () => plan : null,
      ontrain: noop,
      onstop: noop,
      ...extra,
    });
  const line = (body: string) => /data-testid="optimizer-plan"[^>]*>([^<]*)</.exec(body)?.[1];

  it('says it continues a version’s state from the epoch and step it stopped at, with the switch on', () => {
    const body = panel(
      { kind: 'continue', firstEpoch: 4, iterations: 120, optimizer: 'adam', from: V },
      { version: V },
    );
    expect(line(body)).toBe('Continues version ab12cd34’s Adam state: epoch 5 onward, after step 120.');
    expect(body).toMatch(
      /<input type="checkbox" role="switch" checked[^>]*\/>\s*Continue the optimizer state/,
    );
    const run = panel({ kind: 'continue', firstEpoch: 2, iterations: 10, optimizer: 'sgd', from: null });
    expect(line(run)).toBe(
      'Continues the last run’s SGD state (not saved yet): epoch 3 onward, after step 10.',
    );
  });

  it('says why it starts afresh, offering the switch only where a state is kept', () => {
    const kept = { optimizer: 'adam', from: V } as const;
    const cases: [TrainPlan, VersionId | null, string][] = [
      [{ kind: 'afresh', reason: 'chosen', kept }, V, 'you switched continuing off'],
      [
        { kind: 'afresh', reason: 'other-optimizer', kept },
        V,
        'the kept state is Adam’s, and this run uses another optimizer',
      ],
      [
        { kind: 'afresh', reason: 'other-weights', kept },
        V,
        'the model’s trainable weights are not the ones the kept state was made for',
      ],
      [{ kind: 'afresh', reason: 'edited' }, null, 'the model changed since its optimizer state was kept'],
      [{ kind: 'afresh', reason: 'none-kept' }, V, 'version ab12cd34 keeps no optimizer state'],
      [{ kind: 'afresh', reason: 'none-kept' }, null, 'the live model has no optimizer state yet'],
    ];
    for (const [plan, version, reason] of cases) {
      const body = panel(plan, {
        version,
        continueWanted: !(plan.kind === 'afresh' && plan.reason === 'chosen'),
      });
      expect(line(body)).toBe(`Optimizer starts afresh: ${reason}.`);
      expect(body.includes('role="switch"')).toBe('kept' in plan);
    }
    expect(panel(null)).not.toContain('optimizer-plan');
  });

  it('numbers a continued run’s epochs on, in the progress and the curves', () => {
    const body = panel(
      { kind: 'continue', firstEpoch: 4, iterations: 120, optimizer: 'adam', from: V },
      {
        running: true,
        firstEpoch: 4,
        progress: { epoch: 0, epochs: 2, batch: 5, batches: 10 },
        history: history(1).map((h) => ({ ...h, epoch: 4 })),
      },
    );
    expect(body).toContain('aria-valuetext="Epoch 5 of 6, batch 5 of 10"');
    expect(body).toContain('aria-valuenow="25"');
    expect(body).toContain('Loss. train: 1 after 5; validation: 1.1 after 5');
  });
});

describe('ConfusionMatrix', () => {
  it('lays out true classes by row with counts, recall and the total right', () => {
    const m = confusionMatrix([0, 0, 1, 1, 1, 2], [0, 1, 1, 1, 1, 0], 3);
    const body = html(ConfusionMatrix, { matrix: m, labels: ['setosa', 'versicolor', 'virginica'] });
    expect(body).toContain('4 of 6 right (66.7%)');
    expect(body).toContain('title="True setosa, predicted versicolor: 1"');
    expect(body).toContain('<th scope="row">virginica</th>');
    expect(count(body, '<td')).toBe(12);
    expect(body).toContain('100%');
  });
});

describe('DigitPad', () => {
  it('renders an 8×8 grid of cells with their values, and a Clear button', () => {
    const values = Array.from({ length: 64 }, (_, i) => (i === 9 ? 16 : i === 10 ? 7 : 0));
    const body = html(DigitPad, { values, onchange: noop });
    expect(count(body, 'role="gridcell"')).toBe(64);
    expect(count(body, 'role="row"')).toBe(8);
    expect(body).toContain('aria-label="Row 2, column 2: 16"');
    expect(body).toContain('aria-label="Row 2, column 3: 7"');
    expect(body).toMatch(/<button type="button"[^>]*>Clear<\/button>/);
  });

  it('disables Clear on an empty pad', () => {
    const body = html(DigitPad, { onchange: noop });
    expect(body).toMatch(/<button type="button" disabled[^>]*>Clear<\/button>/);
    expect(body).toContain('Draw a digit');
  });
});
