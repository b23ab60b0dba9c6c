/**
 * Offline, end to end: after one visit the service worker holds the app, TF.js and the shipped data sets,
 * so with the network off Graft reloads, builds a model, loads a shipped data set, trains on WebGL, saves
 * and rolls back. Then a new build of the app is published and the update banner offers it; reloading
 * into it keeps every stored version.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { createModel, openTab, save, SHOTS, TRAINING, train, watchErrors } from './helpers';

const history = (page: Page) => page.getByRole('region', { name: 'History', exact: true });

/** Waits until the service worker has installed (its precache complete) and controls the page. */
async function waitForServiceWorker(page: Page): Promise<void> {
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  const state = await page.evaluate(async () => (await navigator.serviceWorker.ready).active?.state);
  expect(state).toBe('activated');
}

/** Every URL path the service worker's caches hold. */
async function cachedPaths(page: Page): Promise<string[]> {
  return page.evaluate(async () => {
    const paths: string[] = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) paths.push(new URL(request.url).pathname);
    }
    return paths.sort();
  });
}

test('after one visit Graft loads, trains, saves and rolls back with the network off', async ({
  browser,
}) => {
  test.setTimeout(360_000);
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  const page = await context.newPage();
  const errors = watchErrors(page);

  // One visit online.
  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  await waitForServiceWorker(page);
  const cached = await cachedPaths(page);
  for (const file of ['/index.html', '/manifest.webmanifest', '/icons/icon-512.png', '/datasets/iris.csv']) {
    expect(cached, `${file} is precached`).toContain(file);
  }
  expect(
    cached.some((p) => /^\/assets\/tfjs-.*\.js$/.test(p)),
    'the TF.js chunk is precached',
  ).toBe(true);
  expect(cached.filter((p) => p.startsWith('/datasets/'))).toHaveLength(12);
  expect(
    cached.filter((p) => p.includes('bench')),
    'the benchmark page is not precached',
  ).toEqual([]);

  // The network goes away: anything the worker does not hold now fails, the app itself still loads.
  await context.setOffline(true);
  const offlineFetch = await page.evaluate(() =>
    fetch('/bench/index.html').then(
      (r) => `answered ${r.status}`,
      () => 'failed',
    ),
  );
  expect(offlineFetch, 'a file that is not precached cannot be fetched offline').toBe('failed');
  const notFromWorker: string[] = [];
  page.on('response', (r) => {
    if (!r.fromServiceWorker()) notFromWorker.push(r.url());
  });
  const failed: string[] = [];
  page.on('requestfailed', (r) => failed.push(`${r.url()}: ${r.failure()?.errorText}`));
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');

  // A model, a shipped data set, training, saving: all with the network off.
  await createModel(page, /^Iris MLP/, 'Offline iris');
  await save(page, 'Iris MLP, untrained');
  await openTab(page, 'Train');
  await page.getByRole('radio', { name: /Iris flowers/ }).check();
  await expect(page.getByTestId('data-preview')).toBeVisible({ timeout: 30_000 });
  await page.getByTestId('use-dataset').click();
  await train(page, 2);
  await save(page, 'Trained offline on the iris flowers');
  await expect(history(page).getByRole('option')).toHaveCount(2);

  // Roll back to the untrained version: a third version that restores it.
  await history(page)
    .getByRole('option')
    .filter({ hasText: 'Iris MLP, untrained' })
    .click({ position: { x: 12, y: 12 } });
  await history(page).getByRole('button', { name: 'Rollback' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Rolled back to' })).toBeVisible(TRAINING);
  await expect(history(page).getByRole('option')).toHaveCount(3);
  await page.screenshot({ path: `${SHOTS}/offline-01-rolled-back.png`, fullPage: true });

  expect(notFromWorker, 'every response offline came from the service worker').toEqual([]);
  expect(failed).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
});

// ---- the update banner, with a real second build --------------------------------------------------------

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
  '.json': 'application/json',
  '.csv': 'text/csv',
  '.gz': 'application/gzip',
};

/** A plain static server over `root`, so this test can publish a new build without touching the one
 *  every other spec is served. */
async function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
    const file = path.join(root, pathname.endsWith('/') ? `${pathname}index.html` : pathname);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
          'cache-control': 'no-cache',
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the test server has no port');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

/**
 * Publishes "the next build" into the served folder the way a real rebuild changes it: index.html differs,
 * so the service worker's precache list carries a new revision for it, and the browser finds a new sw.js.
 */
async function publishNextBuild(root: string): Promise<void> {
  const indexFile = path.join(root, 'index.html');
  await writeFile(indexFile, `${await readFile(indexFile, 'utf8')}<!-- next build -->\n`);
  const swFile = path.join(root, 'sw.js');
  const sw = await readFile(swFile, 'utf8');
  const entry = /\{url:"index\.html",revision:"([0-9a-f]+)"\}/;
  const match = entry.exec(sw);
  expect(match, 'sw.js lists index.html with a revision').not.toBeNull();
  await writeFile(swFile, sw.replace(entry, `{url:"index.html",revision:"${match![1]}-next"}`));
}

test('a new build shows the update banner; Reload switches to it and every stored version is kept', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const served = test.info().project.use.baseURL ?? '';
  const dist = path.resolve(process.env.GRAFT_E2E_DIST ?? 'dist');
  const root = await mkdtemp(path.join(tmpdir(), 'graft-update-'));
  await cp(dist, root, { recursive: true });
  const { server, url } = await serve(root);
  expect(url).not.toBe(served);
  const context = await browser.newContext({ baseURL: url, viewport: { width: 1280, height: 800 } });
  try {
    const page = await context.newPage();
    const errors = watchErrors(page);
    await page.goto('/');
    await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
    await waitForServiceWorker(page);
    await createModel(page, /^Seed MLP/, 'Kept across updates');
    await save(page, 'Saved before the update');
    const versionId = await history(page).getByRole('option').first().getAttribute('data-version');
    // No banner while the running build is the newest.
    const banner = page.getByRole('status').filter({ hasText: 'A new version of Graft is ready' });
    await expect(banner).toHaveCount(0);

    await publishNextBuild(root);
    // The app checks hourly; the test asks the worker to check now, as a navigation would.
    await page.evaluate(async () => (await navigator.serviceWorker.ready).update());
    await expect(banner).toBeVisible({ timeout: 60_000 });
    await expect(banner).toContainText('Your models and versions are not affected');
    await page.screenshot({ path: `${SHOTS}/offline-02-update-banner.png`, fullPage: true });

    // Later puts it off; the next visit offers it again.
    await banner.getByRole('button', { name: 'Later' }).click();
    await expect(banner).toHaveCount(0);
    await page.reload();
    await expect(banner).toBeVisible({ timeout: 60_000 });

    // Marks this document, to tell when the page has been replaced by a new one.
    await page.evaluate(() => ((window as unknown as { oldBuild: boolean }).oldBuild = true));
    await banner.getByRole('button', { name: 'Reload' }).click();
    await page.waitForFunction(() => !(window as unknown as { oldBuild?: boolean }).oldBuild, null, {
      timeout: 60_000,
    });
    await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
    // The new build serves the page, and nothing stored changed.
    const html = await page.evaluate(() => fetch('/index.html').then((r) => r.text()));
    expect(html).toContain('<!-- next build -->');
    await expect(banner).toHaveCount(0);
    await expect(history(page).getByRole('option')).toHaveCount(1);
    expect(await history(page).getByRole('option').first().getAttribute('data-version')).toBe(versionId);
    expect(errors).toEqual([]);
  } finally {
    await context.close();
    await new Promise((resolve) => server.close(resolve));
    await rm(root, { recursive: true, force: true });
  }
});

test('two tabs opened together on a first visit are not told of an update: there is nothing older to replace', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const context = await browser.newContext({
    baseURL: test.info().project.use.baseURL,
    viewport: { width: 1280, height: 800 },
  });
  const [first, second] = [await context.newPage(), await context.newPage()];
  await Promise.all([first.goto('/'), second.goto('/')]);
  for (const page of [first, second]) {
    await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
    await waitForServiceWorker(page);
  }
  // A third tab, opened while the others run, finds the worker already in charge.
  const third = await context.newPage();
  await third.goto('/');
  await waitForServiceWorker(third);
  for (const page of [first, second, third]) {
    await expect(page.getByRole('status').filter({ hasText: 'A new version of Graft' })).toHaveCount(0);
    await expect(page.getByRole('status').filter({ hasText: 'updated in another tab' })).toHaveCount(0);
  }
  await context.close();
});
