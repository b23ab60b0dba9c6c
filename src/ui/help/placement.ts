/**
 * Where the tour's card goes: beside the control it points at, never over it, inside the window. Pure
 * geometry, so "does not cover the control" and "fits a 768 px screen" are tested without a browser.
 */

export interface Box {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export type Side = 'below' | 'above' | 'right' | 'left' | 'corner';

export interface Placement {
  readonly x: number;
  readonly y: number;
  readonly side: Side;
}

const clamp = (v: number, lo: number, hi: number): number => Math.max(lo, Math.min(v, Math.max(lo, hi)));

export function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * The card's top-left corner. Tries below, above, right and left of the target, centred on it and kept
 * `margin` inside the window (left first for a control on the right); the first that fits without touching the target (with `gap` around it) wins.
 * A target too big for any side (or none at all) gets the window corner that covers the least of it.
 */
export function placeCard(target: Box | null, card: Size, view: Size, gap = 12, margin = 8): Placement {
  const maxX = view.width - card.width - margin;
  const maxY = view.height - card.height - margin;
  const corners: Placement[] = [
    [maxX, maxY],
    [margin, maxY],
    [maxX, margin],
    [margin, margin],
  ].map(([x = 0, y = 0]) => ({ x: Math.max(margin, x), y: Math.max(margin, y), side: 'corner' }));
  if (target === null) return corners[0] as Placement;

  const cx = clamp(target.x + target.width / 2 - card.width / 2, margin, maxX);
  const cy = clamp(target.y + target.height / 2 - card.height / 2, margin, maxY);
  const sides: Placement[] = [
    { x: cx, y: target.y + target.height + gap, side: 'below' },
    { x: cx, y: target.y - gap - card.height, side: 'above' },
    { x: target.x + target.width + gap, y: cy, side: 'right' },
    { x: target.x - gap - card.width, y: cy, side: 'left' },
  ];
  const halo: Box = {
    x: target.x - gap / 2,
    y: target.y - gap / 2,
    width: target.width + gap,
    height: target.height + gap,
  };
  const inside = (p: Placement) =>
    p.x >= margin - 0.5 && p.y >= margin - 0.5 && p.x <= maxX + 0.5 && p.y <= maxY + 0.5;
  // A control in the right-hand column (the history) keeps its neighbours uncovered: the card goes left.
  if (target.x + target.width / 2 > view.width * 0.6) sides.unshift(...sides.splice(3, 1));
  const fits = sides.find((p) => inside(p) && overlap({ ...p, ...card }, halo) === 0);
  if (fits) return fits;
  let best = corners[0] as Placement;
  for (const c of corners)
    if (overlap({ ...c, ...card }, target) < overlap({ ...best, ...card }, target)) best = c;
  return best;
}
