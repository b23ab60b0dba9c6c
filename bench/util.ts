// Small helpers the bench sections share: medians, rounding, timing, and letting the page settle.

export const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};
export const round = (x: number, digits = 1): number => Number(x.toFixed(digits));
export const ms = (x: number): string => `${x.toFixed(1)} ms`;

const gc = (globalThis as { gc?: () => void }).gc;
/** Lets the previous run's garbage and background IndexedDB work settle before the clock starts. */
export async function settle(): Promise<void> {
  gc?.();
  await new Promise((resolve) => setTimeout(resolve, 150));
}

export async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export const nextFrame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));

/**
 * Records the main thread's long tasks (over 50 ms, as Chromium reports them) while `fn` runs; the
 * entries arrive asynchronously, so they are collected after one more task.
 */
export async function withLongTasks<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; longest: number; tasks: number[] }> {
  const tasks: number[] = [];
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) tasks.push(e.duration);
  });
  observer.observe({ type: 'longtask', buffered: false });
  try {
    const result = await fn();
    await new Promise((resolve) => setTimeout(resolve, 0));
    for (const e of observer.takeRecords()) tasks.push(e.duration);
    return { result, longest: tasks.length ? Math.max(...tasks) : 0, tasks };
  } finally {
    observer.disconnect();
  }
}

/** The page's main thread as a Chromium trace saw it (bench/run.mjs traces through the DevTools protocol). */
export interface MainThreadTrace {
  /** Tasks the main thread ran, in wall-clock ms and in ms of its own CPU time. */
  readonly tasks: number;
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly frames: number;
  /** The longest single task: by the wall clock, and by the thread's CPU time (what load does not inflate). */
  readonly longestWallMs: number;
  readonly longestCpuMs: number;
  /** CPU ms of every traced thread's top-level tasks, by thread name (all processes), busiest first. */
  readonly threads?: Readonly<Record<string, number>>;
}

declare global {
  interface Window {
    /** Provided by bench/run.mjs: starts a trace, or stops it and summarises the main thread. */
    __benchTrace?: (action: 'start' | 'stop') => Promise<MainThreadTrace | null>;
  }
}

/**
 * Runs `fn` under a Chromium trace when the page runs under bench/run.mjs (null trace otherwise). A
 * loaded machine stretches wall-clock times with waits for a CPU; the thread's own CPU time shows what
 * the same work costs on a quiet one.
 */
export async function traced<T>(fn: () => Promise<T>): Promise<{ result: T; trace: MainThreadTrace | null }> {
  const hook = window.__benchTrace;
  if (!hook) return { result: await fn(), trace: null };
  await hook('start');
  let result: T;
  try {
    result = await fn();
  } catch (e) {
    await hook('stop');
    throw e;
  }
  return { result, trace: await hook('stop') };
}
