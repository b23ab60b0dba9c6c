/**
 * Keras files, end to end in the browser: the founding example's .h5 imported, its provenance kept, and
 * downloaded again as .keras and .safetensors that real Keras and the safetensors package (Python, from
 * scripts/keras-env.mjs) read back with Keras's own predictions and Keras's own weight bytes; the same file
 * imported twice; weights-only files previewed and loaded into the live model; a model TF.js cannot run
 * refused without a trace; and a Keras import with the network off, which needs the precached HDF5 chunk.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Download, type Page } from '@playwright/test';
import {
  checkout,
  dismissNotices,
  fingerprint,
  history,
  notice,
  openTab,
  save,
  SHOTS,
  skipTour,
  watchErrors,
} from './helpers';

const SEED_H5 = 'tests/fixtures/keras/seed/seed-model.h5';
const SEED_KERAS = 'tests/fixtures/keras/seed/seed-model.keras';
const REFERENCE = 'tests/fixtures/keras/seed/reference.json';
const MODELS = 'tests/fixtures/keras/models';

// Not a tour test: pages start with the guided first run skipped.
test.beforeEach(async ({ page }) => {
  await skipTour(page);
});

// ---- page helpers -------------------------------------------------------------------------------------

/** Opens Graft on the CPU backend, which is quicker to start than SwiftShader's WebGL for models this small. */
async function openOnCpu(page: Page): Promise<void> {
  await page.goto('/');
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('cpu');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
}

/** Picks one file with "Import a model or weights…", from the Share tab (or the welcome screen). */
async function pick(page: Page, file: string): Promise<void> {
  if (await page.getByRole('tab', { name: 'Share' }).isVisible()) await openTab(page, 'Share');
  // The previous action's notice must not be mistaken for this one's.
  await dismissNotices(page);
  await page.getByLabel('Import a model or weights…').setInputFiles(file);
}

const kerasDialog = (page: Page) => page.getByRole('dialog', { name: 'Import a Keras model' });
const weightsDialog = (page: Page) => page.getByRole('dialog', { name: 'Load weights into the live model' });

/** Imports the Keras file `file` as a new model named `name`; returns the new version's id. */
async function importAsNewModel(page: Page, file: string, name: string, message: string): Promise<string> {
  await pick(page, file);
  const dialog = kerasDialog(page);
  await expect(dialog).toBeVisible();
  await dialog.getByLabel('A new model').check();
  await dialog.getByLabel('Name').fill(name);
  await dialog.getByLabel('Message').fill(message);
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(dialog).toBeHidden();
  await expect(notice(page, `Imported ${path.basename(file)} as a new model, “${name}”`)).toBeVisible();
  const selected = history(page).getByRole('option', { selected: true });
  await expect(selected).toContainText(message);
  return (await selected.getAttribute('data-version')) ?? '';
}

/** How many rows each of Graft's IndexedDB stores holds: equal counts before and after mean nothing was stored. */
async function storedRows(page: Page): Promise<Record<string, number>> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('graft');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const counts: Record<string, number> = {};
    for (const name of [...db.objectStoreNames]) {
      counts[name] = await new Promise<number>((resolve, reject) => {
        const req = db.transaction(name).objectStore(name).count();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    }
    db.close();
    return counts;
  });
}

/** Clicks a download button and waits for its one download. */
async function downloadBy(page: Page, button: string): Promise<Download> {
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: button }).click();
  return download;
}

// ---- Node side: real Keras, in the Python scripts/keras-env.mjs names -----------------------------------

let python: string | null = null;

/** The cached virtual environment with Keras 3, h5py, safetensors and numpy (made on first use). */
function kerasPython(): string {
  if (python) return python;
  const r = spawnSync(process.execPath, ['scripts/keras-env.mjs'], { encoding: 'utf8' });
  expect(r.status, `scripts/keras-env.mjs failed:\n${r.stderr}`).toBe(0);
  python = r.stdout.trim().split('\n').at(-1) ?? '';
  return python;
}

function runPython(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(kerasPython(), args, {
    encoding: 'utf8',
    env: { ...process.env, KERAS_BACKEND: 'jax', TF_CPP_MIN_LOG_LEVEL: '3' },
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The weights inside a Keras HDF5 model file as h5py reads them: `<layer>/<variable>` → shape and the
 * SHA-256 of the little-endian float32 bytes in C order.
 */
const H5_WEIGHTS = `
import hashlib, json, sys, h5py, numpy as np
out = {}
def visit(name, obj):
    if isinstance(obj, h5py.Dataset):
        a = np.ascontiguousarray(obj[()], dtype="<f4")
        out["/".join(name.split("/")[-2:])] = {"shape": list(a.shape), "sha256": hashlib.sha256(a.tobytes()).hexdigest()}
with h5py.File(sys.argv[1], "r") as f:
    f["model_weights"].visititems(visit)
print(json.dumps(out))
`;

interface CheckResult {
  id: string;
  ok: boolean;
  problems: string[];
  maxDiff: number;
  checked: string[];
}

/** tests/keras/check_export.py over `dir`: Keras loads each download and compares it with its expect.json. */
function checkExports(dir: string): { status: number | null; results: CheckResult[]; raw: string } {
  const r = runPython(['tests/keras/check_export.py', dir]);
  let results: CheckResult[] = [];
  try {
    results = (JSON.parse(r.stdout) as { results: CheckResult[] }).results;
  } catch {
    // The assertion below shows stdout and stderr.
  }
  return { status: r.status, results, raw: `${r.stdout}\n${r.stderr.slice(-2000)}` };
}

// ---- the tests ----------------------------------------------------------------------------------------

test('the founding example’s .h5 comes in with its provenance and goes out as .keras and .safetensors that Keras reads back exactly', async ({
  page,
}, testInfo) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await openOnCpu(page);
  const bytes = await readFile(SEED_H5);
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  // The dialog says what Graft read from the file before anything is stored.
  await pick(page, SEED_H5);
  const dialog = kerasDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('seed-model.h5');
  // A functional model (Keras's "Functional", TF.js's "Model"): Input(100) → Dense 64 → Dense 10, that is
  // 100·64 + 64 + 64·10 + 10 = 7,114 parameters.
  await expect(dialog).toContainText(
    /(Functional|Model), 3 layers, 7,114 parameters, input \[batch, 100\] → output \[batch, 10\]\. Made by Keras 3\.15\.1 \(tensorflow\)/,
  );
  await expect(dialog.getByTestId('earlier-import')).toHaveCount(0);
  // The modal's backdrop covers the viewport, so the picture is of the viewport.
  await page.screenshot({ path: `${SHOTS}/keras-01-import-dialog.png` });

  await dialog.getByLabel('A new model').check();
  await dialog.getByLabel('Name').fill('Founding example');
  await dialog.getByLabel('Message').fill('The founding example, from Keras');
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(dialog).toBeHidden();
  await expect(notice(page, 'Imported seed-model.h5 as a new model, “Founding example”')).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option:checked')).toHaveText(
    'Founding example',
  );
  await expect(history(page).getByRole('option')).toHaveCount(1);
  const selected = history(page).getByRole('option', { selected: true });
  await expect(selected).toContainText('The founding example, from Keras');
  const id = (await selected.getAttribute('data-version')) ?? '';
  expect(id).toMatch(/^[0-9a-f]{64}$/);

  // Its provenance names the file, its SHA-256, the format and the Keras that wrote it.
  const provenance = page.getByRole('region', { name: 'Version details' }).locator('dl.provenance');
  await expect(provenance).toContainText(/Source/);
  await expect(provenance).toContainText('seed-model.h5');
  await expect(provenance.locator(`[title="${sha256}"]`)).toBeVisible();
  await expect(provenance).toContainText(/Format\s*h5/);
  await expect(provenance).toContainText(/Keras version\s*3\.15\.1/);
  await expect(provenance).toContainText('tensorflow');

  // Download it as .keras and as .safetensors, named after the model and the version.
  await openTab(page, 'Share');
  await page.getByRole('combobox', { name: 'Version to download' }).selectOption(id);
  const base = `founding-example-${id.slice(0, 8)}`;
  await expect(page.getByTestId('keras-intro')).toContainText(`${base}.keras`);
  await expect(page.getByTestId('safetensors-intro')).toContainText(`${base}.safetensors`);
  const dir = testInfo.outputPath('exports');
  await mkdir(dir, { recursive: true });
  const keras = await downloadBy(page, 'Download as .keras');
  expect(keras.suggestedFilename()).toBe(`${base}.keras`);
  await keras.saveAs(path.join(dir, `${base}.keras`));
  await expect(page.getByTestId('model-download-result')).toContainText(`${base}.keras`);
  const safetensors = await downloadBy(page, 'Download as .safetensors');
  expect(safetensors.suggestedFilename()).toBe(`${base}.safetensors`);
  await safetensors.saveAs(path.join(dir, `${base}.safetensors`));
  await expect(page.getByTestId('model-download-result')).toContainText(`${base}.safetensors`);
  await page.screenshot({ path: `${SHOTS}/keras-02-download-card.png`, fullPage: true });

  // What Keras says the right answers are: its own outputs for reference.json's input, and the bytes of
  // the weights in the original .h5 as h5py reads them.
  const reference = JSON.parse(await readFile(REFERENCE, 'utf8')) as {
    inputShape: number[];
    input: number[];
    outputShape: number[];
    output: number[];
  };
  const h5 = runPython(['-c', H5_WEIGHTS, SEED_H5]);
  expect(h5.status, h5.stderr).toBe(0);
  const weights = JSON.parse(h5.stdout) as Record<string, { shape: number[]; sha256: string }>;
  expect(Object.keys(weights).sort()).toEqual([
    'dense/bias',
    'dense/kernel',
    'dense_1/bias',
    'dense_1/kernel',
  ]);
  const expectation = {
    id: base,
    inputs: [{ name: 'input', shape: reference.inputShape, dtype: 'float32', data: reference.input }],
    outputs: [{ shape: reference.outputShape, data: reference.output }],
    layers: [
      { name: 'dense', trainable: true },
      { name: 'dense_1', trainable: true },
    ],
    tensors: Object.entries(weights).map(([name, w]) => ({ name, dtype: 'float32', ...w })),
    metadata: { 'graft.version': id },
  };
  await writeFile(path.join(dir, `${base}.expect.json`), JSON.stringify(expectation));
  const check = checkExports(dir);
  expect(check.results.map((r) => r.id)).toEqual([base]);
  const [result] = check.results;
  expect(result?.checked.sort(), check.raw).toEqual([`${base}.keras`, `${base}.safetensors`]);
  expect(result?.problems, check.raw).toEqual([]);
  expect(check.status, check.raw).toBe(0);
  expect(errors).toEqual([]);
});

test('the same .keras file imported twice is one version: the dialog says so, and importing again adds nothing', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openOnCpu(page);
  const id = await importAsNewModel(page, SEED_KERAS, 'Seed from Keras', 'Seed model, Keras 3 format');
  await expect(history(page).getByRole('option')).toHaveCount(1);

  // Picked again: the dialog knows this very file, and "Open it" goes to its version.
  await pick(page, SEED_KERAS);
  const dialog = kerasDialog(page);
  const earlier = dialog.getByTestId('earlier-import');
  await expect(earlier).toHaveText(
    new RegExp(`This very file was imported before: version ${id.slice(0, 8)} of “Seed from Keras”\\.`),
  );
  await page.screenshot({ path: `${SHOTS}/keras-03-import-again.png` });
  await earlier.getByRole('button', { name: 'Open it' }).click();
  await expect(dialog).toBeHidden();
  await expect(history(page).getByRole('option', { selected: true })).toHaveAttribute('data-version', id);

  // Imported again as a new version of the same model: nothing is added, and the notice says where it is.
  await pick(page, SEED_KERAS);
  await expect(dialog.getByTestId('earlier-import')).toBeVisible();
  await dialog.getByRole('radio', { name: /A new version of “Seed from Keras”/ }).check();
  await dialog.getByLabel('Message').fill('The same file again');
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    notice(
      page,
      `seed-model.keras is already version ${id.slice(0, 8)} of “Seed from Keras”; importing it again adds nothing.`,
    ),
  ).toBeVisible();
  await expect(history(page).getByRole('option')).toHaveCount(1);
  await expect(history(page)).not.toContainText('The same file again');
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option')).toHaveCount(1);
  expect(errors).toEqual([]);
});

test('weights-only files (.weights.h5 by Keras path, .safetensors by order and shape) load into the live model after a preview', async ({
  page,
}) => {
  test.setTimeout(150_000);
  const errors = watchErrors(page);
  await openOnCpu(page);
  const first = await importAsNewModel(
    page,
    path.join(MODELS, 'seed_sequential.keras'),
    'Seed architecture',
    'Untrained seed architecture',
  );
  await openTab(page, 'Model');
  const untrained = await fingerprint(page);

  // The .weights.h5 that Keras's save_weights wrote after training: all four weights match, none is kept.
  await pick(page, path.join(MODELS, 'seed_weights.weights.h5'));
  const dialog = weightsDialog(page);
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText(
    'seed_weights.weights.h5 holds 4 tensors. All 4 weights of the live model of “Seed architecture” take their values from it',
  );
  const rows = dialog.locator('tbody tr');
  await expect(rows).toHaveCount(4);
  await expect(dialog.locator('tbody tr.kept')).toHaveCount(0);
  await expect(dialog).not.toContainText('keeps its value');
  // Each weight takes the variable Keras stored for it (vars/0 is a Dense layer's kernel, vars/1 its bias).
  const byPath = {
    'dense/kernel': 'layers/dense/vars/0',
    'dense/bias': 'layers/dense/vars/1',
    'dense_1/kernel': 'layers/dense_1/vars/0',
    'dense_1/bias': 'layers/dense_1/vars/1',
  };
  for (const [weight, tensor] of Object.entries(byPath))
    await expect(rows.filter({ hasText: weight }).filter({ hasText: tensor })).toHaveCount(1);
  await expect(rows.filter({ hasText: 'the same Keras path' })).toHaveCount(4);
  // A fitted model's file also holds the optimizer's state, which is said and left out.
  await expect(dialog).toContainText('optimizer');
  await page.screenshot({ path: `${SHOTS}/keras-04-weights-dialog.png` });
  await dialog.getByRole('button', { name: 'Load 4 weights' }).click();
  await expect(dialog).toBeHidden();
  await expect(
    notice(
      page,
      'Loaded 4 weights from seed_weights.weights.h5 into the live model. Save a version to keep them.',
    ),
  ).toBeVisible();

  // The live model now has unsaved work, and it predicts differently.
  await openTab(page, 'Model');
  await expect(page.getByTestId('pending')).toContainText('loaded 4 weights from seed_weights.weights.h5');
  // The probe reruns after the change; its fingerprint is read once it has moved.
  await expect.poll(() => fingerprint(page)).not.toBe(untrained);
  const trained = await fingerprint(page);
  const second = await save(page, 'Trained weights from Keras');
  await expect(history(page).getByRole('option')).toHaveCount(2);
  await expect(page.getByTestId('pending')).toHaveCount(0);
  await expect(page.getByRole('region', { name: 'Version details' }).locator('dl.provenance')).toContainText(
    'seed_weights.weights.h5',
  );

  // The same values under names that say nothing ("0.weight"), loaded into the untrained version: matched
  // by order and shape, they give the same predictions as the .weights.h5 did.
  await checkout(page, first);
  await expect.poll(() => fingerprint(page)).toBe(untrained);
  await pick(page, path.join(MODELS, 'seed_unnamed.safetensors'));
  await expect(dialog).toBeVisible();
  await expect(rows).toHaveCount(4);
  await expect(rows.filter({ hasText: 'order and shape' })).toHaveCount(4);
  const byOrder = {
    'dense/kernel': '0.weight',
    'dense/bias': '0.bias',
    'dense_1/kernel': '1.weight',
    'dense_1/bias': '1.bias',
  };
  for (const [weight, tensor] of Object.entries(byOrder))
    await expect(rows.filter({ hasText: weight }).filter({ hasText: tensor })).toHaveCount(1);
  await page.screenshot({ path: `${SHOTS}/keras-05-weights-by-order.png` });
  await dialog.getByRole('button', { name: 'Load 4 weights' }).click();
  await expect(notice(page, 'Loaded 4 weights from seed_unnamed.safetensors')).toBeVisible();
  await openTab(page, 'Model');
  await expect(page.getByTestId('pending')).toContainText('seed_unnamed.safetensors');
  await expect.poll(() => fingerprint(page)).toBe(trained);
  const third = await save(page, 'The same weights, by order');
  await expect(history(page).getByRole('option')).toHaveCount(3);
  expect(new Set([first, second, third]).size).toBe(3);
  expect(errors).toEqual([]);
});

test('a Keras model TF.js cannot run (a Lambda layer) is refused with the layer named, and nothing is stored', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openOnCpu(page);
  const welcome = page.getByRole('heading', { name: 'Keep every version of your model' });
  await expect(welcome).toBeVisible();
  const before = await storedRows(page);
  expect(before).toMatchObject({ repositories: 0, versions: 0, blobs: 0 });

  for (const file of ['refuse_lambda.keras', 'refuse_lambda.h5']) {
    await pick(page, path.join(MODELS, file));
    const alert = page.getByRole('alert');
    await expect(alert).toContainText('Layer “lambda” (Lambda)');
    await expect(alert).toContainText('Python code');
    await expect(alert).toContainText('Nothing was imported.');
    await expect(page.getByRole('dialog')).toBeHidden();
    if (file.endsWith('.keras'))
      await page.screenshot({ path: `${SHOTS}/keras-06-refused.png`, fullPage: true });
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    await expect(alert).toBeHidden();
  }
  // Weights alone have no model to go into yet: said, and nothing stored either.
  await pick(page, path.join(MODELS, 'seed_weights.weights.h5'));
  await expect(page.getByRole('alert')).toContainText(
    '“seed_weights.weights.h5” holds weights only. Open or create the model they belong to',
  );
  await expect(page.getByRole('dialog')).toBeHidden();
  // Still the welcome screen, with no model, and not one row written.
  await expect(welcome).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Share' })).toHaveCount(0);
  expect(await storedRows(page)).toEqual(before);
  expect(errors).toEqual([]);
});

/**
 * seed-model.h5 with one byte changed: the global heap object holding model_weights' `backend` attribute
 * ("tensorflow", 10 bytes) says it holds 7. The HDF5 library then loops forever inside WebAssembly.
 */
async function loopingH5(): Promise<Buffer> {
  const bytes = await readFile(SEED_H5);
  const gcol = bytes.indexOf('GCOL');
  const first = bytes.indexOf('tensorflow', gcol);
  const at = bytes.indexOf('tensorflow', first + 1);
  expect(bytes.readBigUInt64LE(at - 8)).toBe(10n);
  bytes.writeBigUInt64LE(7n, at - 8);
  return bytes;
}

test('a damaged .h5 that makes the HDF5 library loop forever is refused at a deadline; the page never freezes', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await openOnCpu(page);
  const before = await storedRows(page);
  await page.getByLabel('Import a model or weights…').setInputFiles({
    name: 'looping.h5',
    mimeType: 'application/x-hdf5',
    buffer: await loopingH5(),
  });
  // While the worker spins, the page still answers: its clock keeps running and it still reacts.
  const started = Date.now();
  for (let i = 0; i < 3; i++) {
    await page.waitForTimeout(1_000);
    const ms = await page.evaluate(async () => {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 50));
      return performance.now() - t;
    });
    expect(ms).toBeLessThan(1_000);
  }
  const alert = page.getByRole('alert');
  await expect(alert).toContainText('“looping.h5” is not an HDF5 file Graft can read', { timeout: 60_000 });
  await expect(alert).toContainText('did not finish in time');
  expect(Date.now() - started).toBeLessThan(60_000);
  expect(await storedRows(page)).toEqual(before);
  // A good file right after is read by a fresh worker.
  await alert.getByRole('button', { name: 'Dismiss' }).click();
  await pick(page, SEED_H5);
  await expect(kerasDialog(page)).toContainText('seed-model.h5');
  expect(errors).toEqual([]);
});

test('the dialog says what changed on the way in and shows every input and output; Cancel stores nothing', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await openOnCpu(page);
  const before = await storedRows(page);

  // Kernel and bias regularizers and constraints have TF.js equivalents and come along; the two activity
  // regularizers TF.js cannot apply are named, and so is the fitted model's optimizer state.
  await pick(page, path.join(MODELS, 'mlp_regularized.keras'));
  const dialog = kerasDialog(page);
  await expect(dialog).toContainText('What changed on the way in');
  await expect(dialog.getByRole('listitem')).toHaveText([
    'Layer lecun_normal: its L2 activity regularizer is left out, as TF.js cannot call a layer that has one. Predictions are the same; training in Graft does without it.',
    'Layer lecun_uniform: its L1L2 activity regularizer is left out, as TF.js cannot call a layer that has one. Predictions are the same; training in Graft does without it.',
    'The optimizer’s state in the file is not imported; training in Graft starts a fresh optimizer.',
  ]);
  await page.screenshot({ path: `${SHOTS}/keras-07-import-notes.png` });
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();

  // Two inputs, two outputs, a layer called on both inputs.
  await pick(page, path.join(MODELS, 'multi_io_shared.keras'));
  await expect(dialog).toContainText('2 inputs [batch, 5], [batch, 5] → 2 outputs [batch, 2], [batch, 1].');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  expect(await storedRows(page)).toEqual(before);
  expect(errors).toEqual([]);
});

test('with the network off, a .keras file still imports: the HDF5 library comes from the service worker', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  await skipTour(page);
  const errors = watchErrors(page);
  await openOnCpu(page);

  // One visit online, until the service worker holds the app (and, precached, the HDF5 chunk).
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  expect(await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state)).toBe(
    'activated',
  );

  await context.setOffline(true);
  const notFromWorker: string[] = [];
  const hdf5FromWorker: string[] = [];
  page.on('response', (r) => {
    if (!r.fromServiceWorker()) notFromWorker.push(r.url());
    else if (/\/assets\/hdf5.*\.js$/.test(new URL(r.url()).pathname)) hdf5FromWorker.push(r.url());
  });
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');

  await importAsNewModel(page, SEED_KERAS, 'Offline seed', 'Imported with the network off');
  await expect(history(page).getByRole('option')).toHaveCount(1);
  expect(hdf5FromWorker, 'the HDF5 chunk was loaded, from the service worker').not.toEqual([]);
  expect(notFromWorker, 'every response offline came from the service worker').toEqual([]);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});
