import { describe, expect, it } from 'vitest';
import { AppUpdate } from './AppUpdate.svelte';

/** A faked service-worker registration: records what the app asked of it. */
function fakeWorker(options: { fail?: boolean } = {}) {
  const calls = { applied: 0, reloads: 0 };
  const update = new AppUpdate(() => calls.reloads++);
  const apply = async () => {
    calls.applied++;
    if (options.fail) throw new Error('the waiting service worker is gone');
  };
  return { update, apply, calls };
}

describe('AppUpdate', () => {
  it('shows nothing until a new build is waiting', async () => {
    const { update, calls } = fakeWorker();
    expect(update.state).toBe('none');
    expect(update.visible).toBe(false);
    await update.reload();
    expect(calls).toEqual({ applied: 0, reloads: 0 });
  });

  it('offers a waiting build and reloads only after it has taken over', async () => {
    const { update, apply, calls } = fakeWorker();
    update.offer(apply);
    expect(update.state).toBe('waiting');
    expect(update.visible).toBe(true);
    await update.reload();
    expect(calls).toEqual({ applied: 1, reloads: 0 });
    expect(update.updating).toBe(true);
    // A second click while the new build is taking over does not ask again.
    await update.reload();
    expect(calls.applied).toBe(1);
    update.tookOver();
    expect(calls.reloads).toBe(1);
  });

  it('Later hides the banner; a newer build shows it again', () => {
    const { update, apply } = fakeWorker();
    update.offer(apply);
    update.dismiss();
    expect(update.visible).toBe(false);
    expect(update.state).toBe('waiting');
    update.offer(apply);
    expect(update.visible).toBe(true);
  });

  it('a failed switch says so and lets the person try again', async () => {
    const { update, apply, calls } = fakeWorker({ fail: true });
    update.offer(apply);
    await update.reload();
    expect(update.failed).toBe(true);
    expect(update.updating).toBe(false);
    expect(update.visible).toBe(true);
    await update.reload();
    expect(calls).toEqual({ applied: 2, reloads: 0 });
  });

  it('a tab updated by another tab is told, not reloaded under the person', async () => {
    const { update, apply, calls } = fakeWorker();
    update.offer(apply);
    update.dismiss();
    update.tookOver();
    expect(calls.reloads).toBe(0);
    expect(update.state).toBe('elsewhere');
    expect(update.visible).toBe(true);
    await update.reload();
    expect(calls).toEqual({ applied: 0, reloads: 1 });
  });
});
