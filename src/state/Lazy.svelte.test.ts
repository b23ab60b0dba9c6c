import { describe, expect, it } from 'vitest';
import { Lazy } from './Lazy.svelte';

describe('Lazy', () => {
  it('loads once for every caller, and holds the value once here', async () => {
    let loads = 0;
    const lazy = new Lazy(async () => ({ n: ++loads }));
    expect(lazy.value).toBeNull();
    const [a, b] = await Promise.all([lazy.load(), lazy.load()]);
    expect(a).toBe(b);
    expect(await lazy.load()).toBe(a);
    expect(lazy.value).toBe(a);
    expect(loads).toBe(1);
  });

  it('after a failed load says so, and the next call loads again', async () => {
    let loads = 0;
    const lazy = new Lazy(async () => {
      if (++loads === 1) throw new Error('offline');
      return 'here';
    });
    await expect(lazy.load()).rejects.toThrow('offline');
    expect(lazy.failed).toBe(true);
    expect(lazy.value).toBeNull();
    const again = lazy.load();
    expect(lazy.failed).toBe(false);
    expect(await again).toBe('here');
    expect(lazy.value).toBe('here');
    expect(loads).toBe(2);
  });
});
