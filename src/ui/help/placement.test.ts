import { describe, expect, it } from 'vitest';
import { overlap, placeCard, type Box } from './placement';

const CARD = { width: 340, height: 180 };
const DESKTOP = { width: 1280, height: 800 };
const TABLET = { width: 768, height: 1024 };

function within(p: { x: number; y: number }, view: { width: number; height: number }) {
  expect(p.x).toBeGreaterThanOrEqual(8);
  expect(p.y).toBeGreaterThanOrEqual(8);
  expect(p.x + CARD.width).toBeLessThanOrEqual(view.width - 8);
  expect(p.y + CARD.height).toBeLessThanOrEqual(view.height - 8);
}

describe('placeCard', () => {
  it('puts the card below a control with room under it, centred and clear of it', () => {
    const button: Box = { x: 600, y: 100, width: 120, height: 36 };
    const p = placeCard(button, CARD, DESKTOP);
    expect(p.side).toBe('below');
    expect(p.y).toBe(148);
    expect(p.x).toBe(490);
    expect(overlap({ ...p, ...CARD }, button)).toBe(0);
  });

  it('goes above a control at the bottom of the window, and beside a tall one', () => {
    expect(placeCard({ x: 600, y: 700, width: 120, height: 36 }, CARD, DESKTOP).side).toBe('above');
    const tall: Box = { x: 100, y: 20, width: 300, height: 760 };
    const p = placeCard(tall, CARD, DESKTOP);
    expect(p.side).toBe('right');
    expect(overlap({ ...p, ...CARD }, tall)).toBe(0);
    within(p, DESKTOP);
  });

  it('puts the card left of a control in the right-hand column, over the work area', () => {
    const rollback: Box = { x: 1080, y: 120, width: 70, height: 28 };
    const p = placeCard(rollback, CARD, DESKTOP);
    expect(p.side).toBe('left');
    expect(p.x + CARD.width).toBeLessThanOrEqual(rollback.x - 12);
  });

  it('keeps the card inside a 768 px tablet window for controls anywhere on it', () => {
    for (const x of [0, 200, 600, 700]) {
      for (const y of [0, 300, 980]) {
        const target: Box = { x, y, width: 60, height: 32 };
        const p = placeCard(target, CARD, TABLET);
        within(p, TABLET);
        expect(overlap({ ...p, ...CARD }, target)).toBe(0);
      }
    }
  });

  it('a control too big for any side gets the corner that covers the least of it; no control, a corner', () => {
    const huge: Box = { x: 0, y: 0, width: 1100, height: 800 };
    const p = placeCard(huge, CARD, DESKTOP);
    expect(p.side).toBe('corner');
    expect(p.x).toBe(1280 - 340 - 8);
    expect(placeCard(null, CARD, DESKTOP)).toEqual({ x: 932, y: 612, side: 'corner' });
  });
});
