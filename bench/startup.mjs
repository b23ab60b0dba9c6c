/**
 * The startup section of `npm run bench` (issue 16, item 4): the app's PRODUCTION build (vite.config.ts,
 * as `npm run build` makes it, into its own folder), served by `vite preview` as the e2e tests serve it,
 * opened in a fresh tab with the HTTP cache disabled and service workers blocked, over a browser profile
 * that holds one saved model. Rows:
 *
 *   startup-js-before-first-paint  gzip kB (1 kB = 1,000 bytes, gzip -9 of the built files) of the scripts
 *                                  the page requested before its first-contentful-paint entry
 *   startup-first-paint            ms to the first-contentful-paint entry
 *   startup-interactive            ms until the history lists the model's versions AND a click on a version
 *                                  is answered (the row selected and its details drawn, then a frame)
 *
 * GRAFT_STARTUP_DIST=/path measures a build already made there instead (an older commit's, for the
 * figures before a change); --no-build reuses the earlier startup build.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, preview } from 'vite';

/** The target of issue 16: no more script than this before the first paint (gzip kB). */
const JS_BEFORE_PAINT_TARGET = 150;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** The production build measured: GRAFT_STARTUP_DIST as it is, else a fresh `vite build` of the app. */
async function appBuild(root, { noBuild, log }) {
  if (process.env.GRAFT_STARTUP_DIST) return process.env.GRAFT_STARTUP_DIST;
  const outDir = join(root, 'node_modules/.cache/graft-startup-dist');
  if (noBuild) {
    if (!existsSync(join(outDir, 'index.html')))
      throw new Error(`${relative(root, outDir)} has no index.html: run without --no-build.`);
    return outDir;
  }
  log(`$ npx vite build --outDir ${relative(root, outDir)}   # the app, for the startup rows`);
  await build({
    root,
    configFile: join(root, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true },
  });
  return outDir;
}

/** gzip -9 size of every built script, by URL path. */
function gzipSizes(dist) {
  const sizes = new Map();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.js'))
        sizes.set(
          `/${relative(dist, path).split('\\').join('/')}`,
          gzipSync(readFileSync(path), { level: 9 }).length,
        );
    }
  };
  walk(dist);
  return sizes;
}

/**
 * Runs in the page before its own scripts: marks when the history lists versions, then (after that list's
 * frame, as a person could) clicks the first version and marks when its details are drawn; marks when the
 * live model is on screen (the Model tab's probe fingerprint).
 */
function instrument() {
  const marks = {};
  window.__startup = marks;
  const afterFrame = (fn) => requestAnimationFrame(() => setTimeout(fn, 0));
  let clicked = null;
  const watch = new MutationObserver(() => {
    if (marks.liveModel === undefined && document.querySelector('[data-testid="probe-fingerprint"]'))
      marks.liveModel = performance.now();
    if (marks.listed === undefined) {
      const row = document.querySelector('[role="listbox"] [data-version]');
      if (!row) return;
      marks.listed = performance.now();
      afterFrame(() => {
        const target = document.querySelector('[role="listbox"] [data-version]');
        clicked = target?.getAttribute('data-version') ?? null;
        marks.clicked = performance.now();
        target?.click();
      });
    }
    if (clicked && marks.answered === undefined) {
      const details = document.querySelector(`[aria-labelledby="details-title-${clicked}"]`);
      const row = document.querySelector(`[data-version="${clicked}"][aria-selected="true"]`);
      if (details && row) {
        marks.answeredInDom = performance.now();
        afterFrame(() => (marks.answered = performance.now()));
      }
    }
  });
  watch.observe(document, { childList: true, subtree: true, attributes: true });
}

/** One saved model in the profile: created from the first template and saved, as a person would. */
async function seed(context, url) {
  const page = await context.newPage();
  await page.goto(url);
  await page.getByRole('button', { name: 'Create model' }).click({ timeout: 120_000 });
  await page.getByRole('textbox', { name: 'Message' }).fill('Startup bench: the first version');
  await page.getByRole('button', { name: 'Save version' }).click();
  await page.getByRole('status').filter({ hasText: 'Saved version' }).waitFor({ timeout: 120_000 });
  await page.close();
}

/** One cold start: a new tab, no HTTP cache, no service worker; returns its marks and script requests. */
async function coldStart(context, url) {
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.clearBrowserCache');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await page.addInitScript(instrument);
  await page.goto(url);
  await page.waitForFunction(
    () => window.__startup?.answered !== undefined && window.__startup?.liveModel !== undefined,
    null,
    { timeout: 180_000, polling: 100 },
  );
  const run = await page.evaluate(() => ({
    marks: window.__startup,
    firstPaint: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    scripts: performance
      .getEntriesByType('resource')
      .filter((r) => new URL(r.name).pathname.endsWith('.js'))
      .map((r) => ({ path: new URL(r.name).pathname, start: r.startTime })),
  }));
  await page.close();
  return run;
}

/**
 * The startup rows, measured `reps` times each on the app's production build. `browser` is the bench's
 * Chromium; `log` prints a line.
 */
export async function benchStartup({ browser, root, reps, noBuild, freePort, log }) {
  const dist = await appBuild(root, { noBuild, log });
  const sizes = gzipSizes(dist);
  const port = await freePort();
  const server = await preview({
    root,
    configFile: false,
    logLevel: 'warn',
    build: { outDir: dist },
    preview: { port, strictPort: true, host: '127.0.0.1', open: false },
  });
  const url = `http://127.0.0.1:${port}/`;
  log(`Startup: serving ${dist} at ${url}`);
  const context = await browser.newContext({
    serviceWorkers: 'block',
    viewport: { width: 1280, height: 800 },
  });
  try {
    // The guided tour would cover the page: start as after a person skipped it.
    await context.addInitScript(() => {
      if (localStorage.getItem('graft.tour') === null)
        localStorage.setItem('graft.tour', JSON.stringify({ status: 'skipped', step: 0 }));
    });
    await seed(context, url);
    // One untimed start first: the browser's own first-run work (its processes, fonts) is not the app's.
    await coldStart(context, url);
    const runs = [];
    for (let i = 0; i < reps; i++) {
      const run = await coldStart(context, url);
      const before = run.scripts.filter((s) => s.start < run.firstPaint);
      const kb = before.reduce((n, s) => n + (sizes.get(s.path) ?? 0), 0) / 1000;
      const tfjs = run.scripts.find((s) => /\/assets\/tfjs-[\w-]+\.js$/.test(s.path));
      runs.push({ ...run, kb, before: before.map((s) => s.path), tfjsAt: tfjs?.start ?? null });
      log(
        `startup run ${i + 1}: first paint ${round(run.firstPaint)} ms, listed ${round(run.marks.listed)}, ` +
          `click answered ${round(run.marks.answered)} (clicked ${round(run.marks.clicked)}), live model ` +
          `${round(run.marks.liveModel)}, TF.js requested ${tfjs ? round(tfjs.start) : '–'}; ` +
          `${before.length} scripts before the paint, ${round(kb)} kB gzip`,
      );
    }
    const firstPaint = median(runs.map((r) => r.firstPaint));
    const interactive = median(runs.map((r) => r.marks.answered));
    const liveModel = median(runs.map((r) => r.marks.liveModel));
    const tfjsAt = runs.every((r) => r.tfjsAt !== null) ? median(runs.map((r) => r.tfjsAt)) : null;
    const kb = median(runs.map((r) => r.kb));
    const tfjsAfterPaint = runs.every((r) => r.tfjsAt !== null && r.tfjsAt > r.firstPaint);
    const list = (xs) => xs.map((x) => round(x)).join(', ');
    const scripts = runs[runs.length - 1].before.map(
      (p) => `${p.replace(/^\/assets\//, '')} ${round((sizes.get(p) ?? 0) / 1000)}`,
    );
    const how = `Production build (${relative(root, dist) || dist}) served by vite preview; a new tab per run with the HTTP cache disabled (DevTools' "Disable cache") and service workers blocked, over a profile holding one saved model; median of ${reps} runs after one untimed.`;
    return [
      {
        section: 'startup',
        name: 'startup-js-before-first-paint',
        value: round(kb),
        unit: 'kB gzip',
        baseline: JS_BEFORE_PAINT_TARGET,
        ratio: round(JS_BEFORE_PAINT_TARGET / kb, 2),
        target: `≤ ${JS_BEFORE_PAINT_TARGET} kB`,
        met: kb <= JS_BEFORE_PAINT_TARGET,
        note: `Scripts requested before the first-contentful-paint entry, sized as gzip -9 of the built files (1 kB = 1,000 bytes); CSS not counted. Last run's (kB): ${scripts.join('; ')}. Runs: ${list(runs.map((r) => r.kb))}. ${how}`,
        samples: { value: runs.map((r) => r.kb), baseline: [] },
      },
      {
        section: 'startup',
        name: 'startup-first-paint',
        value: round(firstPaint),
        unit: 'ms',
        baseline: tfjsAt === null ? 0 : round(tfjsAt),
        ratio: tfjsAt === null ? 0 : round(tfjsAt / firstPaint, 2),
        target: 'reference (TF.js requested after it)',
        met: tfjsAfterPaint,
        note: `The first-contentful-paint entry's time. baseline: when the TF.js chunk was requested (median); met = in every run TF.js was requested after the first paint. Runs: ${list(runs.map((r) => r.firstPaint))} ms; TF.js requested at ${list(runs.map((r) => r.tfjsAt ?? NaN))} ms. ${how}`,
        samples: { value: runs.map((r) => r.firstPaint), baseline: runs.map((r) => r.tfjsAt ?? NaN) },
      },
      {
        section: 'startup',
        name: 'startup-interactive',
        value: round(interactive),
        unit: 'ms',
        baseline: round(liveModel),
        ratio: round(liveModel / interactive, 2),
        target: 'reference',
        met: null,
        note: `Interactive: the history lists the model's versions and a click on a version (made one frame after the list appeared) is answered — the row selected and the version's details drawn, then a frame. baseline: when the live model is on the Model tab (TF.js loaded, backend started, the head checked out). Runs: ${list(runs.map((r) => r.marks.answered))} ms (list shown at ${list(runs.map((r) => r.marks.listed))}, live model at ${list(runs.map((r) => r.marks.liveModel))}). ${how}`,
        samples: { value: runs.map((r) => r.marks.answered), baseline: runs.map((r) => r.marks.liveModel) },
      },
    ];
  } finally {
    await context.close().catch(() => undefined);
    await server.close();
  }
}
