import { expect, test, type Page } from '@playwright/test';

const SHOTS = 'test-results/screens';

async function fingerprint(page: Page): Promise<string> {
  const fp = page.getByTestId('probe-fingerprint');
  await expect(fp).toBeVisible();
  return (await fp.getAttribute('title')) ?? '';
}

test('the seed model is committed on WebGL, survives a reload and checks out bit-identical', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/');

  // The WebGL backend is the one running.
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/01-welcome.png`, fullPage: true });

  // Create the seed model: Input 100 → Dense 64 relu → Dense 10 softmax.
  await page.getByLabel('Seed MLP (100 → 64 → 10)').check();
  await page.getByLabel('Model name').fill('Seed example');
  await page.getByRole('button', { name: 'Create model' }).click();
  await expect(page.getByTestId('param-count')).toHaveText(
    (100 * 64 + 64 + 64 * 10 + 10).toLocaleString('en-US'),
  );
  const layers = page.getByRole('table', { name: 'Layers of the live model' });
  await expect(layers.getByRole('row')).toHaveCount(3);
  await expect(layers).toContainText('[batch, 64]');
  await expect(layers).toContainText('[batch, 10]');
  const before = await fingerprint(page);
  expect(before).toMatch(/^[0-9a-f]{64}$/);

  // Commit it.
  await page.getByRole('textbox', { name: 'Message' }).fill('Seed model, untrained');
  await page.getByRole('button', { name: 'Save version' }).click();
  const history = page.getByRole('region', { name: 'History', exact: true });
  await expect(history.getByRole('option')).toHaveCount(1);
  await expect(history).toContainText('Seed model, untrained');
  await expect(history).toContainText('HEAD → main');
  await expect(page.getByRole('button', { name: 'Save version' })).toBeDisabled();
  const versionId = await history.getByRole('option').first().getAttribute('data-version');
  expect(versionId).toMatch(/^[0-9a-f]{64}$/);
  await page.screenshot({ path: `${SHOTS}/02-first-version.png`, fullPage: true });

  // Reload: the model, its history and the live model come back from IndexedDB.
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await expect(page.getByRole('combobox', { name: 'Model' })).toHaveValue(/.+/);
  await expect(history.getByRole('option')).toHaveCount(1);
  await expect(page.getByTestId('live-base')).toHaveText(versionId!.slice(0, 8));
  expect(await fingerprint(page)).toBe(before);

  // Verify re-hashes every blob of the version.
  await history
    .getByRole('option')
    .first()
    .click({ position: { x: 12, y: 12 } });
  await page.getByRole('region', { name: 'Version details' }).getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'is intact' })).toBeVisible();

  // Checking out again, repeatedly, gives the same predictions and leaks no tensors.
  const tensorsBefore = Number(await page.getByTestId('tensor-count').textContent());
  for (let i = 0; i < 3; i++) {
    await history.getByRole('button', { name: 'Check out' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'The live model is now version' })).toBeVisible();
    expect(await fingerprint(page)).toBe(before);
    await page.getByRole('button', { name: 'Dismiss' }).last().click();
  }
  expect(Number(await page.getByTestId('tensor-count').textContent())).toBe(tensorsBefore);
  await page.screenshot({ path: `${SHOTS}/03-history-details.png`, fullPage: true });
  expect(errors).toEqual([]);
});
