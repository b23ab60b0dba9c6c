// The history panel with 10,000 versions: lane layout, first render, and frame times while scrolling.
import { flushSync, mount, unmount } from 'svelte';
import { graphOf, log as logOrder } from '../src/core/versions/dag';
import { layoutLanes } from '../src/core/versions/lanes';
import type { VersionId } from '../src/core/hashing';
import type { Ref, RepoId, VersionRow } from '../src/core/versions/types';
import { mulberry32 } from '../src/core/random';
import HistoryGraph from '../src/ui/history/HistoryGraph.svelte';
import '../src/ui/common/theme.css';
import type { BenchEntry } from './main';

const VERSIONS = 10_000;
const rng = mulberry32(99);
const hex = () => Array.from({ length: 64 }, () => Math.floor(rng() * 16).toString(16)).join('') as VersionId;

/** A history like a busy project's: a main line, branches that run a while and merge back. */
function syntheticHistory(): { rows: VersionRow[]; refs: Ref[] } {
  const repoId = 'bench' as RepoId;
  const rows: VersionRow[] = [];
  const tips: VersionId[] = [];
  const start = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < VERSIONS; i++) {
    const id = hex();
    const parents: VersionId[] = [];
    if (tips.length === 0) tips.push(id);
    else {
      const lane = Math.floor(rng() * tips.length);
      parents.push(tips[lane] as VersionId);
      if (tips.length > 1 && rng() < 0.05) {
        const other = (lane + 1) % tips.length;
        parents.push(tips[other] as VersionId);
        tips.splice(other, 1);
      }
      const at = tips.indexOf(parents[0] as VersionId);
      if (rng() < 0.06 && tips.length < 8) tips.push(id);
      else tips[at] = id;
    }
    rows.push({
      id,
      repoId,
      parents,
      message: `Version ${i}: ${rng() < 0.5 ? 'trained 2 epochs' : 'added a layer'}`,
      createdAt: new Date(start + i * 60_000).toISOString(),
      change: parents.length > 1 ? 'merged' : rng() < 0.6 ? 'trained' : 'edited',
      topologyHash: hex() as never,
      summary: {
        className: 'Sequential',
        layerCount: 3,
        paramCount: 7114,
        inputShape: [null, 100],
        outputShape: [null, 10],
      },
      metrics: { val_acc: rng(), val_loss: rng() },
      tensorCount: 4,
      totalBytes: 28_456,
    });
  }
  const refs: Ref[] = tips.map((target, i) => ({
    repoId,
    name: i === 0 ? 'main' : `branch-${i}`,
    kind: 'branch',
    target,
    updatedAt: new Date().toISOString(),
  }));
  return { rows, refs };
}

const nextFrame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));

export async function benchHistory(say: (line: string) => void): Promise<BenchEntry[]> {
  const { rows, refs } = syntheticHistory();
  const g = graphOf(rows);
  const ordered = logOrder(g, g.keys());

  let t = performance.now();
  layoutLanes(ordered);
  const lanesMs = performance.now() - t;
  say(`  layoutLanes on ${VERSIONS} versions: ${lanesMs.toFixed(1)} ms`);

  const host = document.createElement('div');
  host.style.cssText = 'width:480px;position:fixed;left:0;top:0;background:#fff';
  document.body.append(host);
  await nextFrame();
  t = performance.now();
  const component = mount(HistoryGraph, {
    target: host,
    props: {
      versions: ordered,
      refs,
      head: { kind: 'branch', name: 'main' },
      selectedId: null,
      height: 560,
      onselect: () => {},
      oncheckout: () => {},
      onrollback: () => {},
      oncompare: () => {},
      onbranch: () => {},
      ontag: () => {},
    },
  });
  flushSync();
  await nextFrame();
  const firstRender = performance.now() - t;
  say(`  first render of ${VERSIONS} versions: ${firstRender.toFixed(1)} ms`);

  const viewport = host.querySelector<HTMLElement>('.viewport');
  if (!viewport) throw new Error('HistoryGraph has no .viewport to scroll');
  const frames: number[] = [];
  let last = await nextFrame();
  for (let i = 0; i < 240; i++) {
    viewport.scrollTop += 480; // a brisk scroll: about 8 rows a frame
    const now = await nextFrame();
    frames.push(now - last);
    last = now;
  }
  unmount(component);
  host.remove();
  const sorted = [...frames].sort((a, b) => a - b);
  const maxFrame = sorted[sorted.length - 1] ?? 0;
  const p95 = sorted[Math.floor(sorted.length * 0.95)] ?? 0;
  say(`  scrolling: ${frames.length} frames, p95 ${p95.toFixed(1)} ms, longest ${maxFrame.toFixed(1)} ms`);

  const bound = (name: string, value: number, limit: number, note: string): BenchEntry => ({
    name,
    value: Number(value.toFixed(1)),
    unit: 'ms',
    baseline: limit,
    ratio: Number((limit / value).toFixed(2)),
    target: `< ${limit} ms`,
    met: value < limit,
    note: `${note} baseline: the target. ratio: target ÷ value (above 1: within it).`,
  });
  return [
    bound(
      'history-10k-first-render',
      firstRender,
      150,
      'Mounting the history graph with 10,000 versions until the next frame.',
    ),
    bound(
      'history-10k-scroll-longest-frame',
      maxFrame,
      50,
      `Longest frame while scrolling 10,000 versions by 480 px a frame for 240 frames (p95 ${p95.toFixed(1)} ms).`,
    ),
    {
      ...bound('history-10k-lanes', lanesMs, 50, 'layoutLanes over 10,000 versions in log order, alone.'),
      target: '(reference)',
      met: null,
    },
  ];
}
