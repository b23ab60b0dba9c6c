// The UI in Simplified Chinese: switched at any time without losing the live model, unsaved edits or a
// running training, and chosen from the browser's language on a first visit.
import { readFile } from 'node:fs/promises';
import { expect, test, type Page } from '@playwright/test';
import { SHOTS, TRAINING, waitIdle, watchErrors } from './helpers';

/** Closes the guided tour's card in either language whenever it would get in the way. */
async function skipTourAnyLanguage(page: Page): Promise<void> {
  await page.addLocatorHandler(page.getByTestId('tour-card'), async (card) => {
    await card.getByRole('button', { name: /^(Skip tour|Close|跳过.*|关闭)$/ }).click();
  });
}

const language = (page: Page) => page.getByRole('combobox', { name: /Language/ });

async function switchTo(page: Page, lang: 'en' | 'zh-CN'): Promise<void> {
  await language(page).selectOption(lang);
  await expect(page.locator('html')).toHaveAttribute('lang', lang);
}

/** Words that stay as they are in Chinese UI text: names, formats, layer kinds, technical terms. */
const KEEP =
  /^(Graft|TF\.js|Keras|CSV|JSON|WebGL|GPU|CPU|MLP|CNN|Dense|Conv2D|MaxPooling2D|Flatten|Dropout|BatchNormalization|Reshape|LSTM|relu|softmax|sigmoid|tanh|linear|Adam|SGD|RMSprop|Adagrad|XOR|zip|graft|json|bin|main|model|weights)$/i;

/**
 * Visible headings, tabs and buttons in `scope` whose text is still English: a Latin word of three or
 * more letters that is not a kept name, in a text with no Chinese in it.
 */
async function leftoverEnglish(page: Page): Promise<string[]> {
  const texts = await page
    .locator('h1, h2, h3, [role="tab"], button, legend')
    .evaluateAll((els) =>
      els
        .filter((e) => (e as HTMLElement).offsetParent !== null && !e.closest('[data-testid="tour-card"]'))
        .map((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim()),
    );
  return texts.filter((s) => {
    if (/[\u4e00-\u9fff]/.test(s)) return false;
    // Version ids and hashes are hex, not words.
    const words = s.replace(/\b[0-9a-f]{7,64}\b/g, '').match(/[A-Za-z][A-Za-z.]{2,}/g) ?? [];
    return words.some((w) => !KEEP.test(w.replace(/\.$/, '')));
  });
}

async function openTabZh(page: Page, name: string): Promise<void> {
  const tab = page.getByRole('tab', { name, exact: true });
  await tab.click();
  await expect(tab).toHaveAttribute('aria-selected', 'true');
}

test('build and train a model in Chinese, switch back to English and keep everything', async ({ page }) => {
  test.setTimeout(540_000);
  const errors = watchErrors(page);
  await skipTourAnyLanguage(page);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();

  await switchTo(page, 'zh-CN');
  await expect(page.getByRole('heading', { name: '保存模型的每一个版本' })).toBeVisible();
  await expect(language(page)).toHaveAccessibleName('语言 · Language');
  expect(await leftoverEnglish(page)).toEqual([]);

  // Create the iris model in Chinese.
  await page.getByRole('radio', { name: /鸢尾花 MLP/ }).check();
  await page.getByLabel('模型名称').fill('鸢尾花模型');
  await page.getByRole('button', { name: '创建模型' }).click();
  await expect(page.getByRole('heading', { name: '当前模型' })).toBeVisible(TRAINING);
  await waitIdle(page);

  // Model tab: add a layer and apply it, leaving the live model unsaved.
  const editor = page.getByRole('region', { name: '层编辑器' });
  await editor.getByRole('button', { name: '添加层' }).click();
  await expect(page.getByRole('heading', { name: '尚未应用' })).toBeVisible();
  await page.getByRole('button', { name: '应用更改' }).click();
  await waitIdle(page);
  await expect(page.getByTestId('pending')).toContainText('未保存');
  await expect(page.getByRole('img', { name: /^架构。4 层/ })).toBeVisible();
  expect(await leftoverEnglish(page)).toEqual([]);
  await page.screenshot({ path: `${SHOTS}/i18n-model-zh.png`, fullPage: true });

  // Train tab: pick the iris data and start a run.
  await openTabZh(page, '训练');
  await page.getByRole('radio', { name: /^鸢尾花/ }).check();
  await page.getByRole('button', { name: '使用此数据集' }).click();
  await expect(page.getByTestId('data-summary')).toContainText('鸢尾花');
  expect(await leftoverEnglish(page)).toEqual([]);
  const settings = page.getByRole('form', { name: '训练设置' });
  await settings.getByRole('spinbutton', { name: '轮数' }).fill('10');
  await settings.getByRole('spinbutton', { name: '批大小' }).fill('16');
  await page.getByRole('button', { name: '训练', exact: true }).click();
  const progress = page.getByRole('progressbar', { name: '训练进度' });
  await expect(progress).toHaveAttribute('aria-valuetext', /^第 \d+\/10 轮/, TRAINING);
  await page.screenshot({ path: `${SHOTS}/i18n-train-zh.png`, fullPage: true });

  // Switch while training: the run goes on and finishes in English.
  await switchTo(page, 'en');
  await expect(page.getByRole('progressbar', { name: 'Training progress' })).toHaveAttribute(
    'aria-valuetext',
    /^Epoch \d+ of 10/,
  );
  await waitIdle(page);
  await expect(page.getByRole('button', { name: 'Train again' })).toBeVisible();
  await expect(page.getByRole('img', { name: /^Loss\. .*train: [\d.e-]+ after 10/ })).toBeVisible();

  // Back to Chinese for the other tabs and the history.
  await switchTo(page, 'zh-CN');
  await expect(page.getByRole('img', { name: /^损失。.*训练集：第 10 轮后为/ })).toBeVisible();
  await page.getByRole('textbox', { name: '说明' }).fill('在鸢尾花上训练');
  await page.getByRole('button', { name: '保存版本' }).click();
  await waitIdle(page);
  for (const tab of ['比较', '分享', '模型']) {
    await openTabZh(page, tab);
    const found = await leftoverEnglish(page);
    expect({ tab, found }).toEqual({ tab, found: [] });
  }
  await page.screenshot({ path: `${SHOTS}/i18n-history-zh.png`, fullPage: true });

  // Back to English: the same model, its saved version and its layers.
  await switchTo(page, 'en');
  await expect(page.getByRole('heading', { name: 'Live model' })).toBeVisible();
  await expect(page.getByRole('combobox', { name: 'Model' })).toContainText('鸢尾花模型');
  await expect(page.getByRole('img', { name: /^Architecture\. 4 layers/ })).toBeVisible();
  await expect(page.getByRole('region', { name: 'History', exact: true })).toContainText('在鸢尾花上训练');

  // The choice is remembered across a reload.
  await switchTo(page, 'zh-CN');
  await page.reload();
  await expect(page.getByRole('heading', { name: '当前模型' })).toBeVisible(TRAINING);
  await expect(language(page)).toHaveValue('zh-CN');
  expect(errors).toEqual([]);
});

/** Drops a file on the page, as the browser delivers a drag from the desktop (a bundle is imported). */
async function dropFile(page: Page, name: string, bytes: Buffer): Promise<void> {
  await page.evaluate(
    ([fileName, b64]) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], fileName));
      const init = { dataTransfer: transfer, bubbles: true, cancelable: true };
      document.body.dispatchEvent(new DragEvent('dragenter', init));
      document.body.dispatchEvent(new DragEvent('dragover', init));
      document.querySelector('main')?.dispatchEvent(new DragEvent('drop', init));
    },
    [name, bytes.toString('base64')] as const,
  );
}

test('an error reads as specifically in Chinese as in English, and follows a switch of language', async ({
  page,
}) => {
  const errors = watchErrors(page);
  await skipTourAnyLanguage(page);
  await page.goto('/');
  await switchTo(page, 'zh-CN');
  await expect(page.getByRole('heading', { name: '保存模型的每一个版本' })).toBeVisible();

  // A bundle whose first blob was damaged in transit (blobs are stored uncompressed in the zip).
  const damaged = Buffer.from(await readFile('tests/fixtures/bundles/format-1-repository.graft.zip'));
  const header = damaged.indexOf('blobs/') - 30;
  const dataAt = header + 30 + damaged.readUInt16LE(header + 26) + damaged.readUInt16LE(header + 28);
  for (let i = 0; i < 4; i++) damaged[dataAt + 8 + i] = (damaged[dataAt + 8 + i] ?? 0) ^ 0xff;
  await dropFile(page, 'damaged.graft.zip', damaged);
  const alert = page.getByRole('alert');
  // The blob it names and what is wrong with it, in Chinese: not the code's general line.
  await expect(alert).toContainText(/包中的数据块 [0-9a-f]{12} 已损坏：其字节与它的 SHA-256 不符。/);
  await expect(alert).not.toContainText('包中有文件与其哈希值不符');
  await expect(alert).not.toContainText(/Blob|damaged/);
  await page.screenshot({ path: `${SHOTS}/i18n-error-zh.png` });

  // The same error, worded again when the language changes.
  await switchTo(page, 'en');
  await expect(alert).toContainText(
    /Blob [0-9a-f]{12} in the bundle is damaged: its bytes do not match its SHA-256\./,
  );
  await alert.getByRole('button', { name: 'Dismiss' }).click();

  // A phrase inside a message (what the archive is, what is wrong with it) is worded too.
  await switchTo(page, 'zh-CN');
  await dropFile(page, 'notes.graft.zip', Buffer.from('not a zip at all'));
  await expect(alert).toContainText('此包已损坏或不是 zip 文件：它太短了。');
  await expect(alert).not.toContainText(/[A-Za-z]{4,}/);
  expect(errors).toEqual([]);
});

test.describe('a browser that prefers Chinese', () => {
  test.use({ locale: 'zh-CN' });

  test('opens in Chinese on the first visit', async ({ page }) => {
    await skipTourAnyLanguage(page);
    await page.goto('/');
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
    await expect(page.getByRole('heading', { name: '保存模型的每一个版本' })).toBeVisible();
    await expect(page.getByRole('button', { name: '创建模型' })).toBeVisible();
    await expect(language(page)).toHaveValue('zh-CN');
    expect(await leftoverEnglish(page)).toEqual([]);
    await page.screenshot({ path: `${SHOTS}/i18n-welcome-zh.png` });
  });
});
