/**
 * Start-up before TF.js: the page paints and lists the history from the first chunks (no TF.js, no
 * training code); TF.js is fetched only after that, and the Train tab trains as soon as it is there. While
 * the runtime is held back the history stays readable and the tabs that need it say so; a runtime that
 * cannot be fetched says so and offers a reload that brings it back. No service worker here: it would
 * answer the chunk requests itself (offline.spec.ts covers it).
 */
import { expect, test, type Page } from '@playwright/test';
import {
  createModel,
  history,
  openTab,
  save,
  SHOTS,
  skipTour,
  train,
  waitIdle,
  watchErrors,
} from './helpers';

test.use({ serviceWorkers: 'block' });

const TFJS_CHUNK = /\/assets\/tfjs-[\w-]+\.js$/;
const RUNTIME_LOADING = 'Loading the model runtime (TF.js)…';

/** Remembers, in `window.historyShownAt`, when a history row is first in the page (performance.now()). */
async function markHistoryShown(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { historyShownAt?: number };
    new MutationObserver((_, observer) => {
      if (document.querySelector('[data-version]') === null) return;
      w.historyShownAt = performance.now();
      observer.disconnect();
    }).observe(document, { childList: true, subtree: true });
  });
}

/** A repository "Startup" with one saved Iris model, then the page reloaded fresh. */
async function oneSavedModel(page: Page): Promise<void> {
  await skipTour(page);
  await page.goto('/');
  await createModel(page, /^Iris MLP/, 'Startup');
  await save(page, 'Iris MLP, untrained');
}

async function trainOnIris(page: Page): Promise<void> {
  await openTab(page, 'Train');
  await page.getByRole('radio', { name: /Iris flowers/ }).check();
  await expect(page.getByTestId('data-preview')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('use-dataset').click();
  await train(page, 1);
}

test('the history shows before TF.js is fetched, and training works as soon as it is here', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  await oneSavedModel(page);
  await markHistoryShown(page);
  await page.reload();
  await expect(history(page).getByRole('option')).toHaveCount(1);
  // Straight on to training: the tab waits for the runtime and then trains.
  await trainOnIris(page);
  await save(page, 'Trained right after load');
  await expect(history(page).getByRole('option')).toHaveCount(2);

  const timing = await page.evaluate(() => {
    const paint = performance.getEntriesByName('first-contentful-paint')[0];
    return {
      firstPaint: paint?.startTime ?? null,
      historyShownAt: (window as unknown as { historyShownAt?: number }).historyShownAt ?? null,
      scripts: performance
        .getEntriesByType('resource')
        .filter((r) => r.name.endsWith('.js'))
        .map((r) => ({ url: new URL(r.name).pathname, start: r.startTime })),
    };
  });
  expect(timing.firstPaint).not.toBeNull();
  expect(timing.historyShownAt).not.toBeNull();
  const tfjs = timing.scripts.filter((s) => TFJS_CHUNK.test(s.url));
  expect(tfjs, 'TF.js is fetched once, after the start').toHaveLength(1);
  const tfjsStart = tfjs[0]?.start ?? 0;
  expect(tfjsStart, 'TF.js is requested after the first paint').toBeGreaterThan(
    timing.firstPaint ?? Infinity,
  );
  expect(tfjsStart, 'TF.js is requested after the history is on the page').toBeGreaterThan(
    timing.historyShownAt ?? Infinity,
  );
  // Nothing that needs TF.js comes before the first paint either: the training code, the features built on them.
  const beforePaint = timing.scripts.filter((s) => s.start < (timing.firstPaint ?? 0)).map((s) => s.url);
  expect(beforePaint.some((url) => /\/assets\/(tfjs|features|train)/.test(url))).toBe(false);
  expect(errors).toEqual([]);
});

test('while TF.js loads the history can be read; the tabs that need it say so; a failed load offers a reload', async ({
  page,
}) => {
  test.setTimeout(300_000);
  const errors = watchErrors(page);
  const loading = page.getByRole('status').filter({ hasText: RUNTIME_LOADING });

  // Hold the TF.js chunk back until `release`.
  let release: () => void = () => {};
  const holdRuntime = async () => {
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(TFJS_CHUNK, async (route) => {
      await held;
      await route.continue();
    });
  };

  // A first visit: the welcome says what Graft is while the templates load with the runtime.
  await skipTour(page);
  await holdRuntime();
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Keep every version of your model' })).toBeVisible();
  await expect(loading).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/startup-00-welcome-loading.png`, fullPage: true });
  release();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await page.unroute(TFJS_CHUNK);
  await createModel(page, /^Iris MLP/, 'Startup');
  await save(page, 'Iris MLP, untrained');

  await holdRuntime();
  await page.reload();
  const rows = history(page).getByRole('option');
  await expect(rows).toHaveCount(1);
  await expect(loading).toBeVisible();
  await expect(page.getByTestId('backend')).toHaveText('Backend: …');
  await expect(page.locator('.app')).toHaveAttribute('aria-busy', 'true');
  // A version's details open without the runtime.
  await rows.first().click({ position: { x: 12, y: 12 } });
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  await expect(history(page).getByText('Iris MLP, untrained').first()).toBeVisible();
  await expect(history(page).getByRole('button', { name: 'Check out' })).toBeEnabled();
  await page.screenshot({ path: `${SHOTS}/startup-01-runtime-loading.png`, fullPage: true });
  await openTab(page, 'Train');
  await expect(loading).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/startup-02-train-waits.png`, fullPage: true });

  release();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await expect(loading).toHaveCount(0);
  await expect(page.getByRole('form', { name: 'Training settings' })).toBeVisible();
  await openTab(page, 'Model');
  await expect(page.getByRole('heading', { name: 'Live model' })).toBeVisible();
  await waitIdle(page);
  await page.unroute(TFJS_CHUNK);

  // The chunk cannot be fetched at all: the page says so, the history is still there, and a reload
  // (with the network back) brings the runtime.
  await page.route(TFJS_CHUNK, (route) => route.abort('internetdisconnected'));
  await page.reload();
  await expect(rows).toHaveCount(1);
  const failed = page
    .getByRole('status')
    .filter({ hasText: 'The model runtime (TF.js) could not be loaded' });
  await expect(failed).toBeVisible();
  await expect(page.getByRole('alert').filter({ hasText: 'could not be loaded' })).toBeVisible();
  await page.screenshot({ path: `${SHOTS}/startup-03-runtime-failed.png`, fullPage: true });
  await page.unroute(TFJS_CHUNK);
  await failed.getByRole('button', { name: 'Reload the page' }).click();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await expect(page.getByRole('heading', { name: 'Live model' })).toBeVisible();
  // The dynamic import's failure is reported on the page, not thrown into it.
  expect(errors).toEqual([]);
});
