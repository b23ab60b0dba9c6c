import { afterEach, describe, expect, it } from 'vitest';
import type { BlobHash, VersionId } from '../../core/hashing';
import { TEST_REPO } from '../../core/testVersions';
import { layoutLanes } from '../../core/versions/lanes';
import type { Ref, VersionRow } from '../../core/versions/types';
import { locale } from '../i18n';
import { rowWindow } from './HistoryRows';
import { halfEdge } from './lanePaths';
import { ROW, rowScene, rowView, type RowPart, type RowScene } from './rowView';

const vid = (i: number) => i.toString(16).padStart(64, '0') as VersionId;

function version(i: number, parents: number[], overrides: Partial<VersionRow> = {}): VersionRow {
  return {
    id: vid(i),
    repoId: TEST_REPO,
    parents: parents.map(vid),
    message: `Version ${i}`,
    createdAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
    change: i === 0 ? 'created' : 'trained',
    topologyHash: 'b'.repeat(64) as BlobHash,
    summary: {
      className: 'Sequential',
      layerCount: 3,
      paramCount: 26,
      inputShape: [null, 3],
      outputShape: [null, 2],
    },
    metrics: { loss: 0.5, val_acc: 0.75 },
    tensorCount: 4,
    totalBytes: 104,
    ...overrides,
  };
}

/** Newest first: a main line with a side branch every 20 versions, merged back 6 versions later. */
function history(n: number): VersionRow[] {
  const rows = [version(0, [])];
  for (let i = 1; i < n; i++) {
    const parents = i % 20 === 3 ? [i - 3] : i % 20 === 9 && i > 9 ? [i - 1, i - 6] : [i - 1];
    rows.push(version(i, parents, parents.length > 1 ? { change: 'merged' } : {}));
  }
  return rows.reverse();
}

/** `count` branches off one root, newest first: as many lanes side by side. */
function fan(count: number): VersionRow[] {
  return [...Array.from({ length: count }, (_, i) => version(i + 1, [0])).reverse(), version(0, [])];
}

function sceneOf(
  versions: readonly VersionRow[],
  options: Partial<Parameters<typeof rowScene>[0]> = {},
): RowScene {
  return rowScene({
    versions,
    layout: layoutLanes(versions),
    refs: [],
    headVersion: null,
    branchName: null,
    selectedIndex: -1,
    liveBase: null,
    comparing: [],
    optionId: (id) => `h-v-${id}`,
    ...options,
  });
}

const texts = (parts: readonly RowPart[]) => parts.map((p) => p.text);

describe('a history row', () => {
  afterEach(() => {
    locale.lang = 'en';
  });
  const versions = history(200);
  const top = versions[0] as VersionRow;
  const refs: Ref[] = [
    { repoId: TEST_REPO, name: 'main', kind: 'branch', target: top.id, updatedAt: top.createdAt },
    { repoId: TEST_REPO, name: 'best', kind: 'tag', target: top.id, updatedAt: top.createdAt },
    { repoId: TEST_REPO, name: 'side', kind: 'branch', target: top.id, updatedAt: top.createdAt },
  ];

  it('is the option for its version, marked selected, with its place in the list', () => {
    const scene = sceneOf(versions, { refs, headVersion: top.id, branchName: 'main', selectedIndex: 0 });
    const view = rowView(scene, 0);
    expect(view.id).toBe(`h-v-${top.id}`);
    expect(view.version).toBe(top);
    expect(view.selected).toBe(true);
    expect(view.className).toBe('row selected');
    expect(view.setSize).toBe(200);
    expect(rowView(scene, 1).selected).toBe(false);
    expect(rowView(scene, 1).className).toBe('row');
  });

  it('shows its kind, message, HEAD, tags and other branches, and its headline metric and size', () => {
    const scene = sceneOf(versions, { refs, headVersion: top.id, branchName: 'main' });
    const { line1, line2 } = rowView(scene, 0);
    // The checked-out branch is named in the HEAD chip, not again on its own.
    expect(texts(line1)).toEqual(['Trained', 'Version 199', 'HEAD → main', '# best', 'side']);
    expect(line1.map((p) => p.className)).toEqual([
      'kind kind-trained',
      'message',
      'chip head',
      'chip tag',
      'chip branch',
    ]);
    expect(line1[2]?.title).toBe('Current branch');
    expect(texts(line2)).toEqual([
      top.id.slice(0, 8),
      expect.any(String),
      'val_acc 0.75',
      '3 layers · 26 params',
    ]);
    expect(line2[1]).toMatchObject({ tag: 'time', datetime: top.createdAt });
  });

  it('marks a detached HEAD, the live version and versions picked for comparison', () => {
    const second = versions[1] as VersionRow;
    const scene = sceneOf(versions, { headVersion: second.id, liveBase: second.id, comparing: [second.id] });
    const view = rowView(scene, 1);
    expect(texts(view.line1)).toEqual(['Trained', 'Version 198', 'HEAD', 'live', 'compare']);
    expect(view.line1[2]?.title).toBe('Checked out directly');
    expect(view.className).toBe('row is-live');
    const node = view.lanes.at(-1);
    expect(node).toMatchObject({ tag: 'circle', r: 5.5 });
    expect(node?.className).toMatch(/\bhead\b/);
    expect(rowView(scene, 0).lanes.at(-1)).toMatchObject({ tag: 'circle', r: 4.5 });
  });

  it('shows an amended message in place of the original, marked as edited', () => {
    const amended = { ...top, note: { message: 'Better words', at: top.createdAt } };
    const { line1 } = rowView(sceneOf([amended, ...versions.slice(1)]), 0);
    expect(line1[1]).toMatchObject({ className: 'message', text: 'Better words' });
    expect(line1[1]?.title).toBe('Edited; originally “Version 199”');
    expect(line1[2]).toMatchObject({ className: 'muted edited', text: 'edited' });
  });

  it('says when there is no message, and what a rollback restores', () => {
    const rollback = { ...top, message: '', change: 'rollback' as const, restoredFrom: vid(7) };
    const view = rowView(sceneOf([rollback, ...versions.slice(1)]), 0);
    expect(texts(view.line1).slice(0, 2)).toEqual(['Rollback', '(no message)']);
    expect(view.line2.at(-1)?.text).toBe(`restores ${vid(7).slice(0, 8)}`);
  });

  it('keeps text from the store as text', () => {
    const evil = { ...top, message: '<img src=x onerror=alert(1)>' };
    expect(rowView(sceneOf([evil, ...versions.slice(1)]), 0).line1[1]?.text).toBe(
      '<img src=x onerror=alert(1)>',
    );
  });

  it('speaks the active language, in a scene made after the switch', () => {
    locale.lang = 'zh-CN';
    const view = rowView(sceneOf(versions, { liveBase: top.id }), 0);
    expect(view.line1[0]?.text).not.toBe('Trained');
    expect(view.line1.at(-1)?.text).not.toBe('live');
    expect(view.line2.at(-1)?.text).not.toMatch(/layers|params/);
  });
});

describe("a history row's lanes", () => {
  /**
   * The lines a row draws as its two halves each, the previous row's lower halves then its own upper, as
   * path data and class.
   */
  function halves(scene: RowScene, r: number): string[] {
    const { layout, laneWidth } = scene;
    const x = (lane: number) => 4 + lane * laneWidth + laneWidth / 2;
    const out: string[] = [];
    const edges = (row: number, y1: number, half: 'upper' | 'lower') => {
      for (let i = layout.edgeStart[row] as number; i < (layout.edgeStart[row + 1] as number); i += 3)
        out.push(
          `${halfEdge(x(layout.edgeData[i] as number), x(layout.edgeData[i + 1] as number), y1, ROW, half)} edge c${layout.edgeData[i + 2] as number}`,
        );
    };
    if (r > 0) edges(r - 1, -ROW / 2, 'lower');
    edges(r, ROW / 2, 'upper');
    return out;
  }
  const paths = (scene: RowScene, r: number) =>
    rowView(scene, r).lanes.flatMap((s) => (s.tag === 'path' ? [`${s.d} ${s.className}`] : []));

  it("draws the previous row's lines' lower halves, then its own lines' upper halves, in their colours", () => {
    for (const versions of [history(200), fan(13)]) {
      const scene = sceneOf(versions);
      for (let r = 0; r < versions.length; r++) expect(paths(scene, r)).toEqual(halves(scene, r));
    }
    // An even lane width and an odd one, whose lane centres fall on half pixels.
    expect([sceneOf(history(200)).laneWidth, sceneOf(fan(13)).laneWidth]).toEqual([16, 13]);
  });

  it('draws a node per row, marked for a merge, and dashes for a parent outside the list', () => {
    const versions = history(60);
    const scene = sceneOf(versions.filter((_, i) => i !== 5));
    const merged = versions.findIndex((v) => v.parents.length > 1);
    expect(rowView(sceneOf(versions), merged).lanes.at(-1)?.className).toMatch(/^node c\d merge$/);
    const cut = rowView(scene, 4).lanes;
    expect(cut.filter((s) => s.tag === 'rect').length).toBeGreaterThan(2);
    expect(rowView(scene, 3).lanes.some((s) => s.tag === 'rect')).toBe(false);
  });
});

describe('the rows kept in the DOM', () => {
  it('are the rows in view and a few either side, out of 10,000', () => {
    const { first, last } = rowWindow(5_000 * ROW, 560, 10_000, 6);
    expect(first).toBe(5_000 - 6);
    expect(last).toBe(5_000 + 10 + 6);
  });

  it('start at the top and stop at the end of the list', () => {
    expect(rowWindow(0, 560, 10_000, 6)).toEqual({ first: 0, last: 16 });
    expect(rowWindow(10_000 * ROW, 560, 10_000, 6)).toEqual({ first: 10_000 - 10 - 6, last: 10_000 });
    expect(rowWindow(0, 560, 3, 6)).toEqual({ first: 0, last: 3 });
  });

  it('follow a list that shrank under a remembered offset', () => {
    expect(rowWindow(5_000 * ROW, 560, 40, 6)).toEqual({ first: 30 - 6, last: 40 });
  });
});
