/**
 * No network at all: a whole session — every tab, every shipped data set, training on WebGL, the CPU
 * backend, saving, a bundle exported and imported back, a reload served by the service worker — during
 * which every request the page or its service worker makes is watched. Any request to another origin fails
 * the test, and so does any Content-Security-Policy violation.
 */
import { readFile } from 'node:fs/promises';
import { expect, test, type BrowserContext, type Request } from '@playwright/test';
import { createModel, openTab, save, SHOTS, TRAINING, train, watchErrors } from './helpers';

interface Seen {
  readonly url: string;
  readonly fromWorker: boolean;
}

/** Records every request in the context, the service worker's included. */
function watchRequests(context: BrowserContext): Seen[] {
  const seen: Seen[] = [];
  context.on('request', (r: Request) => seen.push({ url: r.url(), fromWorker: r.serviceWorker() !== null }));
  return seen;
}

/** Requests that left `origin`. blob: and data: URLs are the page's own memory, not the network. */
function foreign(seen: readonly Seen[], origin: string): string[] {
  return seen
    .map((s) => s.url)
    .filter((url) => !url.startsWith('blob:') && !url.startsWith('data:') && new URL(url).origin !== origin);
}

/** Collects Content-Security-Policy violations from every page and frame of the context, and console
 *  messages about the policy (a directive the browser ignores is reported only there). */
async function watchCsp(context: BrowserContext): Promise<string[]> {
  const violations: string[] = [];
  await context.exposeBinding('__graftCspViolation', (_source, text: string) => violations.push(text));
  await context.addInitScript(() => {
    const report = (window as unknown as { __graftCspViolation: (text: string) => void }).__graftCspViolation;
    document.addEventListener('securitypolicyviolation', (e) =>
      report(
        `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
      ),
    );
  });
  context.on('console', (m) => {
    if (/Content.Security.Policy/i.test(m.text())) violations.push(`console ${m.type()}: ${m.text()}`);
  });
  return violations;
}

test('a whole session makes no request to another origin and breaks no rule of the Content-Security-Policy', async ({
  browser,
}, testInfo) => {
  test.setTimeout(420_000);
  const baseURL = testInfo.project.use.baseURL ?? '';
  const origin = new URL(baseURL).origin;
  const context = await browser.newContext({
    baseURL,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
  });
  const seen = watchRequests(context);
  const csp = await watchCsp(context);
  const page = await context.newPage();
  const errors = watchErrors(page);

  await page.goto('/');
  await expect(page.getByTestId('backend')).toHaveText('Backend: webgl');
  const policy = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
  expect(policy).toContain("default-src 'self'");
  expect(policy).not.toContain("'unsafe-eval'");
  expect(policy).not.toContain('unsafe-inline');

  // A model, and every tab.
  await createModel(page, /^Iris MLP/, 'Watched');
  await save(page, 'Iris MLP, untrained');
  for (const tab of ['Model', 'Train', 'Compare', 'Share'] as const) await openTab(page, tab);

  // Every shipped data set, fetched from the page's own origin.
  await openTab(page, 'Train');
  for (const name of [
    /Handwritten digits/,
    /Wine/,
    /Breast cancer/,
    /Diabetes progression/,
    /Iris flowers/,
  ]) {
    await page.getByRole('radio', { name }).check();
    await expect(page.getByTestId('data-preview')).toBeVisible({ timeout: 30_000 });
  }
  expect(seen.filter((s) => new URL(s.url).pathname.startsWith('/datasets/')).length).toBeGreaterThanOrEqual(
    5,
  );

  // Train on WebGL and save.
  await page.getByTestId('use-dataset').click();
  await train(page, 2);
  await save(page, 'Trained under the policy');

  // The CPU backend runs too: evaluate the live model on it.
  await page.getByRole('combobox', { name: 'Backend' }).selectOption('cpu');
  await expect(page.getByTestId('backend')).toHaveText('Backend: cpu');
  const ask = page.getByRole('region', { name: 'Evaluate and try' });
  await ask.getByRole('button', { name: 'Evaluate' }).click();
  await expect(ask.getByTestId('eval-accuracy')).toHaveText(/^\d+\.\d%$/, TRAINING);

  // Export a bundle (a blob: download) and import it back (a file read): nothing new, nothing sent.
  await openTab(page, 'Share');
  await page.getByLabel('Whole repository').check();
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: 'Export bundle' }).click();
  const file = await download;
  const bundlePath = testInfo.outputPath(file.suggestedFilename());
  await file.saveAs(bundlePath);
  const bytes = await readFile(bundlePath);
  expect(bytes.subarray(0, 4).toString('hex'), 'the bundle is a zip').toBe('504b0304');
  await page.getByLabel('Import bundle…').setInputFiles(bundlePath);
  const report = page.getByTestId('import-report');
  await expect(report.getByTestId('report-nothing-changed')).toBeVisible({ timeout: 60_000 });
  await expect(report.getByTestId('report-existing')).toHaveText('2');
  await page.screenshot({ path: `${SHOTS}/network-01-session.png`, fullPage: true });

  // A reload, now through the service worker, which fetched its precache from the same origin.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 60_000 });
  await page.reload();
  await expect(page.getByTestId('backend')).toHaveText(/Backend: (webgl|cpu)/);
  await expect(page.getByRole('region', { name: 'History', exact: true }).getByRole('option')).toHaveCount(2);

  const workerRequests = seen.filter((s) => s.fromWorker).length;
  const watched = `${seen.length} (${workerRequests} by the service worker)`;
  testInfo.annotations.push({ type: 'requests watched', description: watched });
  console.log(`network.spec: requests watched: ${watched}`);
  expect(workerRequests, 'the service worker’s own requests are watched too').toBeGreaterThan(0);
  expect(foreign(seen, origin), 'requests that left the page’s origin').toEqual([]);
  expect(csp, 'Content-Security-Policy violations').toEqual([]);
  expect(errors).toEqual([]);

  // The watchers do catch what they watch for: the policy refuses a request to another origin, and a page
  // without the policy that makes one is seen.
  await page.evaluate(() => {
    const img = new Image();
    img.src = 'http://127.0.0.1:9/graft-probe.png';
    document.body.append(img);
  });
  await expect.poll(() => csp.join('\n')).toContain('img-src blocked http://127.0.0.1:9/graft-probe.png');
  const other = await context.newPage();
  await other.setContent('<img src="http://127.0.0.1:9/graft-probe-2.png">');
  await expect.poll(() => foreign(seen, origin)).toContain('http://127.0.0.1:9/graft-probe-2.png');
  await context.close();
});
