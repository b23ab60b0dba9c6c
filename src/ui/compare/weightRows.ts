/**
 * The rows of Compare's weight table, per layer or per tensor: the same columns of figures, and a mark
 * (a badge or a bar) saying whether and how far each moved.
 */
import type { DeltaStats, LayerWeightDiff, TensorDiff, WeightDiff } from '../../core/diff/weights';
import { t } from '../i18n';

type MarkStatus = 'unchanged' | 'changed' | 'added' | 'removed';

/** A badge, or a bar as long as the change with how many tensors could not be measured. */
export type WeightMark =
  | { readonly kind: 'badge'; readonly status: MarkStatus; readonly text: string }
  | { readonly kind: 'bar'; readonly width: number; readonly note: string | null };

export interface WeightRow {
  readonly key: string;
  readonly name: string;
  /** Muted words after the name: a layer's tensor count. */
  readonly detail: string | null;
  /** The shape column's text; null in the per-layer table, which has no such column. */
  readonly shape: string | null;
  readonly moved: boolean;
  readonly mark: WeightMark;
  readonly stats: DeltaStats | null;
  /** Known not to have moved, so its figures are exactly those of no change. */
  readonly still: boolean;
  /** Why there are no figures, shown in their place. */
  readonly note: string;
}

export type WeightTableKind = 'layer' | 'tensor';

/** Relative change on a log scale from 1e-6 to 1, so a fine-tune and a re-init both show as a bar. */
export function barWidth(stats: DeltaStats | null): number {
  const r = stats?.relative;
  if (r === null || r === undefined || r <= 0) return 0;
  return Math.max(2, Math.min(1, (Math.log10(r) + 6) / 6) * 60);
}

const statusLabel = (status: MarkStatus): string => t(`compare.status.${status}`);
const badge = (status: MarkStatus, text = statusLabel(status)): WeightMark => ({
  kind: 'badge',
  status,
  text,
});
const still = (): WeightMark => badge('unchanged', t('compare.weights.still'));

function notMeasured(status: string): string {
  if (status === 'added') return t('compare.onlyNewer');
  if (status === 'removed') return t('compare.onlyOlder');
  if (status === 'reshaped') return t('compare.shapeChanged');
  return t('compare.notMeasured');
}

function layerRow(l: LayerWeightDiff): WeightRow {
  const mark: WeightMark =
    l.status === 'unchanged'
      ? still()
      : l.status === 'added' || l.status === 'removed'
        ? badge(l.status)
        : {
            kind: 'bar',
            width: barWidth(l.stats),
            note: l.notCompared > 0 ? t('compare.weights.notCompared', { count: l.notCompared }) : null,
          };
  return {
    key: l.layer,
    name: l.layer,
    detail: t('compare.weights.tensors', { count: l.tensors }),
    shape: null,
    moved: l.moved,
    mark,
    stats: l.stats,
    still: l.status === 'unchanged',
    note: notMeasured(l.status),
  };
}

function tensorMark(tensor: TensorDiff): WeightMark {
  if (tensor.status === 'unchanged' || !tensor.moved) return still();
  if (tensor.status === 'reshaped') return badge('changed', t('compare.weights.reshaped'));
  if (tensor.status === 'changed')
    return tensor.stats ? { kind: 'bar', width: barWidth(tensor.stats), note: null } : badge('changed');
  return badge(tensor.status);
}

function tensorRow(tensor: TensorDiff): WeightRow {
  const shape =
    tensor.status === 'reshaped'
      ? `[${tensor.before?.shape.join(', ')}] → [${tensor.after?.shape.join(', ')}]`
      : `[${(tensor.after ?? tensor.before)?.shape.join(', ')}]`;
  return {
    key: tensor.name,
    name: tensor.name,
    detail: null,
    shape,
    moved: tensor.moved,
    mark: tensorMark(tensor),
    stats: tensor.stats,
    still: !tensor.moved,
    note: notMeasured(tensor.status),
  };
}

export function weightRows(weights: WeightDiff, per: WeightTableKind): WeightRow[] {
  return per === 'layer' ? weights.layers.map(layerRow) : weights.tensors.map(tensorRow);
}
