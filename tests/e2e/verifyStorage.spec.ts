/**
 * "Verify storage" end to end: two versions, one weight of the second damaged inside IndexedDB with the
 * raw API, the check names the damage, and the intact export holds exactly the version that verifies.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { unzipSync } from 'fflate';
import {
  SHOTS,
  createModel,
  history,
  openTab,
  save,
  setNumber,
  skipTour,
  waitIdle,
  watchErrors,
} from './helpers';

/** Flips a byte of one blob that `damaged` uses and `intact` does not; returns its hash. */
function damageBlobOnlyIn(page: Page, damaged: string, intact: string): Promise<string> {
  return page.evaluate(
    async ({ damaged, intact }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const req = indexedDB.open('graft');
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
      const get = <T>(store: string, key: IDBValidKey) =>
        new Promise<T>((resolve, reject) => {
          const req = db.transaction(store).objectStore(store).get(key);
          req.onsuccess = () => resolve(req.result as T);
          req.onerror = () => reject(req.error);
        });
      type Manifest = { tensors: { hash: string; name: string }[] };
      const keep = new Set((await get<Manifest>('manifests', intact)).tensors.map((t) => t.hash));
      const target = (await get<Manifest>('manifests', damaged)).tensors.find((t) => !keep.has(t.hash))!;
      const row = await get<{ hash: string; data: Blob | Uint8Array }>('blobs', target.hash);
      // Small blobs are kept inline (schema 3), larger ones as Blobs: damage it in the form it has.
      const inline = !(row.data instanceof Blob);
      const bytes = new Uint8Array(
        row.data instanceof Blob ? await row.data.arrayBuffer() : row.data.slice(),
      );
      bytes[0] = bytes[0]! ^ 0xff;
      const tx = db.transaction('blobs', 'readwrite');
      tx.objectStore('blobs').put({ ...row, data: inline ? bytes : new Blob([bytes]) });
      await new Promise((resolve) => (tx.oncomplete = resolve));
      db.close();
      return target.name;
    },
    { damaged, intact },
  );
}

test('Verify storage names a damaged weight and exports exactly the intact versions', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  await skipTour(page);
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/, { timeout: 60_000 });

  await createModel(page, /Seed MLP/, 'Checked model');
  const v1 = await save(page, 'first');
  await openTab(page, 'Model');
  const editor = page.getByRole('region', { name: 'Layer editor' });
  await editor.getByRole('button', { name: 'Add layer' }).click();
  await setNumber(editor.getByRole('listitem', { name: /^Layer 2: dense_1/ }), 'Units', 16);
  await page.getByTestId('apply-changes').click();
  const v2 = await save(page, 'with a new layer');
  await expect(history(page).getByRole('option')).toHaveCount(2);

  // All intact first: the check says so plainly.
  const action = page.getByRole('button', { name: 'Verify storage…' });
  await action.click();
  const dialog = page.getByRole('dialog', { name: 'Verify storage' });
  await expect(dialog.getByTestId('verify-storage-result')).toContainText('Everything is intact', {
    timeout: 30_000,
  });
  await dialog.getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();

  const weight = await damageBlobOnlyIn(page, v2, v1);
  await action.click();
  const result = dialog.getByTestId('verify-storage-result');
  await expect(result).toContainText('1 of', { timeout: 30_000 });
  await expect(result).toContainText('damaged or missing');
  await expect(result).toContainText('“Checked model”: 1 of 2 versions is damaged');
  await expect(result).toContainText(v2.slice(0, 8));
  await expect(result).toContainText(`Weight “${weight}” is altered`);
  await expect(result).toContainText('Branch “main” points at a damaged version');
  await expect(result).not.toContainText(v1.slice(0, 8));
  await page.screenshot({ path: `${SHOTS}/verify-storage-damaged.png`, fullPage: true });

  const download = page.waitForEvent('download', { timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Export the 1 intact version' }).click();
  const file = await download;
  await expect(dialog).toContainText(`Saved ${file.suggestedFilename()}`);
  expect(file.suggestedFilename()).toMatch(/--selection-1--.*\.graft\.zip$/);
  const zip = unzipSync(new Uint8Array(await readFile((await file.path())!)));
  const manifest = JSON.parse(new TextDecoder().decode(zip['graft-bundle.json'])) as {
    versions: { id: string }[];
    scope: { kind: string; ids: string[] };
  };
  expect(manifest.versions.map((v) => v.id)).toEqual([v1]);
  expect(manifest.scope).toEqual({ kind: 'versions', ids: [v1] });
  // The damaged blob did not travel, and nothing else was changed by checking.
  expect(Object.keys(zip).filter((n) => n.startsWith(`versions/${v2}`))).toEqual([]);
  await dialog.getByRole('button', { name: 'Close' }).click();
  await waitIdle(page);
  await expect(history(page).getByRole('option')).toHaveCount(2);
  expect(errors).toEqual([]);
});
