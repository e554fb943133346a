import { expect, test, type Page, type Route } from '@playwright/test';
import { dropFastStart } from './helpers/idb.ts';
import {
  backAtTop,
  gridItems,
  holdModel,
  listenToReco,
  openAndCloseProduct,
  scrollOutOfView,
  waitForRanked,
  waitForReady,
} from './helpers/reco.ts';

/** A grid's items with the features the page shows for them. */
const itemsOf = (page: Page, grid: string) =>
  page.locator(`${grid} [data-reco-id]`).evaluateAll((els) =>
    els.map((el) => {
      const d = (el as HTMLElement).dataset;
      return {
        id: d['recoId']!,
        title: d['recoTitle']!,
        category: d['recoCategory']!,
        brand: d['recoBrand']!,
        price: Number(d['recoPrice']),
      };
    }),
  );

/** A shopper who opened three Nails products on the demo; their events and the next page view's snapshot are stored. */
async function shopperWithHistory(page: Page): Promise<string[]> {
  await listenToReco(page);
  await page.goto('/');
  await waitForReady(page);
  const nails = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned && it.top === 'Nails').slice(0, 3);
  for (const it of nails) await openAndCloseProduct(page, it.id);
  await page.evaluate(() => window.Reco.export());
  await backAtTop(page);
  return (await gridItems(page, '#grid-home')).map((it) => it.id);
}

/** A shopper who opened the two Tressa hair-care products of the bare listing page (its list a); their events are stored. */
async function openedHairCare(page: Page): Promise<void> {
  await listenToReco(page);
  await page.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(page);
  for (const id of ['a2', 'a4']) await page.click(`[data-reco-id="${id}"]`);
  await page.evaluate(() => window.Reco.export());
}

/** The page's worker cannot load the tfjs engine (so neither the model nor the feed) until the returned function is called. */
async function holdTfjs(page: Page): Promise<() => void> {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/reco.worker.tfjs.js', async (route: Route) => {
    await held;
    await route.continue();
  });
  return release;
}

test("a repeat view is ranked from the previous page view's snapshot before TensorFlow.js loads, with the model's own scores", async ({
  page,
}) => {
  await shopperWithHistory(page);
  // The next page view cannot load the tfjs engine until released: only the snapshot can answer.
  const release = await holdTfjs(page);
  await page.reload();
  // The grid below the fold is re-ordered whenever its scores arrive (the one in view only within its hold).
  const fast = await waitForRanked(page, 'new');
  expect(await page.evaluate(() => window.__reco.readyAt), 'ranked before the model was loaded').toBeNull();
  // rank() is answered so too (a list the page renders itself, useRanked's): it no longer waits for the model.
  const early = await page.evaluate((its) => window.Reco.rank(its), await itemsOf(page, '#grid-new'));
  expect(early.map((r) => r.id)).toEqual(fast.order);
  expect(await page.evaluate(() => window.__reco.readyAt), 'rank() answered before the model was loaded').toBeNull();

  release();
  const status = await waitForReady(page);
  expect(status.cache.snapshot).toBe('hit');
  // The model itself, on the same history and items: the same order.
  const full = await page.evaluate((its) => window.Reco.rank(its), await itemsOf(page, '#grid-new'));
  expect(full.some((r) => r.score !== 0)).toBe(true);
  expect(fast.order).toEqual(full.map((r) => r.id));
});

test('a listing the shopper never saw, on a later page load: the grid in view is ranked within its hold by the model before TensorFlow.js loads', async ({
  page,
}) => {
  await openedHairCare(page);

  // The next page load is another listing, none of whose products the last page view ranked: its snapshot cannot answer.
  // The tfjs engine cannot load until released (a slow device or network), so only the model's own small forward
  // pass, before tfjs, can rank the grid while it is held.
  const release = await holdTfjs(page);
  await page.goto('/e2e/pages/listing.html?list=b');
  const ranked = await waitForRanked(page, 'listing', 1, 20_000);
  expect(await page.evaluate(() => window.__reco.readyAt), 'ranked before the engine was loaded').toBeNull();
  const shown = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
  expect(shown.slice(0, 3), 'the hair care the shopper opened comes first (the shop put it last)').toEqual(
    expect.arrayContaining(['b6', 'b7']),
  );

  release();
  const status = await waitForReady(page);
  expect(status.cache).toMatchObject({ snapshot: 'miss', snapshotReason: 'an item not seen before (b1)' });
  const full = await page.evaluate((ids) => window.Reco.rank(ids), shown);
  expect(full.some((r) => r.score !== 0)).toBe(true);
  expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
});

test('a repeat view on a slow network: model.json answering late (its files cached), the grid in view is still ranked within its hold from the snapshot', async ({
  page,
}) => {
  await openedHairCare(page);

  // The next page load's model.json does not answer (a slow network revalidating it with the server) until released.
  // Before, the snapshot waited for it: the grid in view kept the shop's order, every file in the cache.
  const model = await holdModel();
  await page.reload();
  const ranked = await waitForRanked(page, 'listing', 1, 20_000);
  expect(await model.asked(), 'model.json was asked for, and has not answered').toBe(true);
  expect(await page.evaluate(() => window.__reco.readyAt), 'ranked before the model was loaded').toBeNull();
  const shown = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
  const shopOrder = await page.evaluate(() => (window as unknown as { LISTS: Record<string, string[][]> }).LISTS['a']!.map((r) => r[0]!));
  expect(shown, "personalized, not the shop's order").not.toEqual(shopOrder);

  await model.release();
  const status = await waitForReady(page);
  expect(status.cache.snapshot).toBe('hit');
  const full = await page.evaluate((ids) => window.Reco.rank(ids), shown);
  expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
});

test("a shop-trained hybrid, on a listing the shopper never saw: the grid in view is ranked within its hold from the snapshot's query and the item vectors' lookups, before TensorFlow.js loads", async ({
  page,
}) => {
  const model = '/models/beauty-student/model.json';
  await listenToReco(page);
  await page.goto(`/e2e/pages/listing.html?list=a&model=${model}`);
  await waitForReady(page);
  for (const id of ['a2', 'a4']) await page.click(`[data-reco-id="${id}"]`);
  await page.evaluate(() => window.Reco.export());
  await page.waitForTimeout(1000); // the worker stores the snapshot of that history (30 ms after it changed)

  // The same history on the next page load, another listing: the snapshot has the shopper's query, not these items.
  const release = await holdTfjs(page);
  await page.goto(`/e2e/pages/listing.html?list=b&model=${model}`);
  const shopOrder = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  const ranked = await waitForRanked(page, 'listing', 1, 20_000);
  expect(await page.evaluate(() => window.__reco.readyAt), 'ranked before the engine was loaded').toBeNull();
  const shown = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
  expect(shown).not.toEqual(shopOrder);

  release();
  const status = await waitForReady(page);
  expect(status.cache).toMatchObject({ snapshot: 'miss', snapshotReason: 'an item not seen before (b1)' });
  const full = await page.evaluate((ids) => window.Reco.rank(ids), shopOrder);
  expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
});

test('Back to a listing the browser did not keep: the grid shows the order the shopper left it in, not a new ranking', async ({ page }) => {
  // Playwright's Chromium runs without the back/forward cache: Back loads the page again, with its scroll position.
  await listenToReco(page);
  await page.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(page);
  for (const id of ['a2', 'a4']) await page.click(`[data-reco-id="${id}"]`);
  await page.evaluate(() => window.Reco.export());
  await page.goto('/e2e/pages/listing.html?list=b');
  const shopOrder = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  await waitForRanked(page, 'listing');
  const left = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);

  // The shopper opens a perfume's page (Reco records its view there, and the snapshot of that history), then comes back.
  await page.click('[data-reco-id="b4"] a');
  await page.waitForURL(/product\.html\?product=b4/);
  await waitForReady(page);
  await page.evaluate(() => window.Reco.export());
  await page.waitForTimeout(1000); // the worker stores the snapshot of that history (30 ms after it changed)
  await page.goBack();
  const back = await waitForRanked(page, 'listing', 1, 20_000);
  expect(back.order, 'the grid as the shopper left it').toEqual(left);
  expect((await gridItems(page, '[data-reco-grid]')).map((it) => it.id)).toEqual(left);

  // Not by chance: with the perfume's click the model orders this listing otherwise now.
  await waitForReady(page);
  const now = await page.evaluate((ids) => window.Reco.rank(ids), shopOrder);
  expect(now.map((r) => r.id)).not.toEqual(left);
});

test("a repeat view ranked from the snapshot, before the feed loads, puts the feed's out-of-stock items last as the rules say", async ({
  page,
}) => {
  await shopperWithHistory(page);
  // The demo's markup does not say which items are in stock: only its feed (catalog.json) does.
  const outOfStock: string[] = await page.evaluate(async () =>
    ((await (await fetch('catalog.json')).json()) as { id: string; availability: string }[])
      .filter((it) => it.availability === 'out_of_stock')
      .map((it) => it.id),
  );
  const release = await holdTfjs(page);
  await page.reload();
  await waitForRanked(page, 'home');
  expect(await page.evaluate(() => window.__reco.readyAt), 'ranked before the model (and its feed) loaded').toBeNull();
  const movable = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
  const unavailable = movable.filter((id) => outOfStock.includes(id));
  expect(unavailable.length, 'precondition: the home grid shows items the feed says are out of stock').toBeGreaterThan(0);
  expect(movable.slice(-unavailable.length), 'the out-of-stock items come last').toEqual(unavailable);
  release();
  await waitForReady(page);
});

test('the model and wasm files come from Cache Storage on the next page view; the first download reports progress', async ({
  page,
  context,
}) => {
  await listenToReco(page);
  await page.goto('/');
  const first = await waitForReady(page);
  expect(first.cache).toMatchObject({ available: true, model: 'network', wasm: 'network' });
  const progress = (await page.evaluate(() => window.__reco.progress)).filter((p) => p.file.endsWith('/weights.bin'));
  expect(progress.length).toBeGreaterThan(1);
  const last = progress[progress.length - 1]!;
  expect(last.loaded).toBeGreaterThan(0);
  expect(last.loaded).toBe(last.total);
  expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((a, b) => a - b));

  const requested: string[] = [];
  context.on('request', (r) => requested.push(new URL(r.url()).pathname));
  await page.reload();
  const next = await waitForReady(page);
  expect(next.cache).toMatchObject({ available: true, model: 'cache', wasm: 'cache' });
  expect(requested.filter((p) => p.endsWith('.wasm') || p.endsWith('/weights.bin'))).toEqual([]);
  expect(await page.evaluate(() => window.__reco.progress.length)).toBe(0);
});

test('a ranking that arrives after the hold waits until the grid in view is out of sight: what the shopper sees never jumps', async ({
  page,
}) => {
  await shopperWithHistory(page);
  // No snapshot and no cached files: the first ranking needs the model, and the model download is held back.
  await dropFastStart(page);
  const { asked, release } = await holdModel();
  await page.reload();
  await expect.poll(asked, { message: 'the worker asks for the model' }).toBe(true);
  // The hold (antiFlickerMs) ends: the shopper sees the home grid in the shop's order. (Read here, not on the first
  // visit: there the rules, issue 13, may already have moved out-of-stock items last.)
  await expect(page.locator('#grid-home')).not.toHaveAttribute('data-reco-pending', /.*/);
  const shopOrder = (await gridItems(page, '#grid-home')).map((it) => it.id);
  await release();
  await waitForReady(page);
  await waitForRanked(page, 'new'); // below the fold: re-ordered as soon as its scores arrive
  expect(
    (await gridItems(page, '#grid-home')).map((it) => it.id),
    'the grid in view kept its order',
  ).toEqual(shopOrder);
  expect((await page.evaluate(() => window.__reco.ranked)).map((r) => r.listId)).toEqual(['new']);

  await scrollOutOfView(page, '#grid-home');
  const ranked = await waitForRanked(page, 'home');
  await page.evaluate(() => window.scrollTo(0, 0));
  expect((await gridItems(page, '#grid-home')).map((it) => it.id)).toEqual(ranked.order);
  expect(ranked.order).not.toEqual(shopOrder);
});

test('reco.js at the end of the body, after the grid: the browser paints the grid while the script loads, and the grid in view is still held and ranked on the page load (not after a page the shopper has been looking at)', async ({
  page,
}) => {
  const order = () => page.locator('#grid [data-reco-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-reco-id')!));
  // Each hold of the grid, as it happens.
  await page.addInitScript(() => {
    const w = window as unknown as { held: number };
    w.held = 0;
    new MutationObserver((records) => {
      if (records.some((r) => (r.target as Element).hasAttribute('data-reco-pending'))) w.held++;
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-reco-pending'] });
  });
  const held = () => page.evaluate(() => (window as unknown as { held: number }).held);
  const painted = () => page.evaluate(() => (window as unknown as { paintedBeforeInit: number[] }).paintedBeforeInit);
  await listenToReco(page);
  await page.goto('/e2e/pages/tag-last.html');
  await waitForReady(page);
  const shop = await order();
  // The shopper views two perfumes, the last cards of the grid.
  await page.evaluate(() => ['t06', 't07'].forEach((id) => window.Reco.track('view_item', id)));
  await page.evaluate(() => window.Reco.export());

  // reco.js comes 40 ms after the browser asked for it (a revalidation): the browser paints the parsed grid meanwhile.
  const late = (ms: number) => async (route: Route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, ms));
    await route.fulfill({ response });
  };
  await page.route('**/reco.js', late(40));
  await page.reload();
  const ranked = await waitForRanked(page, 'listing', 1, 10_000);
  console.log('[tag-last] painted before init, ms:', (await painted()).join(' '));
  expect((await painted()).length, 'the page painted before init()').toBeGreaterThan(0);
  expect(await held(), 'held until ranked').toBeGreaterThan(0);
  expect(await order()).toEqual(ranked.order);
  expect(ranked.order.slice(0, 3).filter((id) => ['t06', 't07', 't08'].includes(id)).length, 'the perfumes first').toBeGreaterThan(1);
  expect(await page.evaluate(() => window.__reco.errors)).toEqual([]);

  // A page painted long before init() (reco.js 600 ms late): the shopper may be looking at the grid, which is not hidden
  // and keeps the shop's order until it is out of sight.
  await page.unroute('**/reco.js');
  await page.route('**/reco.js', late(600));
  await page.reload();
  await waitForReady(page);
  await page.waitForTimeout(300);
  expect(Math.min(...(await painted()))).toBeGreaterThan(200);
  expect(await held()).toBe(0);
  expect(await order()).toEqual(shop);
});
