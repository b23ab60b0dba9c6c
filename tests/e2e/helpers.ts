/**
 * Page helpers the end-to-end specs share: tabs, the busy flag, creating, editing and saving models, pages
 * on the CPU backend and in fresh browser profiles, a sensors CSV to upload, a repository's bundle export.
 */
import { expect, test, type Browser, type Locator, type Page } from '@playwright/test';

/** Where screenshots go; a run beside others' may point it elsewhere, since each Playwright run empties test-results. */
export const SHOTS = process.env.GRAFT_SCREENS ?? 'test-results/screens';
/** SwiftShader's WebGL is slow: training steps get generous time. */
export const TRAINING = { timeout: 240_000 };

export type TabName = 'Model' | 'Train' | 'Compare' | 'Share';

/** Collects uncaught page errors; a spec ends with `expect(errors).toEqual([])`. */
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

/**
 * Skips the guided tour whenever its card would get in the way of an action: a fresh browser starts it,
 * and a spec about something else should not depend on where its card happens to float.
 */
export async function skipTour(page: Page): Promise<void> {
  // Pages loaded from now on start with the tour already skipped (as after a person's Esc); one already
  // showing it gets it skipped the moment it covers something a test acts on.
  await page.addInitScript(() => {
    if (localStorage.getItem('graft.tour') === null)
      localStorage.setItem('graft.tour', JSON.stringify({ status: 'skipped', step: 0 }));
  });
  await page.addLocatorHandler(page.getByTestId('tour-card'), async (card) => {
    await card.getByRole('button', { name: /^(Skip tour|Close|跳过导览|关闭)$/ }).click();
  });
}

/** Pages opened from now on start on the CPU backend, where runs repeat bit for bit, and skip the tour. */
export async function onCpu(page: Page): Promise<void> {
  await page.addInitScript(() => localStorage.setItem('graft.backend', 'cpu'));
  await skipTour(page);
}

/** A blank page in a new, empty browser profile (a context of its own): someone else's browser. */
export async function newProfile(browser: Browser): Promise<Page> {
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  return context.newPage();
}

/** Graft open on the CPU backend in a new, empty browser profile; close it with `page.context().close()`. */
export async function freshPage(browser: Browser): Promise<Page> {
  const page = await newProfile(browser);
  await onCpu(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  return page;
}

export async function openTab(page: Page, name: TabName): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
}

/** Fills the number field whose accessible name starts with `label`. */
export async function setNumber(scope: Locator, label: string, value: number): Promise<void> {
  const field = scope.getByRole('spinbutton', { name: new RegExp(`^${label}`) });
  await field.fill(String(value));
  await expect(field).toHaveValue(String(value));
}

/** Records the longest main-thread task from now on, in `window.longestTask` (ms). */
export async function watchLongTasks(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { longestTask: number };
    w.longestTask = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.longestTask = Math.max(w.longestTask, Math.round(e.duration));
    }).observe({ type: 'longtask' });
  });
}

/** Waits until Graft has finished what it was doing (training, saving, checking out). */
export async function waitIdle(page: Page): Promise<void> {
  await expect(page.locator('.app')).toHaveAttribute('aria-busy', 'false', TRAINING);
}

export async function createModel(page: Page, template: RegExp, name: string): Promise<void> {
  await page.getByRole('radio', { name: template }).check();
  await page.getByLabel('Model name').fill(name);
  await page.getByRole('button', { name: 'Create model' }).click();
  await expect(page.getByRole('heading', { name: 'Live model' })).toBeVisible();
}

export const history = (page: Page): Locator => page.getByRole('region', { name: 'History', exact: true });

/** The notice banner (role status) whose text matches. */
export const notice = (page: Page, text: string | RegExp): Locator =>
  page.getByRole('status').filter({ hasText: text });

/** Closes every notice banner, so the next one seen is the next action's own. */
export async function dismissNotices(page: Page): Promise<void> {
  const dismiss = page.getByRole('status').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

/** The live model's behaviour: SHA-256 of its outputs on the fixed probe input (Model tab). */
export async function fingerprint(page: Page): Promise<string> {
  const fp = page.getByTestId('probe-fingerprint');
  await expect(fp).toBeVisible();
  return (await fp.getAttribute('title')) ?? '';
}

/**
 * Saves the live model with `message`, waits for this save's own notice, and returns the new version's id
 * (the save selects it in the history).
 */
export async function save(page: Page, message: string): Promise<string> {
  await dismissNotices(page);
  await page.getByRole('textbox', { name: 'Message' }).fill(message);
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(notice(page, 'Saved version')).toBeVisible();
  const selected = history(page).getByRole('option', { selected: true });
  await expect(selected).toContainText(message);
  return (await selected.getAttribute('data-version')) ?? '';
}

/**
 * Trains the live model on the data set in use for `epochs` epochs and waits until the run has ended; a run
 * that continues an optimizer state numbers its epochs on, so its curves end `through` (default `epochs`).
 */
export async function train(page: Page, epochs: number, through = epochs): Promise<void> {
  const settings = page.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', epochs);
  await settings.getByRole('button', { name: /^Train( again)?$/ }).click();
  await expect(
    page.getByRole('img', { name: new RegExp(`^Loss\\. .*train: [\\d.e-]+ after ${through}\\b`) }),
  ).toBeVisible(TRAINING);
  await waitIdle(page);
}

/** Opens Graft in `page`, creates the seed model and saves it as the first version; returns the page's URL. */
export async function openWithFirstVersion(page: Page, message: string): Promise<string> {
  await skipTour(page);
  await page.goto('/');
  await page.getByRole('button', { name: 'Create model' }).click();
  await save(page, message);
  await expect(history(page).getByRole('option')).toHaveCount(1);
  return page.url();
}

/**
 * Exports the whole repository as a bundle from the Share tab (open, its other options already set) and
 * saves the download in the test's output folder; returns the bundle's path there.
 */
export async function exportRepository(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByLabel('Whole repository').check();
  await page.getByRole('button', { name: 'Export bundle' }).click();
  const file = await download;
  const bundlePath = test.info().outputPath(file.suggestedFilename());
  await file.saveAs(bundlePath);
  return bundlePath;
}

/** Checks out a version with the history's keyboard controls, which layout shifts cannot misdirect. */
export async function checkout(page: Page, id: string): Promise<void> {
  const list = history(page).getByRole('listbox', { name: 'Versions' });
  const row = list.locator(`[data-version="${id}"]`);
  const index = Number(await row.getAttribute('aria-posinset')) - 1;
  await list.focus();
  await list.press('Home');
  for (let i = 0; i < index; i++) await list.press('ArrowDown');
  await expect(row).toHaveAttribute('aria-selected', 'true');
  await list.press('Enter');
  await expect(notice(page, `The live model is now version ${id.slice(0, 8)}`)).toBeVisible();
}

/**
 * A CSV of 60 made-up sensor readings: three numeric columns and a text label, `state` (alarm or ok).
 * `european` writes it as European spreadsheets save (semicolons, decimal commas, CRLF) with quarter-degree
 * temperatures; `changed` adds one to one humidity value: a file that looks the same but is other data.
 */
export function sensorsCsv({ european = false, changed = false } = {}): Buffer {
  const sep = european ? ';' : ',';
  const lines = [['temperature', 'pressure', 'humidity', 'state'].join(sep)];
  for (let i = 0; i < 60; i++) {
    const t = 15 + ((i * 7) % 20) + (european ? (i % 4) / 4 : 0);
    const p = 990 + ((i * 13) % 40);
    const h = 30 + ((i * 11) % 50);
    const state = t + h / 5 > 30 ? 'alarm' : 'ok';
    const temperature = european ? String(t).replace('.', ',') : String(t);
    lines.push([temperature, p, changed && i === 17 ? h + 1 : h, state].join(sep));
  }
  return Buffer.from(lines.join(european ? '\r\n' : '\n'));
}

export const csvFile = (buffer: Buffer, name = 'sensors.csv') => ({ name, mimeType: 'text/csv', buffer });

/** Uploads a sensors CSV on the Train tab, uses it with its label `state` and adapts the live model to it. */
export async function useSensors(page: Page, file: ReturnType<typeof csvFile>): Promise<void> {
  await openTab(page, 'Train');
  await page.getByText('Your CSV').click();
  await page.getByTestId('csv-input').setInputFiles(file);
  await expect(page.getByTestId('csv-label')).toHaveValue('state');
  await page.getByTestId('use-dataset').click();
  await page
    .getByTestId('model-misfit')
    .getByRole('button', { name: 'Adapt the model to this data' })
    .click();
  await expect(page.getByTestId('model-misfit')).toHaveCount(0);
}
