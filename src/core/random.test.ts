import { describe, expect, it } from 'vitest';
import { mixSeed, mulberry32 } from './random';

describe('mixSeed', () => {
  it('gives the same 32-bit seed for the same parts, every time', () => {
    expect(mixSeed(42, 1, 7)).toBe(mixSeed(42, 1, 7));
    const s = mixSeed(42, 1, 7);
    expect(Number.isInteger(s) && s >= 0 && s < 2 ** 32).toBe(true);
  });

  it('gives a different seed when any part, their order or their number changes', () => {
    const seeds = [
      mixSeed(42, 1, 7),
      mixSeed(43, 1, 7),
      mixSeed(42, 2, 7),
      mixSeed(42, 1, 8),
      mixSeed(42, 7, 1),
      mixSeed(42, 1),
      mixSeed(42, 1, 7, 0),
      mixSeed(-42, 1, 7),
      // Bits beyond 32 count: a seed taken from a clock is not its low word's.
      mixSeed(42 + 2 ** 32, 1, 7),
    ];
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('seeds streams that do not follow one another: neighbouring steps start unrelated', () => {
    const firsts = Array.from({ length: 1000 }, (_, step) => mulberry32(mixSeed(7, 2, step))());
    expect(new Set(firsts).size).toBe(1000);
    const mean = firsts.reduce((a, b) => a + b, 0) / firsts.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
    // A step's seed is not the previous step's advanced by one draw (mulberry32's counter plus a constant).
    const seconds = Array.from({ length: 999 }, (_, step) => {
      const next = mulberry32(mixSeed(7, 2, step));
      next();
      return next();
    });
    expect(seconds.filter((v, i) => v === firsts[i + 1])).toEqual([]);
  });
});
