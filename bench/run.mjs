/**
 * `npm run bench`: builds the bench page with its own Vite config (bench/vite.config.ts; the app's build
 * has no bench page) into node_modules/.cache/graft-bench-dist (never the shared dist/), serves it with
 * `vite preview` on a free port, runs bench/index.html in headless Chromium, prints the figures and writes
 * bench/results.json.
 *
 * Flags: --no-build (reuse the earlier bench build), --reps N (default 3, the minimum; 5 takes
 * about 6-8 min on a quiet 2-core machine), --backend cpu|webgl (the storage figures' backend, default
 * cpu; training is measured on both), --only storage,training,bundles,history,startup,large (some
 * sections; the results of the others are kept from the previous results.json), --strict (exit 1 when a
 * target is missed), --timeout-min M (default 30). The startup section measures the app's own production
 * build, not the bench page (bench/startup.mjs; GRAFT_STARTUP_DIST measures a build made elsewhere). The
 * large section (a 1 GiB model, bench/largeRun.mjs: about 2-3 min, a browser of about 3.5 GiB, 6 GiB free
 * in the temp folder) runs last; leave it out with --only when the machine lacks the room.
 * Env: CHROMIUM_PATH picks the browser; else /usr/bin/chromium if present; else Playwright's own.
 * GRAFT_BENCH_DIST builds and serves from another folder; GRAFT_BENCH_NO_TRACE=1 runs without the
 * DevTools trace (wall-clock figures without the tracer's overhead, no CPU figures).
 * Exit status: 0 when the page finished, 1 when it threw, crashed or timed out (or a target was missed
 * under --strict).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';
import { build, preview } from 'vite';
import { benchLarge } from './largeRun.mjs';
import { benchStartup } from './startup.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '..');
const resultsPath = join(here, 'results.json');

const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
function option(name, fallback) {
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  if (eq) return eq.slice(name.length + 1);
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1] : fallback;
}
const reps = Math.max(3, Math.floor(Number(option('--reps', '3'))) || 3);
const backend = option('--backend', 'cpu') === 'webgl' ? 'webgl' : 'cpu';
const timeoutMs = Number(option('--timeout-min', '30')) * 60_000;
const SECTIONS = ['storage', 'training', 'bundles', 'history', 'startup', 'large'];
/** What a plain `npm run bench` runs: every section, the large one last (it takes minutes and gigabytes). */
const DEFAULT_SECTIONS = SECTIONS;
/**
 * The sections bench/index.html runs in one page; `startup` runs the app itself (bench/startup.mjs) and
 * `large` browsers of its own (bench/largeRun.mjs).
 */
const PAGE_SECTIONS = SECTIONS.filter((s) => s !== 'startup' && s !== 'large');
const only = option('--only', DEFAULT_SECTIONS.join(','))
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean);
const unknownSection = only.find((s) => !SECTIONS.includes(s));
if (unknownSection) {
  console.error(`--only: unknown section "${unknownSection}"; pick from ${SECTIONS.join(', ')}.`);
  process.exit(2);
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/** The bench page's own build (bench/vite.config.ts): the app's dist/ is never written or served. */
// GRAFT_BENCH_DIST: another folder, so that two benches can run from one tree without sharing a build.
const benchDist = process.env.GRAFT_BENCH_DIST ?? join(root, 'node_modules/.cache/graft-bench-dist');

/** Builds the bench page with its own Vite config and returns the folder to serve. */
async function buildForBench() {
  console.log(`$ npx vite build -c bench/vite.config.ts --outDir ${relative(root, benchDist)}`);
  await build({ configFile: join(here, 'vite.config.ts'), build: { outDir: benchDist, emptyOutDir: true } });
  return benchDist;
}

/** With --no-build: the earlier bench build. */
function existingBuild() {
  if (!existsSync(join(benchDist, 'bench/index.html')))
    throw new Error(`${relative(root, benchDist)} has no bench/index.html: run without --no-build.`);
  return benchDist;
}

/** The section an entry belongs to (entries written before sections were recorded: by their name). */
function sectionOf(entry) {
  if (entry.section) return entry.section;
  if (entry.name.startsWith('history-')) return 'history';
  if (entry.name.startsWith('train-')) return 'training';
  if (entry.name.startsWith('bundle-')) return 'bundles';
  if (entry.name.startsWith('startup-')) return 'startup';
  if (entry.name.startsWith('large-')) return 'large';
  return 'storage';
}

/** This run's results, after the previous results.json's entries of the sections not run this time. */
function mergeResults(fresh) {
  if (only.length === SECTIONS.length || !existsSync(resultsPath)) return fresh;
  let previous;
  try {
    previous = JSON.parse(readFileSync(resultsPath, 'utf8'));
  } catch {
    return fresh;
  }
  const kept = previous.filter((e) => !only.includes(sectionOf(e)));
  return SECTIONS.flatMap((section) => [...kept, ...fresh].filter((e) => sectionOf(e) === section));
}

function fmt(x, unit) {
  if (typeof x !== 'number' || !Number.isFinite(x)) return String(x);
  if (unit === 'bytes') return Math.round(x).toLocaleString('en-US');
  return x.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
}

function table(header, rows, rightAligned) {
  const all = [header, ...rows];
  const widths = header.map((_, c) => Math.max(...all.map((r) => String(r[c]).length)));
  const line = (r) =>
    r
      .map((cell, c) =>
        rightAligned.has(c) ? String(cell).padStart(widths[c]) : String(cell).padEnd(widths[c]),
      )
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function printReport(report, browserVersion) {
  const m = report.meta;
  console.log('');
  console.log(`Browser:  ${browserVersion}${m.userAgent ? ` (${m.userAgent})` : ''}`);
  // A run of the startup section alone opens no bench page, so it has no backend or TF.js to report.
  if (m.backend) {
    console.log(
      `Backend:  ${m.backend}${m.backend !== m.requestedBackend ? ` (requested ${m.requestedBackend})` : ''}`,
    );
    console.log(`TF.js:    ${m.tfjs}`);
  }
  if (m.storageModel) {
    const sm = m.storageModel;
    console.log(`Model:    ${sm.layers}, ${sm.params.toLocaleString('en-US')} params`);
    console.log(
      `Weights:  ${sm.tensors} tensors, ${sm.weightBytes.toLocaleString('en-US')} bytes (${(sm.weightBytes / 2 ** 20).toFixed(2)} MiB); ` +
        `head ${sm.headTensors} tensors, ${sm.headBytes.toLocaleString('en-US')} bytes`,
    );
  }
  console.log(`Sections: ${m.sections.join(', ')}`);
  console.log(
    `Runs:     median of ${m.reps}, Graft and baseline interleaved; page took ${(m.totalMs / 1000).toFixed(1)} s`,
  );
  console.log('');
  const rows = report.results.map((r) => [
    r.name,
    fmt(r.value, r.unit),
    r.unit,
    fmt(r.baseline, r.unit),
    r.ratio.toFixed(r.unit === 'bytes' ? 4 : 2),
    r.target,
    r.met === null ? '-' : r.met ? 'yes' : 'NO',
  ]);
  console.log(
    table(['name', 'value', 'unit', 'baseline', 'ratio', 'target', 'met?'], rows, new Set([1, 3, 4])),
  );
  console.log('');
  console.log(
    'ratio: for ms, baseline ÷ Graft (above 1 = Graft faster); for others, see the note in results.json.',
  );
  if (!report.breakdown.length) return;
  console.log('');
  console.log('Where the time goes (each part alone, median ms):');
  console.log(
    table(
      ['part', 'ms', 'runs'],
      report.breakdown.map((b) => [
        b.name,
        fmt(b.ms, 'ms'),
        b.samples.length > 6 ? `${b.samples.length} runs` : b.samples.join(', '),
      ]),
      new Set([1]),
    ),
  );
}

/**
 * Gives the page `window.__benchTrace('start' | 'stop')`: a Chromium trace of its renderer, summarised on
 * stop as the main thread's tasks with their wall-clock and thread-CPU durations (see bench/util.ts).
 */
async function exposeTracing(page) {
  const cdp = await page.context().newCDPSession(page);
  let events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  await page.exposeFunction('__benchTrace', async (action) => {
    if (action === 'start') {
      events = [];
      await cdp.send('Tracing.start', {
        categories: 'toplevel,devtools.timeline,__metadata',
        transferMode: 'ReportEvents',
      });
      return null;
    }
    const complete = new Promise((resolveComplete) => cdp.once('Tracing.tracingComplete', resolveComplete));
    await cdp.send('Tracing.end');
    await complete;
    return summariseMainThread(events);
  });
}

/** The busiest CrRendererMain thread in a trace: its top-level tasks and animation frames. */
function summariseMainThread(events) {
  const mains = events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const isTask = (e) =>
    e.ph === 'X' &&
    (e.name === 'ThreadControllerImpl::RunTask' || e.name === 'RunTask') &&
    e.dur !== undefined;
  let best = null;
  for (const m of mains) {
    const tasks = events.filter((e) => e.pid === m.pid && e.tid === m.tid && isTask(e));
    if (!best || tasks.length > best.tasks.length) best = { m, tasks };
  }
  if (!best) return null;
  const { m, tasks } = best;
  const frames = events.filter(
    (e) => e.pid === m.pid && e.tid === m.tid && e.name === 'FireAnimationFrame',
  ).length;
  const sum = (key) => tasks.reduce((n, e) => n + (e[key] ?? 0), 0) / 1000;
  const max = (key) => tasks.reduce((n, e) => Math.max(n, e[key] ?? 0), 0) / 1000;
  // Every thread's CPU in top-level tasks, by name: where the machine's time went besides the main thread.
  const names = new Map(
    events.filter((e) => e.name === 'thread_name').map((e) => [`${e.pid}:${e.tid}`, e.args?.name ?? '?']),
  );
  const byThread = new Map();
  for (const e of events) {
    if (!isTask(e) || e.tdur === undefined) continue;
    const name = (names.get(`${e.pid}:${e.tid}`) ?? 'unnamed').replace(/\d+$/, '');
    byThread.set(name, (byThread.get(name) ?? 0) + e.tdur / 1000);
  }
  const threads = Object.fromEntries(
    [...byThread].sort((a, b) => b[1] - a[1]).map(([n, ms]) => [n, Math.round(ms)]),
  );
  return {
    threads,
    tasks: tasks.length,
    wallMs: sum('dur'),
    cpuMs: sum('tdur'),
    frames,
    longestWallMs: max('dur'),
    longestCpuMs: max('tdur'),
  };
}

async function main() {
  const pageSections = only.filter((s) => PAGE_SECTIONS.includes(s));
  let outDir = null;
  if (pageSections.length || only.includes('large')) {
    outDir = flag('--no-build') ? existingBuild() : await buildForBench();
    console.log(`Serving ${relative(root, outDir)}/`);
  }

  const port = await freePort();
  // Only static files are served, so no Vite config is loaded (it would start the Svelte plugin for nothing).
  const server = outDir
    ? await preview({
        root,
        configFile: false,
        logLevel: 'warn',
        build: { outDir },
        preview: { port, strictPort: true, host: '127.0.0.1', open: false },
      })
    : null;
  const executablePath =
    process.env.CHROMIUM_PATH || (existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined);
  const launch = {
    executablePath,
    headless: true,
    args: [
      '--use-angle=swiftshader',
      // Training is measured on WebGL whatever --backend says; here WebGL is SwiftShader.
      '--enable-unsafe-swiftshader',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      // Lets the page collect garbage before each timed run, for both sides alike.
      '--js-flags=--expose-gc',
    ],
  };
  // The bench page runs on a profile on disk, as a user's browser has, not Playwright's default
  // off-the-record context: there IndexedDB lives in memory, its blobs count against Chromium's 500 MiB
  // in-memory blob limit, and a deleted database never gives its blobs back, so after about 500 MiB written
  // in one page every new blob reads back as NotReadableError (the storage section writes and deletes
  // 64 MiB per run). The startup section opens fresh contexts of a browser of its own (cold caches).
  const profile = pageSections.length ? mkdtempSync(join(tmpdir(), 'graft-bench-profile-')) : null;
  let context = null;
  let browser = null;
  try {
    let browserVersion = '';
    let report = { meta: { sections: [], reps, totalMs: 0 }, results: [], breakdown: [] };
    if (pageSections.length && profile) {
      context = await chromium.launchPersistentContext(profile, launch);
      const page = context.pages()[0] ?? (await context.newPage());
      browserVersion = (await (await context.newCDPSession(page)).send('Browser.getVersion')).product;
      console.log(
        `${browserVersion} from ${executablePath ?? "Playwright's own install"}, profile ${profile}`,
      );
      report = await runPage(page, port);
    }
    if (only.includes('startup')) {
      browser = await chromium.launch(launch);
      browserVersion ||= `Chromium ${browser.version()}`;
      const started = performance.now();
      const rows = await benchStartup({
        browser,
        root,
        reps,
        noBuild: flag('--no-build'),
        freePort,
        log: (line) => console.log(line),
      });
      report.results.push(...rows);
      report.meta.sections = [...report.meta.sections, 'startup'];
      report.meta.totalMs += performance.now() - started;
    }

    if (only.includes('large')) {
      const started = performance.now();
      const { rows, version } = await benchLarge({
        launch,
        url: `http://127.0.0.1:${port}/bench/index.html?large`,
        log: (line) => console.log(line),
      });
      browserVersion ||= version;
      report.results.push(...rows);
      report.meta.sections = [...report.meta.sections, 'large'];
      report.meta.totalMs += performance.now() - started;
    }

    writeFileSync(resultsPath, `${JSON.stringify(mergeResults(report.results), null, 2)}\n`);
    printReport(report, browserVersion);
    console.log('');
    console.log(`Wrote ${resultsPath}`);
    const missed = report.results.filter((r) => r.met === false).map((r) => r.name);
    if (missed.length) console.log(`Targets missed: ${missed.join(', ')}`);
    if (missed.length && flag('--strict')) process.exitCode = 1;
  } finally {
    await context?.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  }
}

/** Runs bench/index.html (the storage, training, bundles and history sections) in `page` and returns its report. */
async function runPage(page, port) {
  let failure = null;
  const failed = new Promise((_, reject) => {
    page.on('pageerror', (e) => {
      console.error(`[page error] ${e.stack ?? e.message}`);
      failure ??= e;
      reject(e);
    });
    page.on('crash', () => reject(new Error('The bench page crashed (out of memory?).')));
  });
  failed.catch(() => undefined);
  page.on('console', (msg) => {
    const text = `[page] ${msg.text()}`;
    if (msg.type() === 'error') console.error(text);
    else console.log(text);
  });

  if (!process.env.GRAFT_BENCH_NO_TRACE) await exposeTracing(page);
  const sections = only.filter((s) => PAGE_SECTIONS.includes(s));
  const url = `http://127.0.0.1:${port}/bench/index.html?backend=${backend}&reps=${reps}&only=${sections.join(',')}`;
  console.log(`Opening ${url}`);
  await page.goto(url);
  await page.waitForFunction(() => window.__benchDone !== undefined, null, { timeout: 60_000 });
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`The bench did not finish in ${timeoutMs / 60_000} min.`)),
      timeoutMs,
    );
  });
  const report = await Promise.race([page.evaluate(() => window.__benchDone), failed, timeout]).finally(() =>
    clearTimeout(timer),
  );
  if (failure) throw failure;
  return report;
}

main().catch((e) => {
  console.error(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
});
