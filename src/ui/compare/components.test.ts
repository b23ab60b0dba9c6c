/**
 * Server-side renders of the history and compare components: what a screen reader and a Playwright test
 * find by role and name, and that the history list stays virtualised at 10,000 versions.
 */
import { render } from 'svelte/server';
import { afterEach, describe, expect, it } from 'vitest';
import { sequentialTopology, SEQUENTIAL_WEIGHTS, denseConfig } from '../../core/diff/testTopologies';
import { compareMetrics, historyOf } from '../../core/diff/metrics';
import { diffPredictions } from '../../core/diff/predictions';
import { diffTopology } from '../../core/diff/topology';
import { diffWeights } from '../../core/diff/weights';
import type { BlobHash, VersionId } from '../../core/hashing';
import type { JsonObject } from '../../core/json';
import { mulberry32 } from '../../core/random';
import { TEST_REPO } from '../../core/testVersions';
import { summaryShapes } from '../../core/versions/summary';
import type { Ref, Version, VersionRow } from '../../core/versions/types';
import HistoryFilter from '../history/HistoryFilter.svelte';
import HistoryGraph from '../history/HistoryGraph.svelte';
import VersionDetails from '../history/VersionDetails.svelte';
import { locale } from '../i18n';
import CompareView from './CompareView.svelte';
import CurveChart from './CurveChart.svelte';

/** Random-looking 64-hex ids, as real SHA-256 version ids are. */
function vid(i: number): VersionId {
  const words = mulberry32(i + 1);
  let hex = '';
  for (let k = 0; k < 8; k++)
    hex += Math.floor(words() * 2 ** 32)
      .toString(16)
      .padStart(8, '0');
  return hex as VersionId;
}
const hash = (c: string) => c.repeat(64) as BlobHash;

function row(i: number, parents: VersionId[], overrides: Partial<VersionRow> = {}): VersionRow {
  return {
    id: vid(i),
    repoId: TEST_REPO,
    parents,
    message: `Version ${i}`,
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    change: i === 0 ? 'created' : 'trained',
    topologyHash: hash('b'),
    summary: {
      className: 'Sequential',
      layerCount: 3,
      paramCount: 26,
      inputShape: [null, 3],
      outputShape: [null, 2],
    },
    metrics: { loss: 1 / (i + 1), val_acc: 0.5 + i / 40_000 },
    tensorCount: 4,
    totalBytes: 104,
    ...overrides,
  };
}

/** Newest first, with a side branch every 50 versions merged back 10 versions later. */
function history(n: number): VersionRow[] {
  const rows: VersionRow[] = [row(0, [])];
  for (let i = 1; i < n; i++) {
    const side = i % 50 === 5;
    const merge = i % 50 === 15 && i > 15;
    const parents = side ? [vid(i - 5)] : merge ? [vid(i - 1), vid(i - 10)] : [vid(i - 1)];
    rows.push(row(i, parents, merge ? { change: 'merged' } : {}));
  }
  return rows.reverse();
}

const count = (html: string, needle: string) => html.split(needle).length - 1;

function graphProps(versions: VersionRow[], selectedId: VersionId | null, refs: Ref[] = []) {
  const noop = () => {};
  return {
    versions,
    refs,
    head: { kind: 'branch' as const, name: 'main' },
    selectedId,
    onselect: noop,
    oncheckout: noop,
    onrollback: noop,
    oncompare: noop,
    onbranch: noop,
    ontag: noop,
  };
}

describe('HistoryGraph', () => {
  const versions = history(10_000);
  const top = versions[0] as VersionRow;
  const refs: Ref[] = [
    { repoId: TEST_REPO, name: 'main', kind: 'branch', target: top.id, updatedAt: top.createdAt },
    { repoId: TEST_REPO, name: 'best', kind: 'tag', target: top.id, updatedAt: top.createdAt },
  ];

  // The rows (options) are written into the listbox in the browser, by HistoryRows.ts: what each shows is
  // tested in ../history/rowView.test.ts, and the rows themselves in the end-to-end tests.
  it('is a region named History whose versions are options of a listbox', () => {
    const { body } = render(HistoryGraph, { props: graphProps(versions, top.id, refs) });
    expect(body).toMatch(/<section[^>]*aria-labelledby="([^"]+)-title"/);
    expect(body).toMatch(/<h2 id="[^"]+-title"[^>]*>History<\/h2>/);
    expect(body).toMatch(/role="listbox"[^>]*aria-label="Versions"|aria-label="Versions"[^>]*role="listbox"/);
    expect(body).toMatch(new RegExp(`role="listbox"[^>]*aria-activedescendant="[^"]+-v-${top.id}"`));
  });

  it('lays out the height of 10,000 rows without rendering them', () => {
    const t0 = performance.now();
    const { body } = render(HistoryGraph, { props: graphProps(versions, null, refs) });
    const ms = performance.now() - t0;
    expect(body).toContain(`height: ${10_000 * 56}px`);
    expect(count(body, 'role="option"')).toBe(0);
    // Reported for `npm run bench` comparisons, not asserted: shared CI machines vary too much.
    expect(ms).toBeGreaterThan(0);
  });

  it('offers the actions for the selected version by their names', () => {
    const selected = versions[3] as VersionRow;
    const { body } = render(HistoryGraph, { props: graphProps(versions, selected.id, refs) });
    for (const name of ['Check out', 'Rollback', 'Compare', 'New branch', 'Tag'])
      expect(body).toMatch(new RegExp(`<button[^>]*>${name}</button>`));
    expect(body).toContain(`aria-label="Actions for version ${selected.id.slice(0, 8)}"`);
    const none = render(HistoryGraph, { props: graphProps(versions, null, refs) }).body;
    expect(none).not.toContain('>New branch<');
  });

  it('does not offer Rollback onto the branch head itself', () => {
    const { body } = render(HistoryGraph, { props: graphProps(versions, top.id, refs) });
    expect(body).toMatch(/<button[^>]*disabled[^>]*>Rollback<\/button>/);
  });

  it('says when there is nothing to show', () => {
    expect(render(HistoryGraph, { props: graphProps([], null) }).body).toContain('No saved versions yet.');
    expect(render(HistoryGraph, { props: { ...graphProps([], null), filtered: true } }).body).toContain(
      'No versions match this search.',
    );
  });
});

describe('HistoryFilter', () => {
  it('is a search box that shows where a query cannot be read', () => {
    const { body } = render(HistoryFilter, { props: { value: 'kind:trained acc>high', onquery: () => {} } });
    expect(body).toContain('role="search"');
    expect(body).toContain('aria-invalid="true"');
    expect(body).toContain('"high" is not a number');
    expect(body).toMatch(/<mark[^>]*>acc>high<\/mark>/);
  });

  it('shows how many versions match a good query', () => {
    const { body } = render(HistoryFilter, {
      props: { value: 'tag:best', onquery: () => {}, matched: 3, total: 120 },
    });
    expect(body).toContain('aria-invalid="false"');
    expect(body).toMatch(/3\s+of 120\s+versions match/);
  });
});

function version(i: number, overrides: Partial<Version> = {}): Version {
  const r = row(i, i > 0 ? [vid(i - 1)] : []);
  return {
    id: r.id,
    repoId: r.repoId,
    parents: r.parents,
    message: r.message,
    createdAt: r.createdAt,
    change: r.change,
    topologyHash: r.topologyHash,
    summary: r.summary,
    metrics: r.metrics,
    tensors: SEQUENTIAL_WEIGHTS.map((w, k) => ({
      ...w,
      dtype: 'float32' as const,
      hash: hash(String(k)),
      byteLength: w.shape.reduce((a, b) => a * b, 4),
    })),
    provenance: {
      app: 'graft 0.1.0',
      backend: 'webgl',
      wallTimeMs: 12_345,
      training: { epochs: 3, batchSize: 32, history: { loss: [0.9, 0.5, 0.3], val_loss: [1, 0.7, 0.5] } },
      dataset: { name: 'iris', rows: 150 },
    },
    ...overrides,
  };
}

describe('VersionDetails', () => {
  it('shows message, every provenance field, metrics, curves and the layer table', () => {
    const v = version(2);
    const { body } = render(VersionDetails, { props: { version: v, topology: sequentialTopology() } });
    expect(body).toContain('Version 2');
    for (const text of [
      'Backend',
      'webgl',
      'Wall time',
      '12.3 s',
      'Batch size',
      'Data set',
      'iris',
      'graft 0.1.0',
    ])
      expect(body).toContain(text);
    expect(body).toContain('<h3');
    expect(body).toContain('Training curves');
    expect(body).toContain('role="img"');
    expect(body).toContain('loss over 3 epochs');
    expect(body).toContain('dense_Dense1');
    expect(body).toContain('units 4');
    expect(body).toMatch(/>16<\/td>/);
  });

  it('says so when a topology cannot be read and when nothing was measured', () => {
    const v = version(0, { metrics: {}, provenance: { app: 'graft' } });
    const { body } = render(VersionDetails, { props: { version: v, topology: { nonsense: true } } });
    expect(body).toContain('cannot be compared');
    expect(body).toContain('No metrics were recorded');
    expect(body).not.toContain('Training curves');
  });

  it('shows every input and output of a model with several, and a single one as before', () => {
    const several = version(2, {
      summary: {
        ...version(2).summary,
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
    });
    const body = render(VersionDetails, { props: { version: several } }).body.replace(/<!--[^>]*-->/g, '');
    expect(body).toMatch(
      />Inputs<\/dt> <dd class="shapes[^"]*"><span[^>]*>\[batch, any, 81\]<\/span><span[^>]*>\[batch, 4\]</,
    );
    expect(body).toMatch(
      />Outputs<\/dt> <dd class="shapes[^"]*"><span[^>]*>\[batch, 3\]<\/span><span[^>]*>\[batch, 1\]</,
    );
    const one = render(VersionDetails, { props: { version: version(2) } }).body.replace(/<!--[^>]*-->/g, '');
    expect(one).toMatch(/>Input<\/dt> <dd class="shapes[^"]*"><span[^>]*>\[batch, 3\]</);
  });

  it('shows an amended message as the message, and the original beside it', () => {
    const v = version(3);
    const { body } = render(VersionDetails, { props: { version: v, note: { message: 'Better words' } } });
    expect(body).toMatch(/<p class="message[^"]*">Better words<\/p>/);
    expect(body).toContain(`Edited; originally “${v.message}”`);
    const plain = render(VersionDetails, { props: { version: v } }).body;
    expect(plain).not.toContain('Better words');
    expect(plain).not.toContain('originally');
  });
});

describe('CompareView', () => {
  it('shows the added layer, the weight figures, the layers that did not move, metrics and agreement', async () => {
    const after = sequentialTopology();
    ((after['config'] as JsonObject)['layers'] as JsonObject[]).splice(2, 0, {
      class_name: 'Dense',
      config: denseConfig('dense_Dense3', 8, 'relu'),
    });
    const weightsAfter = [
      ...SEQUENTIAL_WEIGHTS.slice(0, 2),
      { name: 'dense_Dense3/kernel', shape: [4, 8] },
      { name: 'dense_Dense3/bias', shape: [8] },
      { name: 'dense_Dense2/kernel', shape: [8, 2] },
      { name: 'dense_Dense2/bias', shape: [2] },
    ];
    const topology = diffTopology(sequentialTopology(), after, {
      tensors: { before: SEQUENTIAL_WEIGHTS, after: weightsAfter },
    });
    if (!topology.ok) throw topology.error;

    const entry = (name: string, shape: number[], h: string) => ({
      name,
      shape,
      dtype: 'float32' as const,
      hash: hash(h),
    });
    const weights = diffWeights(
      [
        entry('dense_Dense1/kernel', [3, 4], '1'),
        entry('dense_Dense1/bias', [4], '2'),
        entry('dense_Dense2/bias', [2], '3'),
      ],
      [
        entry('dense_Dense1/kernel', [3, 4], '1'),
        entry('dense_Dense1/bias', [4], '2'),
        entry('dense_Dense2/bias', [2], '4'),
      ],
      {
        values: {
          before: new Map([['dense_Dense2/bias', new Float32Array([1, 2])]]),
          after: new Map([['dense_Dense2/bias', new Float32Array([1, 2.5])]]),
        },
      },
    );
    const a = version(1);
    const b = version(3, { metrics: { loss: 0.2, val_acc: 0.9 } });
    const metrics = compareMetrics([
      { id: a.id, metrics: a.metrics, history: historyOf(a.provenance) },
      { id: b.id, metrics: b.metrics, history: historyOf(b.provenance) },
    ]);
    const behaviour = diffPredictions(
      { data: [0.9, 0.1, 0.2, 0.8, 0.6, 0.4, 0.3, 0.7], shape: [4, 2] },
      { data: [0.8, 0.2, 0.3, 0.7, 0.4, 0.6, 0.1, 0.9], shape: [4, 2] },
    );
    if (!behaviour.ok) throw behaviour.error;

    const { body } = render(CompareView, {
      props: {
        versions: [a, b],
        topology: topology.value,
        weights,
        metrics,
        behaviour: behaviour.value,
        classNames: ['cat', 'dog'],
      },
    });
    expect(body).toMatch(/<h2 id="[^"]+-title"[^>]*>Compare<\/h2>/);
    for (const heading of ['Architecture', 'Weights', 'Metrics', 'Behaviour'])
      expect(body).toContain(`>${heading}</h3>`);
    expect(body).toContain('dense_Dense3');
    expect(body).toMatch(/class="badge s-added[^"]*">added</);
    expect(body).toContain('26 → 74');
    expect(body).toContain('did not move');
    expect(body).toMatch(/1 layer did not move at all: (<!--[^>]*-->)*<code>dense_Dense1<\/code>/);
    expect(body).toContain('0.5');
    expect(body).toContain('75.0%');
    expect(body).toContain('Rows where they differ (1)');
    expect(body).toContain('dog');
    expect(body).toContain('Layer graph: 1 added, 0 removed, 1 changed, 2 unchanged layers.');
  });

  it('shows section problems and progress in place', () => {
    const { body } = render(CompareView, {
      props: {
        versions: [version(1), version(2)],
        errors: { topology: 'This architecture cannot be compared: it has no model class.' },
        pending: { weights: true, behaviour: true },
      },
    });
    expect(body).toContain('it has no model class');
    expect(body).toContain('Reading and comparing weights…');
    expect(body).toContain('Running both models on the data set…');
  });
});

describe('CurveChart', () => {
  it('describes the curves in words and lifts the pen over missing epochs', () => {
    const { body } = render(CurveChart, {
      props: {
        title: 'loss',
        series: [
          { label: 'loss', values: [1, null, 0.5, 0.25], tone: 0 },
          { label: 'val_loss', values: [1.2], tone: 1, dashed: true },
        ],
      },
    });
    expect(body).toContain('aria-label="loss over 4 epochs: loss from 1 to 0.25; val_loss from 1.2 to 1.2"');
    expect(count(body, 'M')).toBeGreaterThanOrEqual(2);
    expect(body).toContain('<circle');
  });
});

describe('in Simplified Chinese', () => {
  afterEach(() => {
    locale.lang = 'en';
  });
  const versions = history(40);
  const top = versions[0] as VersionRow;
  const refs: Ref[] = [
    { repoId: TEST_REPO, name: 'main', kind: 'branch', target: top.id, updatedAt: top.createdAt },
  ];

  // That names from the store stay text in the rows: ../history/rowView.test.ts.
  it('the history names its region, list and actions in Chinese', () => {
    locale.lang = 'zh-CN';
    const { body } = render(HistoryGraph, { props: graphProps(versions, top.id, refs) });
    expect(body).toMatch(/<h2 id="[^"]+-title"[^>]*>历史<\/h2>/);
    expect(body).toContain('aria-label="版本列表"');
    for (const name of ['检出', '比较', '新建分支', '标签'])
      expect(body).toMatch(new RegExp(`<button[^>]*>${name}</button>`));
    expect(body).toMatch(/<button[^>]*disabled[^>]*>回滚<\/button>/);
    expect(body).toContain('40 个版本');
    expect(body).not.toMatch(/>(Check out|Rollback|New branch|History)</);
  });

  it('details, search and the comparison speak Chinese, with numbers and plurals for the language', () => {
    locale.lang = 'zh-CN';
    const details = render(VersionDetails, {
      props: { version: version(2), topology: sequentialTopology() },
    }).body;
    for (const text of ['训练曲线', '模型结构', '来源信息', '后端', '耗时', '12.3 秒', '批大小', '参数量'])
      expect(details).toContain(text);
    const filter = render(HistoryFilter, {
      props: { value: 'tag:best', onquery: () => {}, matched: 3, total: 1200 },
    }).body;
    expect(filter).toContain('1,200 个版本中有 3 个匹配');
    expect(filter).toContain('aria-label="搜索历史"');
    const compare = render(CompareView, {
      props: { versions: [version(1), version(2)], pending: { weights: true, behaviour: true } },
    }).body;
    expect(compare).toMatch(/<h2 id="[^"]+-title"[^>]*>比较<\/h2>/);
    expect(compare).toContain('正在读取并比较权重…');
    expect(compare).toContain('>预测行为</h3>');
  });

  it('switching back to English restores every string', () => {
    locale.lang = 'zh-CN';
    locale.lang = 'en';
    const { body } = render(HistoryGraph, { props: graphProps(versions, top.id, refs) });
    expect(body).toMatch(/<h2 id="[^"]+-title"[^>]*>History<\/h2>/);
    expect(body).not.toMatch(/[\u4e00-\u9fff]/);
  });
});
