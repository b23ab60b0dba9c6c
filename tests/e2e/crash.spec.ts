/**
 * Crashes: the page is killed at random moments during a save, an import, a roll-back and a clean-up —
 * closed without unload handlers, or its renderer crashed through the DevTools protocol — and reopened.
 * Each reopening loads the history and checks the whole database with the raw IndexedDB API (every
 * version's blobs present with the right SHA-256, every parent, ref and HEAD pointing at a version).
 * Everything is driven through the real UI; the kill delay is random, seeded, and printed.
 */
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { history, setNumber, skipTour, waitIdle } from './helpers';
import { checkStore } from './storageCheck';

// These specs are about the model store, not offline use: with the service worker on, a second page of the
// same context stays blank in this build (see the report on issue 6), so it is kept out of the way here.
test.use({ serviceWorkers: 'block' });

const KILLS = Number(process.env.GRAFT_CRASH_KILLS ?? 50);
const BUNDLE = path.resolve('tests/fixtures/bundles/format-1-repository.graft.zip');
type Operation = 'save' | 'import' | 'rollback' | 'clean-up';
const OPERATIONS: readonly Operation[] = ['save', 'rollback', 'import', 'clean-up'];

/** A small seeded generator, so a failing run can be repeated (GRAFT_CRASH_SEED). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Opens Graft, waits for the history, and checks the whole store. */
async function reopen(context: BrowserContext, url: string): Promise<Page> {
  const page = await context.newPage();
  await skipTour(page);
  await page.goto(url);
  await expect(history(page).getByRole('option').first()).toBeVisible({ timeout: 30_000 });
  await waitIdle(page);
  const check = await checkStore(page);
  expect(check.problems, 'the store verifies after a kill').toEqual([]);
  return page;
}

/** Gets the operation ready, then starts it; returns once it has started. */
async function start(page: Page, op: Operation, step: number): Promise<void> {
  if (op === 'save') {
    const layer = page
      .getByRole('region', { name: 'Layer editor' })
      .getByRole('listitem', { name: /^Layer 1: hidden/ });
    await setNumber(layer, 'Units', 8 + (step % 40));
    await page.getByTestId('apply-changes').click();
    await waitIdle(page);
    const message = page.getByRole('textbox', { name: 'Message' });
    if (!(await message.isEnabled())) return;
    await message.fill(`step ${step}`);
    await page.getByRole('button', { name: 'Save version' }).click();
  } else if (op === 'rollback') {
    await history(page)
      .getByRole('option')
      .last()
      .click({ position: { x: 12, y: 12 } });
    await history(page).getByRole('button', { name: 'Rollback' }).click();
  } else if (op === 'import') {
    await page.getByRole('tab', { name: 'Share', exact: true }).click();
    await page.getByLabel('Import bundle…').setInputFiles(BUNDLE);
  } else {
    await page.getByRole('contentinfo').getByRole('button', { name: 'Clean up storage…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Clean up storage' });
    await dialog.getByRole('button', { name: /^(Free|Close)/ }).click();
  }
}

test(`${KILLS} kills at random moments during save, import, roll-back and clean-up leave a store that verifies`, async ({
  context,
}) => {
  test.setTimeout(600_000);
  const seed = Number(process.env.GRAFT_CRASH_SEED ?? Date.now() % 100_000);
  const rand = random(seed);
  const started = Date.now();
  let page = await context.newPage();
  await skipTour(page);
  await page.goto('/');
  await page.getByRole('button', { name: 'Create model' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill('root');
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(history(page).getByRole('option')).toHaveCount(1);
  const url = page.url();

  const kills: Record<Operation, number> = { save: 0, import: 0, rollback: 0, 'clean-up': 0 };
  for (let i = 0; i < KILLS; i++) {
    const op = OPERATIONS[i % OPERATIONS.length] as Operation;
    await start(page, op, i);
    // Up to 400 ms after the operation starts: long enough to land in its writes, often mid-transaction.
    await page.waitForTimeout(Math.floor(rand() * 400));
    if (i % 2 === 0) await page.close({ runBeforeUnload: false });
    else {
      const cdp = await context.newCDPSession(page);
      await cdp.send('Page.crash').catch(() => undefined); // the session dies with the renderer
      await page.close({ runBeforeUnload: false }).catch(() => undefined);
    }
    kills[op]++;
    page = await reopen(context, url);
  }
  const check = await checkStore(page);
  expect(check.problems).toEqual([]);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `crash kills survived: ${KILLS} (save ${kills.save}, import ${kills.import}, roll-back ${kills.rollback}, clean-up ${kills['clean-up']}; seed ${seed}; ${check.versions} versions, ${check.blobs} blobs verified; ${seconds} s)`,
  );
  test.info().annotations.push({ type: 'crash kills survived', description: String(KILLS) });
});
