/** The transfer progress bar as a screen reader and the eye get it: its value, its words, its fill. */
import { render } from 'svelte/server';
import { describe, expect, it } from 'vitest';
import ProgressBar from './ProgressBar.svelte';

describe('ProgressBar', () => {
  it('reports the percentage and fills that fraction of the track by scaling, not by its width', () => {
    const { body } = render(ProgressBar, {
      props: { label: 'Export progress', phase: 'Packing', done: 3 * 2 ** 20, total: 4 * 2 ** 20 },
    });
    expect(body).toMatch(/role="progressbar"/);
    expect(body).toMatch(/aria-label="Export progress"/);
    expect(body).toMatch(/aria-valuenow="75"/);
    expect(body).toMatch(/transform: scaleX\(0\.75\)/);
    expect(body).not.toMatch(/width:/);
    expect(body).not.toMatch(/indeterminate/);
  });

  it('is indeterminate, with no value and no scale of its own, until the total is known', () => {
    const { body } = render(ProgressBar, {
      props: { label: 'Import progress', phase: 'Reading', done: 0, total: 0 },
    });
    expect(body).toMatch(/class="track[^"]*indeterminate/);
    expect(body).not.toMatch(/aria-valuenow/);
    expect(body).not.toMatch(/scaleX/);
  });
});
