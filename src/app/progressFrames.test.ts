import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { progressFrames } from './progressFrames';

describe('progressFrames', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    // A frame every 16 ms, as a browser paints.
    vi.stubGlobal('requestAnimationFrame', (cb: (now: number) => void) =>
      setTimeout(() => cb(performance.now()), 16),
    );
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('draws the first update at the next frame, then at most once per interval', () => {
    const next = progressFrames(250);
    const drawn: number[] = [];
    // Training asks again as soon as each update is drawn, as RunProgress.svelte.ts does while batches come.
    const ask = () =>
      next(() => {
        drawn.push(performance.now());
        if (drawn.length < 5) ask();
      });
    const start = performance.now();
    ask();
    vi.advanceTimersByTime(2_000);
    expect(drawn).toHaveLength(5);
    expect((drawn[0] as number) - start).toBeLessThanOrEqual(16);
    for (let i = 1; i < drawn.length; i++)
      expect((drawn[i] as number) - (drawn[i - 1] as number)).toBeGreaterThanOrEqual(250);
  });

  it('does not delay an update that comes after a quiet spell', () => {
    const next = progressFrames(250);
    let drawnAt = -1;
    next(() => undefined);
    vi.advanceTimersByTime(1_000);
    const asked = performance.now();
    next(() => {
      drawnAt = performance.now();
    });
    vi.advanceTimersByTime(100);
    expect(drawnAt - asked).toBeLessThanOrEqual(16);
  });
});
