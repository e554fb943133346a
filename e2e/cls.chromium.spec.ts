import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { gridItems, listenToReco, openAndCloseProduct, waitForRanked, waitForReady } from './helpers/reco.ts';

interface Shift {
  value: number;
  t: number;
  input: boolean;
  sources: string[];
  /** A node that moved is in a grid (or is one): a shift Reco's re-ordering could have caused. */
  inGrid: boolean;
}

/** CLS as Chrome reports it: the largest session window (shifts < 1 s apart, window ≤ 5 s), input-driven shifts excluded. */
function cls(shifts: Shift[]): { cls: number; total: number } {
  let best = 0;
  let sum = 0;
  let first = -Infinity;
  let last = -Infinity;
  let total = 0;
  for (const s of shifts.filter((x) => !x.input).sort((a, b) => a.t - b.t)) {
    total += s.value;
    if (s.t - last > 1000 || s.t - first > 5000) {
      sum = 0;
      first = s.t;
    }
    sum += s.value;
    last = s.t;
    best = Math.max(best, sum);
  }
  return { cls: best, total };
}

async function recordShifts(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const w = window as unknown as { __shifts: Shift[]; __shiftObserver: PerformanceObserver };
    w.__shifts = [];
    const push = (list: PerformanceEntryList) => {
      for (const e of list as (PerformanceEntry & { value: number; hadRecentInput: boolean; sources?: { node?: Node | null }[] })[]) {
        w.__shifts.push({
          value: e.value,
          t: e.startTime,
          input: e.hadRecentInput,
          sources: (e.sources ?? []).map((s) =>
            s.node instanceof Element
              ? `${s.node.tagName.toLowerCase()}${s.node.id ? `#${s.node.id}` : ''}.${s.node.className}`
              : String(s.node?.nodeName),
          ),
          inGrid: (e.sources ?? []).some((s) => s.node instanceof Element && !!s.node.closest('[data-reco-grid]')),
        });
      }
    };
    w.__shiftObserver = new PerformanceObserver((list) => push(list.getEntries()));
    w.__shiftObserver.observe({ type: 'layout-shift', buffered: true });
  });
}

const readShifts = (page: Page) =>
  page.evaluate(() => {
    const w = window as unknown as { __shifts: Shift[]; __shiftObserver: PerformanceObserver };
    for (const e of w.__shiftObserver.takeRecords() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
      w.__shifts.push({ value: e.value, t: e.startTime, input: e.hadRecentInput, sources: [], inGrid: false });
    }
    return w.__shifts;
  });

/** Loads the demo at the top of the page, waits for Reco (and for the home grid's ranking), nobody scrolls. */
async function visit(page: Page, expectRanking: boolean) {
  await page.goto('/');
  await waitForReady(page);
  const shopOrder = await page.evaluate(() => (window as unknown as { __shopOrder: string[] }).__shopOrder);
  if (expectRanking) await waitForRanked(page, 'home');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const order = (await gridItems(page, '#grid-home')).map((it) => it.id);
  const shifts = await readShifts(page);
  const readyAt = (await page.evaluate(() => window.__reco.readyAt))!;
  const after = shifts.filter((x) => x.t >= readyAt);
  const grids = shifts.filter((x) => x.inGrid);
  return {
    shopOrder,
    order,
    page: { ...cls(shifts), shifts: shifts.length },
    // Shifts of nodes in the grids, from the first moment: what re-ordering could cause (it runs before 'ready'
    // when the snapshot answers), the shop's own rendering of the rest of the page excluded.
    personalization: { ...cls(grids), shifts: grids.length, sources: [...new Set(grids.flatMap((x) => x.sources))] },
    // Everything from Reco's 'ready' on, the shop's reactions to it (its event list, its "Because you viewed") included.
    afterReady: { ...cls(after), shifts: after.length, sources: [...new Set(after.flatMap((x) => x.sources))] },
  };
}

test('cumulative layout shift while the demo loads and personalizes: none in the grids (the page total is reported)', async ({ page }) => {
  await recordShifts(page);
  await listenToReco(page);
  // The shop's own order, as rendered before Reco could touch it.
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const grid = document.getElementById('grid-home')!;
      new MutationObserver((_, mo) => {
        const ids = [...grid.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!);
        if (ids.length && !(window as unknown as { __shopOrder?: string[] }).__shopOrder) {
          (window as unknown as { __shopOrder: string[] }).__shopOrder = ids;
          mo.disconnect();
        }
      }).observe(grid, { childList: true });
    });
  });

  const fresh = await visit(page, false);
  // No history: only the rules move anything. The demo's markup does not say which items are in stock, its feed
  // (catalog.json) does: those out of stock go last, pinned items keep their place, the rest keep the shop's order.
  const outOfStock: string[] = await page.evaluate(async () =>
    ((await (await fetch('catalog.json')).json()) as { id: string; availability: string }[])
      .filter((it) => it.availability === 'out_of_stock')
      .map((it) => it.id),
  );
  const pinned = new Set((await gridItems(page, '#grid-home')).filter((it) => it.pinned).map((it) => it.id));
  const movable = fresh.shopOrder.filter((id) => !pinned.has(id));
  const byRules = [...movable.filter((id) => !outOfStock.includes(id)), ...movable.filter((id) => outOfStock.includes(id))];
  const slots = (order: string[]) => order.map((id) => (pinned.has(id) ? id : null));
  const inRulesOrder = fresh.order.filter((id) => !pinned.has(id)).join() === byRules.join();
  if (!inRulesOrder) expect(fresh.order, 'no history: the shop order, or out-of-stock items last').toEqual(fresh.shopOrder);
  expect(slots(fresh.order), 'pinned items in their places').toEqual(slots(fresh.shopOrder));

  const [one, two, three] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned && it.top === 'Nails');
  for (const it of [one, two, three]) await openAndCloseProduct(page, it!.id);

  const personalized = await visit(page, true);
  const backend = (await page.evaluate(() => window.Reco.status())).backend;
  const ranked = (await page.evaluate(() => window.__reco.ranked)).map((r) => r.listId);
  expect(personalized.order, 'the home grid was re-ordered').not.toEqual(personalized.shopOrder);
  expect(new Set(personalized.order)).toEqual(new Set(personalized.shopOrder));

  // The same page with Reco off (consent denied: no worker, no hold, no re-ordering): the shop's own load shifts.
  await page.goto('/?consent=denied');
  await page.waitForFunction(() => window.Reco.status().consent === 'denied' && document.readyState === 'complete');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const off = await readShifts(page);

  const report = {
    page: 'demo /, 1280x720, default options',
    backend,
    recoOff: { page: { ...cls(off), shifts: off.length } },
    withoutHistory: { page: fresh.page, grids: fresh.personalization, afterReady: fresh.afterReady },
    withHistory: { page: personalized.page, grids: personalized.personalization, afterReady: personalized.afterReady, ranked },
  };
  console.log(`CLS ${JSON.stringify(report)}`);
  const dir = resolve(import.meta.dirname, '..', 'test-results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(resolve(dir, 'cls.json'), JSON.stringify(report, null, 2) + '\n');
  // The re-ordering ran while the grid was hidden (or would have waited until it was out of sight): nothing in a grid moved in view.
  expect(fresh.personalization.cls).toBe(0);
  expect(personalized.personalization.cls).toBe(0);
});
