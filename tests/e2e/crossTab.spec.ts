import { expect, test, type Page } from '@playwright/test';

async function createSeedAndSave(page: Page, message: string) {
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
  await page.getByRole('button', { name: 'Create model' }).click();
  await page.getByRole('textbox', { name: 'Message' }).fill(message);
  await page.getByRole('button', { name: 'Save version' }).click();
  await expect(history(page).getByRole('option')).toHaveCount(1);
}

const history = (page: Page) => page.getByRole('region', { name: 'History', exact: true });

test('a second tab sees new tags and branches as they happen', async ({ context }) => {
  const a = await context.newPage();
  await createSeedAndSave(a, 'first');
  const b = await context.newPage();
  await b.goto(a.url());
  await expect(history(b).getByRole('option')).toHaveCount(1);

  // Tag in tab A: tab B shows it without a reload.
  await history(a)
    .getByRole('option')
    .first()
    .click({ position: { x: 12, y: 12 } });
  await history(a).getByRole('button', { name: 'Tag' }).click();
  await a.getByRole('textbox', { name: 'Tag' }).fill('production');
  await a.getByRole('button', { name: 'Place tag' }).click();
  await expect(history(b)).toContainText('# production');

  // A branch made in tab A appears in tab B's branch list.
  await history(a).getByRole('button', { name: 'New branch' }).click();
  await a.getByRole('textbox', { name: 'Branch name' }).fill('experiment');
  await a.getByRole('button', { name: 'Create branch' }).click();
  await expect(b.getByRole('region', { name: 'Branches and tags' })).toContainText('experiment');
  await expect(b.getByRole('combobox', { name: 'Branch' })).toHaveValue('experiment');
});

test('a damaged weight is refused at checkout and reported by Verify', async ({ page }) => {
  await createSeedAndSave(page, 'intact');
  // Damage one stored tensor behind Graft's back, as a failing disk or a buggy extension might.
  await page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('graft');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const tx = db.transaction('blobs', 'readwrite');
    const store = tx.objectStore('blobs');
    type Row = { hash: string; kind: string; size: number; data: Blob | Uint8Array };
    const rows = await new Promise<Row[]>((resolve) => {
      const req = store.getAll();
      req.onsuccess = () => resolve(req.result);
    });
    const tensor = rows.find((r) => r.kind === 'tensor' && r.size > 1000)!;
    // Small blobs are kept inline (schema 3), larger ones as Blobs: damage it in the form it has.
    const inline = !(tensor.data instanceof Blob);
    const bytes = new Uint8Array(
      tensor.data instanceof Blob ? await tensor.data.arrayBuffer() : tensor.data.slice(),
    );
    bytes[0] = bytes[0]! ^ 0xff;
    const tx2 = db.transaction('blobs', 'readwrite');
    tx2.objectStore('blobs').put({ ...tensor, data: inline ? bytes : new Blob([bytes]) });
    await new Promise((resolve) => (tx2.oncomplete = resolve));
    db.close();
  });
  const fingerprintBefore = await page.getByTestId('probe-fingerprint').getAttribute('title');
  await history(page).getByRole('button', { name: 'Check out' }).click();
  await expect(page.getByRole('alert')).toContainText('cannot be opened');
  await expect(page.getByRole('alert')).toContainText('damaged');
  // The live model is untouched by the refused checkout.
  expect(await page.getByTestId('probe-fingerprint').getAttribute('title')).toBe(fingerprintBefore);
  await page.getByRole('region', { name: 'Version details' }).getByRole('button', { name: 'Verify' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'has problems' })).toContainText('corrupt');
});
