/**
 * The data a version was trained on, kept with it: an uploaded CSV comes back on the Train tab after a
 * reload with no upload, and a version whose data is not in this browser (a bundle imported without it)
 * names its file and takes it again only when its rows match.
 */
import { expect, test, type Page } from '@playwright/test';
import {
  createModel,
  csvFile,
  exportRepository,
  freshPage,
  history,
  notice,
  onCpu,
  openTab,
  save,
  sensorsCsv,
  SHOTS,
  train,
  useSensors,
  waitIdle,
  watchErrors,
} from './helpers';

/** Semicolons and decimal commas, as European spreadsheets save: the options must come back too. */
const sensors = (changed = false) => sensorsCsv({ european: true, changed });

async function dataFingerprint(page: Page): Promise<string> {
  const code = page.getByTestId('data-fingerprint');
  await expect(code).toBeVisible();
  return (await code.getAttribute('title')) ?? '';
}

/** A model trained one epoch on the uploaded sensors.csv and saved; returns the version and data fingerprint. */
async function trainedOnSensors(page: Page): Promise<{ version: string; fingerprint: string }> {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  await createModel(page, /^Iris MLP/, 'Sensors');
  await useSensors(page, csvFile(sensors()));
  await train(page, 1);
  const fingerprint = await dataFingerprint(page);
  const version = await save(page, 'One epoch on the sensors');
  return { version, fingerprint };
}

test('an uploaded CSV comes back with its version after a reload, with no upload', async ({ page }) => {
  test.setTimeout(240_000);
  const errors = watchErrors(page);
  await onCpu(page);
  const { version, fingerprint } = await trainedOnSensors(page);

  await page.reload();
  await waitIdle(page);
  await expect(history(page).getByRole('option', { selected: true })).toHaveAttribute(
    'data-version',
    version,
  );
  await openTab(page, 'Train');
  const summary = page.getByTestId('data-summary');
  await expect(summary).toContainText('sensors');
  await expect(summary).toContainText('60');
  expect(await dataFingerprint(page)).toBe(fingerprint);
  await expect(page.getByTestId('data-missing')).toHaveCount(0);
  // Nothing stands between the restored data and another run.
  const settings = page.getByRole('form', { name: 'Training settings' });
  await expect(settings.getByRole('button', { name: /^Train/ })).toBeEnabled();
  await page.getByRole('region', { name: 'Data' }).screenshot({ path: `${SHOTS}/data-kept-01-restored.png` });
  expect(errors).toEqual([]);
});

test('a version whose data is not here names its file, and takes it again only when it matches', async ({
  page,
  browser,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await onCpu(page);
  const { version, fingerprint } = await trainedOnSensors(page);

  // A bundle exported without the data (the default) carries the version but not its rows.
  await openTab(page, 'Share');
  const bundlePath = await exportRepository(page);

  const other = await freshPage(browser);
  const otherErrors = watchErrors(other);
  await other.getByLabel('Import bundle…').setInputFiles(bundlePath);
  await expect(notice(other, 'Imported sensors--all--')).toBeVisible();
  await waitIdle(other);
  await openTab(other, 'Train');
  const missing = other.getByTestId('data-missing');
  await expect(missing.getByRole('heading')).toHaveText("This version's data is not kept in this browser");
  await expect(missing).toContainText(
    `Version ${version.slice(0, 8)} was trained on sensors.csv: 60 rows with the fingerprint ${fingerprint.slice(0, 12)}.`,
  );
  await expect(other.getByTestId('data-summary')).toHaveCount(0);
  await missing.screenshot({ path: `${SHOTS}/data-kept-02-missing.png` });
  await other.screenshot({ path: `${SHOTS}/data-kept-02-missing-page.png`, fullPage: true });

  // Another file, one value changed: refused, saying it is different data.
  await missing.getByTestId('data-pick-again').setInputFiles(csvFile(sensors(true)));
  await expect(missing.getByTestId('data-pick-error')).toHaveText(
    new RegExp(
      `^sensors\\.csv is not the data this version was trained on: its rows have the fingerprint [0-9a-f]{12}, not ${fingerprint.slice(0, 12)}\\. Pick sensors\\.csv as it was when the version was trained\\.$`,
    ),
  );
  await missing.screenshot({ path: `${SHOTS}/data-kept-03-refused.png` });
  await expect(other.getByTestId('data-summary')).toHaveCount(0);

  // The same rows under another name: taken, and kept with the version from now on.
  await missing.getByTestId('data-pick-again').setInputFiles(csvFile(sensors(), 'sensors copy.csv'));
  await expect(other.getByTestId('data-missing')).toHaveCount(0);
  await expect(other.getByTestId('data-summary')).toContainText('sensors');
  expect(await dataFingerprint(other)).toBe(fingerprint);
  await other.reload();
  await waitIdle(other);
  await openTab(other, 'Train');
  await expect(other.getByTestId('data-summary')).toContainText('sensors');
  expect(await dataFingerprint(other)).toBe(fingerprint);
  expect(otherErrors).toEqual([]);
  await other.context().close();
  expect(errors).toEqual([]);
});
