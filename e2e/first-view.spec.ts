import { expect, test, type BrowserPage } from './helpers/test.ts';
import { dropFastStart } from './helpers/idb.ts';
import {
  backAtTop,
  gridItems,
  holdBack,
  listenToReco,
  openAndCloseProduct,
  scrollOutOfView,
  waitForRanked,
  waitForReady,
} from './helpers/reco.ts';

// A bundled app's page (e2e/pages/module-app.html): the grid is in the HTML, and init() runs in the app's module
// script, once the document is parsed, often a frame or two after the browser's first paint. In every engine.

const PERFUMES = ['m06', 'm07', 'm08'];
const SHOP = ['m01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm08'];

/** Each animation frame of the page from its start: whether the grid is hidden, and its order. */
async function recordFrames(tab: BrowserPage): Promise<void> {
  await tab.addInitScript(() => {
    const frames: { hidden: boolean; order: string }[] = [];
    (window as unknown as { recoFrames: typeof frames }).recoFrames = frames;
    const tick = () => {
      const grid = document.getElementById('grid');
      if (grid && grid.children.length === 8) {
        const order = [...grid.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')).join(' ');
        const style = getComputedStyle(grid); // held by Reco: clipped away; by the page's own rule: clipped or invisible
        frames.push({ hidden: style.visibility === 'hidden' || style.clipPath.startsWith('inset(50%'), order });
      }
      if (frames.length < 400) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
}
const frames = (tab: BrowserPage) =>
  tab.evaluate(() => (window as unknown as { recoFrames: { hidden: boolean; order: string }[] }).recoFrames);
const order = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('#grid [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!));

/** The shopper's first visit to `url`: the grid in the shop's order; they view two perfumes, the grid's last cards. */
async function firstVisit(tab: BrowserPage, url: string): Promise<void> {
  await listenToReco(tab);
  await tab.goto(url);
  await waitForReady(tab);
  expect(await order(tab)).toEqual(SHOP);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), PERFUMES.slice(0, 2));
  await tab.evaluate(() => window.Reco.exportData()); // written before the reload
}

test("a bundled app's page (init() in its module script, after the document is parsed): the grid in view is held and ranked on the repeat view, in every engine", async ({
  tab,
}) => {
  await firstVisit(tab, '/e2e/pages/module-app.html');
  await tab.reload();
  const ranked = await waitForRanked(tab, 'catalog', 1, 20_000);
  // Not scrolled, not waited for: the grid in view shows the shopper's order (before, in Firefox and WebKit, whose paint
  // entry is there when the module runs, it kept the shop's order until out of sight; Chromium held it).
  expect(await order(tab)).toEqual(ranked.order);
  expect(ranked.order.slice(0, 3).filter((id) => PERFUMES.includes(id)).length, 'the perfumes first').toBeGreaterThan(1);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

test("with the README's stylesheet rule (html:not([data-reco-started]) [data-reco-grid], 0.4 s at most), the shopper never sees the grid in the shop's order on the repeat view; with the app's script missing, the grid shows in the shop's order", async ({
  tab,
}) => {
  await recordFrames(tab);
  await firstVisit(tab, '/e2e/pages/module-app.html?hold');
  await tab.reload();
  const ranked = await waitForRanked(tab, 'catalog', 1, 20_000);
  await tab.waitForFunction(() => !document.querySelector('#grid[data-reco-pending]'), undefined, { message: 'the hold ended' });
  await tab.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const seen = (await frames(tab)).filter((f) => !f.hidden).map((f) => f.order);
  expect(ranked.order.slice(0, 3).filter((id) => PERFUMES.includes(id)).length, 'the perfumes first').toBeGreaterThan(1);
  expect(seen.length, 'frames with the grid shown').toBeGreaterThan(0);
  // Every frame that showed the grid showed the shopper's order.
  expect([...new Set(seen)]).toEqual([ranked.order.join(' ')]);
  expect(await tab.evaluate(() => document.documentElement.hasAttribute('data-reco-started'))).toBe(true);

  // The app's script never runs (a failed deploy, a blocked bundle): the rule's animation ends and the grid shows.
  await tab.goto('/e2e/pages/module-app.html?hold&missing');
  await tab.waitForFunction(() => getComputedStyle(document.getElementById('grid')!).clipPath === 'none', undefined, {
    timeout: 5_000,
    message: 'the grid is shown without Reco',
  });
  expect(await order(tab)).toEqual(SHOP);
  expect(await tab.evaluate(() => document.documentElement.hasAttribute('data-reco-started'))).toBe(false);
});

// The demo and the bare listing pages on a repeat view, in every engine: the grid in view ranked within its hold from
// the snapshot or by the model's small forward pass before TensorFlow.js loads, the model's files from Cache Storage,
// and a ranking that comes after the hold kept back until the grid is out of sight. The e2e server holds back the
// worker's tfjs chunk or the model's manifest (scripts/serve.ts, /e2e/hold) where a test needs a slow download.

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A grid's items with the features the page shows for them. */
const itemsOf = (tab: BrowserPage, grid: string) =>
  tab.evaluate(
    (sel) =>
      [...document.querySelectorAll<HTMLElement>(`${sel} [data-reco-id]`)].map((el) => ({
        id: el.dataset['recoId']!,
        title: el.dataset['recoTitle']!,
        category: el.dataset['recoCategory']!,
        brand: el.dataset['recoBrand']!,
        price: Number(el.dataset['recoPrice']),
      })),
    grid,
  );

const ids = async (tab: BrowserPage, grid: string) => (await gridItems(tab, grid)).map((it) => it.id);

/** A shopper who opened three Nails products on the demo; their events and the next page view's snapshot are stored. */
async function shopperWithHistory(tab: BrowserPage): Promise<void> {
  await listenToReco(tab);
  await tab.goto('/');
  await waitForReady(tab);
  const nails = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned && it.top === 'Nails').slice(0, 3);
  for (const it of nails) await openAndCloseProduct(tab, it.id);
  await tab.evaluate(() => window.Reco.export().then(() => {}));
  await backAtTop(tab);
}

/** A shopper who opened the two Tressa hair-care products of the bare listing page (its list a); their events are stored. */
async function openedHairCare(tab: BrowserPage): Promise<void> {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(tab);
  for (const id of ['a2', 'a4']) await tab.click(`[data-reco-id="${id}"]`);
  await tab.evaluate(() => window.Reco.export().then(() => {}));
}

/** The page's worker cannot load the tfjs engine (so neither the model nor the feed) until released. */
const holdTfjs = () => holdBack('/reco.worker.tfjs.js');

test("a repeat view is ranked from the previous page view's snapshot before TensorFlow.js loads, with the model's own scores", async ({
  tab,
}) => {
  await shopperWithHistory(tab);
  // The next page view cannot load the tfjs engine until released: only the snapshot can answer.
  const tfjs = await holdTfjs();
  try {
    await tab.reload();
    // The grid below the fold is re-ordered whenever its scores arrive (the one in view only within its hold).
    const fast = await waitForRanked(tab, 'new');
    expect(await tab.evaluate(() => window.__reco.readyAt), 'ranked before the model was loaded').toBeNull();
    // rank() is answered so too (a list the page renders itself, useRanked's): it no longer waits for the model.
    const early = await tab.evaluate((its) => window.Reco.rank(its), await itemsOf(tab, '#grid-new'));
    expect(early.map((r) => r.id)).toEqual(fast.order);
    expect(await tab.evaluate(() => window.__reco.readyAt), 'rank() answered before the model was loaded').toBeNull();
    await tfjs.release();

    const status = await waitForReady(tab);
    expect(status.cache.snapshot).toBe('hit');
    // The model itself, on the same history and items: the same order.
    const full = await tab.evaluate((its) => window.Reco.rank(its), await itemsOf(tab, '#grid-new'));
    expect(full.some((r) => r.score !== 0)).toBe(true);
    expect(fast.order).toEqual(full.map((r) => r.id));
  } finally {
    await tfjs.release();
  }
});

test('a listing the shopper never saw, on a later page load: the grid in view is ranked within its hold by the model before TensorFlow.js loads', async ({
  tab,
}) => {
  await openedHairCare(tab);

  // The next page load is another listing, none of whose products the last page view ranked: its snapshot cannot answer.
  // The tfjs engine cannot load until released (a slow device or network), so only the model's own small forward
  // pass, before tfjs, can rank the grid while it is held.
  const tfjs = await holdTfjs();
  try {
    await tab.goto('/e2e/pages/listing.html?list=b');
    const ranked = await waitForRanked(tab, 'listing', 1, 20_000);
    expect(await tab.evaluate(() => window.__reco.readyAt), 'ranked before the engine was loaded').toBeNull();
    const shown = await ids(tab, '[data-reco-grid]');
    expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
    expect(shown.slice(0, 3), 'the hair care the shopper opened comes first (the shop put it last)').toEqual(
      expect.arrayContaining(['b6', 'b7']),
    );
    await tfjs.release();

    const status = await waitForReady(tab);
    expect(status.cache).toMatchObject({ snapshot: 'miss', snapshotReason: 'an item not seen before (b1)' });
    const full = await tab.evaluate((its) => window.Reco.rank(its), shown);
    expect(full.some((r) => r.score !== 0)).toBe(true);
    expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
  } finally {
    await tfjs.release();
  }
});

test('a repeat view on a slow network: model.json answering late (its files cached), the grid in view is still ranked within its hold from the snapshot', async ({
  tab,
}) => {
  await openedHairCare(tab);

  // The next page load's model.json does not answer (a slow network revalidating it with the server) until released.
  const model = await holdBack();
  try {
    await tab.reload();
    const ranked = await waitForRanked(tab, 'listing', 1, 20_000);
    expect(await model.asked(), 'model.json was asked for, and has not answered').toBe(true);
    expect(await tab.evaluate(() => window.__reco.readyAt), 'ranked before the model was loaded').toBeNull();
    const shown = await ids(tab, '[data-reco-grid]');
    expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
    const shopOrder = await tab.evaluate(() => (window as unknown as { LISTS: Record<string, string[][]> }).LISTS['a']!.map((r) => r[0]!));
    expect(shown, "personalized, not the shop's order").not.toEqual(shopOrder);
    await model.release();

    const status = await waitForReady(tab);
    expect(status.cache.snapshot).toBe('hit');
    const full = await tab.evaluate((its) => window.Reco.rank(its), shown);
    expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
  } finally {
    await model.release();
  }
});

test("a shop-trained hybrid, on a listing the shopper never saw: the grid in view is ranked within its hold from the snapshot's query and the item vectors' lookups, before TensorFlow.js loads", async ({
  tab,
}) => {
  const model = '/models/beauty-student/model.json';
  await listenToReco(tab);
  await tab.goto(`/e2e/pages/listing.html?list=a&model=${model}`);
  await waitForReady(tab);
  for (const id of ['a2', 'a4']) await tab.click(`[data-reco-id="${id}"]`);
  await tab.evaluate(() => window.Reco.export().then(() => {}));
  await sleep(1000); // the worker stores the snapshot of that history (30 ms after it changed)

  // The same history on the next page load, another listing: the snapshot has the shopper's query, not these items.
  const tfjs = await holdTfjs();
  try {
    await tab.goto(`/e2e/pages/listing.html?list=b&model=${model}`);
    const ranked = await waitForRanked(tab, 'listing', 1, 20_000);
    expect(await tab.evaluate(() => window.__reco.readyAt), 'ranked before the engine was loaded').toBeNull();
    const shown = await ids(tab, '[data-reco-grid]');
    expect(shown, 're-ordered in view: nobody scrolled').toEqual(ranked.order);
    const shopOrder = await tab.evaluate(() => (window as unknown as { LISTS: Record<string, string[][]> }).LISTS['b']!.map((r) => r[0]!));
    expect(shown).not.toEqual(shopOrder);
    await tfjs.release();

    const status = await waitForReady(tab);
    expect(status.cache).toMatchObject({ snapshot: 'miss', snapshotReason: 'an item not seen before (b1)' });
    const full = await tab.evaluate((its) => window.Reco.rank(its), shopOrder);
    expect(ranked.order, "the model's own order once it has loaded").toEqual(full.map((r) => r.id));
  } finally {
    await tfjs.release();
  }
});

test("a repeat view ranked from the snapshot, before the feed loads, puts the feed's out-of-stock items last as the rules say", async ({
  tab,
}) => {
  await shopperWithHistory(tab);
  // The demo's markup does not say which items are in stock: only its feed (catalog.json) does.
  const outOfStock: string[] = await tab.evaluate(async () =>
    ((await (await fetch('catalog.json')).json()) as { id: string; availability: string }[])
      .filter((it) => it.availability === 'out_of_stock')
      .map((it) => it.id),
  );
  const tfjs = await holdTfjs();
  try {
    await tab.reload();
    await waitForRanked(tab, 'home');
    expect(await tab.evaluate(() => window.__reco.readyAt), 'ranked before the model (and its feed) loaded').toBeNull();
    const movable = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned).map((it) => it.id);
    const unavailable = movable.filter((id) => outOfStock.includes(id));
    expect(unavailable.length, 'precondition: the home grid shows items the feed says are out of stock').toBeGreaterThan(0);
    expect(movable.slice(-unavailable.length), 'the out-of-stock items come last').toEqual(unavailable);
  } finally {
    await tfjs.release();
  }
  await waitForReady(tab);
});

test('the model and wasm files come from Cache Storage on the next page view; the first download reports progress', async ({ tab }) => {
  await listenToReco(tab);
  await tab.goto('/');
  const first = await waitForReady(tab);
  expect(first.cache).toMatchObject({ available: true, model: 'network', wasm: 'network' });
  const progress = (await tab.evaluate(() => window.__reco.progress)).filter((p) => p.file.endsWith('/weights.bin'));
  expect(progress.length).toBeGreaterThan(1);
  const last = progress[progress.length - 1]!;
  expect(last.loaded).toBeGreaterThan(0);
  expect(last.loaded).toBe(last.total);
  expect(progress.map((p) => p.loaded)).toEqual([...progress.map((p) => p.loaded)].sort((a, b) => a - b));

  // The shopper's next page view. (A link, not a reload: in WebKitGTK here, once a tab has reloaded, the workers it
  // starts see an empty Cache Storage for the rest of its life, while its pages see the caches; every later page
  // view of that tab downloads the model's files again, from the HTTP cache where the server allows it.)
  const before = tab.requests().length;
  await tab.goto('/?next');
  const next = await waitForReady(tab);
  expect(next.cache).toMatchObject({ available: true, model: 'cache', wasm: 'cache' });
  const requested = tab
    .requests()
    .slice(before)
    .map((r) => new URL(r.url).pathname);
  expect(requested.filter((p) => p.endsWith('.wasm') || p.endsWith('/weights.bin'))).toEqual([]);
  expect(await tab.evaluate(() => window.__reco.progress.length)).toBe(0);
});

test('a ranking that arrives after the hold waits until the grid in view is out of sight: what the shopper sees never jumps', async ({
  tab,
}) => {
  await shopperWithHistory(tab);
  // No snapshot and no cached files: the first ranking needs the model, and the model download is held back.
  await dropFastStart(tab);
  const model = await holdBack();
  let shopOrder: string[];
  try {
    await tab.reload();
    await expect.poll(() => model.asked(), { message: 'the worker asks for the model' }).toBe(true);
    // The hold (antiFlickerMs) ends: the shopper sees the home grid in the shop's order. (Read here, not on the first
    // visit: there the rules, issue 13, may already have moved out-of-stock items last.)
    await tab.waitForFunction(() => !document.querySelector('#grid-home')!.hasAttribute('data-reco-pending'), undefined, {
      message: 'the hold of the grid in view ended',
    });
    shopOrder = await ids(tab, '#grid-home');
  } finally {
    await model.release();
  }
  await waitForReady(tab);
  await waitForRanked(tab, 'new'); // below the fold: re-ordered as soon as its scores arrive
  expect(await ids(tab, '#grid-home'), 'the grid in view kept its order').toEqual(shopOrder);
  expect((await tab.evaluate(() => window.__reco.ranked)).map((r) => r.listId)).toEqual(['new']);

  await scrollOutOfView(tab, '#grid-home');
  const ranked = await waitForRanked(tab, 'home');
  await tab.evaluate(() => window.scrollTo(0, 0));
  expect(await ids(tab, '#grid-home')).toEqual(ranked.order);
  expect(ranked.order).not.toEqual(shopOrder);
});

test('reco.js at the end of the body, after the grid: the browser paints the grid while the script loads, and the grid in view is still held and ranked on the page load (not after a page the shopper has been looking at)', async ({
  tab,
}) => {
  const order = () =>
    tab.evaluate(() => [...document.querySelectorAll('#grid [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!));
  // Each hold of the grid, as it happens.
  await tab.addInitScript(() => {
    const w = window as unknown as { held: number };
    w.held = 0;
    new MutationObserver((records) => {
      if (records.some((r) => (r.target as Element).hasAttribute('data-reco-pending'))) w.held++;
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-reco-pending'] });
  });
  const held = () => tab.evaluate(() => (window as unknown as { held: number }).held);
  const painted = () => tab.evaluate(() => (window as unknown as { paintedBeforeInit: number[] }).paintedBeforeInit);
  await listenToReco(tab);
  await tab.goto('/e2e/pages/tag-last.html');
  await waitForReady(tab);
  const shop = await order();
  // The shopper views two perfumes, the last cards of the grid.
  await tab.evaluate(() => ['t06', 't07'].forEach((id) => window.Reco.track('view_item', id)));
  await tab.evaluate(() => window.Reco.export().then(() => {}));

  /** Reloads with reco.js answered `ms` after the browser asked for it (the e2e server holds it back meanwhile). */
  async function reloadWithScriptLate(ms: number): Promise<void> {
    const script = await holdBack('/reco.js');
    try {
      const loading = tab.reload(); // its load event waits for reco.js
      await expect.poll(() => script.asked(), { message: 'reco.js asked for', intervals: [10] }).toBe(true);
      await sleep(ms);
      await script.release();
      await loading;
    } finally {
      await script.release();
    }
  }

  // reco.js comes 40 ms after the browser asked for it (a revalidation): the browser paints the parsed grid meanwhile.
  await reloadWithScriptLate(40);
  const ranked = await waitForRanked(tab, 'listing', 1, 10_000);
  console.log(`[${tab.engine}] [tag-last] painted before init, ms:`, (await painted()).join(' '));
  // Chromium and Firefox paint the parsed grid while the script is 40 ms late; WebKit waits for it (no paint entry
  // yet, see below): the grid is held and ranked in each.
  if (tab.engine !== 'webkit') expect((await painted()).length, 'the page painted before init()').toBeGreaterThan(0);
  expect(await held(), 'held until ranked').toBeGreaterThan(0);
  expect(await order()).toEqual(ranked.order);
  expect(ranked.order.slice(0, 3).filter((id) => ['t06', 't07', 't08'].includes(id)).length, 'the perfumes first').toBeGreaterThan(1);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);

  // A page painted long before init() (reco.js 600 ms late): the shopper may be looking at the grid, which is not hidden
  // and keeps the shop's order until it is out of sight. WebKit paints nothing while a script of the body is pending
  // (these cards are too little to paint early for): nobody has seen the grid, and it is held and ranked as above.
  await reloadWithScriptLate(600);
  await waitForReady(tab);
  await sleep(300);
  const seen = await painted();
  console.log(`[${tab.engine}] [tag-last] painted before init, reco.js 600 ms late, ms:`, seen.join(' '));
  if (tab.engine === 'webkit' && seen.length === 0) {
    expect(await held(), 'nothing painted: held until ranked').toBeGreaterThan(0);
    expect(await order()).not.toEqual(shop);
  } else {
    expect(seen.length, 'the page painted before init()').toBeGreaterThan(0);
    expect(Math.min(...seen)).toBeGreaterThan(200);
    expect(await held()).toBe(0);
    expect(await order()).toEqual(shop);
  }
});
