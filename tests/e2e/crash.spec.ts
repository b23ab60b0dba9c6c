/**
 * Crashes: the page is killed at random moments during a save, an import, a roll-back and a clean-up —
 * closed without unload handlers, or its renderer crashed through the DevTools protocol — and reopened.
 * Each reopening loads the history and checks the whole database with the raw IndexedDB API (every
 * version's blobs present with the right SHA-256, every parent, ref and HEAD pointing at a version).
 * Everything is driven through the real UI; the kill delay is random, seeded, and printed.
 */
import path from 'node:path';
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { history, openWithFirstVersion, setNumber, skipTour, waitIdle } from './helpers';
import { checkStore } from './storageCheck';

// A step that cannot go on fails within seconds, naming the step, instead of at the test's own limit.
test.use({ actionTimeout: 20_000 });

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

/**
 * Opens Graft in a fresh page of the same context, waits for the history, and checks the whole store: it
 * verifies, and every version that was there before the kill still is.
 */
async function reopen(
  context: BrowserContext,
  url: string,
  before: readonly string[],
): Promise<{ page: Page; ids: readonly string[] }> {
  const page = await context.newPage();
  await skipTour(page);
  await page.goto(url);
  await expect(history(page).getByRole('option').first()).toBeVisible({ timeout: 30_000 });
  await waitIdle(page);
  const check = await checkStore(page);
  expect(check.problems, 'the store verifies after a kill').toEqual([]);
  expect(
    before.filter((id) => !check.ids.includes(id)),
    'no version saved before the kill is lost',
  ).toEqual([]);
  return { page, ids: check.ids };
}

/** Kills the page without unload handlers: closed, or its renderer crashed. */
async function kill(context: BrowserContext, page: Page, how: 'close' | 'crash'): Promise<void> {
  if (how === 'crash') {
    const cdp = await context.newCDPSession(page);
    const crashed = page.waitForEvent('crash', { timeout: 30_000 });
    // The protocol's answer never comes: the renderer dies before it can send one.
    void cdp.send('Page.crash').catch(() => undefined);
    await crashed;
  }
  await page.close({ runBeforeUnload: false });
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
  // The store is the subject here, not the GPU: the CPU backend starts each reopened page in a fraction of
  // WebGL's time on a software renderer, which is what makes fifty kills affordable.
  await context.addInitScript(() => localStorage.setItem('graft.backend', 'cpu'));
  let page = await context.newPage();
  const url = await openWithFirstVersion(page, 'root');
  // A second version, so the root is never the branch head again and can always be rolled back to.
  await start(page, 'save', KILLS);
  await expect(history(page).getByRole('option')).toHaveCount(2);

  const kills: Record<Operation, number> = { save: 0, import: 0, rollback: 0, 'clean-up': 0 };
  let before = (await checkStore(page)).ids;
  let midway = 0; // kills that found Graft still busy with the operation

  for (let i = 0; i < KILLS; i++) {
    const op = OPERATIONS[i % OPERATIONS.length] as Operation;
    await start(page, op, i);
    // Up to 80 ms after the operation starts: on this small model that lands mostly inside its writes, and
    // sometimes just after it finished (both must leave a store that verifies).
    await page.waitForTimeout(Math.floor(rand() * 80));
    if ((await page.locator('.app').getAttribute('aria-busy')) === 'true') midway++;
    await kill(context, page, i % 2 === 0 ? 'close' : 'crash');
    kills[op]++;
    ({ page, ids: before } = await reopen(context, url, before));
  }
  const check = await checkStore(page);
  expect(check.problems).toEqual([]);
  const seconds = Math.round((Date.now() - started) / 1000);
  console.log(
    `crash kills survived: ${KILLS}, ${midway} of them mid-operation (save ${kills.save}, import ${kills.import}, roll-back ${kills.rollback}, clean-up ${kills['clean-up']}; seed ${seed}; ${check.versions} versions, ${check.blobs} blobs verified; ${seconds} s)`,
  );
  test.info().annotations.push({ type: 'crash kills survived', description: String(KILLS) });

  // The check must be able to fail: take away a blob a version needs and point a tag at no version.
  const damaged = await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('graft');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const manifest = await new Promise<{ id: string; tensors: { name: string; hash: string }[] }>(
      (resolve, reject) => {
        const req = db.transaction('manifests').objectStore('manifests').openCursor();
        req.onsuccess = () => resolve(req.result?.value);
        req.onerror = () => reject(req.error);
      },
    );
    const tensor = manifest.tensors[0] as { name: string; hash: string };
    const tx = db.transaction(['blobs', 'refs', 'repositories'], 'readwrite');
    tx.objectStore('blobs').delete(tensor.hash);
    const repo = await new Promise<{ id: string }>((resolve) => {
      const req = tx.objectStore('repositories').openCursor();
      req.onsuccess = () => resolve(req.result?.value);
    });
    tx.objectStore('refs').put({
      repoId: repo.id,
      name: 'dangling',
      kind: 'tag',
      target: '0'.repeat(64),
      updatedAt: new Date().toISOString(),
    });
    await new Promise((resolve) => (tx.oncomplete = resolve));
    db.close();
    return { version: manifest.id.slice(0, 8), tensor: tensor.name };
  });
  const control = await checkStore(page);
  expect(control.problems).toContain(`version ${damaged.version}: ${damaged.tensor} bad`);
  expect(control.problems).toContain('ref dangling points nowhere');
});
