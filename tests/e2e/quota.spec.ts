/**
 * Storage limits in real Chromium: usage against quota is shown, persistence is asked for and the answer
 * said, a save that does not fit is refused before anything is written with what to do about it, and the
 * same save goes through once there is room.
 *
 * The quota is set two ways: through the DevTools protocol (`Storage.overrideQuotaForOrigin`), and, because
 * the Debian Chromium these tests run on accepts that command but leaves `navigator.storage.estimate()`
 * unchanged, by a shim installed before the page loads that reports the quota the test chose.
 */
import { expect, test, type CDPSession, type Page } from '@playwright/test';
import { createModel, history, save, SHOTS, skipTour, waitIdle, watchErrors } from './helpers';
import { blobCount } from './storageCheck';

async function usage(page: Page): Promise<number> {
  return page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
}

/** Sets the quota Graft sees, through the DevTools protocol and the estimate shim; null restores both. */
async function setQuota(page: Page, cdp: CDPSession, quota: number | null): Promise<void> {
  const origin = new URL(page.url()).origin;
  await cdp.send(
    'Storage.overrideQuotaForOrigin',
    quota === null ? { origin } : { origin, quotaSize: quota },
  );
  await page.evaluate((q) => {
    if (q === null) sessionStorage.removeItem('graft-test-quota');
    else sessionStorage.setItem('graft-test-quota', String(q));
  }, quota);
}

test('a save that does not fit is refused before anything is written, and says what to do', async ({
  page,
  context,
}) => {
  const errors = watchErrors(page);
  await skipTour(page);
  await page.addInitScript(() => {
    const real = navigator.storage.estimate.bind(navigator.storage);
    navigator.storage.estimate = async () => {
      const e = await real();
      const quota = Number(sessionStorage.getItem('graft-test-quota'));
      return quota ? { ...e, quota } : e;
    };
  });
  await page.goto('/');
  await page.getByRole('button', { name: 'Create model' }).click();
  await save(page, 'fits');
  const cdp = await context.newCDPSession(page);

  // Usage against quota, and a meter of it.
  const bar = page.getByRole('contentinfo');
  await expect(bar.getByTestId('storage-usage')).toContainText(/All of Graft: .+ of .+ \(/);
  await expect(bar.getByRole('meter', { name: /storage quota/ })).toBeVisible();

  // Persistence: asked for, and the answer said either way.
  await bar.getByRole('button', { name: 'Keep data persistently' }).click();
  await expect(bar.getByText('Persistent storage on').or(bar.getByTestId('persist-denied'))).toBeVisible();

  // Leave 8 KiB of room: a new model's 19 KiB of fresh weights does not fit.
  const used = await usage(page);
  await setQuota(page, cdp, used + 8 * 1024);
  const blobsBefore = await blobCount(page);
  await page.getByRole('button', { name: 'New model' }).click();
  await createModel(page, /^Digits MLP/, 'Too big for the disk');
  await waitIdle(page);
  await page.getByRole('textbox', { name: 'Message' }).fill('does not fit');
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByRole('alert')).toContainText(/needs \d/);
  await expect(page.getByRole('alert')).toContainText('Nothing was written');
  const help = page.getByRole('region', { name: 'Not enough room to store this' });
  await expect(help).toContainText(/It needs \d.+ of new storage, but the browser allows Graft only .+ more/);
  await expect(help).toContainText('Export what matters');
  await expect(help.getByRole('button', { name: 'Clean up storage…' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/storage-01-full.png`, fullPage: true });
  // Nothing half-written: no version, and the refused save's weights were not stored either.
  await expect(history(page).getByRole('option')).toHaveCount(0);
  expect(await blobCount(page)).toBe(blobsBefore);
  // The unsaved model is still there to save once there is room.
  await expect(page.getByRole('button', { name: 'Save version' })).toBeEnabled();

  // The help's clean-up opens the preview (nothing to free here: every object is on a branch).
  await help.getByRole('button', { name: 'Clean up storage…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clean up storage' });
  await expect(dialog).toContainText('Nothing to clean up');
  await dialog.getByRole('button', { name: 'Close' }).click();

  // More room: the same save goes through.
  await setQuota(page, cdp, used + 10 * 1024 * 1024);
  await save(page, 'fits now');
  await expect(history(page).getByRole('option')).toHaveCount(1);
  await expect(help).toHaveCount(0);
  await setQuota(page, cdp, null);
  expect(errors).toEqual([]);
});
