import { describe, expect, it } from 'vitest';
import type { VersionId } from '../core/hashing';
import type { GcReport, StorageManagerPort, StorageStatusStore } from '../core/ports';
import { Activity } from './Activity.svelte';
import { StorageStatus } from './StorageStatus.svelte';

const id = (c: string) => c.repeat(64) as VersionId;

/** A store whose clean-up frees 100 bytes, and 900 more (two older versions' extras) when asked to drop them. */
function setup() {
  const asked: { dryRun: boolean; dropExtras?: boolean }[] = [];
  const store: StorageStatusStore = {
    usage: async () => ({ versions: 3, blobs: 5, bytes: 1000 }) as never,
    gc: async (options): Promise<GcReport> => {
      asked.push(options);
      return {
        dryRun: options.dryRun,
        versions: [id('d')],
        blobs: 1,
        bytes: options.dropExtras ? 1000 : 100,
        ...(options.dropExtras
          ? { extras: { versions: [id('a'), id('b')], optimizerStates: 2, dataSets: 1, bytes: 900 } }
          : {}),
      };
    },
  };
  const manager: StorageManagerPort = {
    estimate: async () => null,
    persisted: async () => false,
    persist: async () => false,
  };
  const activity = new Activity();
  return { asked, activity, storage: new StorageStatus(store, manager, activity, () => null) };
}

describe('Clean up storage', () => {
  it('previews the usual clean-up, and with the extras what dropping them frees too', async () => {
    const { asked, storage } = setup();
    await storage.askCleanup();
    expect(storage.dropExtras).toBe(false);
    expect(storage.cleanupPreview?.bytes).toBe(100);
    expect(storage.cleanupPreview?.extras).toBeUndefined();
    await storage.chooseDropExtras(true);
    expect(storage.cleanupPreview?.bytes).toBe(100);
    expect(storage.extrasPreview?.extras?.bytes).toBe(900);
    expect(storage.extrasPreview?.bytes).toBe(1000);
    await storage.chooseDropExtras(false);
    expect(storage.extrasPreview).toBeNull();
    expect(asked).toEqual([
      { dryRun: true, dropExtras: false },
      { dryRun: true, dropExtras: true },
    ]);
  });

  it('drops the extras only when chosen, says how many versions lost them, and starts unchosen next time', async () => {
    const { asked, activity, storage } = setup();
    await storage.askCleanup();
    await storage.chooseDropExtras(true);
    await storage.cleanup();
    expect(asked.at(-1)).toEqual({ dryRun: false, dropExtras: true });
    expect(activity.notice).toMatch(/^Freed 1000 B: .*; 2 older versions keep their weights/);
    await storage.askCleanup();
    expect(storage.dropExtras).toBe(false);
    await storage.cleanup();
    expect(asked.at(-1)).toEqual({ dryRun: false, dropExtras: false });
    expect(activity.notice).toMatch(
      /^Freed 100 B: 1 unused stored object and 1 unreachable version removed\.$/,
    );
  });
});
