/**
 * Several tabs at once: a second tab opened while the service worker controls Graft renders from its cache;
 * three tabs edit, save, roll back and tag the same model at the same moment, and no version is lost and no
 * ref points nowhere. A tab on the old schema gives way to a newer one in another tab and says "reload to
 * update" instead of blocking it. The service worker stays on throughout, as it is for a person.
 */
import { expect, test, type Page } from '@playwright/test';
import { history, openWithFirstVersion, setNumber, skipTour, waitIdle, watchErrors } from './helpers';
import { checkStore } from './storageCheck';

async function edit(page: Page, units: number): Promise<void> {
  const layer = page
    .getByRole('region', { name: 'Layer editor' })
    .getByRole('listitem', { name: /^Layer 1: hidden/ });
  await setNumber(layer, 'Units', units);
  await page.getByTestId('apply-changes').click();
  await waitIdle(page);
  await page.getByRole('textbox', { name: 'Message' }).fill(`${units} hidden units`);
}

test('a second tab opened while the service worker controls Graft renders from its cache', async ({
  context,
}) => {
  const first = await context.newPage();
  const errors = watchErrors(first);
  await openWithFirstVersion(first, 'root');
  await first.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });

  const second = await context.newPage();
  errors.push(...watchErrors(second));
  const fromWorker: boolean[] = [];
  second.on('response', (r) => {
    if (r.request().resourceType() === 'document' || r.url().endsWith('.js'))
      fromWorker.push(r.fromServiceWorker());
  });
  await skipTour(second);
  await second.goto(first.url());
  await expect(history(second).getByRole('option')).toHaveCount(1);
  await expect(second.getByRole('heading', { name: 'Live model' })).toBeVisible();
  expect(await second.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
  expect(fromWorker.length).toBeGreaterThan(1);
  expect(fromWorker.every(Boolean), 'the page and its code came from the service worker').toBe(true);
  expect(errors).toEqual([]);
});

test('three tabs saving, rolling back and tagging at once keep every version and every ref valid', async ({
  context,
}) => {
  test.setTimeout(300_000);
  const first = await context.newPage();
  const errors = watchErrors(first);
  await openWithFirstVersion(first, 'root');
  const tabs = [first];
  for (let i = 1; i < 3; i++) {
    const page = await context.newPage();
    await skipTour(page);
    await page.goto(first.url());
    await expect(history(page).getByRole('option')).toHaveCount(1);
    tabs.push(page);
  }
  for (const [i, page] of tabs.entries()) await edit(page, 16 + i);

  // All three save on "main", which each saw at the root.
  await Promise.all(tabs.map((p) => p.getByRole('button', { name: 'Save version' }).click()));
  for (const page of tabs) await waitIdle(page);
  for (const page of tabs) await expect(history(page).getByRole('option')).toHaveCount(4);
  // One tab moved main; the other two were told their version went to a branch of its own.
  const moved = await Promise.all(
    tabs.map((p) => p.getByText('changed in another tab while you worked').count()),
  );
  expect(moved.reduce((a, b) => a + b, 0)).toBe(2);

  // All three roll back to the root and tag their own latest version "best" at once.
  await Promise.all(
    tabs.map(async (page) => {
      await history(page)
        .getByRole('option')
        .last()
        .click({ position: { x: 12, y: 12 } });
      await history(page).getByRole('button', { name: 'Rollback' }).click();
    }),
  );
  for (const page of tabs) await waitIdle(page);
  await Promise.all(
    tabs.map(async (page) => {
      await history(page)
        .getByRole('option', { selected: true })
        .click({ position: { x: 12, y: 12 } });
      await history(page).getByRole('button', { name: 'Tag' }).click();
      await page.getByRole('textbox', { name: 'Tag' }).fill('best');
      await page.getByRole('button', { name: 'Place tag' }).click();
    }),
  );
  for (const page of tabs) await waitIdle(page);

  for (const page of tabs) await expect(history(page).getByRole('option')).toHaveCount(7);
  const check = await checkStore(first);
  expect(check.problems).toEqual([]);
  expect(check.versions).toBe(7);
  console.log(`tabs: 3 tabs, ${check.versions} versions, ${check.refs} refs, all verified`);
  expect(errors).toEqual([]);
});

test('a tab on the old schema gives way to a newer one and asks for a reload', async ({ context }) => {
  test.setTimeout(180_000);
  const old = await context.newPage();
  await openWithFirstVersion(old, 'before the upgrade');

  // A newer Graft in another tab opens the database at a higher schema version (Dexie's ×10 included).
  const newer = await context.newPage();
  await newer.goto('/graft.svg');
  const outcome = await newer.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const req = indexedDB.open('graft', 990);
        req.onblocked = () => resolve('blocked');
        req.onsuccess = () => {
          req.result.close();
          resolve('upgraded');
        };
        req.onerror = () => resolve(`error: ${req.error?.message}`);
      }),
  );
  expect(outcome).toBe('upgraded');
  const alert = old.getByRole('alert').filter({ hasText: 'Graft was updated in another tab' });
  await expect(alert).toBeVisible();
  await expect(alert).toContainText('every saved version is safe');
  await old.screenshot({
    path: `${process.env.GRAFT_SCREENS ?? 'test-results/screens'}/storage-02-outdated.png`,
  });
  await alert.getByRole('button', { name: 'Reload to update' }).click();
  await expect(history(old).getByRole('option')).toHaveCount(1, { timeout: 60_000 });
  expect((await checkStore(old)).problems).toEqual([]);
});
