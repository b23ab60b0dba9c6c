/**
 * Training that resumes exactly, end to end on the CPU backend: Iris trained 4 epochs straight and 2 + save
 * + page reload + 2 give byte-identical exported weights, and the Train panel says each time whether the
 * optimizer continues (whose state, from which epoch and step) or starts afresh (and why). A bundle that
 * carries the data opens in an empty browser profile ready to continue, and "Clean up storage" can drop the
 * optimizer state and data of older versions while branch heads keep theirs.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import {
  checkout,
  createModel,
  csvFile,
  dismissNotices,
  exportRepository,
  freshPage,
  history,
  notice,
  onCpu,
  openTab,
  save,
  sensorsCsv,
  SHOTS,
  skipTour,
  train,
  useSensors,
  waitIdle,
  watchErrors,
} from './helpers';

const plan = (page: Page) => page.getByTestId('optimizer-plan');
const short = (id: string) => id.slice(0, 8);

/** Picks a shipped data set on the Train tab. */
async function useShipped(page: Page, name: RegExp): Promise<void> {
  await openTab(page, 'Train');
  await page.getByRole('radio', { name }).check();
  await page.getByTestId('use-dataset').click();
  await expect(page.getByTestId('data-summary')).toBeVisible();
}

/** The `.weights.bin` of a stored version, as "Download as TF.js model" writes it. */
async function exportedWeights(page: Page, id: string): Promise<Buffer> {
  await openTab(page, 'Share');
  await page.getByRole('combobox', { name: 'Version to download' }).selectOption(id);
  const downloads: import('@playwright/test').Download[] = [];
  const listener = (d: import('@playwright/test').Download) => downloads.push(d);
  page.on('download', listener);
  await page.getByRole('button', { name: 'Download as TF.js model' }).click();
  await expect.poll(() => downloads.length).toBe(2);
  page.off('download', listener);
  const bin = downloads.find((d) => d.suggestedFilename().endsWith('.weights.bin'));
  return readFile((await bin?.path()) ?? '');
}

test('Iris on the CPU: 4 epochs straight and 2 + reload + 2 export byte-identical weights', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await onCpu(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  await createModel(page, /^Iris MLP/, 'Resume exactly');
  const start = await save(page, 'Iris MLP, untrained');
  await useShipped(page, /^Iris/);
  await expect(plan(page)).toHaveText(
    `Optimizer starts afresh: version ${short(start)} keeps no optimizer state.`,
  );

  // 4 epochs in one run.
  await train(page, 4);
  await expect(plan(page)).toHaveText(
    /^Continues the last run’s Adam state \(not saved yet\): epoch 5 onward, after step \d+\.$/,
  );
  const straight = await save(page, 'Four epochs straight');
  await expect(plan(page)).toHaveText(
    new RegExp(`^Continues version ${short(straight)}’s Adam state: epoch 5 onward, after step \\d+\\.$`),
  );
  const steps4 = Number(/after step (\d+)/.exec((await plan(page).textContent()) ?? '')?.[1]);

  // The same 4 epochs as 2, a save, a page reload, and 2 more.
  await checkout(page, start);
  await openTab(page, 'Train');
  await expect(plan(page)).toHaveText(
    `Optimizer starts afresh: version ${short(start)} keeps no optimizer state.`,
  );
  await train(page, 2);
  const half = await save(page, 'Two epochs');
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  await expect(history(page).getByRole('option', { selected: true })).toHaveAttribute('data-version', half);
  await openTab(page, 'Train');
  // The version's data comes back with it (a shipped set, found by name), and the run continues.
  await expect(page.getByTestId('data-summary')).toContainText('Iris');
  await expect(plan(page)).toHaveText(
    `Continues version ${short(half)}’s Adam state: epoch 3 onward, after step ${steps4 / 2}.`,
  );
  await expect(page.getByRole('switch', { name: 'Continue the optimizer state' })).toBeChecked();
  await page.screenshot({ path: `${SHOTS}/continue-01-train-panel.png`, fullPage: true });
  await page
    .getByRole('form', { name: 'Training settings' })
    .screenshot({ path: `${SHOTS}/continue-01-plan.png` });
  await train(page, 2, 4);
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuetext',
    /^Epoch 4 of 4, batch \d+ of \d+$/,
  );
  const split = await save(page, 'Two more epochs after a reload');

  // Version details: the state each keeps, and how the run started.
  await expect(page.getByTestId('kept-optimizer')).toHaveText(
    new RegExp(`^Adam · epochs: 4 · steps: ${steps4} · [\\d.]+ (B|KiB)$`),
  );
  await expect(page.getByTestId('kept-data')).toContainText('a data set shipped with Graft');
  const details = page.getByRole('region', { name: 'Version details' });
  await expect(details).toContainText('Epochs before');
  await page.screenshot({ path: `${SHOTS}/continue-02-version-details.png`, fullPage: true });
  await details.screenshot({ path: `${SHOTS}/continue-02-details.png` });

  const a = await exportedWeights(page, straight);
  const b = await exportedWeights(page, split);
  expect(a.byteLength).toBeGreaterThan(0);
  expect(b.equals(a)).toBe(true);

  // Switched off, the next run starts afresh and says so.
  await openTab(page, 'Train');
  await page.getByRole('switch', { name: 'Continue the optimizer state' }).uncheck();
  await expect(plan(page)).toHaveText('Optimizer starts afresh: you switched continuing off.');
  await train(page, 1);
  await expect(page.getByRole('form', { name: 'Save the live model' })).toContainText('trained 1 epoch');
  expect(errors).toEqual([]);
});

test('Iris on WebGL: 4 epochs straight and 2 + reload + 2 agree within 1e-5 (relative)', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await page.addInitScript(() => localStorage.setItem('graft.backend', 'webgl'));
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await createModel(page, /^Iris MLP/, 'Resume on WebGL');
  const start = await save(page, 'Iris MLP, untrained');
  await useShipped(page, /^Iris/);
  await train(page, 4);
  const straight = await save(page, 'Four epochs straight');
  await checkout(page, start);
  await openTab(page, 'Train');
  await train(page, 2);
  const half = await save(page, 'Two epochs');
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await openTab(page, 'Train');
  await expect(plan(page)).toHaveText(
    new RegExp(`^Continues version ${short(half)}’s Adam state: epoch 3 onward`),
  );
  await train(page, 2, 4);
  const split = await save(page, 'Two more epochs after a reload');
  const a = new Float32Array(new Uint8Array(await exportedWeights(page, straight)).buffer);
  const b = new Float32Array(new Uint8Array(await exportedWeights(page, split)).buffer);
  expect(b.length).toBe(a.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    worst = Math.max(worst, Math.abs(x - y) / Math.max(Math.abs(x), 1e-6));
  }
  expect(worst).toBeLessThanOrEqual(1e-5);
  // And the run did learn: the weights are not the untrained ones.
  const c = new Float32Array(new Uint8Array(await exportedWeights(page, start)).buffer);
  expect(c.some((v, i) => v !== a[i])).toBe(true);
  expect(errors).toEqual([]);
});

test('a bundle with the data opens elsewhere ready to continue; clean-up drops older versions’ extras', async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await onCpu(page);
  await page.goto('/');
  await createModel(page, /^Iris MLP/, 'Sensors');
  await useSensors(page, csvFile(sensorsCsv()));
  await train(page, 2);
  const older = await save(page, 'Two epochs on the sensors');
  await train(page, 1, 3);
  const head = await save(page, 'One more epoch');
  await expect(page.getByTestId('kept-data')).toHaveText(/^kept with the version \([\d.]+ (B|KiB)\)$/);

  // Export with the data: off by default, with its size and what it means.
  await openTab(page, 'Share');
  const include = page.getByRole('checkbox', { name: /^Include the training data \([\d.]+ (B|KiB)\)$/ });
  await expect(include).not.toBeChecked();
  await expect(
    page.getByText('The data leaves with the file: whoever opens it can read every row.'),
  ).toBeVisible();
  await include.check();
  await page.screenshot({ path: `${SHOTS}/continue-03-share-include-data.png`, fullPage: true });
  await page
    .getByRole('region', { name: 'Export a bundle' })
    .screenshot({ path: `${SHOTS}/continue-03-export.png` });
  const bundlePath = await exportRepository(page);
  await expect(page.getByTestId('export-result')).toContainText('of training data');

  // An empty browser profile: the bundle brings the data, and training continues the head's state.
  const other = await freshPage(browser);
  const otherErrors = watchErrors(other);
  await other.getByLabel('Import bundle…').setInputFiles(bundlePath);
  await expect(notice(other, 'Imported sensors--all--')).toBeVisible();
  await expect(history(other).getByRole('option')).toHaveCount(2);
  await waitIdle(other);
  await openTab(other, 'Train');
  await expect(other.getByTestId('data-summary')).toContainText('sensors');
  await expect(plan(other)).toHaveText(
    new RegExp(`^Continues version ${short(head)}’s Adam state: epoch 4 onward, after step \\d+\\.$`),
  );
  await train(other, 1, 4);
  expect(otherErrors).toEqual([]);
  await other.context().close();

  // Clean-up with the extras: the older version loses its state, the branch head keeps its own. The older
  // version is selected first: its details must say so as soon as the clean-up is done.
  await dismissNotices(page);
  await history(page)
    .locator(`[data-version="${older}"]`)
    .click({ position: { x: 12, y: 12 } });
  await expect(page.getByTestId('kept-optimizer')).toHaveText(/^Adam · /);
  await page.getByRole('button', { name: 'Clean up storage…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Clean up storage' });
  await dialog.getByRole('checkbox', { name: /^Also drop the optimizer state and kept data/ }).check();
  await expect(dialog.getByTestId('cleanup-extras')).toHaveText(
    /^Dropping the optimizer state and data of 1 older version frees [\d.]+ (B|KiB) more\.$/,
  );
  await page.screenshot({ path: `${SHOTS}/continue-04-cleanup.png`, fullPage: true });
  await dialog.screenshot({ path: `${SHOTS}/continue-04-dialog.png` });
  await dialog.getByRole('button', { name: /^Free / }).click();
  await expect(
    notice(page, /; 1 older version keeps its weights but no longer its optimizer state or data\./),
  ).toBeVisible();
  await expect(page.getByTestId('kept-optimizer')).toHaveText(
    'none kept: training from this version starts the optimizer afresh',
  );
  await history(page)
    .locator(`[data-version="${head}"]`)
    .click({ position: { x: 12, y: 12 } });
  await expect(page.getByTestId('kept-optimizer')).toHaveText(/^Adam · epochs: 3 · /);
  await expect(page.getByTestId('kept-data')).toHaveText(/^kept with the version/);
  expect(errors).toEqual([]);
});
