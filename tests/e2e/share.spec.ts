/**
 * Sharing, end to end: bundles out and back into an empty browser with the same history, refs and
 * bit-identical predictions; TF.js and Keras model files in; corrupted bundles refused without a trace;
 * drag-and-drop; and a version downloaded as plain TF.js files that TF.js in Node loads and predicts with.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test, type Browser, type BrowserContext, type Page } from '@playwright/test';
import * as tf from '@tensorflow/tfjs';
import { zipSync } from 'fflate';
import { sha256Hex } from '../../src/core/hashing';
import { probeValues } from '../../src/core/random';
import { modelFilesOf, twoInTwoOutLstm } from '../../src/ml/testModels';
import { checkout, newProfile, skipTour } from './helpers';

// Not a tour test: pages start with the guided first run skipped.
test.beforeEach(async ({ page }) => {
  await skipTour(page);
});

const SHOTS = 'test-results/screens';
const MODELS = 'tests/fixtures/tfjs-models';
const FROZEN_BUNDLE = 'tests/fixtures/bundles/format-1-repository.graft.zip';
/** What the app's probe feeds a model: 4 rows of seeded values. */
const PROBE_ROWS = 4;

// ---- page helpers -------------------------------------------------------------------------------------

function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

async function freshPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const page = await newProfile(browser);
  await skipTour(page);
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
  return { context: page.context(), page, errors };
}

const history = (page: Page) => page.getByRole('region', { name: 'History', exact: true });
const notice = (page: Page, text: string | RegExp) => page.getByRole('status').filter({ hasText: text });

async function openTab(page: Page, name: 'Model' | 'Share') {
  await page.getByRole('tab', { name, exact: true }).click();
}

async function useCpu(page: Page) {
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('cpu');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
}

/** The live model's behaviour: SHA-256 of its outputs on the fixed probe input. */
async function fingerprint(page: Page): Promise<string> {
  await openTab(page, 'Model');
  const fp = page.getByTestId('probe-fingerprint');
  await expect(fp).toBeVisible();
  return (await fp.getAttribute('title')) ?? '';
}

async function createSeed(page: Page, name: string, message: string): Promise<string> {
  await page.getByLabel('Seed MLP (100 → 64 → 10)').check();
  await page.getByLabel('Model name').fill(name);
  await page.getByRole('button', { name: 'Create model' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill(message);
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(history(page).getByRole('option')).toHaveCount(1);
  return (await history(page).getByRole('option').first().getAttribute('data-version')) ?? '';
}

async function versionIds(page: Page): Promise<string[]> {
  const rows = history(page).getByRole('option');
  const ids = await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-version') ?? ''));
  return ids.sort();
}

/** For each version, the branch, tag and HEAD chips the history shows on it. */
async function refChips(page: Page): Promise<Record<string, string[]>> {
  return history(page)
    .getByRole('option')
    .evaluateAll((rows) =>
      Object.fromEntries(
        rows.map((row) => [
          row.getAttribute('data-version') ?? '',
          [...row.querySelectorAll('.chip.branch, .chip.tag, .chip.head')]
            .map((c) => c.textContent?.trim() ?? '')
            .sort(),
        ]),
      ),
    );
}

type Upload = string | { name: string; mimeType: string; buffer: Buffer };

/** Imports model files through the Share tab's picker (or the welcome screen's) and the import dialog. */
async function importModel(
  page: Page,
  files: Upload[],
  choice: { as: 'new'; name?: string; message: string } | { as: 'version'; message: string },
) {
  if (await page.getByRole('tab', { name: 'Share' }).isVisible()) await openTab(page, 'Share');
  // The previous import's notice must not be mistaken for this one's.
  await dismissNotices(page);
  await page.getByLabel('Import a model or weights…').setInputFiles(files as string[]);
  const dialog = page.getByRole('dialog', { name: 'Import a TF.js model' });
  await expect(dialog).toBeVisible();
  if (choice.as === 'version') await dialog.getByRole('radio', { name: /A new version of/ }).check();
  else {
    await dialog.getByLabel('A new model').check();
    if (choice.name) await dialog.getByLabel('Name').fill(choice.name);
  }
  await dialog.getByLabel('Message').fill(choice.message);
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(dialog).toBeHidden();
  await expect(notice(page, /Imported .* as a new/)).toBeVisible();
  await expect(history(page)).toContainText(choice.message);
}

async function dismissNotices(page: Page) {
  const dismiss = page.getByRole('status').getByRole('button', { name: 'Dismiss' });
  while ((await dismiss.count()) > 0) await dismiss.first().click();
}

const fixtureFiles = (dir: string, names: string[]) => names.map((n) => path.join(MODELS, dir, n));

async function exportWholeRepository(page: Page, savePath: string): Promise<string> {
  await openTab(page, 'Share');
  await page.getByLabel('Whole repository').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export bundle' }).click();
  const file = await download;
  await file.saveAs(savePath);
  await expect(page.getByTestId('export-result')).toContainText(file.suggestedFilename());
  return file.suggestedFilename();
}

/** Every object store of Graft's database, read whole: equal snapshots mean nothing was written. */
async function dbSnapshot(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('graft');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const out: Record<string, unknown> = {};
    for (const name of [...db.objectStoreNames]) {
      const rows = await new Promise<unknown[]>((resolve, reject) => {
        const req = db.transaction(name).objectStore(name).getAll();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      // Blobs are compared by their row (hash and size); their bytes are content-addressed by the hash.
      out[name] = rows.map((r) => JSON.stringify(r, (_k, v: unknown) => (v instanceof Blob ? v.size : v)));
    }
    db.close();
    return JSON.stringify(out);
  });
}

/**
 * Drags files over the page and drops them, with a DataTransfer built in the page as the browser would
 * deliver one; `beforeDrop` runs while the files hover.
 */
async function dropFiles(
  page: Page,
  files: { name: string; b64: string }[],
  options: { beforeDrop?: () => Promise<void> } = {},
) {
  await page.evaluate((list) => {
    const transfer = new DataTransfer();
    for (const f of list)
      transfer.items.add(new File([Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0))], f.name));
    (window as unknown as { dropData: DataTransfer }).dropData = transfer;
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    document.body.dispatchEvent(new DragEvent('dragenter', init));
    document.body.dispatchEvent(new DragEvent('dragover', init));
  }, files);
  await options.beforeDrop?.();
  await page.evaluate(() => {
    const transfer = (window as unknown as { dropData: DataTransfer }).dropData;
    const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
    document.querySelector('main')?.dispatchEvent(new DragEvent('drop', init));
  });
}

// ---- Node side: TF.js on the CPU, as any other tool would load the files -------------------------------

interface ModelJson {
  modelTopology: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** The fingerprint the app computes, recomputed in Node from model.json and its weight bytes. */
async function nodeFingerprint(modelJson: ModelJson, weightData: ArrayBuffer): Promise<string> {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      weightSpecs: modelJson.weightsManifest.flatMap((g) => g.weights),
      weightData,
    }),
  );
  try {
    const shape = (model.inputs[0]?.shape.slice(1) ?? []) as number[];
    const per = shape.reduce((n, d) => n * d, 1);
    const out = tf.tidy(() => {
      const y = model.predict(tf.tensor(probeValues(PROBE_ROWS * per), [PROBE_ROWS, ...shape]));
      return Array.isArray(y) ? (y[0] as tf.Tensor) : y;
    });
    const values = new Float32Array((await out.data()) as Float32Array);
    out.dispose();
    return sha256Hex(values);
  } finally {
    model.dispose();
  }
}

/** A fixture's model.json and its weight files joined in manifest order, as TF.js reads them. */
async function readFixture(dir: string): Promise<{ json: ModelJson; weights: ArrayBuffer }> {
  const json = JSON.parse(await readFile(path.join(MODELS, dir, 'model.json'), 'utf8')) as ModelJson;
  const parts = await Promise.all(
    json.weightsManifest.flatMap((g) => g.paths).map((p) => readFile(path.join(MODELS, dir, p))),
  );
  return { json, weights: new Uint8Array(Buffer.concat(parts)).buffer };
}

// ---- the tests ----------------------------------------------------------------------------------------

test('a whole repository travels to an empty browser with its history, refs and exact predictions, once', async ({
  page,
  browser,
}, testInfo) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await page.goto('/');

  // Four versions on two branches, made with the app's own flows: a seed model, two models imported as
  // new versions, then a third imported on top of the first version, which saves on a new branch.
  const v1 = await createSeed(page, 'Shared model', 'Seed model, untrained');
  await importModel(page, fixtureFiles('abalone-dense', ['model.json', 'weights.bin']), {
    as: 'version',
    message: 'Abalone regressor',
  });
  await importModel(
    page,
    fixtureFiles('keras-2.2.4-functional', [
      'model.json',
      'group1-shard1of2',
      'group1-shard2of2',
      'group2-shard1of2',
      'group2-shard2of2',
    ]),
    { as: 'version', message: 'Keras functional' },
  );
  await checkout(page, v1);
  await importModel(page, fixtureFiles('keras-2.4-functional-lstm', ['model.json', 'group1-shard1of1.bin']), {
    as: 'version',
    message: 'LSTM on a side branch',
  });
  await expect(history(page).getByRole('option')).toHaveCount(4);
  await expect(history(page)).toContainText('HEAD → main-2');
  const ids = await versionIds(page);
  const chips = await refChips(page);
  expect(Object.values(chips).flat().sort()).toEqual(['HEAD → main-2', 'main']);

  const prints: Record<string, string> = {};
  for (const id of ids) {
    await checkout(page, id);
    prints[id] = await fingerprint(page);
  }
  expect(new Set(Object.values(prints)).size).toBe(4);

  // Export, watching the progress bar: blob reads are held after the second so the bar can be seen. The
  // hashing workers read the weights, so what is held there is the page handing them a blob to read.
  await openTab(page, 'Share');
  await page.evaluate(() => {
    const w = window as unknown as { releaseReads: () => void };
    const originalRead = Blob.prototype.arrayBuffer;
    const originalPost = Worker.prototype.postMessage;
    let reads = 0;
    const gate = new Promise<void>((resolve) => (w.releaseReads = resolve));
    Blob.prototype.arrayBuffer = async function (this: Blob) {
      if (++reads > 2) await gate;
      return originalRead.call(this);
    };
    Worker.prototype.postMessage = function (this: Worker, ...args: Parameters<Worker['postMessage']>) {
      const asksToRead = (args[0] as { blob?: unknown } | null)?.blob instanceof Blob;
      if (asksToRead && ++reads > 2) void gate.then(() => originalPost.apply(this, args));
      else originalPost.apply(this, args);
    } as Worker['postMessage'];
  });
  const download = page.waitForEvent('download');
  await page.getByLabel('Whole repository').check();
  await page.getByRole('button', { name: 'Export bundle' }).click();
  const bar = page.getByRole('progressbar', { name: 'Export progress' });
  await expect(bar).toHaveAttribute('aria-valuenow', /^[1-9][0-9]?$/);
  await expect(bar).toHaveAttribute('aria-valuetext', /Reading and checking weights: .* of /);
  await page.screenshot({ path: `${SHOTS}/share-export-progress.png`, fullPage: true });
  await page.evaluate(() => (window as unknown as { releaseReads: () => void }).releaseReads());
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^shared-model--all--[0-9a-f]{8}\.graft\.zip$/);
  const bundlePath = testInfo.outputPath(file.suggestedFilename());
  await file.saveAs(bundlePath);
  await expect(bar).toBeHidden();
  await expect(page.getByTestId('export-result')).toContainText('4 versions, 2 branches and tags');
  await page.screenshot({ path: `${SHOTS}/share-export.png`, fullPage: true });
  expect(errors).toEqual([]);

  // A second browser profile: empty IndexedDB. Import from the welcome screen's picker.
  const other = await freshPage(browser);
  const p2 = other.page;
  await expect(p2.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  await p2.getByLabel('Import bundle…').setInputFiles(bundlePath);
  await expect(notice(p2, 'Imported shared-model--all--')).toBeVisible();
  await expect(p2.getByRole('combobox', { name: 'Model' })).toHaveValue(/.+/);
  await expect(p2.getByRole('combobox', { name: 'Model' }).locator('option:checked')).toHaveText(
    'Shared model',
  );
  await expect(history(p2).getByRole('option')).toHaveCount(4);
  expect(await versionIds(p2)).toEqual(ids);
  expect(await refChips(p2)).toEqual(chips);
  for (const id of ids) {
    await checkout(p2, id);
    expect(await fingerprint(p2), `predictions of ${id.slice(0, 8)}`).toBe(prints[id]);
  }

  // The report in the Share tab says what came in.
  await openTab(p2, 'Share');
  const report = p2.getByTestId('import-report');
  await expect(report).toContainText('Created a new model,');
  await expect(report.getByTestId('report-added')).toHaveText('4');
  await expect(report.getByTestId('report-existing')).toHaveText('0');
  await expect(report.locator('tr[data-ref="main"]')).toContainText('created');
  await expect(report.locator('tr[data-ref="main-2"]')).toContainText('created');

  // The same bundle again: nothing changes, and the report says so.
  const before = await dbSnapshot(p2);
  await p2.getByLabel('Import bundle…').setInputFiles(bundlePath);
  await expect(notice(p2, 'Nothing to import from shared-model--all--')).toBeVisible();
  await expect(report.getByTestId('report-nothing-changed')).toBeVisible();
  await expect(report.getByTestId('report-added')).toHaveText('0');
  await expect(report.getByTestId('report-existing')).toHaveText('4');
  await expect(report.locator('tr[data-ref="main"]')).toContainText('unchanged');
  await expect(history(p2).getByRole('option')).toHaveCount(4);
  expect(await dbSnapshot(p2)).toBe(before);
  await p2.screenshot({ path: `${SHOTS}/share-import-report.png`, fullPage: true });
  expect(other.errors).toEqual([]);
  await other.context.close();
});

test('TF.js and Keras-converted model files become new models that predict exactly as the files do', async ({
  page,
}) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await page.goto('/');
  // On the CPU backend the page computes bit-for-bit what TF.js in Node computes from the same files.
  await useCpu(page);

  // The abalone model, picked loose from the welcome screen.
  await importModel(page, fixtureFiles('abalone-dense', ['model.json', 'weights.bin']), {
    as: 'new',
    name: 'Abalone',
    message: 'Imported the abalone regressor',
  });
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option:checked')).toHaveText('Abalone');
  await expect(history(page).getByRole('option')).toHaveCount(1);
  await expect(history(page)).toContainText('Imported the abalone regressor');
  const abalone = await readFixture('abalone-dense');
  expect(await fingerprint(page)).toBe(await nodeFingerprint(abalone.json, abalone.weights));

  // A Keras 2.1.6 Sequential CNN (old model_config wrapper, two shards without .bin), as one zip.
  const dir = 'keras-2.1.6-sequential-cnn';
  const zip = zipSync({
    [`${dir}/model.json`]: await readFile(path.join(MODELS, dir, 'model.json')),
    [`${dir}/group1-shard1of2`]: await readFile(path.join(MODELS, dir, 'group1-shard1of2')),
    [`${dir}/group1-shard2of2`]: await readFile(path.join(MODELS, dir, 'group1-shard2of2')),
  });
  await openTab(page, 'Share');
  await page.getByLabel('Import a model or weights…').setInputFiles({
    name: `${dir}.zip`,
    mimeType: 'application/zip',
    buffer: Buffer.from(zip),
  });
  const dialog = page.getByRole('dialog', { name: 'Import a TF.js model' });
  await expect(dialog).toContainText('Sequential');
  await expect(dialog).toContainText('Keras 2.1.6');
  // The name comes from the files: the folder inside the zip.
  await expect(dialog.getByLabel('Name')).toHaveAttribute('placeholder', dir);
  await page.screenshot({ path: `${SHOTS}/share-model-dialog.png`, fullPage: true });
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(notice(page, `as a new model, “${dir}”`)).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option:checked')).toHaveText(dir);
  const cnn = await readFixture(dir);
  expect(await fingerprint(page)).toBe(await nodeFingerprint(cnn.json, cnn.weights));

  // A Keras model with two inputs (one a sequence of any length) and two outputs, through an LSTM that
  // returns its states: the dialog shows every input and output, names Keras's version once, and offers
  // the model's own name; the live model and its diagram show them too.
  const multi = twoInTwoOutLstm('review_scorer');
  const { modelJson, weights } = await modelFilesOf(multi);
  multi.dispose();
  const keras = {
    ...modelJson,
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: { ...(modelJson as { modelTopology: object }).modelTopology, keras_version: '2.15.0' },
  };
  await openTab(page, 'Share');
  await page.getByLabel('Import a model or weights…').setInputFiles([
    { name: 'model.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(keras)) },
    { name: 'weights.bin', mimeType: 'application/octet-stream', buffer: Buffer.from(weights) },
  ]);
  await expect(dialog).toContainText(
    '2 inputs [batch, any, 81], [batch, 4] → 2 outputs [batch, 3], [batch, 1]. Made by keras v2.15.0 · TensorFlow.js Converter v4.22.0.',
  );
  await expect(dialog).not.toContainText('Keras 2.15.0');
  await expect(dialog.getByLabel('Name')).toHaveAttribute('placeholder', 'review_scorer');
  await page.screenshot({ path: `${SHOTS}/share-model-dialog-multi.png`, fullPage: true });
  await dialog.getByRole('button', { name: 'Import model' }).click();
  await expect(notice(page, 'as a new model, “review_scorer”')).toBeVisible();
  await openTab(page, 'Model');
  await expect(page.getByTestId('live-inputs')).toHaveText('[batch, any, 81][batch, 4]');
  await expect(page.getByTestId('live-outputs')).toHaveText('[batch, 3][batch, 1]');
  await expect(page.getByRole('img', { name: /^Architecture\. 7 layers/ })).toHaveAttribute(
    'aria-label',
    /encoder \(LSTM, \[batch, any, 16\] \[batch, 16\] \[batch, 16\]\)/,
  );
  await page.screenshot({ path: `${SHOTS}/model-multi-output.png`, fullPage: true });

  // Every model is a repository of its own; the abalone one is untouched.
  await expect(page.getByRole('combobox', { name: 'Model' }).locator('option')).toHaveCount(3);

  // A graph model is refused with the reason.
  await openTab(page, 'Share');
  await page.getByLabel('Import a model or weights…').setInputFiles({
    name: 'model.json',
    mimeType: 'application/json',
    buffer: Buffer.from(
      JSON.stringify({ format: 'graph-model', modelTopology: { node: [] }, weightsManifest: [] }),
    ),
  });
  await expect(page.getByRole('alert')).toContainText('This is a TF.js graph model');
  await expect(page.getByRole('dialog')).toBeHidden();
  expect(errors).toEqual([]);
});

test('a corrupted bundle is refused with a specific error and the database stays exactly as it was', async ({
  page,
}, testInfo) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await createSeed(page, 'Fragile', 'Seed model');
  const bundlePath = testInfo.outputPath('good.graft.zip');
  await exportWholeRepository(page, bundlePath);
  const good = await readFile(bundlePath);

  // Flip bytes inside the first blob's data (blobs are stored uncompressed): its SHA-256 no longer matches.
  const flipped = Buffer.from(good);
  const nameAt = flipped.indexOf('blobs/');
  const header = nameAt - 30;
  const dataAt = header + 30 + flipped.readUInt16LE(header + 26) + flipped.readUInt16LE(header + 28);
  for (let i = 0; i < 4; i++) flipped[dataAt + 8 + i] = (flipped[dataAt + 8 + i] ?? 0) ^ 0xff;
  const cases: { name: string; bytes: Buffer; error: RegExp }[] = [
    { name: 'flipped.graft.zip', bytes: flipped, error: /Blob [0-9a-f]{12} in the bundle is damaged/ },
    {
      name: 'truncated.graft.zip',
      bytes: good.subarray(0, Math.floor(good.length / 2)),
      error: /truncated/,
    },
    { name: 'notes.graft.zip', bytes: Buffer.from('not a zip at all'), error: /This bundle/ },
  ];

  await openTab(page, 'Share');
  const before = await dbSnapshot(page);
  for (const c of cases) {
    const file = testInfo.outputPath(c.name);
    await writeFile(file, c.bytes);
    await page.getByLabel('Import bundle…').setInputFiles(file);
    await expect(page.getByRole('alert')).toContainText(c.error);
    await expect(page.getByTestId('import-report')).toBeHidden();
    expect(await dbSnapshot(page), c.name).toBe(before);
    await page.getByRole('alert').getByRole('button', { name: 'Dismiss' }).click();
  }
  await expect(history(page).getByRole('option')).toHaveCount(1);

  // The intact bundle still imports afterwards (into the same repository: nothing new).
  await page.getByLabel('Import bundle…').setInputFiles(bundlePath);
  await expect(page.getByTestId('report-nothing-changed')).toBeVisible();
  expect(await dbSnapshot(page)).toBe(before);
  expect(errors).toEqual([]);
});

test('dropping a bundle anywhere on the page imports it; names from the bundle stay text', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  const expected = JSON.parse(
    await readFile('tests/fixtures/bundles/format-1-repository.expected.json', 'utf8'),
  ) as { repository: { name: string }; versions: string[]; refs: { name: string; kind: string }[] };
  const bytes = (await readFile(FROZEN_BUNDLE)).toString('base64');

  // Drag over the page: the overlay says what a drop does. Then drop, as the browser would deliver it.
  await dropFiles(page, [{ name: 'iris.graft.zip', b64: bytes }], {
    beforeDrop: async () => {
      await expect(page.getByTestId('drop-overlay')).toBeVisible();
      await page.screenshot({ path: `${SHOTS}/share-drop-overlay.png` });
    },
  });
  await expect(page.getByTestId('drop-overlay')).toBeHidden();
  await expect(notice(page, 'Imported iris.graft.zip into a new model')).toBeVisible();

  // The repository name holds quotes and markup; it is shown literally and creates no element.
  const repoSelect = page.getByRole('combobox', { name: 'Model' });
  await expect(repoSelect.locator('option:checked')).toHaveText(expected.repository.name);
  await expect(page.locator('main b, .messages b')).toHaveCount(0);
  await expect(history(page).getByRole('option')).toHaveCount(expected.versions.length);
  expect(await versionIds(page)).toEqual([...expected.versions].sort());
  await openTab(page, 'Share');
  const report = page.getByTestId('import-report');
  await expect(report.getByTestId('report-added')).toHaveText(String(expected.versions.length));
  for (const r of expected.refs)
    await expect(report.locator(`tr[data-ref="${r.name}"]`)).toContainText('created');
  await expect(report).toContainText(expected.repository.name);

  // Dropping a model's files instead asks where the model goes; cancelling leaves everything as it was.
  const before = await dbSnapshot(page);
  await dropFiles(page, [
    {
      name: 'model.json',
      b64: (await readFile(path.join(MODELS, 'abalone-dense/model.json'))).toString('base64'),
    },
    {
      name: 'weights.bin',
      b64: (await readFile(path.join(MODELS, 'abalone-dense/weights.bin'))).toString('base64'),
    },
  ]);
  const dialog = page.getByRole('dialog', { name: 'Import a TF.js model' });
  await expect(dialog).toContainText('model.json');
  await expect(dialog.getByRole('radio', { name: /A new version of/ })).toBeEnabled();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await dbSnapshot(page)).toBe(before);
  expect(errors).toEqual([]);
});

test('“Download as TF.js model” writes <name>.json + weights that TF.js in Node loads with identical predictions', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await useCpu(page);
  const id = await createSeed(page, 'Portable model', 'Seed model');
  const live = await fingerprint(page);

  await openTab(page, 'Share');
  const downloads: import('@playwright/test').Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByRole('combobox', { name: 'Version to download' }).selectOption(id);
  const base = `portable-model-${id.slice(0, 8)}`;
  // The panel names the files the download will have.
  await expect(page.getByTestId('tfjs-intro')).toContainText(`${base}.json and ${base}.weights.bin`);
  await page.getByRole('button', { name: 'Download as TF.js model' }).click();
  await expect.poll(() => downloads.length).toBe(2);
  expect(downloads.map((d) => d.suggestedFilename())).toEqual([`${base}.json`, `${base}.weights.bin`]);
  const [jsonPath, binPath] = await Promise.all(downloads.map((d) => d.path()));
  const modelJson = JSON.parse(await readFile(jsonPath!, 'utf8')) as ModelJson & Record<string, unknown>;
  const weights = await readFile(binPath!);

  // Exactly what tf.io.browserDownloads writes: one weight group pointing at the .weights.bin beside it.
  expect(modelJson.format).toBe('layers-model');
  expect(modelJson.weightsManifest).toHaveLength(1);
  expect(modelJson.weightsManifest[0]?.paths).toEqual([`./${base}.weights.bin`]);
  const bytes = modelJson.weightsManifest[0]!.weights.reduce(
    (n, w) => n + 4 * (w.shape as number[]).reduce((a, d) => a * d, 1),
    0,
  );
  expect(weights.byteLength).toBe(bytes);
  expect(await nodeFingerprint(modelJson, new Uint8Array(weights).buffer)).toBe(live);
  await expect(page.getByTestId('model-download-result')).toContainText(`${base}.json`);
  await page.screenshot({ path: `${SHOTS}/share-panel.png`, fullPage: true });
  expect(errors).toEqual([]);
});

test('right after “Download as TF.js model”, one click on a history row selects it', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/');
  await useCpu(page);
  const first = await createSeed(page, 'Clicked model', 'Seed model');
  await importModel(page, fixtureFiles('abalone-dense', ['model.json', 'weights.bin']), {
    as: 'version',
    message: 'Abalone regressor',
  });
  const rows = history(page).getByRole('option');
  await expect(rows).toHaveCount(2);
  const firstRow = history(page).locator(`[data-version="${first}"]`);
  await expect(firstRow).toHaveAttribute('aria-selected', 'false');

  await openTab(page, 'Share');
  const downloads: import('@playwright/test').Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByRole('button', { name: 'Download as TF.js model' }).click();
  await expect.poll(() => downloads.length).toBe(2);
  await expect(page.getByTestId('model-download-result')).toBeVisible();

  // Where the download leaves the page: scrolled down, the row in view but the top of the list above the
  // window (so that focusing the list on the press would scroll the page under the pointer).
  await firstRow.evaluate((row) => window.scrollBy(0, row.getBoundingClientRect().top - 8));
  const listTop = await history(page)
    .getByRole('listbox', { name: 'Versions' })
    .evaluate((list) => list.getBoundingClientRect().top);
  expect(listTop).toBeLessThan(0);
  // One real click, not a key: the row the pointer is on is the one selected.
  await firstRow.click();
  await expect(firstRow).toHaveAttribute('aria-selected', 'true', { timeout: 2_000 });
  expect(errors).toEqual([]);
});
