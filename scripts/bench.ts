/**
 * Benchmarks of the built SDK in the system Chromium (figures, not tests: nothing here asserts).
 *
 *   npx tsx scripts/bench.ts [--json FILE] [--runs N] [--loads N] [--views N] [--only demo|placements|rank|events]
 *                            [--variants "default backends,default backends (snapshot missed)"]
 *
 * Expects dist/ to be built (`npm run build`); builds nothing. Starts scripts/serve.ts on a free port,
 * drives /usr/bin/chromium (or $CHROMIUM_PATH) with playwright-core and measures:
 *  1. rank latency for 24/48/96 candidates with a 50-event history, per backend the worker can start
 *     (fixture e2e/pages/bench.html): the public `Reco.rank()` round trip, and the engine alone in a worker;
 *  2. time from `init()` to the first re-ordering of the grid in view on the demo page, per backend and with the
 *     default backends, cold (fresh context: empty HTTP cache and Cache Storage, a stored history) and repeat view;
 *     and with the default backends on grids the stored snapshot cannot answer (the history without its snapshot);
 *  3. main-thread cost per event (synthetic clicks on cards, `Reco.track()` calls) and long tasks;
 *  4. gzipped bundle sizes (scripts/size.ts);
 *  5. per engine on wasm (Chromium, Firefox ESR, WebKitGTK, through the cross-engine e2e drivers of e2e/helpers/engines):
 *     rank latency and init → first re-ordered grid on a repeat view of the demo, as ratios to Chromium;
 *  6. recommend() latency per placement for a 5,000-item feed on wasm (scripts/lib/bench-placements.ts);
 * then prints a table with the budgets beside the figures and, with --json, writes every figure.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { BACKENDS } from '../src/shared/options.ts';
import { chromiumDriver } from '../e2e/helpers/engines/chromium.ts';
import { firefoxDriver } from '../e2e/helpers/engines/firefox.ts';
import type { BrowserPage, EngineDriver, EngineName } from '../e2e/helpers/engines/page.ts';
import { webkitDriver } from '../e2e/helpers/engines/webkit.ts';
import { benchPlacements, placementLines, RECOMMEND_P50_BUDGET_MS, type PlacementFigures } from './lib/bench-placements.ts';
import { bundleSizes, kb, missingBundles, PAGE_SCRIPT_BUDGET, type BundleSize } from './size.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SIZES = [24, 48, 96];
const HISTORY = 50;
const LONG_TASK_MS = 50;
const WASM_RANK48_BUDGET_MS = 5;

const { values: args } = parseArgs({
  options: {
    json: { type: 'string' },
    runs: { type: 'string', default: '30' },
    loads: { type: 'string', default: '5' },
    views: { type: 'string', default: '3' },
    // Section 6 alone (a few seconds), e.g. to measure recommend() after a change to placements; the demo alone;
    // section 1 alone (rank latency, a minute or two), e.g. after a change to the worker's ranking path; or section 3
    // alone (the main-thread cost per event, under a minute), e.g. after a change to the tracker.
    only: { type: 'string' },
    // The demo's rows to run (section 2), by name, comma-separated: e.g. "default backends,default backends (snapshot missed)".
    variants: { type: 'string' },
  },
});
if (args.only !== undefined && !['placements', 'demo', 'rank', 'events'].includes(args.only))
  throw new Error(`--only: expected "demo", "placements", "rank" or "events", got ${args.only}`);
const RUNS = Number(args.runs);
const LOADS = Number(args.loads);
if (!Number.isInteger(RUNS) || RUNS < 1) throw new Error(`--runs: expected a positive integer, got ${args.runs}`);
if (!Number.isInteger(LOADS) || LOADS < 1) throw new Error(`--loads: expected a positive integer, got ${args.loads}`);
/** Repeat views of the demo per engine (section 5). */
const VIEWS = Number(args.views);
if (!Number.isInteger(VIEWS) || VIEWS < 1) throw new Error(`--views: expected a positive integer, got ${args.views}`);

// Each (backend, size) stops sampling after this long once 5 runs are in, so slow software backends fit the ~4 minute run.
const SAMPLING = { runs: RUNS, warmup: 3, maxMs: 2500, minRuns: 5 };

// ---------- shapes of what the fixture page returns ----------

/** A long animation frame with its script attribution (scripts over 5 ms). */
interface Frame {
  start: number;
  ms: number;
  blockingMs: number;
  /** Time in scripts from reco.js within the frame. */
  sdkScriptMs: number;
  scripts: { source: string; invoker: string; ms: number; layoutMs: number }[];
}
interface Perf {
  longtasks: { start: number; ms: number }[];
  frames: Frame[];
}
interface InitResult {
  ms: number;
  start: number;
  status: { ready: boolean; backend: string | null; lastError: string | null; model: { id: string; version: string } | null };
}
interface RankResult {
  engineBackend: string | null;
  engineInitMs: number;
  /** Per candidate count: paired samples (ms) of Reco.rank, engine rank and a no-op engine message. */
  sizes: Record<string, { reco: number[]; engine: number[]; noop: number[] }>;
}
interface EventCost {
  /** ms per event, one sample per round. */
  steady: number[];
  burstMs: number;
  burst: number;
  burstWindow: [number, number];
}
interface DemoLoad {
  initCall: number | null;
  initDone: number | null;
  readyAt: number | null;
  reorders: Record<string, number>;
  /** When each grid's anti-flicker hold ended (performance.now()). */
  released: Record<string, number>;
  status: {
    backend: string | null;
    lastRankMs: number | null;
    lastError: string | null;
    ready: boolean;
    cache: { model: string | null; wasm: string | null; snapshot: string | null; snapshotReason?: string };
  } | null;
  error: string | null;
  longtasks: { start: number; ms: number }[];
  frames: Frame[];
  recoJsTransfer: number | null;
}

// ---------- small helpers ----------

function percentile(xs: readonly number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = (s.length - 1) * p;
  const lo = Math.floor(i);
  return s[lo]! + (s[Math.min(lo + 1, s.length - 1)]! - s[lo]!) * (i - lo);
}
const median = (xs: readonly number[]) => percentile(xs, 0.5);
const round = (x: number, d = 2) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : null);
const fmt = (x: number | null | undefined, d = 1) => (x == null || !Number.isFinite(x) ? '–' : x.toFixed(d));
/** A budget's verdict; null: its section did not run. */
const pass = (ok: boolean | null) => (ok === null ? '–' : ok ? 'PASS' : 'OVER');

function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const w = head.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]!) : x.padStart(w[c]!))).join('  ');
  return [line(cells[0]!), w.map((n) => '-'.repeat(n)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

function git(...a: string[]): string {
  try {
    return execFileSync('git', a, { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts', '--port', String(port)], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d));
  for (let i = 0; i < 200; i++) {
    if (child.exitCode != null) throw new Error(`scripts/serve.ts exited: ${err}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/reco.js`, { method: 'HEAD' })).ok) return child;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill();
  throw new Error(`scripts/serve.ts did not answer on port ${port}: ${err}`);
}

interface LongTasks {
  count: number;
  longestMs: number;
  /** Scripts over 5 ms in the animation frames that overlap the longest task (long-animation-frame attribution). */
  longestCause: string;
}

/** Count, longest and the attribution of the longest, leaving out tasks that overlap `exclude` windows. */
function longTasks(perf: Perf, exclude: [number, number][] = []): LongTasks {
  const overlaps = (a: number, b: number, [c, d]: [number, number]) => a < d && b > c;
  const tasks = perf.longtasks.filter((t) => !exclude.some((w) => overlaps(t.start, t.start + t.ms, w)));
  const longest = tasks.reduce<Perf['longtasks'][number] | null>((m, t) => (!m || t.ms > m.ms ? t : m), null);
  if (!longest) return { count: 0, longestMs: 0, longestCause: '' };
  const scripts = perf.frames
    .filter((f) => overlaps(longest.start, longest.start + longest.ms, [f.start, f.start + f.ms]))
    .flatMap((f) => f.scripts);
  const name = (u: string) => u.slice(u.lastIndexOf('/') + 1) || "(inline: the bench's own instrumentation)";
  const cause = scripts
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((x) => `${name(x.source)} ${x.invoker} ${Math.round(x.ms)} ms`)
    .join('; ');
  return {
    count: tasks.length,
    longestMs: Math.round(longest.ms),
    longestCause: cause || 'no script over 5 ms (rendering, GC or a preempted CPU)',
  };
}

// ---------- the measurements ----------

async function fixture(ctx: BrowserContext, base: string): Promise<Page> {
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`  page error: ${e.message}`));
  await page.goto(`${base}/e2e/pages/bench.html`);
  await page.evaluate(() => window.bench.setup());
  return page;
}

interface Latency {
  n: number;
  p50: number;
  p95: number;
}

interface BackendFigures {
  backend: string;
  available: boolean;
  reason?: string;
  initMs?: number;
  engineInitMs?: number;
  /** Per candidate count. compute = engine - no-op message, page = Reco.rank - engine, both medians of paired rounds. */
  rank?: Record<string, { reco: Latency; engine: Latency; noopP50: number; computeP50: number; pageP50: number }>;
  longtasks?: LongTasks;
}

async function rankBench(browser: Browser, base: string, backend: string): Promise<BackendFigures> {
  const ctx = await browser.newContext();
  try {
    const page = await fixture(ctx, base);
    const init = (await page.evaluate((b) => window.bench.init(b), backend)) as InitResult;
    if (init.status.backend !== backend) {
      return { backend, available: false, reason: init.status.lastError ?? `worker ran ${init.status.backend ?? 'nothing'}` };
    }
    await page.evaluate((n) => window.bench.history(n), HISTORY);
    const r = (await page.evaluate(([b, s, o]) => window.bench.rank(b, s, o), [backend, SIZES, SAMPLING] as const)) as RankResult;
    const perf = (await page.evaluate((t) => window.bench.perf(t), init.start)) as Perf;
    const lat = (xs: number[]): Latency => ({ n: xs.length, p50: round(median(xs))!, p95: round(percentile(xs, 0.95))! });
    const diff = (a: number[], b: number[]) => round(median(a.map((x, i) => x - b[i]!)))!;
    return {
      backend,
      available: true,
      initMs: round(init.ms, 0)!,
      engineInitMs: round(r.engineInitMs, 0)!,
      rank: Object.fromEntries(
        Object.entries(r.sizes).map(([k, v]) => [
          k,
          {
            reco: lat(v.reco),
            engine: lat(v.engine),
            noopP50: round(median(v.noop), 2)!,
            computeP50: diff(v.engine, v.noop),
            pageP50: diff(v.reco, v.engine),
          },
        ]),
      ),
      longtasks: longTasks(perf),
    };
  } finally {
    await ctx.close();
  }
}

interface LargeStore {
  candidates: number;
  small: { events: number; p50: number; p95: number };
  large: { events: number; p50: number; p95: number };
}

/** Reco.rank() with a small store (60 events) and a full one (5,000: the default maxEvents), wasm. */
async function largeStoreBench(browser: Browser, base: string): Promise<LargeStore> {
  const ctx = await browser.newContext();
  try {
    const page = await fixture(ctx, base);
    const init = (await page.evaluate(() => window.bench.init('wasm'))) as InitResult;
    if (!init.status.ready) throw new Error(`Reco did not start on wasm: ${init.status.lastError}`);
    await page.evaluate((n) => window.bench.history(n), 60);
    const r = (await page.evaluate(([size, runs, extra]) => window.bench.largeStore(size, runs, extra), [48, 30, 5000 - 60] as const)) as {
      small: number[];
      large: number[];
      before: number;
      after: number;
    };
    const lat = (xs: number[]) => ({ p50: round(median(xs))!, p95: round(percentile(xs, 0.95))! });
    return { candidates: 48, small: { events: r.before, ...lat(r.small) }, large: { events: r.after, ...lat(r.large) } };
  } finally {
    await ctx.close();
  }
}

interface PerEvent {
  noSdkUs: number;
  sdkUs: number;
  sdkP95Us: number;
  /** SDK p50 minus no-SDK p50. */
  costUs: number;
  burst: number;
  /** (burst with SDK - burst without) / burst. */
  burstCostUs: number;
}

interface EventFigures {
  click: PerEvent;
  track: PerEvent;
  /** A DOM change outside the grids (the SDK re-scans grids from its MutationObserver). */
  mutation: PerEvent;
  /** Long tasks while events were recorded, the synthetic bursts left out. */
  longtasks: LongTasks;
}

async function eventBench(browser: Browser, base: string): Promise<EventFigures> {
  const ctx = await browser.newContext();
  try {
    const page = await fixture(ctx, base);
    const opts = { rounds: 20, perRound: 20, burst: 200 };
    const dom = { rounds: 20, perRound: 10 };
    // Warm the harness's own code paths before the no-SDK baseline.
    await page.evaluate((o) => window.bench.clicks(o), { rounds: 2, perRound: 20, burst: 20 });
    const clicks0 = (await page.evaluate((o) => window.bench.clicks(o), opts)) as EventCost;
    const tracks0 = (await page.evaluate((o) => window.bench.tracks(o), opts)) as EventCost;
    const mutations0 = (await page.evaluate((o) => window.bench.mutations(o), dom)) as EventCost;
    const init = (await page.evaluate(() => window.bench.init('wasm'))) as InitResult;
    if (!init.status.ready) throw new Error(`Reco did not start on wasm: ${init.status.lastError}`);
    const t0 = (await page.evaluate(() => performance.now())) as number;
    const clicks1 = (await page.evaluate((o) => window.bench.clicks(o), opts)) as EventCost;
    const tracks1 = (await page.evaluate((o) => window.bench.tracks(o), opts)) as EventCost;
    const mutations1 = (await page.evaluate((o) => window.bench.mutations(o), dom)) as EventCost;
    const perf = (await page.evaluate((t) => window.bench.perf(t), t0)) as Perf;
    const us = (xs: number[]) => median(xs) * 1000;
    const fig = (no: EventCost, sdk: EventCost): PerEvent => ({
      noSdkUs: round(us(no.steady), 1)!,
      sdkUs: round(us(sdk.steady), 1)!,
      sdkP95Us: round(percentile(sdk.steady, 0.95) * 1000, 1)!,
      costUs: round(us(sdk.steady) - us(no.steady), 1)!,
      burst: sdk.burst,
      burstCostUs: sdk.burst ? round(((sdk.burstMs - no.burstMs) / sdk.burst) * 1000, 1)! : NaN,
    });
    return {
      click: fig(clicks0, clicks1),
      track: fig(tracks0, tracks1),
      mutation: fig(mutations0, mutations1),
      longtasks: longTasks(perf, [clicks1.burstWindow, tracks1.burstWindow]),
    };
  } finally {
    await ctx.close();
  }
}

/**
 * Runs in the demo page before its scripts: times Reco.init, 'ready', each grid's first re-order and the end of
 * its anti-flicker hold, collects long tasks. A string, so that tsx's helpers (`__name`) never end up in the page.
 */
const INSTRUMENT = `(() => {
  const m = window.__bench = { initCall: null, initDone: null, readyAt: null, reorders: {}, released: {}, status: null, error: null, longtasks: [], frames: [] };
  for (const [type, list] of [['longtask', 'longtasks'], ['long-animation-frame', 'frames']]) {
    try { new PerformanceObserver((l) => m[list].push(...l.getEntries())).observe({ type, buffered: true }); } catch {}
  }
  let R;
  Object.defineProperty(window, 'Reco', { configurable: true, get: () => R, set(v) {
    R = v;
    if (!v || typeof v.init !== 'function') return;
    v.on('ready', () => { m.readyAt = performance.now(); });
    const init = v.init;
    // reco.js freezes window.Reco: the page gets a copy whose init() is timed.
    R = Object.freeze({ ...v, init(...a) {
      m.initCall = performance.now();
      const p = init.apply(v, a);
      p.then((r) => { m.initDone = performance.now(); m.status = r.status(); }, (e) => { m.initDone = performance.now(); m.error = String(e); });
      return p;
    } });
  } });
  // Reco moves cards (insertBefore of a card already in the grid: a removal, then an addition of the same node);
  // the shop re-renders with new nodes. A grid's hold ends when Reco removes its data-reco-pending attribute with the
  // shop's cards in it: the demo calls init() before it renders them, so Reco may hold and release the empty grid first.
  const gone = new WeakSet();
  new MutationObserver((recs) => {
    const now = performance.now();
    for (const r of recs) {
      if (r.type === 'attributes') {
        const g = r.target;
        if (g.dataset.recoGrid && !g.hasAttribute('data-reco-pending') && g.querySelector('[data-reco-id]') && !(g.dataset.recoGrid in m.released)) m.released[g.dataset.recoGrid] = now;
        continue;
      }
      const grid = r.target.closest && r.target.closest('[data-reco-grid]');
      if (!grid) continue;
      r.removedNodes.forEach((n) => gone.add(n));
      const id = grid.dataset.recoGrid;
      if (m.initCall != null && !(id in m.reorders) && [...r.addedNodes].some((n) => gone.has(n))) m.reorders[id] = now;
    }
  }).observe(document, { childList: true, subtree: true, attributes: true, attributeFilter: ['data-reco-pending'], attributeOldValue: true });
  const sdk = (f) => (f.scripts || []).filter((s) => s.sourceURL.endsWith('/reco.js'));
  window.__benchCollect = () => {
    const res = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/reco.js'));
    return {
      initCall: m.initCall, initDone: m.initDone, readyAt: m.readyAt, reorders: m.reorders, released: m.released, status: m.status, error: m.error,
      longtasks: m.longtasks.map((e) => ({ start: e.startTime, ms: e.duration })),
      frames: m.frames.map((f) => ({ start: f.startTime, ms: f.duration, blockingMs: f.blockingDuration,
        sdkScriptMs: sdk(f).reduce((t, x) => t + x.duration, 0),
        scripts: (f.scripts || []).map((x) => ({ source: x.sourceURL, invoker: x.invokerType + ' ' + x.invoker, ms: x.duration, layoutMs: x.forcedStyleAndLayoutDuration })) })),
      // Body bytes fetched: a 304 revalidation transfers headers only (transferSize < encodedBodySize).
      recoJsTransfer: res ? (res.transferSize >= res.encodedBodySize ? res.encodedBodySize : 0) : null,
    };
  };
})();`;

async function collectDemo(page: Page): Promise<DemoLoad> {
  await page.waitForFunction(() => (window as unknown as { __bench: DemoLoad }).__bench.initDone != null, null, { timeout: 90_000 });
  await page.waitForTimeout(1000); // trailing work: the shop's own 'ready' handling, later grids
  return page.evaluate(() => (window as unknown as { __benchCollect(): DemoLoad }).__benchCollect());
}

/** The grid above the fold on the demo page (1280x720): the one the shopper sees first. */
const VISIBLE = 'home';

interface LoadFigures {
  variant: string;
  load: 'cold' | 'repeat';
  backend: string | null;
  /** init() → the grid in view re-ordered; null when it was not (a late ranking waits until it is out of sight). */
  initToVisibleMs: number | null;
  /** The grid in view was re-ordered before its hold ended: the shopper never saw it in the shop's order. */
  visibleInHold: boolean;
  initToFirstReorderMs: number | null;
  firstGrid: string | null;
  reordered: string[];
  initToReadyMs: number | null;
  initToResolvedMs: number | null;
  navToInitMs: number | null;
  lastRankMs: number | null;
  snapshot: string | null;
  modelFrom: string | null;
  wasmFrom: string | null;
  recoJsTransferBytes: number | null;
  /** Long tasks from init() on, whoever caused them. */
  longtasks: LongTasks;
  /** Long animation frames from init() on with reco.js scripts in them, and the most reco.js script time in one. */
  sdkFrames: { count: number; longestSdkScriptMs: number; cause: string };
  error: string | null;
}

function loadFigures(variant: string, load: LoadFigures['load'], d: DemoLoad): LoadFigures {
  const first = Object.entries(d.reorders).sort((a, b) => a[1] - b[1])[0];
  const from = d.initCall ?? 0;
  const since = (t: number | null | undefined) => (t != null && d.initCall != null ? round(t - from, 0) : null);
  const sdk = d.frames.filter((f) => f.start + f.ms >= from && f.sdkScriptMs > 0);
  const worst = sdk.reduce<Frame | null>((a, f) => (!a || f.sdkScriptMs > a.sdkScriptMs ? f : a), null);
  const visible = d.reorders[VISIBLE];
  const released = d.released[VISIBLE];
  return {
    variant,
    load,
    backend: d.status?.backend ?? null,
    initToVisibleMs: since(visible),
    visibleInHold: visible != null && (released == null || visible <= released),
    initToFirstReorderMs: since(first?.[1]),
    firstGrid: first?.[0] ?? null,
    reordered: Object.keys(d.reorders),
    initToReadyMs: since(d.readyAt),
    initToResolvedMs: since(d.initDone),
    navToInitMs: d.initCall != null ? round(d.initCall, 0) : null,
    lastRankMs: d.status?.lastRankMs ?? null,
    snapshot: d.status?.cache?.snapshot ?? null,
    modelFrom: d.status?.cache?.model ?? null,
    wasmFrom: d.status?.cache?.wasm ?? null,
    recoJsTransferBytes: d.recoJsTransfer,
    longtasks: longTasks({ longtasks: d.longtasks.filter((t) => t.start >= from), frames: d.frames }),
    sdkFrames: {
      count: sdk.length,
      longestSdkScriptMs: round(worst?.sdkScriptMs ?? 0, 0)!,
      cause: (worst?.scripts ?? [])
        .filter((x) => x.source.endsWith('/reco.js'))
        .sort((a, b) => b.ms - a.ms)
        .slice(0, 2)
        .map((x) => `${x.invoker} ${Math.round(x.ms)} ms${x.layoutMs > 1 ? ` (layout ${Math.round(x.layoutMs)} ms)` : ''}`)
        .join('; '),
    },
    error: d.error ?? d.status?.lastError ?? null,
  };
}

function failedLoad(variant: string, load: LoadFigures['load'], err: Error): LoadFigures {
  return {
    variant,
    load,
    backend: null,
    initToVisibleMs: null,
    visibleInHold: false,
    initToFirstReorderMs: null,
    firstGrid: null,
    reordered: [],
    initToReadyMs: null,
    initToResolvedMs: null,
    navToInitMs: null,
    lastRankMs: null,
    snapshot: null,
    modelFrom: null,
    wasmFrom: null,
    recoJsTransferBytes: null,
    longtasks: { count: 0, longestMs: 0, longestCause: '' },
    sdkFrames: { count: 0, longestSdkScriptMs: 0, cause: '' },
    error: `bench: ${err.message.split('\n')[0]}`,
  };
}

/**
 * The default backends on grids the stored snapshot cannot answer (as a listing the last page view never ranked, a new
 * product, search results): the shopper's history is there but not its snapshot; the repeat view's files are cached.
 */
const MISSED = 'default backends (snapshot missed)';
/** The demo page's variants: the default backends, then each backend alone (software GPUs allowed, so they run here). */
const ALL_DEMO_VARIANTS: [variant: string, query: string][] = [
  ['default backends', ''],
  ...BACKENDS.map((b): [string, string] => [b, `?backends=${b}${b === 'webgpu' || b === 'webgl' ? '&allowSoftwareGpu' : ''}`]),
  [MISSED, ''],
];
const DEMO_VARIANTS = args.variants ? ALL_DEMO_VARIANTS.filter(([v]) => args.variants!.split(',').includes(v)) : ALL_DEMO_VARIANTS;
if (!DEMO_VARIANTS.length) throw new Error(`--variants: expected names of ${ALL_DEMO_VARIANTS.map(([v]) => `"${v}"`).join(', ')}`);

/** Empties the snapshots store of the shop's database (the page's own IndexedDB, as a page view left it). */
async function dropSnapshots(page: Page): Promise<void> {
  await page.evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const req = indexedDB.open('reco');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const tx = req.result.transaction('snapshots', 'readwrite');
          tx.objectStore('snapshots').clear();
          tx.oncomplete = () => (req.result.close(), resolve());
          tx.onerror = () => reject(tx.error);
        };
      }),
  );
}

async function demoBench(browser: Browser, base: string): Promise<{ loads: LoadFigures[]; baseline: LongTasks }> {
  // A shopper with a history: 50 events recorded once (their snapshot written), then given to every fresh context (IndexedDB).
  const seedCtx = await browser.newContext();
  const seed = await seedCtx.newPage();
  await seed.goto(`${base}/?backends=wasm`);
  await seed.waitForFunction(() => window.Reco?.status().ready === true, null, { timeout: 60_000 });
  await seed.evaluate(async (n) => {
    const ids = [...document.querySelectorAll<HTMLElement>('[data-reco-grid="home"] [data-reco-id]')].map((el) => el.dataset['recoId']!);
    for (let i = 0; i < n; i++) window.Reco.track(i % 3 ? 'add_to_cart' : 'view_item', ids[(i * 5) % ids.length]!);
    await window.Reco.export(); // written, and the next page view's snapshot too
  }, HISTORY);
  const state = await seedCtx.storageState({ indexedDB: true });
  await seedCtx.close();

  const loads: LoadFigures[] = [];
  for (const [variant, query] of DEMO_VARIANTS) {
    for (let i = 0; i < LOADS; i++) {
      const ctx = await browser.newContext({ storageState: state });
      let load: LoadFigures['load'] = 'cold';
      try {
        await ctx.addInitScript(INSTRUMENT);
        const page = await ctx.newPage();
        if (variant === MISSED) {
          // The seeded history without its snapshot: the stored page view's work is dropped before reco.js runs.
          await page.goto(`${base}/e2e/pages/blank.html`);
          await dropSnapshots(page);
        }
        await page.goto(`${base}/${query}`);
        loads.push(loadFigures(variant, load, await collectDemo(page)));
        load = 'repeat';
        if (variant === MISSED) await dropSnapshots(page);
        await page.reload();
        loads.push(loadFigures(variant, load, await collectDemo(page)));
      } catch (err) {
        loads.push(failedLoad(variant, load, err as Error));
      } finally {
        await ctx.close();
      }
    }
  }

  // The shop alone (reco.js blocked): its own long tasks, to tell them from the SDK's.
  const ctx = await browser.newContext({ storageState: state });
  try {
    await ctx.addInitScript(INSTRUMENT);
    await ctx.route('**/reco.js', (r) => r.abort());
    const page = await ctx.newPage();
    await page.goto(`${base}/`);
    await page.waitForTimeout(3000);
    const d = (await page.evaluate(() => (window as unknown as { __benchCollect(): DemoLoad }).__benchCollect())) as DemoLoad;
    return { loads, baseline: longTasks(d) };
  } finally {
    await ctx.close();
  }
}

// ---------- per engine (wasm) ----------

/**
 * Section 5 times batches of `reps` back-to-back rankings (a single call is near the 1 ms clock step of Firefox and
 * WebKit), `rounds` of them per engine, taken in blocks of `roundsPerBlock` in turns with the other engines.
 */
const ENGINE_SAMPLING = { rounds: 15, roundsPerBlock: 5, reps: 10, warmup: 2 };

interface EngineFigures {
  engine: EngineName;
  version: string;
  error?: string;
  backend?: string | null;
  /** Reco.rank and the engine alone, 48 candidates, 50-event history: per round, the mean of ENGINE_SAMPLING.reps calls. */
  rank48?: { reco: Latency; engine: Latency };
  /** The smallest step of performance.now() in the page (Firefox and WebKit coarsen it to 1 ms here). */
  clockStepMs?: number | null;
  /** init() → first re-ordered grid on repeat views of the demo (history stored, HTTP cache warm), one per session. */
  repeatViews?: LoadFigures[];
  repeatMedianMs?: number | null;
}

/** A fresh session on the bench fixture with Reco started on wasm and a 50-event history, ready for rankBatched. */
async function rankSession(driver: EngineDriver, out: EngineFigures) {
  const session = await driver.newSession();
  try {
    const tab = session.page;
    await tab.goto('/e2e/pages/bench.html');
    await tab.evaluate(() => window.bench.setup());
    const init = await tab.evaluate(() => window.bench.init('wasm'));
    out.backend = init.status.backend;
    if (init.status.backend !== 'wasm') throw new Error(`wasm did not start: ${init.status.lastError ?? init.status.backend}`);
    await tab.evaluate((n) => window.bench.history(n), HISTORY);
    return session;
  } catch (err) {
    await session.close().catch(() => {});
    throw err;
  }
}

/** init() → first re-ordered grid on a repeat view of the demo, in a fresh session: a first view stores the history. */
async function repeatView(driver: EngineDriver): Promise<LoadFigures> {
  const session = await driver.newSession();
  try {
    const demo = session.page;
    await demo.addInitScript((src) => (0, eval)(src), INSTRUMENT);
    await demo.goto('/?backends=wasm');
    await demo.waitForFunction(() => window.Reco?.status().ready === true, undefined, { timeout: 60_000, message: 'Reco was not ready' });
    await demo.evaluate(async (n) => {
      const ids = [...document.querySelectorAll<HTMLElement>('[data-reco-grid="home"] [data-reco-id]')].map((el) => el.dataset['recoId']!);
      for (let k = 0; k < n; k++) window.Reco.track(k % 3 ? 'add_to_cart' : 'view_item', ids[(k * 5) % ids.length]!);
      await window.Reco.export();
    }, HISTORY);
    await demo.goto('/?backends=wasm');
    return loadFigures('wasm only', 'repeat', await collectDemoTab(demo));
  } finally {
    await session.close();
  }
}

async function collectDemoTab(tab: BrowserPage): Promise<DemoLoad> {
  await tab.waitForFunction(() => (window as unknown as { __bench: DemoLoad }).__bench.initDone != null, undefined, { timeout: 90_000 });
  await new Promise((r) => setTimeout(r, 1000)); // trailing work: the shop's own 'ready' handling, later grids
  return tab.evaluate(() => (window as unknown as { __benchCollect(): DemoLoad }).__benchCollect());
}

/**
 * Chromium (the same system browser as sections 1-3, driven through the same cross-engine page interface), Firefox
 * and WebKit, measured in turns (a block of rank rounds, or one repeat view, per engine in each turn), so that the
 * load of a shared machine weighs on the three alike and the ratios stay meaningful.
 */
async function engineBench(chromiumBrowser: Browser, base: string): Promise<EngineFigures[]> {
  const starts = [
    // The same Chromium as sections 1-3 (closed with the driver: this section runs last).
    ['chromium', async () => chromiumDriver(chromiumBrowser, base)],
    ['firefox', () => firefoxDriver(base)],
    ['webkit', () => webkitDriver(base)],
  ] as const;
  const engines: { driver: EngineDriver | null; out: EngineFigures; reco: number[]; engine: number[] }[] = [];
  for (const [name, start] of starts) {
    const out: EngineFigures = { engine: name, version: 'unknown' };
    let driver: EngineDriver | null = null;
    try {
      driver = await start();
      out.version = driver.version;
    } catch (err) {
      out.error = `bench: ${(err as Error).message.split('\n')[0]}`;
    }
    engines.push({ driver, out, reco: [], engine: [] });
  }
  const live = () => engines.filter((e) => e.driver && !e.out.error);
  const failed = (e: (typeof engines)[number], err: unknown) => (e.out.error = `bench: ${(err as Error).message.split('\n')[0]}`);

  // Rank: BLOCKS turns; in each, every engine times ROUNDS_PER_BLOCK rounds of back-to-back calls in its own session.
  const blocks = Math.ceil(ENGINE_SAMPLING.rounds / ENGINE_SAMPLING.roundsPerBlock);
  for (let b = 0; b < blocks; b++) {
    for (const e of live()) {
      try {
        const session = await rankSession(e.driver!, e.out);
        try {
          const r = await session.page.evaluate((o) => window.bench.rankBatched('wasm', 48, o), {
            rounds: ENGINE_SAMPLING.roundsPerBlock,
            reps: ENGINE_SAMPLING.reps,
            warmup: ENGINE_SAMPLING.warmup,
          });
          e.reco.push(...r.reco);
          e.engine.push(...r.engine);
          e.out.clockStepMs = round(r.clockStepMs, 3);
        } finally {
          await session.close();
        }
      } catch (err) {
        failed(e, err);
      }
    }
  }
  const lat = (xs: number[]): Latency => ({ n: xs.length, p50: round(median(xs))!, p95: round(percentile(xs, 0.95))! });
  for (const e of live()) e.out.rank48 = { reco: lat(e.reco), engine: lat(e.engine) };

  for (let v = 0; v < VIEWS; v++) {
    for (const e of live()) {
      try {
        (e.out.repeatViews ??= []).push(await repeatView(e.driver!));
      } catch (err) {
        failed(e, err);
      }
    }
  }
  for (const e of engines) {
    const views = (e.out.repeatViews ?? []).filter((l) => l.initToFirstReorderMs != null).map((l) => l.initToFirstReorderMs!);
    if (views.length) e.out.repeatMedianMs = round(median(views), 0);
    await e.driver?.close().catch(() => {});
  }
  return engines.map((e) => e.out);
}

// ---------- main ----------

declare global {
  interface Window {
    bench: {
      setup(): Promise<number>;
      env(): Promise<Record<string, unknown>>;
      init(backend: string): Promise<InitResult>;
      history(n: number): Promise<void>;
      rank(backend: string, sizes: readonly number[], opts: typeof SAMPLING): Promise<RankResult>;
      rankBatched(
        backend: string,
        size: number,
        opts: { rounds: number; reps: number; warmup: number },
      ): Promise<{ reco: number[]; engine: number[]; clockStepMs: number }>;
      largeStore(size: number, runs: number, extra: number): Promise<unknown>;
      clicks(opts: { rounds: number; perRound: number; burst: number }): Promise<EventCost>;
      tracks(opts: { rounds: number; perRound: number; burst: number }): Promise<EventCost>;
      mutations(opts: { rounds: number; perRound: number }): Promise<EventCost>;
      perf(since?: number, until?: number): Perf;
    };
    Reco: typeof import('../src/index.ts');
  }
}

async function main(): Promise<void> {
  const missing = missingBundles();
  if (missing.length) {
    console.error(`dist/ is not built (missing ${missing.join(', ')}). Run \`npm run build\` first; the bench measures the built bundles.`);
    process.exit(2);
  }
  if (!existsSync(resolve(ROOT, 'public/models/default/model.json'))) {
    console.error('public/models/default/model.json is missing: the bench needs the shipped model.');
    process.exit(2);
  }
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!existsSync(executablePath)) {
    console.error(`No Chromium at ${executablePath}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
    process.exit(2);
  }

  const started = Date.now();
  const sizes = bundleSizes();
  const port = await freePort();
  const server = await startServer(port);
  const base = `http://127.0.0.1:${port}`;
  const stop = () => server.kill();
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });
  let browser: Browser | null = null;
  try {
    browser = await chromium.launch({ executablePath, args: ['--enable-unsafe-webgpu', '--disable-quic'] });
    const envCtx = await browser.newContext();
    const env = (await (await fixture(envCtx, base)).evaluate(() => window.bench.env())) as Record<string, unknown>;
    await envCtx.close();
    const cpus = os.cpus();
    const machine = {
      cpu: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      loadStart: round(os.loadavg()[0]!, 2),
      loadEnd: 0 as number | null,
      memoryGiB: round(os.totalmem() / 2 ** 30, 1),
      os: `${os.type()} ${os.release()}`,
      node: process.version,
      chromium: browser.version(),
      commit: git('rev-parse', '--short', 'HEAD') + (git('status', '--porcelain', '--untracked-files=no', 'src') ? ' (src modified)' : ''),
      distBuilt: statSync(resolve(ROOT, 'dist/reco.js')).mtime.toISOString(),
      worker: env,
    };
    const model = JSON.parse(readFileSync(resolve(ROOT, 'public/models/default/model.json'), 'utf8')) as { id: string; version: string };

    const step = (what: string) => console.error(`[bench ${((Date.now() - started) / 1000).toFixed(0)} s] ${what}`);
    if (args.only === 'placements') {
      const placements = await benchPlacements(browser, base, RUNS);
      console.log(
        `${machine.commit}, load ${machine.loadStart} -> ${round(os.loadavg()[0]!, 2)} on ${machine.cores} cores, model ${model.id}@${model.version}`,
      );
      console.log(placementLines(placements, table).join('\n'));
      if (args.json) writeFileSync(args.json, JSON.stringify({ machine, model, placements }, null, 1) + '\n');
      return;
    }
    if (args.only === 'events') {
      const events = await eventBench(browser, base);
      console.log(
        `${machine.commit}, load ${machine.loadStart} -> ${round(os.loadavg()[0]!, 2)} on ${machine.cores} cores, model ${model.id}@${model.version}`,
      );
      console.log(eventLines(events).join('\n'));
      if (args.json) writeFileSync(args.json, JSON.stringify({ machine, model, events }, null, 1) + '\n');
      return;
    }
    const rank: BackendFigures[] = [];
    for (const b of args.only === 'demo' ? [] : BACKENDS) {
      step(`rank on ${b}`);
      try {
        rank.push(await rankBench(browser, base, b));
      } catch (err) {
        rank.push({ backend: b, available: false, reason: `bench: ${(err as Error).message.split('\n')[0]}` });
      }
    }
    step('rank with a full store');
    const large = args.only === 'demo' ? null : await largeStoreBench(browser, base);
    if (args.only === 'rank') {
      console.log(
        `${machine.commit}, load ${machine.loadStart} -> ${round(os.loadavg()[0]!, 2)} on ${machine.cores} cores, model ${model.id}@${model.version}`,
      );
      console.log(rankLines(rank, large).join('\n'));
      if (args.json) writeFileSync(args.json, JSON.stringify({ machine, model, rank, large }, null, 1) + '\n');
      return;
    }
    step('per-event cost');
    const events = args.only === 'demo' ? null : await eventBench(browser, base);
    step('demo page loads');
    const demo = await demoBench(browser, base);
    // Before the per-engine section, which leaves this Chromium closed.
    step('placements');
    const placements =
      args.only === 'demo' ? null : await benchPlacements(browser, base, RUNS).catch((err: Error) => err.message.split('\n')[0]!);
    step('per engine: Chromium, Firefox, WebKit on wasm');
    const engines = await engineBench(browser, base);
    machine.loadEnd = round(os.loadavg()[0]!, 2);

    report({
      machine,
      model: { id: model.id, version: model.version },
      rank,
      large,
      events,
      demo,
      engines,
      placements,
      sizes,
      seconds: round((Date.now() - started) / 1000, 0)!,
    });
  } finally {
    await browser?.close();
    stop();
  }
}

/** Section 3's lines: the main-thread cost per event. */
function eventLines(ev: EventFigures): string[] {
  const out: string[] = [];
  out.push(
    '3. main-thread cost per event, µs (fixture page, one grid of 144 cards, wasm): 20 rounds of 20 events (DOM changes: of 10), each round timed as a whole; burst = 200 in one task',
  );
  out.push(
    table(
      ['event', 'no SDK p50', 'SDK p50', 'SDK p95', 'SDK cost', `SDK cost in a burst of ${ev.click.burst}`],
      [
        [
          'click on a card',
          fmt(ev.click.noSdkUs),
          fmt(ev.click.sdkUs),
          fmt(ev.click.sdkP95Us),
          fmt(ev.click.costUs),
          fmt(ev.click.burstCostUs),
        ],
        [
          'Reco.track()',
          fmt(ev.track.noSdkUs),
          fmt(ev.track.sdkUs),
          fmt(ev.track.sdkP95Us),
          fmt(ev.track.costUs),
          fmt(ev.track.burstCostUs),
        ],
        [
          'DOM change outside grids',
          fmt(ev.mutation.noSdkUs),
          fmt(ev.mutation.sdkUs),
          fmt(ev.mutation.sdkP95Us),
          fmt(ev.mutation.costUs),
          '–',
        ],
      ],
    ),
  );
  out.push(
    '   The localStorage journal of unflushed events is rewritten once per task (a microtask), so a burst costs no more per event than single events.',
  );
  out.push(
    '   A DOM change outside every grid costs the MutationObserver callback a closest() and a matches() per record: no grid is re-scanned.',
  );
  out.push(
    `   Long tasks while recording events (bursts left out): ${ev.longtasks.count}${ev.longtasks.count ? ` (max ${ev.longtasks.longestMs} ms: ${ev.longtasks.longestCause})` : ''}`,
  );
  return out;
}

/** Section 1: rank latency per backend and candidate count, and with a full store. */
function rankLines(rank: BackendFigures[], large: LargeStore | null): string[] {
  const out: string[] = [];
  out.push(
    `1. rank latency, ms, ${HISTORY}-event history; ${SAMPLING.warmup} warm-up rounds, then up to ${RUNS} rounds per size (fewer after ${SAMPLING.maxMs / 1000} s, at least ${SAMPLING.minRuns})`,
  );
  out.push(
    '   Reco.rank = the public API round trip in the page: worker message + history read from IndexedDB in the worker (only when another tab wrote, or events the history held may have been removed) + scoring + sort.',
  );
  out.push("   engine    = a message round trip to a worker of the bench's own, the history passed in (no IndexedDB).");
  out.push(
    '   msg       = a no-op message round trip to that worker; compute = engine - msg; page = Reco.rank - engine (medians of paired rounds).',
  );
  const rows: (string | number)[][] = [];
  for (const b of rank) {
    if (!b.available) {
      rows.push([b.backend, '–', '–', '–', '–', '–', '–', '–', '–', '–', `unavailable: ${b.reason}`]);
      continue;
    }
    for (const size of SIZES) {
      const x = b.rank![size]!;
      const note =
        size === SIZES[0]
          ? `init() ${b.initMs} ms`
          : size === SIZES[1]
            ? `long tasks ${b.longtasks!.count}${b.longtasks!.count ? ` (max ${b.longtasks!.longestMs} ms)` : ''}`
            : '';
      rows.push([
        b.backend,
        size,
        x.reco.n,
        fmt(x.reco.p50, 2),
        fmt(x.reco.p95, 2),
        fmt(x.engine.p50, 2),
        fmt(x.engine.p95, 2),
        fmt(x.noopP50, 2),
        fmt(x.computeP50, 2),
        fmt(x.pageP50, 2),
        note,
      ]);
    }
  }
  out.push(table(['backend', 'cands', 'n', 'Reco.rank p50', 'p95', 'engine p50', 'p95', 'msg p50', 'compute', 'page', ''], rows));
  const at48 = (name: string) => rank.find((b) => b.backend === name && b.available)?.rank?.[48];
  const wasm48 = at48('wasm');
  const ratio = (f: (x: NonNullable<ReturnType<typeof at48>>) => number) =>
    BACKENDS.filter((b) => b !== 'wasm' && at48(b) && wasm48)
      .map((b) => `${b} ${fmt(f(at48(b)!) / f(wasm48!), 1)}x`)
      .join(', ') || '–';
  out.push(`   vs wasm at 48 candidates: Reco.rank p50 ${ratio((x) => x.reco.p50)}; compute ${ratio((x) => x.computeP50)}`);
  for (const b of rank.filter((x) => x.longtasks?.count))
    out.push(`   ${b.backend}: longest task ${b.longtasks!.longestMs} ms: ${b.longtasks!.longestCause}`);
  if (large) {
    const { small, large: full } = large;
    out.push(
      `   Reco.rank of ${large.candidates} candidates (wasm) right after a view is stored (the worker's history changed), as the store grows: ${small.events} events stored p50 ${fmt(small.p50, 2)} ms (p95 ${fmt(small.p95, 2)}), ` +
        `${full.events} events p50 ${fmt(full.p50, 2)} ms (p95 ${fmt(full.p95, 2)}): ${fmt(full.p50 / small.p50, 2)}x.`,
    );
    out.push(
      '   (The worker reads the newest historyLength events of each history type through a (type, ts) index, never the whole store.)',
    );
  }

  return out;
}

function report(r: {
  machine: Record<string, unknown> & { worker: Record<string, unknown> };
  model: { id: string; version: string };
  rank: BackendFigures[];
  large: LargeStore | null;
  events: EventFigures | null;
  demo: Awaited<ReturnType<typeof demoBench>>;
  engines: EngineFigures[];
  /** The figures, why the section failed, or null when it did not run (--only demo). */
  placements: PlacementFigures | string | null;
  sizes: BundleSize[];
  seconds: number;
}): void {
  const m = r.machine;
  const w = m.worker as { webgpu?: Record<string, unknown> | null; webgl?: Record<string, unknown> | null; hardwareConcurrency?: number };
  const out: string[] = [];
  out.push(
    `Reco benchmarks, ${new Date().toISOString()}, commit ${m['commit']}, dist built ${m['distBuilt']}, model ${r.model.id} ${r.model.version}, ${r.seconds} s`,
  );
  out.push(
    `Machine: ${m['cpu']}, ${m['cores']} cores (the worker sees ${w.hardwareConcurrency}), ${m['memoryGiB']} GiB, ${m['os']}, Node ${m['node']}, Chromium ${m['chromium']} headless`,
  );
  out.push(
    `Load average (1 min) at start ${m['loadStart']}, at end ${m['loadEnd']}: the CPUs are shared, so read medians and ratios, not single runs.`,
  );
  out.push(`Worker adapter: webgpu ${w.webgpu ? JSON.stringify(w.webgpu) : 'none'}; webgl ${w.webgl ? JSON.stringify(w.webgl) : 'none'}`);

  out.push('', ...rankLines(r.rank, r.large));
  const wasm48 = r.rank.find((b) => b.backend === 'wasm' && b.available)?.rank?.[48];

  out.push(
    '',
    `2. Reco.init() → the grid in view re-ordered, demo page (1280x720: grid "${VISIBLE}" above the fold, "new" below), a shopper with ${HISTORY} stored events, ${LOADS} runs per row`,
  );
  out.push('   cold = fresh browser context: empty HTTP cache and Cache Storage, the stored history (and its snapshot) in IndexedDB;');
  out.push('   repeat = reload in the same context. Nobody scrolls: a ranking that arrives after the 400 ms hold (antiFlickerMs) waits');
  out.push('   until the grid is out of sight, so the grid in view is personalized only when it is re-ordered within its hold.');
  out.push('   webgpu and webgl rows run on SwiftShader (allowSoftwareGpu); "default backends" skips software GPUs, so it runs wasm here.');
  const refetched = r.demo.loads.filter((l) => l.load === 'repeat' && (l.recoJsTransferBytes ?? 0) > 0).length;
  if (refetched) {
    out.push(
      `   On ${refetched} repeat views reco.js was downloaded again instead of revalidated (scripts/serve.ts sends ETag and answers 304).`,
    );
  }
  const p50 = (xs: (number | null)[]) => median(xs.filter((x): x is number => x != null));
  const summary = DEMO_VARIANTS.flatMap(([variant]) =>
    (['cold', 'repeat'] as const).map((load) => {
      const ls = r.demo.loads.filter((l) => l.variant === variant && l.load === load);
      const inHold = ls.filter((l) => l.visibleInHold).length;
      const hits = ls.filter((l) => l.snapshot === 'hit').length;
      const backends = [...new Set(ls.map((l) => l.backend ?? '–'))].join(',');
      return [
        variant,
        load,
        backends,
        fmt(p50(ls.map((l) => l.initToVisibleMs)), 0),
        `${inHold}/${ls.length}`,
        fmt(p50(ls.map((l) => l.initToReadyMs)), 0),
        `${hits}/${ls.length}`,
        [...new Set(ls.map((l) => `${l.modelFrom ?? '–'}/${l.wasmFrom ?? '–'}`))].join(' '),
        fmt(Math.max(0, ...ls.map((l) => l.sdkFrames.longestSdkScriptMs)), 0),
        [...new Set(ls.map((l) => l.error).filter(Boolean))].join('; '),
      ];
    }),
  );
  out.push(
    table(
      [
        'variant',
        'load',
        'backend',
        `init→${VISIBLE} re-ordered p50`,
        'in hold',
        'init→model ready p50',
        'snapshot hits',
        'model/wasm from',
        'SDK script max',
        'error',
      ],
      summary,
    ),
  );
  for (const variant of ['default backends', MISSED]) {
    const ls = r.demo.loads.filter((l) => l.variant === variant);
    const rep = ls.filter((l) => l.load === 'repeat');
    if (!ls.length) continue;
    out.push(
      `   ${variant}: init→${VISIBLE} re-ordered p50 cold ${fmt(p50(ls.filter((l) => l.load === 'cold').map((l) => l.initToVisibleMs)), 0)} ms, ` +
        `repeat ${fmt(p50(rep.map((l) => l.initToVisibleMs)), 0)} ms; grid in view personalized in ${rep.filter((l) => l.visibleInHold).length} of ${rep.length} repeat views.`,
    );
  }
  const navs = r.demo.loads.map((l) => l.navToInitMs).filter((x): x is number => x != null);
  out.push(
    `   The demo calls init() ${fmt(median(navs), 0)} ms after navigation start (p50), before it fetches its catalog and renders its grids.`,
  );
  const worstSdk = r.demo.loads.reduce<LoadFigures | null>(
    (a, l) => (!a || l.sdkFrames.longestSdkScriptMs > a.sdkFrames.longestSdkScriptMs ? l : a),
    null,
  );
  if (worstSdk?.sdkFrames.longestSdkScriptMs)
    out.push(
      `   Most reco.js script time in one animation frame: ${worstSdk.sdkFrames.longestSdkScriptMs} ms (${worstSdk.variant}, ${worstSdk.load}: ${worstSdk.sdkFrames.cause || 'no script attribution'}).`,
    );
  const worst = r.demo.loads.reduce<LoadFigures | null>((a, l) => (!a || l.longtasks.longestMs > a.longtasks.longestMs ? l : a), null);
  if (worst?.longtasks.count)
    out.push(
      `   Longest task after init (${worst.variant}, ${worst.load}), whoever caused it: ${worst.longtasks.longestMs} ms: ${worst.longtasks.longestCause}`,
    );
  out.push(
    `   The shop alone (reco.js blocked), same page: ${r.demo.baseline.count} long tasks${r.demo.baseline.count ? `, longest ${r.demo.baseline.longestMs} ms (${r.demo.baseline.longestCause})` : ''}.`,
  );

  if (r.events) out.push('', ...eventLines(r.events));

  out.push('', '4. sizes (gzip level 9)');
  out.push(
    table(
      ['file', 'kind', 'raw', 'gzipped'],
      r.sizes.map((x) => [x.file, x.kind, kb(x.bytes), kb(x.gzip)]),
    ),
  );
  const page = r.sizes.find((x) => x.file === 'reco.js')!;
  const worker = r.sizes.find((x) => x.file === 'reco.worker.js')!;
  const simd = r.sizes.find((x) => x.kind === 'worker wasm' && /wasm-simd\./.test(x.file));
  out.push(
    `   A page with the wasm backend loads ${kb(page.gzip)} + ${kb(worker.gzip)} + ${kb(simd?.gzip ?? 0)} (SIMD wasm) = ${kb(page.gzip + worker.gzip + (simd?.gzip ?? 0))} gzipped, plus the model.`,
  );

  out.push(
    '',
    "5. per engine, wasm backend (Debian's browsers, driven through the cross-engine e2e drivers; figures as ratios to Chromium)",
  );
  out.push(
    `   rank: Reco.rank / engine alone, 48 candidates, ${HISTORY}-event history (fixture page), ms per call: ${ENGINE_SAMPLING.rounds} rounds of ${ENGINE_SAMPLING.reps} back-to-back calls,`,
  );
  out.push(
    '   (Firefox and WebKit step performance.now() by 1 ms here: single calls cannot be timed). repeat view: init() → first re-ordered grid on the demo',
  );
  out.push(`   with ${HISTORY} stored events and a warm HTTP cache, ${VIEWS} views, each in a fresh profile; median.`);
  out.push("   The engines take turns (rank rounds in blocks, views one by one), so the machine's load weighs on all three alike.");
  const chrome = r.engines.find((e) => e.engine === 'chromium' && !e.error);
  const times = (x: number | null | undefined, base: number | null | undefined) => (x != null && base ? `${fmt(x / base, 2)}x` : '–');
  out.push(
    table(
      [
        'engine',
        'version',
        'backend',
        'clock step',
        'Reco.rank p50',
        'p95',
        '× Chromium',
        'engine p50',
        '× Chromium',
        'repeat view init→1st reorder',
        '× Chromium',
        'error',
      ],
      r.engines.map((e) => [
        e.engine,
        e.version,
        e.backend ?? '–',
        e.clockStepMs != null ? `${e.clockStepMs} ms` : '–',
        fmt(e.rank48?.reco.p50, 2),
        fmt(e.rank48?.reco.p95, 2),
        times(e.rank48?.reco.p50, chrome?.rank48?.reco.p50),
        fmt(e.rank48?.engine.p50, 2),
        times(e.rank48?.engine.p50, chrome?.rank48?.engine.p50),
        e.repeatViews ? `${fmt(e.repeatMedianMs, 0)} (${e.repeatViews.map((l) => fmt(l.initToFirstReorderMs, 0)).join(', ')})` : '–',
        times(e.repeatMedianMs, chrome?.repeatMedianMs),
        e.error ?? '',
      ]),
    ),
  );

  const pl = r.placements;
  out.push(
    '',
    ...(pl === null
      ? ['6. placements: not run (--only demo)']
      : typeof pl === 'string'
        ? ['6. placements: failed: ' + pl]
        : placementLines(pl, table).map((l, i) => (i ? l : `6. ${l}`))),
  );

  // "Caused by the SDK": any long task on the bare fixture page (nothing else runs there), and on the demo page any
  // animation frame in which reco.js scripts alone ran 50 ms or more.
  const fixtureTasks = [...r.rank.filter((b) => b.available).map((b) => b.longtasks!), ...(r.events ? [r.events.longtasks] : [])];
  const fixtureCount = fixtureTasks.reduce((n, t) => n + t.count, 0);
  const fixtureMax = Math.max(0, ...fixtureTasks.map((t) => t.longestMs));
  const demoSdkMax = Math.max(0, ...r.demo.loads.map((l) => l.sdkFrames.longestSdkScriptMs));
  const budgets = [
    {
      budget: `page script (reco.js) ≤ ${kb(PAGE_SCRIPT_BUDGET)} gzipped`,
      figure: `${kb(page.gzip)} (${page.gzip} B)`,
      ok: page.gzip <= PAGE_SCRIPT_BUDGET,
    },
    {
      budget: `no main-thread task over ${LONG_TASK_MS} ms caused by the SDK`,
      figure: `fixture: ${fixtureCount} long tasks${fixtureCount ? ` (max ${fixtureMax} ms)` : ''}; demo: most reco.js script time in a frame ${fmt(demoSdkMax, 0)} ms`,
      ok: fixtureCount === 0 && demoSdkMax < LONG_TASK_MS,
    },
    {
      budget: `wasm rank of 48 candidates p50 ≤ ${WASM_RANK48_BUDGET_MS} ms`,
      figure: `Reco.rank ${fmt(wasm48?.reco.p50, 2)} ms (engine ${fmt(wasm48?.engine.p50, 2)}, compute ${fmt(wasm48?.computeP50, 2)})`,
      ok: r.rank.length === 0 ? null : wasm48 != null && wasm48.reco.p50 <= WASM_RANK48_BUDGET_MS, // none with --only demo
    },
    {
      budget: `wasm recommend() p50 ≤ ${RECOMMEND_P50_BUDGET_MS} ms, ${pl === null || typeof pl === 'string' ? '5,000' : pl.feedItems.toLocaleString('en')}-item feed`,
      figure:
        pl === null
          ? 'not run (--only demo)'
          : typeof pl === 'string'
            ? 'failed'
            : pl.rows.map((x) => `${x.placement} ${fmt(x.p50, 2)}`).join(', '),
      ok: pl === null ? null : typeof pl !== 'string' && pl.rows.every((x) => x.p50 <= RECOMMEND_P50_BUDGET_MS),
    },
  ];
  out.push('', 'Budgets (figures, not assertions)');
  out.push(
    table(
      ['budget', 'figure', ''],
      budgets.map((b) => [b.budget, b.figure, pass(b.ok)]),
    ),
  );
  console.log(out.join('\n'));

  if (args.json) {
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          sampling: SAMPLING,
          loads: LOADS,
          ...r,
          budgets: budgets.map((b) => ({ budget: b.budget, figure: b.figure, status: pass(b.ok) })),
        },
        null,
        2,
      ) + '\n',
    );
    console.log(`JSON: ${args.json}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
