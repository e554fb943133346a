import { expect, test, type BrowserPage } from './helpers/test.ts';
import { expectShopOrder, historyThatReorders, order, SHOP_PAGE } from './helpers/failures.ts';
import { dropFastStart } from './helpers/idb.ts';
import { answerBroken, listenToReco, waitForReady, waitForReco } from './helpers/reco.ts';

// The shop's page never breaks, in each engine: a missing model, corrupt weights, a manifest that is not JSON or markup
// Reco cannot use leaves the shop's order, one clear message, and a working page. (The e2e server breaks the model's
// files on request: scripts/serve.ts, /e2e/hold.)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const reported = (tab: BrowserPage) =>
  tab.waitForFunction(() => window.__reco.consoleErrors.some((line) => line.includes('[reco]')), undefined, {
    timeout: 15_000,
    message: 'Reco reported nothing',
  });
/** Once the page asked for its grids again and a second passed: Reco said one [reco] line, matching `message`, and reported one error. */
async function saidOnce(tab: BrowserPage, message: RegExp): Promise<void> {
  await tab.evaluate(() => window.Reco.personalize());
  await sleep(1000);
  const log = await tab.evaluate(() => window.__reco);
  const logged = log.consoleErrors.filter((line) => line.includes('[reco]'));
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatch(message);
  expect(log.errors).toHaveLength(1);
}
const listingSkus = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('[data-reco-grid] .card')].map((el) => el.getAttribute('data-sku')));

test('model URL 404: the grid keeps its order, one error', async ({ tab }) => {
  await listenToReco(tab);
  const original = await historyThatReorders(tab);
  await tab.goto(`${SHOP_PAGE}?model=/models/missing/model.json`);
  await expectShopOrder(tab, original, /models\/missing\/model\.json.*404/);
  expect(await tab.evaluate(() => window.Reco.status().ready)).toBe(false);
});

test('a grid config whose id function throws: the grid keeps its order, one error', async ({ tab }) => {
  await listenToReco(tab);
  const original = await historyThatReorders(tab);
  await tab.goto(`${SHOP_PAGE}?throwing`);
  // The model itself is fine: rank() of the ids (features as stored on the first page view) personalizes.
  await expectShopOrder(tab, original, /grids\[0\]\.id threw: boom/, false);
  expect(await tab.evaluate(() => window.Reco.status().ready)).toBe(true);
});

test('a grid config whose id reads an attribute the cards lack: the grid keeps its order, one error naming the grid', async ({ tab }) => {
  await listenToReco(tab);
  const original = await historyThatReorders(tab);
  await tab.goto(`${SHOP_PAGE}?idless`);
  await expectShopOrder(tab, original, /grid "shop": 15 of its items have no id \(a data-reco-id attribute.*so none can move/, false);
  expect(await tab.evaluate(() => window.Reco.status().ready)).toBe(true);
});

test("a data-reco-grid whose cards lack data-reco-id: the shop's order kept, one error naming the grid and the attribute", async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?unmarked');
  await waitForReady(tab);
  const original = await listingSkus(tab);
  expect(original).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  // Said once the page had time to render its cards (5 s after the grid was found), not while it may still be rendering.
  await reported(tab);
  await saidOnce(tab, /grid "listing" has no item: none of its 6 cards is marked with data-reco-id.*the shop's own order is kept/);
  expect(await listingSkus(tab)).toEqual(original);
  expect(await tab.pageErrors()).toEqual([]);
});

test("a data-reco-grid whose cards the page renders after init() with an empty data-reco-id: the shop's order kept, one error naming the grid", async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?emptyids');
  // Said as the cards come (100 ms after init()), as for such cards rendered with the page: no waitForReady, which
  // asks for no error.
  await reported(tab);
  await saidOnce(
    tab,
    /grid "listing": 6 of its items have no id \(a data-reco-id attribute.*so none can move; the shop's own order is kept/,
  );
  expect(await listingSkus(tab)).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  expect(await tab.pageErrors()).toEqual([]);
});

test("a grid config whose item selector finds none of the cards: the shop's order kept, one error naming the grid", async ({ tab }) => {
  await listenToReco(tab);
  const original = await historyThatReorders(tab);
  await tab.goto(`${SHOP_PAGE}?itemless`);
  await waitForReady(tab);
  await reported(tab);
  await expectShopOrder(
    tab,
    original,
    /grid "shop" has no item: none of its 15 cards is marked with data-reco-id \(or found by its grids config's item selector\)/,
    false,
  );
});

test('placeholder cards the page replaces with marked cards a second later: no error, and the cards are tracked and ranked', async ({
  tab,
}) => {
  await listenToReco(tab);
  // A shopper who looked at hair care on the other listing: the hair care items of this one move up.
  await tab.goto('/e2e/pages/listing.html?list=b');
  await waitForReady(tab);
  await tab.evaluate(() => ['b6', 'b7', 'b8'].forEach((id) => window.Reco.track('view_item', id)));
  await tab.goto('/e2e/pages/listing.html?skeleton');
  await waitForReady(tab);
  await tab.waitForFunction(() => window.__reco.ranked.some((r) => r.listId === 'listing' && r.order.length === 6), undefined, {
    timeout: 30_000,
    message: 'the marked cards were not ranked',
  });
  const ranked = await tab.evaluate(() => window.__reco.ranked.find((r) => r.listId === 'listing')!.order);
  expect(ranked.slice(0, 2).sort()).toEqual(['a2', 'a4']);
  // Past the 5 s after which a grid still without items is reported.
  await sleep(6000);
  const log = await tab.evaluate(() => window.__reco);
  expect(log.consoleErrors.filter((line) => line.includes('[reco]'))).toEqual([]);
  expect(log.errors).toEqual([]);
  // A click on the card, off its link (which would leave the page).
  const at = await tab.evaluate(() => {
    const card = document.querySelector('[data-reco-id="a3"]')!;
    card.scrollIntoView({ block: 'center' });
    const r = card.getBoundingClientRect();
    return { x: r.left + 10, y: r.top + 10 };
  });
  await tab.clickAt(at.x, at.y);
  await expect
    .poll(() => tab.evaluate(async () => (await window.Reco.export()).events.some((e) => e.type === 'select_item' && e.itemId === 'a3')))
    .toBe(true);
  expect(await tab.pageErrors()).toEqual([]);
});

test('corrupt weights (flipped bytes): the grid keeps its order, one error', async ({ tab }) => {
  await listenToReco(tab); // expectShopOrder asks that nothing was uncaught
  const original = await historyThatReorders(tab);
  // The good copy of the weights (Cache Storage) and the snapshot computed with them would serve the next page view.
  // (Dropped once the page has settled: in WebKit, 2 runs in 4, a snapshot written after export() for what the page
  // recorded since, its impressions a second in view, served the next page view.)
  await sleep(1500);
  await dropFastStart(tab);
  const weights = await answerBroken('/models/default/weights.bin', { corrupt: true });
  try {
    await tab.goto(SHOP_PAGE);
    await expectShopOrder(tab, original, /weights\.bin.*(corrupt|checksum)/);
  } finally {
    await weights.release();
  }
});

test("corrupt weights on a repeat view: the grid ranked from the previous view's snapshot stays so, and the one error says so", async ({
  tab,
}) => {
  await listenToReco(tab);
  const original = await historyThatReorders(tab);
  await sleep(1500); // the snapshot of this history written (30 ms after the ranking, then computed)
  // The model files come from the network (no good copy in Cache Storage); the snapshot stays.
  await tab.evaluate(async () => void (await Promise.all((await caches.keys()).map((k) => caches.delete(k)))));
  const weights = await answerBroken('/models/default/weights.bin', { corrupt: true });
  try {
    await tab.goto(SHOP_PAGE);
    await waitForReco(tab);
    await tab.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted.then(() => null));
  } finally {
    await weights.release();
  }
  const log = await tab.evaluate(() => window.__reco);
  expect(log.errors).toEqual([expect.stringMatching(/weights\.bin.*(corrupt|checksum)/)]);
  const logged = log.consoleErrors.filter((line) => line.includes('[reco]'));
  expect(logged).toHaveLength(1);
  const fromSnapshot = log.ranked.some((r) => r.listId === 'shop');
  if (fromSnapshot) {
    // Ranked from the snapshot before the model failed: it stays, and the message does not claim the shop's order.
    expect(await order(tab)).not.toEqual(original);
    expect(logged[0]).toMatch(/grids not ranked yet keep the shop's own order \(those ranked before, from the stored snapshot, stay so\)$/);
  } else {
    expect(await order(tab)).toEqual(original);
    expect(logged[0]).toMatch(/; the shop's own order is kept$/);
  }
  console.log(`[${tab.engine}] ranked from the snapshot before the model failed: ${fromSnapshot}`);
  expect(await tab.pageErrors()).toEqual([]);
});

test('model manifest that is not JSON: the grid keeps its order, one error', async ({ tab }) => {
  await listenToReco(tab); // expectShopOrder asks that nothing was uncaught
  const original = await historyThatReorders(tab);
  const manifest = await answerBroken('/models/default/model.json', { body: '{"format": "reco-model", "config": ' });
  try {
    await tab.goto(SHOP_PAGE);
    await expectShopOrder(tab, original, /model\.json.*not valid JSON/);
  } finally {
    await manifest.release();
  }
});

test('a widget in a sandboxed frame (an opaque origin: no storage, no worker): the grid keeps its order, export() and forget() settle, and the page gets no error', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/sandboxed.html');
  // The frame is another origin: the widget runs the steps itself and posts what it saw (e2e/pages/sandboxed.html).
  await tab.waitForFunction(() => (window as unknown as { __widget?: unknown }).__widget, undefined, {
    timeout: 60_000,
    message: 'the widget posted nothing',
  });
  const widget = await tab.evaluate(() => (window as unknown as { __widget: Record<string, unknown> }).__widget);
  expect(widget).toMatchObject({ started: 'resolved', ids: ['a', 'b', 'c'], errors: [] });
  // This page view's events, in memory: the product view, and the grid's impressions where init() took a second or more.
  const events = widget['events'] as string[];
  expect(events.filter((e) => !e.startsWith('view_item_list '))).toEqual(['view_item b']);
  expect(widget['storage']).not.toBe('indexeddb');
  // Chromium refuses the worker there (and says so); Firefox and WebKit run it, without Cache Storage. Firefox threw as
  // the worker read `caches`, and the page got "Unserializable return value" after its first ranking waited 15 s.
  if (widget['engine'] !== 'ready') expect(widget['lastError']).toMatch(/^WorkerCrashedError: the worker \S+ failed: /);
  expect(await tab.pageErrors()).toEqual([]);
});
