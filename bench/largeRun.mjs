/**
 * The large section of `npm run bench -- --only large` (issue 16, item 1): a model with 1 GiB of float32
 * weights (bench/large.ts) committed, checked out, exported as a bundle and downloaded in one browser
 * profile, then imported from the downloaded file into a fresh, empty profile, verified and checked out
 * there; TF.js's `indexeddb://` save and load of the same model beside it. Each step runs alone while the
 * browser's memory is sampled from /proc (PSS of every process of that profile's browser), so a row says
 * how far above its idle level each step took the page's renderer and the whole browser.
 *
 * A failure (an exception, a crashed tab, a dead browser) is a result: its row is met=false with the error
 * in the note, and the steps that do not depend on it still run (on a new page where the tab crashed).
 * Everything written (two profiles, the 1 GiB bundle) lives in one temporary folder, removed at the end.
 */
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statfsSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from '@playwright/test';

const MiB = 2 ** 20;
const GiB = 2 ** 30;
/** Two profiles holding the model (one also TF.js's copy) and the bundle, with room to spare. */
const DISK_NEEDED = 6 * GiB;
const SAMPLE_EVERY_MS = 75;
/** How often the process tree is listed again (a crashed renderer is replaced by a new process). */
const RESCAN_EVERY_MS = 500;
const STEP_TIMEOUT_MS = 15 * 60_000;
/** How long each browser runs before the first step (see Session.open). */
const SETTLE_AFTER_LAUNCH_MS = 10_000;
/** A little over blobDigests.ts's IDLE_MS, after which the export's hashing workers end. */
const WORKERS_IDLE_MS = 16_000;
/** The issue's target: no step takes the renderer more than this many model sizes above its idle level. */
const PEAK_TARGET = 2;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const round = (x, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const mib = (bytes) => `${Math.round(bytes / MiB).toLocaleString('en-US')} MiB`;
/** A change in memory, signed: "+1,024 MiB", "−3 MiB". */
const delta = (bytes) => `${Math.round(bytes / MiB) < 0 ? '−' : '+'}${mib(Math.abs(bytes))}`;
/** An error's first line, without a closing full stop (notes add their own). */
const message = (e) => (e instanceof Error ? e.message : String(e)).split('\n')[0].trim().replace(/\.$/, '');

// ---- the browser's memory, as the OS sees it ------------------------------------------------------

function readProc(pid, file) {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}

/** A process's arguments. Chromium's child processes rewrite their title, joining them with spaces. */
const argsOf = (pid) => (readProc(pid, 'cmdline') ?? '').split(/[\0 ]/);

/** Every process's parent, from /proc/<pid>/stat (the field after the state, past the name's parenthesis). */
function parents() {
  const map = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readProc(name, 'stat');
    if (stat) map.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  return map;
}

/** What a Chromium process does: browser, renderer, gpu, storage (IndexedDB), network, utility or zygote. */
function kindOf(pid, root) {
  if (pid === root) return 'browser';
  const args = argsOf(pid);
  const type = args.find((a) => a.startsWith('--type='))?.slice('--type='.length);
  if (type === 'renderer' || type === 'zygote') return type;
  if (type === 'gpu-process') return 'gpu';
  const sub = args.find((a) => a.startsWith('--utility-sub-type=')) ?? '';
  if (sub.includes('StorageService')) return 'storage';
  if (sub.includes('NetworkService')) return 'network';
  return 'utility';
}

/** Proportional set size (shared pages split among their users); resident size where PSS is not readable. */
function memoryOf(pid) {
  const pss = /^Pss:\s+(\d+) kB/m.exec(readProc(pid, 'smaps_rollup') ?? '');
  if (pss) return { bytes: Number(pss[1]) * 1024, how: 'PSS' };
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(readProc(pid, 'status') ?? '');
  return rss ? { bytes: Number(rss[1]) * 1024, how: 'RSS' } : null;
}

const KINDS = ['renderer', 'browser', 'storage', 'gpu', 'network', 'utility', 'zygote'];

/**
 * Samples the memory of one profile's browser every SAMPLE_EVERY_MS: the browser process (its command line
 * names the profile and no --type) and all its descendants, summed by kind. `peak` holds, since the last
 * `startPeak`, each kind's and the total's highest sum.
 */
class BrowserMemory {
  #profile;
  #root = null;
  #procs = new Map();
  #scannedAt = 0;
  #timer = null;
  #peak = null;
  how = 'PSS';
  last = null;

  constructor(profile) {
    this.#profile = profile;
  }

  start() {
    this.#root = null;
    this.#scannedAt = 0;
    this.sample();
    if (this.#root === null) throw new Error(`No browser process runs with --user-data-dir=${this.#profile}`);
    this.#timer ??= setInterval(() => this.sample(), SAMPLE_EVERY_MS);
  }

  stop() {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  #scan() {
    const tree = parents();
    if (this.#root === null || !tree.has(this.#root)) {
      this.#root = null;
      const flag = `--user-data-dir=${this.#profile}`;
      for (const pid of tree.keys()) {
        const args = argsOf(pid);
        if (args.includes(flag) && !args.some((a) => a.startsWith('--type='))) this.#root = pid;
      }
    }
    this.#procs = new Map();
    if (this.#root === null) return;
    const children = new Map();
    for (const [pid, ppid] of tree) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
    const queue = [this.#root];
    while (queue.length) {
      const pid = queue.shift();
      this.#procs.set(pid, kindOf(pid, this.#root));
      queue.push(...(children.get(pid) ?? []));
    }
    this.#scannedAt = performance.now();
  }

  /** One reading now: bytes by kind, the total, and the largest single renderer. */
  sample() {
    if (performance.now() - this.#scannedAt > RESCAN_EVERY_MS) this.#scan();
    const byKind = Object.fromEntries(KINDS.map((k) => [k, 0]));
    let total = 0;
    let gone = false;
    for (const [pid, kind] of this.#procs) {
      const m = memoryOf(pid);
      if (!m) {
        gone = true;
        continue;
      }
      if (m.how !== 'PSS') this.how = m.how;
      byKind[kind] += m.bytes;
      total += m.bytes;
    }
    if (gone) this.#scannedAt = 0;
    const s = { ...byKind, total, at: performance.now() };
    this.last = s;
    if (this.#peak) for (const k of [...KINDS, 'total']) this.#peak[k] = Math.max(this.#peak[k], s[k]);
    return s;
  }

  startPeak() {
    this.#peak = { ...this.sample() };
  }

  endPeak() {
    this.sample();
    const peak = this.#peak;
    this.#peak = null;
    return peak;
  }
}

// ---- driving the page ------------------------------------------------------------------------------

/** Rejects after `ms` (a step that hangs is a failure, not a stuck bench). */
function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish in ${ms / 60_000} min`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One profile's browser with the large page open in it, reopened where its tab or browser died. */
class Session {
  #launch;
  #url;
  #log;
  #name;
  profile;
  context = null;
  page = null;
  memory;
  launchedAt = 0;
  /** Set when the browser itself went away (a persistent context has no Browser to ask). */
  #browserGone = false;
  events = [];

  constructor({ profile, launch, url, log, name }) {
    this.profile = profile;
    this.#launch = launch;
    this.#url = url;
    this.#log = log;
    this.#name = name;
    this.memory = new BrowserMemory(profile);
  }

  get healthy() {
    return this.page !== null && !this.page.isClosed() && !this.events.includes('crash');
  }

  /** Opens (or reopens) the page; `empty` starts the profile's store empty. */
  async open({ empty }) {
    if (!this.context || this.#browserGone) {
      if (this.context) await this.context.close().catch(() => undefined);
      this.#browserGone = false;
      this.launchedAt = performance.now();
      this.context = await chromium.launchPersistentContext(this.profile, {
        ...this.#launch,
        acceptDownloads: true,
      });
      this.context.on('close', () => {
        this.#browserGone = true;
        this.events.push('the browser closed');
      });
    }
    this.events = [];
    const page = this.context.pages().find((p) => !p.isClosed()) ?? (await this.context.newPage());
    page.on('crash', () => {
      this.events.push('crash');
      this.#log(`[${this.#name}] the tab crashed`);
    });
    page.on('pageerror', (e) => this.#log(`[${this.#name} page error] ${e.stack ?? e.message}`));
    page.on('console', (m) => this.#log(`[${this.#name} page] ${m.text()}`));
    await page.goto(this.#url);
    await page.waitForFunction(() => window.__large !== undefined, null, { timeout: 60_000 });
    this.page = page;
    this.memory.start();
    await page.evaluate((fresh) => window.__large.open({ empty: fresh }), empty);
    // As in a browser open for a while: for its first seconds a fresh Chromium cannot hold a Blob over
    // 500 MiB (its blob storage limits, and paging Blobs to disk, come later; README, "Large models").
    await sleep(Math.max(0, this.launchedAt + SETTLE_AFTER_LAUNCH_MS - performance.now()));
    this.events = [];
  }

  /** Reopens after a crash: a new page in the same browser (or a new browser on the same profile). */
  async recover() {
    if (this.page && !this.page.isClosed()) await this.page.close().catch(() => undefined);
    this.page = null;
    await this.open({ empty: false });
  }

  async close() {
    this.memory.stop();
    await this.context?.close().catch(() => undefined);
    this.context = null;
  }

  /**
   * Runs one step after a GC and a pause, with the browser's memory just before (idle) and its highest
   * during (peak). `fn` answers as the page's steps do, `{ ms, result }` (its own time, what it found).
   * Never throws: a failure comes back as `error`, with the memory when it happened.
   */
  async measure(label, fn) {
    this.#log(`large: ${label}…`);
    let idle = null;
    try {
      for (let i = 0; i < 2; i++) {
        await this.page.evaluate(() => window.__large.gc());
        await sleep(500);
      }
      await sleep(500);
      idle = this.memory.sample();
      this.memory.startPeak();
      const t0 = performance.now();
      const { ms, result } = await withTimeout(fn(this.page), STEP_TIMEOUT_MS, label);
      const wallMs = performance.now() - t0;
      const peak = this.memory.endPeak();
      this.#log(`large: ${label} done in ${(wallMs / 1000).toFixed(1)} s; ${memoryLine(idle, peak)}`);
      return { ok: true, ms, value: result, wallMs, idle, peak };
    } catch (e) {
      const peak = idle ? this.memory.endPeak() : null;
      const at = this.memory.last;
      const events = this.events.length ? ` (${this.events.join(', ')})` : '';
      const error = `${message(e)}${events}`;
      this.#log(
        `large: ${label} FAILED: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}${events}` +
          (peak ? `; ${memoryLine(idle, peak)}` : ''),
      );
      return { ok: false, error, idle, peak, at };
    }
  }
}

/** A step's memory in words: the renderer and the whole browser, idle → peak. */
function memoryLine(idle, peak) {
  return (
    `renderer ${mib(idle.renderer)} → ${mib(peak.renderer)}, browser in all ${mib(idle.total)} → ${mib(peak.total)}` +
    ` (browser process ${delta(peak.browser - idle.browser)}, storage service ${delta(peak.storage - idle.storage)})`
  );
}

/** (peak − idle) ÷ the model's bytes, for the renderer and for all processes. */
function overModel(step, modelBytes) {
  if (!step?.peak) return null;
  return {
    renderer: (step.peak.renderer - step.idle.renderer) / modelBytes,
    total: (step.peak.total - step.idle.total) / modelBytes,
  };
}

const maxDiff = (a, b) =>
  a.length === b.length && a.length > 0
    ? Math.max(...a.map((v, i) => Math.abs(v - b[i])))
    : Number.POSITIVE_INFINITY;

/** Steps that ran but answered wrong become failures of their own. */
function checkPrediction(step, expected, who) {
  if (!step.ok) return step;
  const diff = maxDiff(expected, step.value.prediction);
  if (diff <= 1e-6) return { ...step, diff };
  return { ...step, ok: false, error: `${who} predicts differently from the live model (max diff ${diff})` };
}

const skipped = (why) => ({ ok: false, error: `not run: ${why}`, idle: null, peak: null });

// ---- the section -----------------------------------------------------------------------------------

/**
 * Runs the section and returns its rows and the browser's version. `launch` is bench/run.mjs's launch
 * options, `url` the bench page's (`…/bench/index.html?large`), `log` prints a line; `plan` replaces the
 * model's layers (bench/large.ts LargePlan), for trying other shapes.
 */
export async function benchLarge({ launch, url, log, plan }) {
  const free = (() => {
    const s = statfsSync(tmpdir());
    return s.bavail * s.bsize;
  })();
  log(`large: ${mib(free)} free in ${tmpdir()}`);
  if (free < DISK_NEEDED)
    return {
      rows: failedRows(`${tmpdir()} has ${mib(free)} free; the section needs ${mib(DISK_NEEDED)}.`),
      version,
    };
  const work = mkdtempSync(join(tmpdir(), 'graft-large-'));
  const bundlePath = join(work, 'bundle.graft.zip');
  const steps = {};
  let version = '';
  let memoryHow = 'PSS';
  let meta = null;
  let expected;
  try {
    // 1. The source profile: commit, checkout, export and download, then TF.js's save and load.
    const source = new Session({ profile: join(work, 'source'), launch, url, log, name: 'source' });
    try {
      await source.open({ empty: true });
      version = (await (await source.context.newCDPSession(source.page)).send('Browser.getVersion')).product;
      const built = await source.measure('build the model', async (p) => {
        const m = await p.evaluate((layers) => window.__large.build(layers), plan ?? null);
        return { ms: m.buildMs, result: m };
      });
      if (!built.ok) return { rows: failedRows(`building the model failed: ${built.error}`), version };
      meta = built.value;
      expected = await source.page.evaluate(() => window.__large.predictLive());
      log(
        `large: model ${meta.layers}, ${meta.tensors} tensors, ${meta.weightBytes.toLocaleString('en-US')} bytes ` +
          `(largest tensor ${mib(meta.largestTensorBytes)}), built and filled in ${(meta.buildMs / 1000).toFixed(1)} s`,
      );
      const rebuild = async () => {
        if (source.healthy) return;
        log('large: reopening the source page after a crash');
        await source.recover();
        await source.page.evaluate((layers) => window.__large.build(layers), plan ?? null);
      };

      steps.commit = await source.measure('commit', (p) => p.evaluate(() => window.__large.commit()));
      await rebuild();
      const committed = steps.commit.ok ? steps.commit.value : null;
      steps.checkout = committed
        ? checkPrediction(
            await source.measure('checkout', (p) =>
              p.evaluate((id) => window.__large.checkout(id), committed.versionId),
            ),
            expected,
            "Graft's checkout",
          )
        : skipped('the commit failed');
      await rebuild();
      steps.export = committed
        ? await source.measure('export and download', async (p) => {
            const download = p.waitForEvent('download', { timeout: STEP_TIMEOUT_MS });
            // Where the export throws, no download comes: that wait's rejection is not the failure.
            download.catch(() => undefined);
            const exported = await p.evaluate((id) => window.__large.exportAndDownload(id), committed.repoId);
            const d = await download;
            const failure = await d.failure();
            if (failure) throw new Error(`the download failed: ${failure}`);
            return { ms: exported.ms, result: { ...exported.result, file: await d.path(), download: d } };
          })
        : skipped('the commit failed');
      if (steps.export.ok) {
        const { file, download } = steps.export.value;
        const size = statSync(file).size;
        // The disk's own speed for the same bytes: a file-to-file copy of the bundle (read + write).
        const t0 = performance.now();
        copyFileSync(file, bundlePath);
        steps.copyMs = performance.now() - t0;
        await download.delete();
        if (size !== steps.export.value.bytes)
          steps.export = {
            ...steps.export,
            ok: false,
            error: `the downloaded file has ${size} bytes, the bundle ${steps.export.value.bytes}`,
          };
      }
      // The export's two hashing workers keep a scratch buffer of the largest blob until they end, 15 s
      // after their last blob (src/storage/blobDigests.ts): TF.js's steps start from an idle level
      // without them.
      await sleep(WORKERS_IDLE_MS);
      await rebuild();
      steps.tfjsSave = await source.measure("TF.js model.save('indexeddb://…')", (p) =>
        p.evaluate(() => window.__large.tfjsSave()),
      );
      await rebuild();
      steps.tfjsLoad = steps.tfjsSave.ok
        ? checkPrediction(
            await source.measure("TF.js tf.loadLayersModel('indexeddb://…') + predict", (p) =>
              p.evaluate(() => window.__large.tfjsLoad()),
            ),
            expected,
            "TF.js's load",
          )
        : skipped('the TF.js save failed');
    } finally {
      memoryHow = source.memory.how;
      await source.close();
      rmSync(source.profile, { recursive: true, force: true });
    }

    // 2. A fresh, empty profile: the downloaded file picked in a file input, imported, verified, checked out.
    if (steps.export.ok) {
      const target = new Session({ profile: join(work, 'target'), launch, url, log, name: 'target' });
      try {
        await target.open({ empty: true });
        await target.page.setInputFiles('#large-bundle', bundlePath);
        steps.import = await target.measure('import', (p) => p.evaluate(() => window.__large.importPicked()));
        const imported = steps.import.ok ? steps.import.value.addedVersions : [];
        if (steps.import.ok && imported.length !== 1)
          steps.import = { ...steps.import, ok: false, error: `imported ${imported.length} versions, not 1` };
        if (steps.import.ok) {
          if (!target.healthy) await target.recover();
          steps.verify = await target.measure('verify', (p) =>
            p.evaluate((id) => window.__large.verify(id), imported[0]),
          );
          if (steps.verify.ok && !steps.verify.value.ok)
            steps.verify = {
              ...steps.verify,
              ok: false,
              error: `verify found problems: ${steps.verify.value.problems}`,
            };
          if (!target.healthy) await target.recover();
          steps.importedCheckout = checkPrediction(
            await target.measure('checkout of the imported version', (p) =>
              p.evaluate((id) => window.__large.checkout(id), imported[0]),
            ),
            expected,
            'The imported checkout',
          );
        }
      } finally {
        await target.close();
      }
    } else steps.import = skipped('there is no exported bundle');
    steps.verify ??= skipped('the import failed');
    steps.importedCheckout ??= skipped('the import failed');
    return { rows: rows(meta, steps, memoryHow), version };
  } catch (e) {
    log(`large: the section stopped: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    return {
      rows: meta ? rows(meta, steps, memoryHow, message(e)) : failedRows(message(e)),
      version,
    };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---- rows -------------------------------------------------------------------------------------------

const NAMES = ['commit', 'checkout', 'export', 'import', 'peak-memory', 'peak-memory-tfjs'].map(
  (n) => `large-1gib-${n}`,
);

/** Every row failed, for a section that could not start. */
function failedRows(why) {
  return NAMES.map((name) => ({
    section: 'large',
    name,
    value: 0,
    unit: name.includes('memory') ? '× model' : 'MiB/s',
    baseline: 0,
    ratio: 0,
    target: name.endsWith('tfjs') ? '(reference)' : name.includes('memory') ? `≤ ${PEAK_TARGET}` : 'works',
    met: name.endsWith('tfjs') ? null : false,
    note: `Not measured: ${why}`,
  }));
}

function rows(meta, ran, how, stopped) {
  const names = [
    'commit',
    'checkout',
    'export',
    'tfjsSave',
    'tfjsLoad',
    'import',
    'verify',
    'importedCheckout',
  ];
  const steps = {
    ...Object.fromEntries(names.map((n) => [n, skipped('the section stopped first')])),
    ...ran,
  };
  const modelBytes = meta.weightBytes;
  const rate = (bytes, ms) => (ms > 0 ? bytes / MiB / (ms / 1000) : 0);
  const memo = (step) => {
    if (!step?.peak) return 'memory not measured';
    const o = overModel(step, modelBytes);
    return `renderer ${delta(step.peak.renderer - step.idle.renderer)} (${round(o.renderer, 2)}× model; idle ${mib(step.idle.renderer)}), whole browser ${delta(step.peak.total - step.idle.total)} (${round(o.total, 2)}×; browser process ${delta(step.peak.browser - step.idle.browser)}, storage service ${delta(step.peak.storage - step.idle.storage)}, GPU ${delta(step.peak.gpu - step.idle.gpu)}, network ${delta(step.peak.network - step.idle.network)})`;
  };
  const outcome = (step) =>
    step.ok
      ? ''
      : ` FAILED: ${step.error}${step.at ? ` (last reading: renderer ${mib(step.at.renderer)}, whole browser ${mib(step.at.total)})` : ''}.`;
  const stepMs = (step) => (step.ok ? step.ms : 0);
  const ready = ` Each browser runs ${SETTLE_AFTER_LAUNCH_MS / 1000} s before its first step (a fresh Chromium holds no Blob over 500 MiB for its first seconds).`;
  const model = `Model ${meta.layers}: ${meta.tensors} tensors, ${modelBytes.toLocaleString('en-US')} bytes (largest ${mib(meta.largestTensorBytes)}), CPU backend, headless Chromium on a profile on disk.${ready}${stopped ? ` The section stopped early: ${stopped}.` : ''}`;

  const commitRate = rate(modelBytes, stepMs(steps.commit));
  const tfSaveRate = rate(modelBytes, stepMs(steps.tfjsSave));
  const checkoutRate = rate(modelBytes, stepMs(steps.checkout));
  const tfLoadRate = rate(modelBytes, stepMs(steps.tfjsLoad));
  const bundleBytes = steps.export.ok ? steps.export.value.bytes : 0;
  const exportRate = steps.export.ok ? rate(bundleBytes, steps.export.wallMs) : 0;
  const copyRate = steps.copyMs ? rate(bundleBytes, steps.copyMs) : 0;
  const importRate = steps.import.ok ? rate(bundleBytes, steps.import.ms) : 0;
  const throughput = (name, value, baseline, met, note) => ({
    section: 'large',
    name,
    value: round(value),
    unit: 'MiB/s',
    baseline: round(baseline),
    ratio: baseline > 0 ? round(value / baseline, 2) : 0,
    target: 'works',
    met,
    note: `${note} ${model}`,
  });
  const tfStep = (step, what) =>
    step.ok ? `${what} ${(step.ms / 1000).toFixed(1)} s` : `${what} FAILED: ${step.error}`;
  const copyNote = steps.copyMs
    ? `baseline: copying the downloaded bundle file to another file on the same disk (Node copyFileSync, ${(steps.copyMs / 1000).toFixed(1)} s), in MiB of bundle per second — the disk's speed for the same bytes; TF.js has no bundle.`
    : 'baseline: 0 (no bundle file to copy; TF.js has no bundle).';

  const graftOps = {
    commit: steps.commit,
    checkout: steps.checkout,
    export: steps.export,
    import: steps.import,
  };
  const figures = Object.entries(graftOps).map(([k, s]) => [k, overModel(s, modelBytes)]);
  const worst = Math.max(...figures.map(([, o]) => o?.renderer ?? Number.POSITIVE_INFINITY));
  const tfOps = { save: steps.tfjsSave, load: steps.tfjsLoad };
  const tfFigures = Object.entries(tfOps).map(([k, s]) => [k, overModel(s, modelBytes)]);
  const tfWorst = Math.max(...tfFigures.map(([, o]) => o?.renderer ?? 0));
  const graftCommitCheckout = Math.max(
    ...[steps.commit, steps.checkout].map((s) => overModel(s, modelBytes)?.renderer ?? 0),
  );
  const allOk = Object.values(graftOps).every((s) => s.ok);
  const memoryHow = `Memory: ${how} of the profile's browser processes from /proc/<pid>/smaps_rollup, sampled every ${SAMPLE_EVERY_MS} ms; idle = just before the step, after two gc() calls and a 1.5 s pause; peak = the highest sum during the step. The renderer is the page's process (renderers summed); the whole browser adds the browser process (Blobs, downloads), the storage service (IndexedDB), GPU and network processes.`;

  return [
    throughput(
      'large-1gib-commit',
      commitRate,
      tfSaveRate,
      steps.commit.ok,
      `value: model MiB ÷ seconds of store.commit(snapshotModel(model)) into an empty store (${steps.commit.ok ? `${(steps.commit.ms / 1000).toFixed(1)} s, ${steps.commit.value.bytesWritten.toLocaleString('en-US')} bytes written` : 'failed'}). baseline: TF.js ${tfStep(steps.tfjsSave, "model.save('indexeddb://…')")}. ratio: value ÷ baseline (above 1 = Graft faster). Memory: ${memo(steps.commit)}.${outcome(steps.commit)}`,
    ),
    throughput(
      'large-1gib-checkout',
      checkoutRate,
      tfLoadRate,
      steps.checkout.ok,
      `value: model MiB ÷ seconds of store.loadOverlapped + materializeModel + await verified + one 1-row predict (${steps.checkout.ok ? `${(steps.checkout.ms / 1000).toFixed(1)} s, prediction equal to the live model's within ${steps.checkout.diff}` : 'failed'}). baseline: TF.js ${tfStep(steps.tfjsLoad, "tf.loadLayersModel('indexeddb://…') + the same predict")}. Memory: ${memo(steps.checkout)}.${outcome(steps.checkout)}`,
    ),
    throughput(
      'large-1gib-export',
      exportRate,
      copyRate,
      steps.export.ok,
      `value: bundle MiB ÷ seconds from exportBundle(repository) to the downloaded file complete on disk (an <a download> click of its object URL, as the Share panel saves; ${steps.export.ok ? `bundle ${bundleBytes.toLocaleString('en-US')} bytes, exportBundle ${(steps.export.ms / 1000).toFixed(1)} s, until downloaded ${(steps.export.wallMs / 1000).toFixed(1)} s` : 'failed'}). ${copyNote} Memory: ${memo(steps.export)}.${outcome(steps.export)}`,
    ),
    throughput(
      'large-1gib-import',
      importRate,
      copyRate,
      steps.import.ok && steps.verify.ok && steps.importedCheckout.ok,
      `value: bundle MiB ÷ seconds of importBundle(store, file) in a fresh, empty profile, the file picked through an <input type=file> (${steps.import.ok ? `${(steps.import.ms / 1000).toFixed(1)} s` : 'failed'}); met = the import, store.verify (${steps.verify.ok ? `ok, ${(steps.verify.ms / 1000).toFixed(1)} s` : steps.verify.error}) and a checkout with an equal prediction there (${steps.importedCheckout.ok ? `${(steps.importedCheckout.ms / 1000).toFixed(1)} s` : steps.importedCheckout.error}) all worked. ${copyNote} Memory: import ${memo(steps.import)}; verify ${memo(steps.verify)}; checkout ${memo(steps.importedCheckout)}.${outcome(steps.import)}`,
    ),
    {
      section: 'large',
      name: 'large-1gib-peak-memory',
      value: Number.isFinite(worst) ? round(worst, 2) : 0,
      unit: '× model',
      baseline: round(tfWorst, 2),
      ratio: Number.isFinite(worst) && worst > 0 ? round(tfWorst / worst, 2) : 0,
      target: `≤ ${PEAK_TARGET}`,
      met: allOk && worst <= PEAK_TARGET,
      note: `value: the highest, over commit, checkout, export (to the file downloaded) and import, of the renderer's peak − idle ÷ the model's bytes; met = all four worked and none exceeds ${PEAK_TARGET}. baseline: the same for TF.js's save and load (the highest of the two). ratio: baseline ÷ value. ${figures.map(([k, o]) => `${k}: ${o ? `${round(o.renderer, 2)}× (whole browser ${round(o.total, 2)}×)` : 'not measured'}`).join('; ')}. ${memoryHow} ${model}`,
    },
    {
      section: 'large',
      name: 'large-1gib-peak-memory-tfjs',
      value: round(tfWorst, 2),
      unit: '× model',
      baseline: round(graftCommitCheckout, 2),
      ratio: tfWorst > 0 ? round(graftCommitCheckout / tfWorst, 2) : 0,
      target: '(reference)',
      met: null,
      note: `value: TF.js's indexeddb:// on the same model, the highest of save and load+predict, renderer peak − idle ÷ model bytes. baseline: Graft's commit and checkout, the same way. save: ${memo(steps.tfjsSave)}${outcome(steps.tfjsSave)}; load: ${memo(steps.tfjsLoad)}${outcome(steps.tfjsLoad)}. ${memoryHow}`,
    },
  ];
}
