/**
 * What one row of the history list shows, as plain data: its attributes, the shapes of its lanes and the
 * parts of its two lines. HistoryRows.ts writes it into the DOM; keeping it pure keeps it testable where
 * there is no DOM.
 */
import { headlineMetric } from '../../core/diff/metrics';
import { shortId, type VersionId } from '../../core/hashing';
import { MERGE, TRUNCATED, type LaneLayout } from '../../core/versions/lanes';
import type { Ref, VersionRow } from '../../core/versions/types';
import { changeLabel, formatDate, formatWhen } from '../common/format';
import { formatValue } from '../compare/numbers';
import { t } from '../i18n';
import { halfEdge, stubDashes } from './lanePaths';

/** Height of a row in pixels: the list is a fixed-height virtualised list. */
export const ROW = 56;

/** The fixed words of a row in the active language. */
interface RowWords {
  readonly edited: string;
  readonly noMessage: string;
  readonly headBranch: string;
  readonly headDetached: string;
  readonly live: string;
  readonly compare: string;
}

/**
 * Everything a row shows besides its own version and position. A new scene means every row in view is
 * drawn again; scrolling keeps the scene and draws only the rows that come into view.
 */
export interface RowScene {
  /** Children before parents, newest first. */
  readonly versions: readonly VersionRow[];
  readonly layout: LaneLayout;
  /** Pixels per lane. */
  readonly laneWidth: number;
  /** Width of the lanes' SVG. */
  readonly graphWidth: number;
  readonly selectedIndex: number;
  readonly liveBase: VersionId | null;
  readonly comparing: ReadonlySet<VersionId>;
  /** The version HEAD points at, through its branch or directly. */
  readonly headVersion: VersionId | null;
  /** The checked-out branch, or null when HEAD is detached. */
  readonly branchName: string | null;
  readonly refsByVersion: Readonly<Partial<Record<VersionId, readonly Ref[]>>>;
  /** The DOM id of a version's option, which the listbox names as its active descendant. */
  readonly optionId: (id: VersionId) => string;
  readonly words: RowWords;
}

/**
 * The scene for a list. It reads the active language's words, so inside a `$derived` it follows a change
 * of language (and the arrival of its catalogue).
 */
export function rowScene(input: {
  readonly versions: readonly VersionRow[];
  readonly layout: LaneLayout;
  readonly refs: readonly Ref[];
  readonly headVersion: VersionId | null;
  readonly branchName: string | null;
  readonly selectedIndex: number;
  readonly liveBase: VersionId | null;
  readonly comparing: readonly VersionId[];
  readonly optionId: (id: VersionId) => string;
}): RowScene {
  const refsByVersion: Partial<Record<VersionId, Ref[]>> = {};
  for (const r of input.refs) (refsByVersion[r.target] ??= []).push(r);
  // Lanes get narrower as the graph gets wider, so the messages keep their room.
  const lanes = Math.max(1, input.layout.width);
  const laneWidth = Math.max(8, Math.min(16, Math.floor(176 / lanes)));
  return {
    versions: input.versions,
    layout: input.layout,
    laneWidth,
    graphWidth: lanes * laneWidth + 8,
    selectedIndex: input.selectedIndex,
    liveBase: input.liveBase,
    comparing: new Set(input.comparing),
    headVersion: input.headVersion,
    branchName: input.branchName,
    refsByVersion,
    optionId: input.optionId,
    words: {
      edited: t('history.edited'),
      noMessage: t('history.noMessage'),
      headBranch: t('history.head.branch'),
      headDetached: t('history.head.detached'),
      live: t('history.chip.live'),
      compare: t('history.chip.compare'),
    },
  };
}

/** An element of a row's two lines. */
export interface RowPart {
  readonly tag: 'span' | 'code' | 'time';
  /** Empty for none. */
  readonly className: string;
  readonly text: string;
  readonly title?: string;
  readonly datetime?: string;
}

/** An element of a row's lanes SVG. */
export type LaneShape =
  | { readonly tag: 'path'; readonly className: string; readonly d: string }
  | { readonly tag: 'rect'; readonly className: string; readonly x: number; readonly y: number }
  | {
      readonly tag: 'circle';
      readonly className: string;
      readonly cx: number;
      readonly cy: number;
      readonly r: number;
    };

export interface RowView {
  readonly index: number;
  readonly version: VersionRow;
  readonly id: string;
  readonly className: string;
  readonly selected: boolean;
  /** How many rows the list has, for `aria-setsize`. */
  readonly setSize: number;
  readonly lanes: readonly LaneShape[];
  readonly line1: readonly RowPart[];
  readonly line2: readonly RowPart[];
}

// Squares, not a dashed stroke, for a line to a parent outside the list (lanePaths.ts says why).
const STUB_DASHES = stubDashes(ROW / 2, ROW / 2);

/** Row `index` of the scene's list. */
export function rowView(scene: RowScene, index: number): RowView {
  const v = scene.versions[index];
  if (!v) throw new RangeError(`Row ${index} is outside a list of ${scene.versions.length}.`);
  const selected = index === scene.selectedIndex;
  const live = v.id === scene.liveBase;
  return {
    index,
    version: v,
    id: scene.optionId(v.id),
    className: `row${selected ? ' selected' : ''}${live ? ' is-live' : ''}`,
    selected,
    setSize: scene.versions.length,
    lanes: laneShapes(scene, index, v.id === scene.headVersion),
    line1: firstLine(scene, v),
    line2: secondLine(v),
  };
}

function laneShapes(scene: RowScene, r: number, head: boolean): LaneShape[] {
  const { layout, laneWidth } = scene;
  const laneX = (lane: number) => 4 + lane * laneWidth + laneWidth / 2;
  const shapes: LaneShape[] = [];
  const edges = (row: number, y1: number, half: 'upper' | 'lower') => {
    for (let i = layout.edgeStart[row] as number; i < (layout.edgeStart[row + 1] as number); i += 3)
      shapes.push({
        tag: 'path',
        className: `edge c${layout.edgeData[i + 2] as number}`,
        d: halfEdge(
          laneX(layout.edgeData[i] as number),
          laneX(layout.edgeData[i + 1] as number),
          y1,
          ROW,
          half,
        ),
      });
  };
  // The previous row's lines end in this row: their lower halves, then this row's own upper halves.
  if (r > 0) edges(r - 1, -ROW / 2, 'lower');
  edges(r, ROW / 2, 'upper');
  const lane = layout.lane[r] as number;
  const color = layout.color[r] as number;
  const flags = layout.flags[r] as number;
  if (flags & TRUNCATED)
    for (const y of STUB_DASHES)
      shapes.push({ tag: 'rect', className: `stub c${color}`, x: laneX(lane) - 1, y });
  shapes.push({
    tag: 'circle',
    className: `node c${color}${flags & MERGE ? ' merge' : ''}${head ? ' head' : ''}`,
    cx: laneX(lane),
    cy: ROW / 2,
    r: head ? 5.5 : 4.5,
  });
  return shapes;
}

function firstLine(scene: RowScene, v: VersionRow): RowPart[] {
  const { words, branchName } = scene;
  const parts: RowPart[] = [{ tag: 'span', className: `kind kind-${v.change}`, text: changeLabel(v.change) }];
  if (v.note)
    parts.push(
      {
        tag: 'span',
        className: 'message',
        text: v.note.message,
        title: t('history.editedFrom', { message: v.message }),
      },
      { tag: 'span', className: 'muted edited', text: words.edited },
    );
  else parts.push({ tag: 'span', className: 'message', text: v.message || words.noMessage });
  if (v.id === scene.headVersion)
    parts.push({
      tag: 'span',
      className: 'chip head',
      text: branchName ? `HEAD → ${branchName}` : 'HEAD',
      title: branchName ? words.headBranch : words.headDetached,
    });
  for (const r of scene.refsByVersion[v.id] ?? [])
    if (!(r.kind === 'branch' && r.name === branchName))
      parts.push({
        tag: 'span',
        className: `chip ${r.kind}`,
        text: r.kind === 'tag' ? `# ${r.name}` : r.name,
      });
  if (v.id === scene.liveBase) parts.push({ tag: 'span', className: 'chip live', text: words.live });
  if (scene.comparing.has(v.id)) parts.push({ tag: 'span', className: 'chip compare', text: words.compare });
  return parts;
}

function secondLine(v: VersionRow): RowPart[] {
  const parts: RowPart[] = [
    { tag: 'code', className: '', text: shortId(v.id) },
    {
      tag: 'time',
      className: '',
      text: formatWhen(v.createdAt),
      title: formatDate(v.createdAt),
      datetime: v.createdAt,
    },
  ];
  const metric = headlineMetric(v.metrics);
  if (metric)
    parts.push({ tag: 'span', className: 'metric', text: `${metric.name} ${formatValue(metric.value, 3)}` });
  parts.push({
    tag: 'span',
    className: '',
    text: t('history.row.size', {
      layers: t('history.row.layers', { count: v.summary.layerCount }),
      params: t('history.row.params', { count: v.summary.paramCount }),
    }),
  });
  if (v.restoredFrom)
    parts.push({
      tag: 'span',
      className: '',
      text: t('history.row.restores', { id: shortId(v.restoredFrom) }),
    });
  return parts;
}
