/**
 * Building and training, end to end on the WebGL backend: the seed model from its template, adapted to the
 * digits and trained 2 epochs with the curves drawing, saved; a Dense layer added and saved, keeping the
 * first version's weights (by value) for the layers it did not change; provenance shown; evaluation and the
 * digit pad; an uploaded CSV that trains, with checkpoints; Stop; a NaN loss; and an imported functional
 * model, which the builder shows read-only with its branching graph.
 */
import path from 'node:path';
import { expect, test } from '@playwright/test';
import {
  createModel,
  openTab,
  save,
  setNumber,
  SHOTS,
  TRAINING,
  waitIdle,
  skipTour,
  watchErrors,
  watchLongTasks,
} from './helpers';

test('the seed model trains on the digits, an added layer keeps its trained weights, and every version says how it was made', async ({
  page,
}) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');

  // Every template is offered, with the data sets it suits.
  const dialog = page.getByRole('form', { name: 'New model' });
  await expect(dialog.getByRole('radio')).toHaveCount(9);
  await expect(dialog).toContainText('Suits: Handwritten digits (8×8)');
  await page.screenshot({ path: `${SHOTS}/model-01-templates.png`, fullPage: true });
  await createModel(page, /^Seed MLP \(100 → 64 → 10\)/, 'Seed on digits');

  // The builder shows the seed model's layers.
  const editor = page.getByRole('region', { name: 'Layer editor' });
  await expect(editor.getByRole('listitem')).toHaveCount(2);
  await expect(page.getByTestId('spec-param-count')).toHaveText(
    (100 * 64 + 64 + 64 * 10 + 10).toLocaleString('en-US'),
  );
  await expect(page.getByRole('figure').getByRole('img', { name: /^Architecture\. 3 layers/ })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/model-02-builder.png`, fullPage: true });

  // Digits: 64 features, which the seed's 100 inputs do not take.
  await openTab(page, 'Train');
  await page.getByRole('radio', { name: /Handwritten digits/ }).check();
  await expect(page.getByTestId('data-preview')).toBeVisible();
  await page.getByTestId('use-dataset').click();
  const misfit = page.getByTestId('model-misfit');
  await expect(misfit).toContainText('takes 100 values per example');
  await expect(misfit).toContainText('has 64 features');
  await page.screenshot({ path: `${SHOTS}/train-01-misfit.png`, fullPage: true });
  await misfit.getByRole('button', { name: 'Adapt the model to this data' }).click();
  await expect(misfit).toHaveCount(0);
  const fingerprint = (await page.getByTestId('data-fingerprint').getAttribute('title')) ?? '';
  expect(fingerprint).toMatch(/^[0-9a-f]{64}$/);

  // Train 2 epochs: progress and curves draw as it goes.
  const settings = page.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', 2);
  await watchLongTasks(page);
  await settings.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuetext',
    /Epoch \d of 2, batch \d+ of \d+/,
  );
  await expect(page.getByRole('img', { name: /^Loss\. .*train: [\d.e-]+ after 2/ })).toBeVisible(TRAINING);
  await expect(page.getByRole('img', { name: /^Accuracy\. .*validation: [\d.e-]+ after 2/ })).toBeVisible();
  await waitIdle(page);
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuenow',
    '100',
  );
  // Reported, not asserted: SwiftShader emulates the GPU on these same CPU cores (the bench measures this).
  const longest = await page.evaluate(() => (window as unknown as { longestTask: number }).longestTask);
  test
    .info()
    .annotations.push({ type: 'longest main-thread task while training', description: `${longest} ms` });
  const unsaved = page.getByRole('form', { name: 'Save the live model' });
  await expect(unsaved).toContainText('trained 2 epochs on Handwritten digits (8×8)');
  await page.screenshot({ path: `${SHOTS}/train-02-trained.png`, fullPage: true });
  await save(page, 'Seed MLP on the digits, 2 epochs');

  // The first version's provenance: data set, its fingerprint, the settings, the backend, the curves.
  const history = page.getByRole('region', { name: 'History', exact: true });
  await expect(history.getByRole('option')).toHaveCount(1);
  await history
    .getByRole('option')
    .first()
    .click({ position: { x: 12, y: 12 } });
  const details = page.getByRole('region', { name: 'Version details' });
  const provenance = details.locator('dl.provenance');
  await expect(provenance).toContainText('Handwritten digits (8×8)');
  await expect(provenance.locator(`[title="${fingerprint}"]`)).toBeVisible();
  await expect(provenance).toContainText('adam');
  await expect(provenance).toContainText('webgl');
  await expect(provenance).toContainText(/Epochs run\s*2/);
  // Trained off the page's main thread, in the training worker, on WebGL there too.
  await expect(provenance).toContainText(/Trained in\s*a background worker/);
  await expect(details.getByRole('heading', { name: 'Training curves' })).toBeVisible();

  // Add a Dense layer of 64 units before the output: the output keeps its [64, 10] kernel.
  await openTab(page, 'Model');
  await editor.getByRole('button', { name: 'Add layer' }).click();
  const added = editor.getByRole('listitem', { name: /^Layer 2: dense_1/ });
  await setNumber(added, 'Units', 64);
  await expect(page.getByText('Not applied yet')).toBeVisible();
  await page.getByTestId('apply-changes').click();
  const report = page.getByTestId('carry-over-report');
  await expect(report).toContainText('hidden keeps its trained weights');
  await expect(report).toContainText('output keeps its trained weights');
  await expect(report).toContainText('dense_1 starts afresh: new layer');
  await page.screenshot({ path: `${SHOTS}/model-03-edited.png`, fullPage: true });
  await save(page, 'Add a Dense layer');
  await expect(history.getByRole('option')).toHaveCount(2);

  // By value: comparing the new version with its parent, the kept layers' weights did not move at all.
  await history
    .getByRole('option')
    .first()
    .click({ position: { x: 12, y: 12 } });
  await expect(details).toContainText('Add a Dense layer');
  await history.getByRole('button', { name: 'Compare', exact: true }).click();
  await expect(page.getByRole('tab', { name: /Compare/ })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText(/2 layers did not move at all: hidden, output\./)).toBeVisible(TRAINING);
  // The digits are loaded, so Compare also runs both versions on the validation rows.
  await expect(
    page.getByText('Behaviour is compared on 359 validation rows of Handwritten digits (8×8).'),
  ).toBeVisible();
  await expect(page.getByText(/of predictions agree/)).toBeVisible(TRAINING);
  await expect(page.getByText(/^Accuracy [\d.]+% → [\d.]+%/)).toBeVisible();

  // Evaluate the live model and ask it about a drawn digit.
  await openTab(page, 'Train');
  const ask = page.getByRole('region', { name: 'Evaluate and try' });
  await ask.getByRole('button', { name: 'Evaluate' }).click();
  await expect(ask.getByTestId('eval-accuracy')).toHaveText(/^\d+\.\d%$/, TRAINING);
  await expect(ask.getByRole('table')).toBeVisible();
  const pad = ask.getByRole('grid', { name: /Digit drawing pad/ });
  await pad.scrollIntoViewIfNeeded();
  const box = await pad.boundingBox();
  if (!box) throw new Error('The digit pad is not on screen.');
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.15);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.85, { steps: 8 });
  await page.mouse.up();
  await expect(ask.getByTestId('predicted-class')).toHaveText(/^\d$/, TRAINING);
  await page.screenshot({ path: `${SHOTS}/train-03-evaluate.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('an uploaded CSV trains with checkpoints, and Stop stops at the next batch', async ({ page }) => {
  test.setTimeout(420_000);
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await createModel(page, /^Iris MLP/, 'Sensors');

  // 3 numeric columns and a text label with 2 values.
  const lines = ['temperature,pressure,humidity,state'];
  for (let i = 0; i < 80; i++) {
    const t = 15 + ((i * 7) % 20);
    const p = 990 + ((i * 13) % 40);
    const h = 30 + ((i * 11) % 50);
    lines.push(`${t},${p},${h},${t + h / 5 > 30 ? 'alarm' : 'ok'}`);
  }
  await openTab(page, 'Train');
  await page.getByText('Your CSV').click();
  await page.getByTestId('csv-input').setInputFiles({
    name: 'sensors.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(lines.join('\n')),
  });
  await expect(page.getByTestId('csv-label')).toHaveValue('state');
  await page.getByTestId('use-dataset').click();
  const misfit = page.getByTestId('model-misfit');
  await expect(misfit).toContainText('takes 4 values per example');
  await expect(misfit).toContainText('has 2 classes');
  await misfit.getByRole('button', { name: 'Adapt the model to this data' }).click();
  await expect(misfit).toHaveCount(0);

  // 4 epochs with a checkpoint after each: best and last survive.
  const settings = page.getByRole('form', { name: 'Training settings' });
  await setNumber(settings, 'Epochs', 4);
  await setNumber(settings, 'Checkpoint every', 1);
  await settings.getByRole('button', { name: 'Train', exact: true }).click();
  await expect(page.getByRole('img', { name: /^Loss\. .*train: [\d.e-]+ after 4/ })).toBeVisible(TRAINING);
  await waitIdle(page);
  const checkpoints = page.getByRole('region', { name: 'Checkpoints of this run' });
  const kept = await checkpoints.getByRole('listitem').count();
  expect(kept).toBeGreaterThanOrEqual(1);
  expect(kept).toBeLessThanOrEqual(2);
  await expect(checkpoints).toContainText('after epoch 4');
  const history = page.getByRole('region', { name: 'History', exact: true });
  await expect(history.getByRole('option')).toHaveCount(kept);
  await expect(page.getByRole('form', { name: 'Save the live model' })).toContainText(
    'trained 4 epochs on sensors',
  );
  await page.screenshot({ path: `${SHOTS}/train-04-csv.png`, fullPage: true });

  // A long run, stopped: it ends early and keeps what it learned. It continues the first run's optimizer
  // state, so its epochs are numbered on from the 4 already run.
  await setNumber(settings, 'Checkpoint every', 0);
  await setNumber(settings, 'Epochs', 2000);
  await expect(page.getByTestId('optimizer-plan')).toContainText('epoch 5 onward');
  await settings.getByRole('button', { name: /Train/ }).click();
  const progress = page.getByRole('progressbar', { name: 'Training progress' });
  await expect(progress).toHaveAttribute('aria-valuetext', /Epoch ([\d,]{2,}) of 2,004/, TRAINING);
  await settings.getByRole('button', { name: 'Stop' }).click();
  await waitIdle(page);
  await expect(page.getByText('Stopped early; the model keeps everything it learned')).toBeVisible();
  await expect(page.getByRole('form', { name: 'Save the live model' })).toContainText('(stopped early)');
  await page.screenshot({ path: `${SHOTS}/train-05-stopped.png`, fullPage: true });

  // A learning rate that blows the weights up: the loss turns NaN, training stops with a message, the model
  // is put back as it was and nothing is saved unless asked.
  const fingerprint = await page.getByTestId('data-fingerprint').getAttribute('title');
  const pendingBefore = await page.getByRole('form', { name: 'Save the live model' }).textContent();
  await settings.getByRole('combobox', { name: 'Optimiser' }).selectOption('sgd');
  await settings.getByRole('spinbutton', { name: 'Learning rate' }).fill('1e30');
  await setNumber(settings, 'Epochs', 3);
  await settings.getByRole('button', { name: /Train/ }).click();
  const failure = page.getByRole('alert').filter({ hasText: 'Training failed' });
  await expect(failure).toContainText(/The loss became (NaN|infinite) in epoch \d+, batch \d+/, TRAINING);
  await waitIdle(page);
  await page.screenshot({ path: `${SHOTS}/train-06-nan.png`, fullPage: true });
  await failure.getByRole('button', { name: 'Discard the run' }).click();
  await expect(failure).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Save the live model' })).toHaveText(pendingBefore ?? '');
  await expect(history.getByRole('option')).toHaveCount(kept);
  expect(await page.getByTestId('data-fingerprint').getAttribute('title')).toBe(fingerprint);
  expect(errors).toEqual([]);
});

test('an imported functional model is shown read-only, with its branches drawn', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  const dir = path.join('tests/fixtures/tfjs-models', 'keras-2.2.4-functional');
  await page
    .getByLabel('Import a model or weights…')
    .setInputFiles(
      ['model.json', 'group1-shard1of2', 'group1-shard2of2', 'group2-shard1of2', 'group2-shard2of2'].map(
        (f) => path.join(dir, f),
      ),
    );
  const dialog = page.getByRole('dialog', { name: 'Import a TF.js model' });
  await dialog.getByLabel('Message').fill('Imported a functional model');
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(dialog).toBeHidden();

  const readOnly = page.getByTestId('builder-read-only');
  await expect(readOnly).toContainText('It is a functional model');
  await expect(page.getByRole('button', { name: 'Apply changes' })).toHaveCount(0);
  // Branches meet in a Concatenate layer, drawn from the stored topology.
  const diagram = page.getByRole('img', { name: /^Architecture\. \d+ layers/ });
  await expect(diagram).toBeVisible();
  await expect(diagram).toHaveAttribute('aria-label', /Concatenate/);
  await page.screenshot({ path: `${SHOTS}/model-04-functional.png`, fullPage: true });
  expect(errors).toEqual([]);
});
