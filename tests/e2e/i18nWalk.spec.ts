// Every main screen in Simplified Chinese: the page's visible text holds no English words beyond brand and
// technical names (layer kinds, activations, metric names, search syntax, HEAD, file formats, typed names).
import { expect, test, type Page } from '@playwright/test';
import { SHOTS, skipTour, waitIdle, watchErrors } from './helpers';

/** Words that stay as they are in Chinese text. */
const KEEP =
  /^(Graft|TF\.js|TensorFlow|IndexedDB|SHA-256|CSV|JSON|PNG|WebGL|GPU|CPU|MLP|CNN|HEAD|Dense|Conv2D|MaxPooling2D|Flatten|Dropout|BatchNormalization|Reshape|LSTM|relu|softmax|sigmoid|tanh|linear|elu|selu|swish|adam|sgd|rmsprop|adagrad|XOR|zip|graft|json|bin|main|kernel|bias|gamma|beta|moving_mean|moving_variance|Ctrl|Shift|Esc|Enter|Language|Theme|glorot_uniform|NaN|dense_\d+|English|valid|same|loss|acc|val_loss|val_acc|mae|kind|tag|branch|after|before|today|trained|edited|KiB|MiB|GiB|Keras|Sequential|Fisher|BMI|MaxPooling|InputLayer|hardSigmoid|softplus|softsign|mish|input|hidden|output|graft\.zip|model\.json|tensorflowjs_converter|tf\.io\.browserDownloads|tf\.loadLayersModel|Python|Rust|JavaScript|safetensors|weights\.h5|keras\.saving\.load_model)$/i;

/** The browser's user-agent string (shown in provenance) is data, not UI text. */
const isUserAgent = (line: string) => line.includes('Mozilla/5.0');

/** Names this walk types itself. */
const TYPED = new Set(['walk']);

async function leftoverEnglish(page: Page): Promise<string[]> {
  // Visible text, leaving out what the page marks as not to be translated (translate="no": data values,
  // column and class names, citations), as a translator's tools would.
  const text = await page.evaluate(() => {
    const lines: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest('[translate="no"], script, style') || !el.checkVisibility()) continue;
      lines.push(n.textContent ?? '');
    }
    return lines.join('\n');
  });
  const found = new Set<string>();
  for (const line of text.split('\n')) {
    if (isUserAgent(line)) continue;
    // Version ids (8 or 64 hex digits) are data; without this "36493c74" would leave the word "c74".
    const words = line.replace(/\b[0-9a-f]{8}(?:[0-9a-f]{56})?\b/g, ' ');
    for (const w of words.match(/[A-Za-z][A-Za-z0-9_.-]{2,}/g) ?? []) {
      const word = w.replace(/[.-]+$/, '');
      if (!KEEP.test(word) && !TYPED.has(word) && !/^[0-9a-f]{4,}$/.test(word))
        found.add(`${word} ⟨${line.trim().slice(0, 90)}⟩`);
    }
  }
  return [...found];
}

async function tab(page: Page, name: string): Promise<void> {
  await page.getByRole('tab', { name, exact: true }).click();
  await expect(page.getByRole('tab', { name, exact: true })).toHaveAttribute('aria-selected', 'true');
  await waitIdle(page);
}

test.use({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });

test('every screen in Chinese is free of leftover English', async ({ page }) => {
  test.setTimeout(180_000);
  const errors = watchErrors(page);
  const report: Record<string, string[]> = {};
  const look = async (screen: string) => {
    report[screen] = await leftoverEnglish(page);
  };
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await look('welcome + tour');
  await skipTour(page);
  await page.getByRole('combobox', { name: '后端' }).selectOption('cpu');
  await waitIdle(page);

  await page.getByRole('button', { name: '创建模型' }).click();
  await expect(page.getByRole('heading', { name: '当前模型' })).toBeVisible({ timeout: 30_000 });
  await waitIdle(page);
  await page.getByRole('textbox', { name: '说明' }).fill('第一个版本');
  await page.getByRole('button', { name: '保存版本' }).click();
  await waitIdle(page);
  const editor = page.getByRole('region', { name: '层编辑器' });
  await editor.getByRole('button', { name: '添加层' }).click();
  await look('model, edit not applied');
  await page.getByRole('button', { name: '应用更改' }).click();
  await waitIdle(page);
  await look('model, edit applied');
  await page.screenshot({ path: `${SHOTS}/walk-zh-model.png`, fullPage: true });
  await page.getByRole('textbox', { name: '说明' }).fill('加一层');
  await page.getByRole('button', { name: '保存版本' }).click();
  await waitIdle(page);
  await look('model, saved');

  await tab(page, '训练');
  await look('train');
  await page.getByRole('radio', { name: /^鸢尾花/ }).check();
  await page.getByTestId('use-dataset').click();
  const misfit = page.getByTestId('model-misfit');
  await expect(misfit).toBeVisible({ timeout: 20_000 });
  await look('train, data does not fit');
  await misfit.getByRole('button').first().click();
  await expect(misfit).toHaveCount(0, { timeout: 20_000 });
  await waitIdle(page);
  const settings = page.getByRole('form', { name: '训练设置' });
  await settings.getByRole('spinbutton', { name: /^轮数/ }).fill('1');
  await settings.getByRole('button', { name: '训练', exact: true }).click();
  await waitIdle(page);
  await look('train, after a run');
  await page.screenshot({ path: `${SHOTS}/walk-zh-train.png`, fullPage: true });

  await page
    .getByRole('region', { name: '历史', exact: true })
    .getByText('第一个版本')
    .first()
    .click({ timeout: 10_000 });
  await waitIdle(page);
  await look('history, version details');

  await tab(page, '比较');
  await look('compare');
  await tab(page, '分享');
  await look('share');

  console.log(JSON.stringify(report, null, 1));
  expect(errors).toEqual([]);
  expect(report).toEqual(Object.fromEntries(Object.keys(report).map((k) => [k, []])));
});
