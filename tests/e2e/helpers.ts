/** Page helpers the end-to-end specs share: tabs, the busy flag, creating, editing and saving models. */
import { expect, type Locator, type Page } from '@playwright/test';

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

/** Saves the live model with `message` and waits for the notice that says it was saved. */
export async function save(page: Page, message: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Message' }).fill(message);
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Saved version' })).toBeVisible();
}

/** Trains the live model on the data set in use for `epochs` epochs and waits until the run has ended. */
export async function train(page: Page, epochs: number): Promise<void> {
  const settings = page.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', epochs);
  await settings.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(
    page.getByRole('img', { name: new RegExp(`^Loss\\. .*train: [\\d.e-]+ after ${epochs}`) }),
  ).toBeVisible(TRAINING);
  await waitIdle(page);
}
