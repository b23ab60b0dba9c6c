/**
 * A private window keeps the site's storage in memory. Playwright's contexts are such windows: Chromium
 * holds their IndexedDB blobs and every live Blob in one 500 MiB budget, and past it each new Blob is made
 * broken — IndexedDB stores it without a word, and reading it back throws NotReadableError. A save then
 * must be refused with what to do, not "succeed" into a version that can never be checked out.
 */
import { expect, test, type Page } from '@playwright/test';
import { history, save, setNumber, skipTour, waitIdle, watchErrors } from './helpers';
import { blobCount } from './storageCheck';

/**
 * Holds Blobs until the browser can make no more (down to 4 KiB), as a long session's saved versions would;
 * returns the bytes held. Where blobs can go to disk it stops at 2 GiB.
 */
async function fillBlobMemory(page: Page): Promise<number> {
  return page.evaluate(async () => {
    const held: Blob[] = [];
    let total = 0;
    const readable = (b: Blob) =>
      b
        .slice(-1)
        .arrayBuffer()
        .then(
          () => true,
          () => false,
        );
    for (const size of [64 << 20, 1 << 20, 4 << 10])
      while (total < 2 ** 31) {
        const blob = new Blob([new Uint8Array(size)]);
        if (!(await readable(blob))) break;
        held.push(blob);
        total += size;
      }
    (window as unknown as { heldBlobs: Blob[] | null }).heldBlobs = held;
    return total;
  });
}

test('a save the browser cannot hold in a private window is refused, and goes through once there is room', async ({
  page,
  context,
}) => {
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await page.getByRole('button', { name: 'Create model' }).click();
  await waitIdle(page);
  // 256 hidden units: a 100 KiB kernel, stored as a Blob (blobs up to 32 KiB are kept inline in their row,
  // where no Blob can break; the seed model's are all that small).
  await setNumber(
    page.getByRole('region', { name: 'Layer editor' }).getByRole('listitem', { name: /^Layer 1: hidden/ }),
    'Units',
    256,
  );
  await page.getByTestId('apply-changes').click();
  await waitIdle(page);

  const held = await fillBlobMemory(page);
  test.skip(held >= 2 ** 31, 'This browser keeps blobs on disk here: no in-memory budget to run out of.');
  expect(held).toBeGreaterThan(400 * 2 ** 20);

  await page.getByRole('textbox', { name: 'Message' }).fill('no room in memory');
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByRole('alert')).toContainText('private or guest window');
  await expect(page.getByRole('alert')).toContainText('Nothing was saved');
  await expect(page.getByRole('region', { name: 'Not enough room to store this' })).toBeVisible();
  // Nothing half-written: no version, and no weights stored that could never be read.
  await expect(history(page).getByRole('option')).toHaveCount(0);
  expect(await blobCount(page)).toBe(0);
  await expect(page.getByRole('button', { name: 'Save version' })).toBeEnabled();

  // The memory freed, the same save goes through and its version reads back intact.
  await page.evaluate(() => ((window as unknown as { heldBlobs: Blob[] | null }).heldBlobs = null));
  await (await context.newCDPSession(page)).send('HeapProfiler.collectGarbage');
  await save(page, 'room again');
  await history(page)
    .getByRole('option')
    .first()
    .click({ position: { x: 12, y: 12 } });
  await page.getByRole('region', { name: 'Version details' }).getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is intact' })).toBeVisible();
  expect(errors).toEqual([]);
});
