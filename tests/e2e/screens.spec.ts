/**
 * The README's screenshots, made from a real session so they stay current: a digits model trained,
 * widened and trained again, at 1280 px and at a 768 px tablet width, in the light theme.
 * `npm run screenshots` runs this spec alone and writes the PNGs into docs/screens/.
 */
import { expect, test, type Page } from '@playwright/test';
import { createModel, openTab, save, setNumber, SHOTS, skipTour, waitIdle, watchErrors } from './helpers';

const WIDTHS = [
  { suffix: '', width: 1280, height: 860 },
  { suffix: '-768', width: 768, height: 1024 },
] as const;

async function train(page: Page, epochs: number): Promise<void> {
  const settings = page.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', epochs);
  await settings.getByRole('button', { name: /^Train( again)?$/ }).click();
  await expect(page.getByRole('img', { name: new RegExp(`^Loss\\. .*after ${epochs}`) })).toBeVisible({
    timeout: 120_000,
  });
  await waitIdle(page);
}

/** One screenshot per width of what is on screen now. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const w of WIDTHS) {
    await page.setViewportSize({ width: w.width, height: w.height });
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.screenshot({ path: `${SHOTS}/${name}${w.suffix}.png` });
  }
  await page.setViewportSize({ width: WIDTHS[0].width, height: WIDTHS[0].height });
}

test('screenshots of the main screens at 1280 and 768 px', async ({ page }) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 860 });
  // The guided tour has screenshots of its own (tour.spec.ts); these show the screens without it.
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  await shoot(page, 'welcome');

  // The CPU backend keeps this quick on machines without a GPU; the pictures are the same.
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('cpu');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  await createModel(page, /^Digits MLP/, 'Digits MLP');
  await openTab(page, 'Train');
  await page.getByRole('radio', { name: /Handwritten digits/ }).check();
  await page.getByTestId('use-dataset').click();
  await train(page, 8);
  await save(page, 'Digits MLP, 8 epochs');

  await openTab(page, 'Model');
  const editor = page.getByRole('region', { name: 'Layer editor' });
  await editor.getByRole('button', { name: 'Add layer' }).click();
  await setNumber(editor.getByRole('listitem', { name: /^Layer 2: dense/ }), 'Units', 32);
  await page.getByTestId('apply-changes').click();
  await save(page, 'Add a Dense layer of 32 units');
  await openTab(page, 'Train');
  await train(page, 6);
  await save(page, 'Fine-tune the wider model, 6 epochs');
  await shoot(page, 'train');

  await openTab(page, 'Model');
  await shoot(page, 'model');

  const history = page.getByRole('region', { name: 'History', exact: true });
  await history
    .getByRole('option')
    .nth(1)
    .click({ position: { x: 12, y: 12 } });
  await expect(page.getByRole('region', { name: 'Version details' })).toContainText('Add a Dense layer');
  await shoot(page, 'history');

  await history.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByText(/of predictions agree/)).toBeVisible({ timeout: 60_000 });
  await shoot(page, 'compare');

  await openTab(page, 'Share');
  await shoot(page, 'share');
  expect(errors).toEqual([]);
});
