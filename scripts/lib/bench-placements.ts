/**
 * The placements part of `npm run bench`: recommend() latency for a 5,000-item feed on wasm, in the system
 * Chromium, through the public API (history read from IndexedDB, a worker round trip, the placement computed
 * over the feed, rules applied). The feed is made from the demo catalog's generator (scripts/gen-catalog.ts)
 * with 35 seeds, and served to the worker at /bench/feed.jsonl by the browser context.
 */
import type { Browser } from 'playwright-core';
import { generateCatalog } from '../gen-catalog.ts';

export const FEED_ITEMS = 5000;
export const RECOMMEND_P50_BUDGET_MS = 20;
const HISTORY = 50;
const PLACEMENTS = ['for-you', 'similar', 'recently-viewed', 'because-you-viewed'] as const;

export interface PlacementFigures {
  feedItems: number;
  history: number;
  backend: string | null;
  /** The first recommend() of the page: the feed fetched and parsed, its item vectors computed. */
  firstMs: number;
  rows: { placement: string; n: number; items: number; p50: number; p95: number; min: number }[];
}

/** A 5,000-item feed in the JSON Lines format of the README, from the demo catalog's generator. */
export function benchFeed(n = FEED_ITEMS): { body: string; ids: string[]; brands: string[] } {
  const rows: Record<string, unknown>[] = [];
  for (let seed = 1; rows.length < n; seed++) {
    for (const it of generateCatalog(seed).items) {
      if (rows.length === n) break;
      const id = `s${seed}-${it.id}`;
      rows.push({
        id,
        title: it.title,
        brand: it.brand,
        category: it.category,
        price: it.price,
        url: `/p/${id}`,
        image: `/${it.image}`,
        availability: 'in stock',
      });
    }
  }
  return {
    body: rows.map((r) => JSON.stringify(r)).join('\n') + '\n',
    ids: rows.map((r) => r['id'] as string),
    brands: rows.map((r) => r['brand'] as string),
  };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!;

export async function benchPlacements(browser: Browser, base: string, runs: number): Promise<PlacementFigures> {
  const feed = benchFeed();
  const ctx = await browser.newContext();
  try {
    await ctx.route('**/bench/feed.jsonl', (route) =>
      route.fulfill({ status: 200, body: feed.body, headers: { 'content-type': 'application/jsonl', etag: '"bench-feed"' } }),
    );
    const page = await ctx.newPage();
    await page.goto(`${base}/e2e/pages/bench-placements.html`);
    // A shopper who viewed 50 items spread over the feed.
    const ids = Array.from({ length: HISTORY }, (_, k) => feed.ids[(k * 97) % feed.ids.length]!);
    const setup = (await page.evaluate(
      (h) => (window as never as { benchPlacements: { setup(h: string[]): Promise<unknown> } }).benchPlacements.setup(h),
      ids,
    )) as {
      status: { backend: string | null; catalog: { items: number } | null };
      firstMs: number;
    };
    const rows: PlacementFigures['rows'] = [];
    // Then for-you again with a rule that boosts one brand: its items join the candidates the pair model scores
    // (up to 40 more than the 120 nearest in text).
    const boosted = { boost: [{ brand: feed.brands[2500]!, weight: 1 }] };
    for (const [placement, rules] of [...PLACEMENTS.map((p) => [p, null] as const), ['for-you', boosted] as const]) {
      const request = { placement, limit: 8, ...(placement === 'similar' && { itemId: feed.ids[1234] }) };
      if (rules) await page.evaluate((r) => window.Reco.setRules(r), rules);
      const { ms, items } = (await page.evaluate(
        ([r, n]) =>
          (window as never as { benchPlacements: { time(r: unknown, w: number, n: number): Promise<unknown> } }).benchPlacements.time(
            r,
            3,
            n,
          ),
        [request, runs] as const,
      )) as { ms: number[]; items: number };
      const name = rules ? `${placement}, boost` : placement;
      rows.push({ placement: name, n: ms.length, items, p50: pct(ms, 0.5), p95: pct(ms, 0.95), min: Math.min(...ms) });
    }
    return { feedItems: setup.status.catalog?.items ?? 0, history: HISTORY, backend: setup.status.backend, firstMs: setup.firstMs, rows };
  } finally {
    await ctx.close();
  }
}

/** The bench report's lines for the placements figures. */
export function placementLines(f: PlacementFigures, table: (head: string[], rows: (string | number)[][]) => string): string[] {
  return [
    `recommend() latency, ms: ${f.feedItems}-item feed, ${f.history}-event history, limit 8, default rules (the last row: a rule boosting one brand), backend ${f.backend}; the public API round trip`,
    '   (IndexedDB history read + worker message + the placement over the feed + rules; the pair model scores the 120 feed items most',
    '   similar in text to what the placement starts from, a transformer the whole feed). First call of the page view (feed fetched',
    `   and parsed, its text index built, a transformer's item vectors computed): ${f.firstMs.toFixed(0)} ms.`,
    table(
      ['placement', 'n', 'items', 'p50', 'p95', 'min'],
      f.rows.map((r) => [r.placement, r.n, r.items, r.p50.toFixed(2), r.p95.toFixed(2), r.min.toFixed(2)]),
    ),
  ];
}
