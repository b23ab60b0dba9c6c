/**
 * Accessibility: axe finds no serious or critical violation on the builder, training, history, compare
 * and share screens, in the light and the dark theme; the theme switch pins a theme over the system's.
 */
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { createModel, openTab, save, setNumber, waitIdle, watchErrors } from './helpers';

type Impact = 'minor' | 'moderate' | 'serious' | 'critical' | null | undefined;

/** Serious and critical violations, each with where it was found, as readable lines. */
async function seriousViolations(page: Page, screen: string): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations
    .filter((v) => (['serious', 'critical'] as Impact[]).includes(v.impact))
    .flatMap((v) =>
      v.nodes.map(
        (n) => `${screen}: ${v.id} (${v.impact}) at ${n.target.join(' ')} — ${n.failureSummary ?? ''}`,
      ),
    );
}

test('the main screens have no serious or critical accessibility violations in either theme', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await page.goto('/');
  await createModel(page, /^Seed MLP \(100 → 64 → 10\)/, 'Accessible seed');
  await save(page, 'First version');
  const editor = page.getByRole('region', { name: 'Layer editor' });
  await editor.getByRole('button', { name: 'Add layer' }).click();
  await setNumber(editor.getByRole('listitem', { name: /^Layer 2: dense_1/ }), 'Units', 32);
  await page.getByTestId('apply-changes').click();
  await save(page, 'Add a Dense layer');
  await waitIdle(page);

  const history = page.getByRole('region', { name: 'History', exact: true });
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    await openTab(page, 'Model');
    found.push(...(await seriousViolations(page, `builder (${scheme})`)));

    await openTab(page, 'Train');
    await page.getByRole('radio', { name: /^Iris/ }).check();
    await expect(page.getByTestId('data-preview')).toBeVisible();
    found.push(...(await seriousViolations(page, `training (${scheme})`)));

    await history
      .getByRole('option')
      .first()
      .click({ position: { x: 12, y: 12 } });
    await expect(page.getByRole('region', { name: 'Version details' })).toBeVisible();
    found.push(...(await seriousViolations(page, `history and details (${scheme})`)));

    await history.getByRole('button', { name: 'Compare', exact: true }).click();
    await expect(page.getByRole('tab', { name: /Compare/ })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByText(/did not move at all/)).toBeVisible({ timeout: 60_000 });
    found.push(...(await seriousViolations(page, `compare (${scheme})`)));

    await openTab(page, 'Share');
    found.push(...(await seriousViolations(page, `share (${scheme})`)));
  }
  expect(found, found.join('\n')).toEqual([]);
  expect(errors).toEqual([]);
});

test('the theme switch pins light or dark over the system setting and remembers it', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/');
  const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await bg();
  const select = page.getByRole('combobox', { name: 'Theme' });
  await select.selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  const dark = await bg();
  expect(dark).not.toBe(light);
  await page.reload();
  await expect(page.getByRole('combobox', { name: 'Theme' })).toHaveValue('dark');
  expect(await bg()).toBe(dark);
  // Back to following the system, which is dark now.
  await page.getByRole('combobox', { name: 'Theme' }).selectOption('system');
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', /./);
  await page.emulateMedia({ colorScheme: 'dark' });
  expect(await bg()).toBe(dark);
});
