/**
 * The guided first run, end to end on the WebGL backend: an empty Graft starts the tour, and each of its
 * seven steps (create, save, train, update, compare, roll back, export) is done in the real UI, the card
 * beside the highlighted control and never over it — in English at 1280 px, and in Chinese at a 768 px
 * tablet width. Then: skipping is remembered, the help menu resumes and restarts it, and the shortcuts.
 *
 * The walk finds controls by the `data-tour` anchors the tour itself points at, so one walk serves both
 * languages; the card's own words are checked against each language's catalogue.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { notice, SHOTS, TRAINING, waitIdle, watchErrors } from './helpers';

type Catalogue = Record<string, string>;
const catalogue = (lang: string): Catalogue =>
  JSON.parse(readFileSync(`src/locales/${lang}.json`, 'utf8')) as Catalogue;

const card = (page: Page): Locator => page.getByTestId('tour-card');
const anchor = (page: Page, name: string): Locator => page.locator(`[data-tour="${name}"]`).first();

/** The tour is on `step` ("done" for the closing card), saying it in the catalogue's words. */
async function onStep(page: Page, step: string, words: Catalogue, timeout = 20_000): Promise<void> {
  await expect(card(page)).toHaveAttribute('data-step', step, { timeout });
  const title = words[step === 'done' ? 'tour.done.title' : `tour.${step}.title`] ?? '';
  await expect(card(page).getByRole('heading')).toHaveText(title);
}

/**
 * The ring is around `target`, and the card is beside it, inside the window, covering none of it: a
 * person can click the control with the card open.
 */
async function pointsAt(page: Page, target: Locator): Promise<void> {
  await expect(async () => {
    const [c, r, t] = await Promise.all([
      card(page).boundingBox(),
      page.getByTestId('tour-ring').boundingBox(),
      target.boundingBox(),
    ]);
    const view = page.viewportSize();
    if (!c || !r || !t || !view) throw new Error('The tour card, its ring or the control is not on screen.');
    expect(r.x).toBeLessThanOrEqual(t.x + 1);
    expect(r.y).toBeLessThanOrEqual(t.y + 1);
    expect(r.x + r.width).toBeGreaterThanOrEqual(t.x + t.width - 1);
    expect(r.y + r.height).toBeGreaterThanOrEqual(t.y + t.height - 1);
    const apart =
      c.x >= t.x + t.width || t.x >= c.x + c.width || c.y >= t.y + t.height || t.y >= c.y + c.height;
    expect(apart, 'the card covers the control it points at').toBe(true);
    expect(c.x).toBeGreaterThanOrEqual(0);
    expect(c.y).toBeGreaterThanOrEqual(0);
    expect(c.x + c.width).toBeLessThanOrEqual(view.width);
    expect(c.y + c.height).toBeLessThanOrEqual(view.height);
  }).toPass({ timeout: 10_000 });
}

/** Does what the card asks on `name`: checks the tour points there, then clicks the real control. */
async function press(page: Page, name: string): Promise<void> {
  const target = anchor(page, name);
  await expect(target).toBeEnabled();
  await pointsAt(page, target);
  await target.click();
}

async function saveWith(page: Page, message: string): Promise<void> {
  const form = anchor(page, 'save');
  await pointsAt(page, form);
  await form.locator('input[type="text"]').fill(message);
  await form.locator('button[type="submit"]').click();
}

async function walk(page: Page, lang: 'en' | 'zh-CN', shots: string): Promise<void> {
  const words = catalogue(lang);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toContainText('webgl');

  // 1. Create: the card points at Create model, with the seed template chosen by default.
  await onStep(page, 'create', words);
  await expect(card(page)).toContainText(words['tour.create.form'] ?? '');
  await expect(page.locator('input[name="template"]').first()).toBeChecked();
  await page.screenshot({ path: `${SHOTS}/${shots}-01-create.png` });
  await press(page, 'create');

  // 2. Save the first version.
  await onStep(page, 'save', words);
  await page.screenshot({ path: `${SHOTS}/${shots}-02-save.png` });
  await saveWith(page, lang === 'en' ? 'Seed model, untrained' : '种子模型，未训练');

  // 3. Train: the Train tab, the digits, adapt the seed's 100 inputs to their 64, one epoch.
  await onStep(page, 'train', words);
  await press(page, 'tab-train');
  await page.locator('input[name="shipped"][value="digits"]').check();
  await press(page, 'train-data');
  await press(page, 'train-adapt');
  await expect(card(page)).toContainText(words['tour.train.run'] ?? '');
  await page.getByLabel(words['training.epochs'] ?? 'Epochs', { exact: true }).fill('1');
  await page.screenshot({ path: `${SHOTS}/${shots}-03-train.png` });
  await press(page, 'train-run');
  await onStep(page, 'update', words, TRAINING.timeout);
  await waitIdle(page);

  // 4. Update: a Dense layer added, applied, saved.
  await press(page, 'tab-model');
  await press(page, 'add-layer');
  await press(page, 'apply');
  await expect(card(page)).toContainText(words['tour.update.save'] ?? '');
  await page.screenshot({ path: `${SHOTS}/${shots}-04-update.png` });
  await saveWith(page, lang === 'en' ? 'Trained, plus a Dense layer' : '训练后新增一个 Dense 层');

  // 5. Compare the new version with its parent.
  await onStep(page, 'compare', words);
  await press(page, 'history-compare');
  await expect(page.locator('#tab-compare')).toHaveAttribute('aria-selected', 'true');

  // 6. Roll back to the first version.
  await onStep(page, 'rollback', words);
  await expect(card(page)).toContainText(words['tour.rollback.select'] ?? '');
  await anchor(page, 'history-list')
    .getByRole('option')
    .last()
    .click({ position: { x: 12, y: 12 } });
  await expect(card(page)).toContainText(words['tour.rollback.button'] ?? '');
  await page.screenshot({ path: `${SHOTS}/${shots}-05-rollback.png` });
  await press(page, 'history-rollback');

  // 7. Export the whole history as one file.
  await onStep(page, 'export', words);
  await waitIdle(page);
  await press(page, 'tab-share');
  const download = page.waitForEvent('download');
  await press(page, 'export');
  expect((await download).suggestedFilename()).toMatch(/\.graft\.zip$/);

  await onStep(page, 'done', words);
  await page.screenshot({ path: `${SHOTS}/${shots}-06-done.png` });
  await card(page)
    .getByRole('button', { name: words['tour.close'] ?? '' })
    .click();
  await expect(card(page)).toHaveCount(0);
  expect(await page.evaluate(() => localStorage.getItem('graft.tour'))).toBe('{"status":"done","step":7}');
  // Three versions: created, updated, and the rollback; a finished tour does not come back.
  await expect(anchor(page, 'history-list').getByRole('option')).toHaveCount(3);
  await page.reload();
  await expect(page.getByTestId('backend')).toContainText('webgl');
  await expect(anchor(page, 'history-list')).toBeVisible();
  await expect(card(page)).toHaveCount(0);
}

test('the guided first run, step by step in the real UI, in English at 1280 px', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  await page.addInitScript(() => localStorage.setItem('graft.lang', 'en'));
  await walk(page, 'en', 'tour');
  expect(errors).toEqual([]);
});

test('the guided first run in Chinese on a 768 px tablet', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.addInitScript(() => localStorage.setItem('graft.lang', 'zh-CN'));
  await walk(page, 'zh-CN', 'tour-zh');
  expect(errors).toEqual([]);
});

test('skipping is remembered; the help menu resumes and restarts the tour; the shortcuts', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.addInitScript(() => localStorage.setItem('graft.lang', 'en'));
  await page.goto('/');
  await expect(card(page)).toHaveAttribute('data-step', 'create');

  // Done in the real UI, step 1 ends; Escape skips at step 2.
  await anchor(page, 'create').click();
  await expect(card(page)).toHaveAttribute('data-step', 'save');
  await page.keyboard.press('Escape');
  await expect(card(page)).toHaveCount(0);

  // "?" opens the shortcut list (also in the help menu); Escape closes it.
  await page.locator('body').press('?');
  const list = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await expect(list).toBeVisible();
  await expect(list.getByRole('row')).toHaveCount(6);
  await expect(list).toContainText('Save the live model as a version');
  await page.screenshot({ path: `${SHOTS}/tour-08-shortcuts.png` });
  await page.keyboard.press('Escape');
  await expect(list).toHaveCount(0);

  // Ctrl+S in the message field saves (and the browser's "save page" does not open: the test goes on).
  const message = page.getByRole('textbox', { name: 'Message' });
  await message.fill('Saved with Ctrl+S');
  await message.press('Control+s');
  await expect(notice(page, 'Saved version')).toBeVisible();
  const history = page.getByRole('region', { name: 'History', exact: true });
  await expect(history.getByRole('option')).toHaveCount(1);
  await expect(history.getByRole('option').first()).toContainText('Saved with Ctrl+S');

  // "/" searches the history; a letter typed there is text, not a shortcut.
  await page.locator('body').press('/');
  const search = page.locator('[data-shortcut="history-search"]');
  await expect(search).toBeFocused();
  await search.press('c');
  await expect(search).toHaveValue('c');
  await expect(page.locator('#tab-model')).toHaveAttribute('aria-selected', 'true');
  await search.press('Escape');
  await expect(search).toHaveValue('');
  await search.blur();

  // "c" picks the selected version for comparison (the first has no parent to pair it with).
  await page.locator('body').press('c');
  await expect(page.locator('#tab-compare .badge')).toHaveText('1');
  // "r" on the current version says why nothing happens.
  await page.locator('body').press('r');
  await expect(notice(page, 'already current')).toBeVisible();

  // A reload does not bring a skipped tour back.
  await page.reload();
  await expect(history.getByRole('option')).toHaveCount(1);
  await expect(card(page)).toHaveCount(0);

  // The help menu, by keyboard: resume where it was left (the save is done now, so it goes on to
  // training), skip with the button, restart from step 1.
  const help = page.getByRole('button', { name: 'Help' });
  await help.focus();
  await page.keyboard.press('Enter');
  const menu = page.getByRole('menu');
  await expect(menu.getByRole('menuitem')).toHaveText([
    'Resume the tour (step 2 of 7)',
    'Restart the guided tour',
    'Keyboard shortcuts?',
  ]);
  await expect(menu.getByRole('menuitem').first()).toBeFocused();
  await page.screenshot({ path: `${SHOTS}/tour-07-help-menu.png` });
  await page.keyboard.press('Enter');
  await expect(card(page)).toHaveAttribute('data-step', 'train');
  await pointsAt(page, anchor(page, 'tab-train'));
  await card(page).getByRole('button', { name: 'Skip tour' }).click();
  await expect(card(page)).toHaveCount(0);
  await help.click();
  await menu.getByRole('menuitem', { name: 'Restart the guided tour' }).click();
  await expect(card(page)).toHaveAttribute('data-step', 'create');
  await expect(card(page)).toContainText('Guided tour · step 1 of 7');
  await pointsAt(page, anchor(page, 'new-model'));
  await page.keyboard.press('Escape');
  await expect(card(page)).toHaveCount(0);
  expect(errors).toEqual([]);
});
