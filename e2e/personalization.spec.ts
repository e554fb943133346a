import { expect, test, type BrowserPage } from './helpers/test.ts';
import {
  addRecoScript,
  countInTop,
  gridItems,
  leastShownCategory,
  listenToReco,
  scrollOutOfView,
  shopperScenario,
  waitForRanked,
  waitForReady,
} from './helpers/reco.ts';

// The real shopper path, in every engine: open five products of one category, reload, look at the top of the page.
// Nobody scrolls: a ranking that arrives after the 400 ms anti-flicker hold would wait until the grid is out of sight,
// so these pass only when the repeat view is ranked within the hold (from the snapshot the previous view stored).
// The deferral of a ranking that arrives late keeps its own test (e2e/first-view.chromium.spec.ts).

declare global {
  interface Window {
    rendered: Promise<void>;
    rerender(): void;
    remount(): void;
    nextPage(page: number): Promise<string[]>;
    loadMore(): Promise<string>;
    openProduct(id: string): void;
    openListing(): void;
    recoStarted: Promise<unknown>;
    personalized?: Promise<void>;
  }
}

test('a shopper who opens 5 products of one category sees more of it in the first 8 places after a reload, without scrolling', async ({
  tab,
}) => {
  const { afterCount, beforeCount } = await shopperScenario(tab, { clicks: 5, top: 8 });
  expect(afterCount).toBeGreaterThan(beforeCount);
});

test('a grid the page empties and renders again while it is held (hydration through a skeleton) is shown, never hidden for good', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/held.html?refill');
  await waitForReady(tab);
  await tab.evaluate(() => new Promise((r) => setTimeout(r, 1000))); // past the hold (400 ms) and the re-render
  const grid = await tab.evaluate(() => {
    const g = document.querySelector('[data-reco-grid]')!;
    return {
      shown: getComputedStyle(g).visibility === 'visible' && getComputedStyle(g).clipPath === 'none',
      held: g.hasAttribute('data-reco-pending'),
      cards: g.querySelectorAll('[data-reco-id]').length,
    };
  });
  expect(grid).toEqual({ shown: true, held: false, cards: 6 });
});

/** Records, in `window.held`, the grids held (hidden until ranked) in each page view of this tab, from its first script on. */
async function recordHolds(tab: BrowserPage): Promise<void> {
  await tab.addInitScript(() => {
    const held: string[] = [];
    (window as unknown as { held: string[] }).held = held;
    new MutationObserver((records) => {
      for (const r of records) {
        const el = r.target as Element;
        if (el.hasAttribute('data-reco-pending')) held.push(el.getAttribute('data-reco-grid') ?? el.tagName);
      }
    }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-reco-pending'] });
  });
}
const holds = (tab: BrowserPage) => tab.evaluate(() => (window as unknown as { held: string[] }).held);
/** The grid's cards as the page marks them up (id, title, brand, category), for rank(). */
const markedCards = (tab: BrowserPage) =>
  tab.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('[data-reco-id]')].map((el) => ({
      id: el.dataset['recoId']!,
      title: el.dataset['recoTitle']!,
      brand: el.dataset['recoBrand']!,
      category: el.dataset['recoCategory']!,
    })),
  );

test('a first visit: the grid in view is shown at once (no history, rules, feed or card out of stock could move it); once the shopper has a history it is held until ranked', async ({
  tab,
}) => {
  await recordHolds(tab);
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(tab);
  expect(await holds(tab), 'the first visit: nothing hidden for nothing').toEqual([]);
  expect(await gridItems(tab, '[data-reco-grid]').then((its) => its.map((it) => it.id))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5', 'a6']);
  // The shopper opens the two Tressa hair-care products; the next page load is another listing (what the page has not
  // written as it goes away, the click journal keeps for it).
  for (const id of ['a2', 'a4']) await tab.click(`[data-reco-id="${id}"]`);
  await tab.goto('/e2e/pages/listing.html?list=b');
  await waitForReady(tab);
  expect(await holds(tab), 'held until ranked (400 ms at most)').toEqual(['listing']);
  // What it was held for: an order made for this shopper (the hair care they opened first; the shop put it last).
  // Whether that ranking came within the hold depends on the machine's load (first-view.chromium.spec.ts measures it).
  const ranked = await tab.evaluate((its) => window.Reco.rank(its), await markedCards(tab));
  expect(ranked.slice(0, 3).map((r) => r.id)).toEqual(expect.arrayContaining(['b6', 'b7']));
});

test('localStorage refused but IndexedDB kept (a browser setting): a repeat view holds the grid in view until ranked, as with both', async ({
  tab,
}) => {
  await tab.addInitScript(() => {
    const refuse = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    Storage.prototype.getItem = refuse;
    Storage.prototype.setItem = refuse;
  });
  await recordHolds(tab);
  await listenToReco(tab);
  /** Ready on IndexedDB; the one problem said is localStorage's. */
  const ready = async () => {
    // Not waitForReady's settling: the StorageError is on record before the model is ready.
    await tab.waitForFunction(() => window.Reco?.status().ready === true, undefined, { timeout: 90_000, message: 'Reco not ready' });
    expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({
      ready: true,
      storage: 'indexeddb',
      lastError: expect.stringMatching(/^StorageError: localStorage cannot be used/),
    });
  };
  await tab.goto('/e2e/pages/listing.html?list=a');
  await ready();
  for (const id of ['a2', 'a4']) await tab.click(`[data-reco-id="${id}"]`);
  // Written to IndexedDB (no click journal without localStorage: a navigation at once would lose them).
  await expect
    .poll(() => tab.evaluate(() => window.Reco.exportData().then((d) => d.events.filter((e) => e.type === 'select_item').length)))
    .toBe(2);
  await tab.goto('/e2e/pages/listing.html?list=b');
  await ready();
  // The session record that tells a repeat view cannot be read: the grid in view is held (it was shown in the shop's
  // order, every visit a first one, though 2 clicks were stored) and ranked for the hair care opened.
  expect(await holds(tab)).toEqual(['listing']);
  const ranked = await tab.evaluate((its) => window.Reco.rank(its), await markedCards(tab));
  expect(ranked.slice(0, 3).map((r) => r.id)).toEqual(expect.arrayContaining(['b6', 'b7']));
});

test('a multi-page shop, the shopper following links as soon as each page is ready: every page view keeps the store, and the listing in view is ranked within its hold', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(tab);
  const opened = ['a2', 'a4', 'a6', 'a3'];
  for (const id of opened) {
    // The shopper opens a product by its card's link, and comes back by the product page's link, each at once.
    await tab.click(`[data-reco-id="${id}"] a`);
    await tab.waitForFunction((x) => location.search.includes(`product=${x}`), id, { timeout: 30_000, message: `no product page ${id}` });
    expect(await waitForReady(tab)).toMatchObject({ storage: 'indexeddb' });
    await tab.click('#listing');
    await tab.waitForFunction(() => location.pathname.endsWith('/listing.html'), undefined, { timeout: 30_000, message: 'no listing' });
    expect(await waitForReady(tab)).toMatchObject({ storage: 'indexeddb' });
    // Ranked while held: a ranking after the hold would wait until the grid is out of sight (nobody scrolls). In
    // WebKit, before, the snapshot's read waited ~10 s behind a write the previous page view's worker was ended in.
    const ranked = await waitForRanked(tab, 'listing');
    expect(
      (await gridItems(tab, '[data-reco-grid]')).map((it) => it.id),
      `re-ordered in view after ${id}`,
    ).toEqual(ranked.order);
  }
  const clicks = await tab.evaluate(() =>
    window.Reco.exportData().then((d) => d.events.filter((e) => e.type === 'select_item').map((e) => e.itemId)),
  );
  expect(clicks).toEqual(opened);
});

test('a first visit with a card out of stock: the grid in view is held until ranked (that card goes last)', async ({ tab }) => {
  await recordHolds(tab);
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?list=a&soldout=a1');
  await waitForReady(tab);
  expect(await holds(tab)).toEqual(['listing']);
  // What it was held for (whether that came within the hold depends on the load: first-view.chromium.spec.ts).
  await tab.evaluate(() => window.Reco.personalize());
  expect((await gridItems(tab, '[data-reco-grid]')).map((it) => it.id).at(-1)).toBe('a1');
});

test('a shop theme whose cards are schema.org Products in microdata, no data-reco-id: clicks are recorded and the next listing is ranked for them', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/listing.html?list=a&microdata');
  await waitForReady(tab);
  // The shopper opens the two Tressa hair-care products (cards found by their microdata alone).
  for (const sku of ['a2', 'a4']) await tab.click(`[itemscope]:has(> meta[itemprop="sku"][content="${sku}"])`);
  await tab.goto('/e2e/pages/listing.html?list=b&microdata');
  await waitForReady(tab);
  const clicked = await tab.evaluate(() =>
    window.Reco.exportData().then((d) => d.events.filter((e) => e.type === 'select_item').map((e) => e.itemId)),
  );
  expect(clicked).toEqual(['a2', 'a4']);
  // The grid's ranking: shown as the hold ends, or applied once out of sight when it came later (the machine's load
  // decides: first-view.chromium.spec.ts); made for the hair care opened, which the shop put last (b6, b7).
  const within = await tab.evaluate(() => window.__reco.ranked.some((r) => r.listId === 'listing'));
  if (!within) await scrollOutOfView(tab, '[data-reco-grid]');
  const { order } = await waitForRanked(tab, 'listing', 1, 20_000);
  expect(order.slice(0, 3)).toEqual(expect.arrayContaining(['b6', 'b7']));
  const shown = await tab.evaluate(() =>
    [...document.querySelectorAll('[data-reco-grid] > [itemscope]')].map((el) =>
      el.querySelector('meta[itemprop="sku"]')!.getAttribute('content'),
    ),
  );
  expect(shown).toEqual(order);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

for (const { how, page, tag } of [
  { how: "its view_item tracked after init(), the product in the page's JSON-LD", page: '/e2e/pages/pdp.html', tag: 'pdp' },
  {
    how: "its view_item tracked after init(), the product in the page's microdata",
    page: '/e2e/pages/pdp.html?microdata',
    tag: 'pdp microdata',
  },
  { how: "its view_item in the shop's GA4 dataLayer, pushed before init()", page: '/e2e/pages/pdp.html?ga4', tag: 'pdp ga4' },
  {
    how: "its detail in the shop's Universal Analytics dataLayer (Tag Manager from before GA4), pushed before init()",
    page: '/e2e/pages/pdp.html?ua',
    tag: 'pdp ua',
  },
  {
    how: "its view in the shop's Matomo calls (setEcommerceView), pushed before init()",
    page: '/e2e/pages/pdp.html?matomo',
    tag: 'pdp matomo',
  },
  {
    how: "its view in the shop's Matomo calls, Reco started in <head> before Matomo's snippet (as the README asks)",
    page: '/e2e/pages/pdp.html?matomo-first',
    tag: 'pdp matomo-first',
  },
  {
    how: "its view in the shop's Piwik PRO calls (ecommerceProductDetailView), pushed before init()",
    page: '/e2e/pages/pdp.html?piwikpro',
    tag: 'pdp piwikpro',
  },
]) {
  test(`a first visit that lands on a product page, ${how}: its related grid in view is held and ranked by that product`, async ({
    tab,
  }) => {
    await recordHolds(tab);
    await listenToReco(tab);
    await tab.goto(page);
    await waitForReady(tab);
    // A first visit, but the view_item as the page loads is a history: the grid is hidden until ranked (400 ms at most).
    expect(await holds(tab), 'held until ranked').toEqual(['related']);
    // What it was held for: the related products ordered by the shampoo the page is about (the shop put Tressa's last).
    // The history has nothing else: its only item's features are what the page says of it (its JSON-LD, its
    // microdata, or the GA4 event's item); a bare id would rank nothing.
    const ranked = await tab.evaluate((its) => window.Reco.rank(its), await markedCards(tab));
    expect(ranked.slice(0, 2).map((r) => r.id)).toEqual(expect.arrayContaining(['b6', 'b7']));
    // The grid's own ranking: shown as the hold ends, or, when it came later (the machine's load decides:
    // first-view.chromium.spec.ts), applied once the grid is out of sight. Either way made for that product.
    const within = await tab.evaluate(() => window.__reco.ranked.some((r) => r.listId === 'related'));
    if (!within) await scrollOutOfView(tab, '[data-reco-grid]');
    const { order } = await waitForRanked(tab, 'related', 1, 20_000);
    console.log(`[${tab.engine} ${tag}] the grid's ranking came ${within ? 'within' : 'after'} the hold: ${order.join(' ')}`);
    expect(order.slice(0, 2)).toEqual(expect.arrayContaining(['b6', 'b7']));
    expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
  });
}

test("a product's view tracked after the first rankings (an app's effect): the related grid further down, not seen yet, is ranked again with it", async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/pdp.html?late');
  await waitForReady(tab);
  // Ranked at the page's load without a history (the shop put its Tressa products last), then, after the view_item,
  // ranked again for the product: the grid was never in view, so the new order applies at once, with no scrolling.
  const topTwo = () =>
    gridItems(tab, '[data-reco-grid]').then((items) =>
      items
        .slice(0, 2)
        .map((it) => it.id)
        .sort(),
    );
  await expect.poll(topTwo, { timeout: 20_000, message: "the grid's first two for the shampoo viewed" }).toEqual(['b6', 'b7']);
  const rankings = await tab.evaluate(() =>
    window.__reco.ranked.filter((r) => r.listId === 'related').map((r) => r.order.slice(0, 2).sort()),
  );
  expect(rankings.at(-1)).toEqual(['b6', 'b7']);
  expect(await tab.evaluate(() => window.scrollY)).toBe(0);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

const SPA = '/e2e/pages/spa.html?late';
const order = async (tab: BrowserPage) => (await gridItems(tab, '#grid')).map((it) => it.id);
/** The client-rendered page, its grid filled after init() resolved. */
async function openSpa(tab: BrowserPage): Promise<void> {
  await listenToReco(tab);
  await tab.goto(SPA);
  await waitForReady(tab);
  await tab.evaluate(() => window.rendered);
}

test('a grid rendered by client code after init(): personalized after a reload without scrolling, and again after a re-render and a remount', async ({
  tab,
}) => {
  await openSpa(tab);
  // No history yet: the shop's order. The shopper opens 5 products of the category least present in the first 8 places.
  const before = await gridItems(tab, '#grid');
  expect(before.length).toBe(36);
  const category = leastShownCategory(before);
  const clicked = before.filter((it) => it.top === category).slice(-5);
  for (const it of clicked) {
    await tab.click(`#grid [data-reco-id="${it.id}"]`);
    await tab.waitForFunction((id) => location.hash === `#/p/${id}`, it.id, { timeout: 10_000, message: `${it.id} did not open` });
  }
  // The app tracks view_item on 'hashchange', a task after the hash changed: each click's two events are stored.
  const recorded = async () => {
    const events = (await tab.evaluate(() => window.Reco.export())).events;
    return clicked.every((it) => ['select_item', 'view_item'].every((type) => events.some((e) => e.itemId === it.id && e.type === type)));
  };
  await expect.poll(recorded, { message: 'select_item and view_item of every product opened' }).toBe(true);

  // The next page view, at the top: the grid fills after init() resolved, hidden until ranked.
  await tab.evaluate(() => {
    history.replaceState(null, '', location.pathname + location.search);
    window.scrollTo(0, 0);
  });
  await tab.reload();
  await waitForReady(tab);
  await tab.evaluate(() => window.rendered);
  const ranked = await waitForRanked(tab, 'spa', 1, 20_000);
  expect(await tab.evaluate(() => window.scrollY), 'nobody scrolled').toBe(0);
  const after = await gridItems(tab, '#grid');
  expect(after.map((it) => it.id)).toEqual(ranked.order);
  expect(new Set(after.map((it) => it.id))).toEqual(new Set(before.map((it) => it.id)));
  console.log(
    `[${tab.engine} spa] top 8: ${category} ${countInTop(before, category)} before, ${countInTop(after, category)} after 5 products opened`,
  );
  expect(countInTop(after, category)).toBeGreaterThan(countInTop(before, category));

  // The app renders the same items again (new nodes, the shop's order): Reco's order is back before the page paints.
  const rerendered = await tab.evaluate(() => {
    window.rerender();
    // The MutationObserver callback runs at the end of this task, before anything paints.
    return new Promise<string[]>((r) =>
      queueMicrotask(() => r([...document.querySelectorAll('#grid [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!))),
    );
  });
  expect(rerendered).toEqual(ranked.order);
  // The app replaces the container (a route change): the new grid is ordered the same way.
  await tab.evaluate(() => window.remount());
  await waitForRanked(tab, 'spa', 3);
  expect(await order(tab)).toEqual(ranked.order);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

test('a single-page app that ends Reco on each route and calls init() again once the next listing has rendered, in the same task: that listing is personalized in view, without scrolling', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/spa.html?reinit');
  await waitForReady(tab);
  await tab.evaluate(() => window.rendered);
  const before = await gridItems(tab, '#grid');
  const category = leastShownCategory(before);
  const viewed = before.filter((it) => it.top === category).slice(-5);
  await tab.evaluate(
    (ids) => ids.forEach((id) => window.Reco.track('view_item', id)),
    viewed.map((it) => it.id),
  );
  await tab.evaluate(() => window.Reco.export()); // stored
  const rankings = await tab.evaluate(() => window.__reco.ranked.filter((r) => r.listId === 'spa').length);

  // The next route: the router renders the listing (a new container, in the shop's order), then destroy() and init().
  await tab.evaluate(() => window.openListing());
  await tab.evaluate(() => window.recoStarted);
  const ranked = await waitForRanked(tab, 'spa', rankings + 1, 20_000);
  expect(await tab.evaluate(() => window.scrollY), 'nobody scrolled').toBe(0);
  const after = await gridItems(tab, '#grid');
  expect(after.map((it) => it.id)).toEqual(ranked.order);
  expect(countInTop(after, category)).toBeGreaterThan(countInTop(before, category));
});

test("a single-page app's route is a page view: back on the listing (a new address, Back), the items in view count their impressions again", async ({
  tab,
}) => {
  await openSpa(tab);
  const impressions = async () =>
    (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'view_item_list' && e.listId === 'spa');
  await expect.poll(async () => (await impressions()).length, { timeout: 30_000, message: 'the first row counted' }).toBeGreaterThan(0);
  const [first] = await impressions();
  await tab.evaluate((id) => window.openProduct(id), first!.itemId);
  await tab.evaluate(() => void setTimeout(() => history.back())); // after the call has answered: Back unloads the page
  await tab.waitForFunction(() => !new URLSearchParams(location.search).has('product') && document.querySelector('#grid [data-reco-id]'));
  const ofItem = async () => (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.itemId === first!.itemId);
  await expect
    .poll(async () => (await ofItem()).filter((e) => e.type === 'view_item_list').length, {
      timeout: 30_000,
      message: `${first!.itemId} counted again on the listing shown again`,
    })
    .toBe(2);
  // Three page views: the listing, the product page, the listing again.
  const events = await ofItem();
  expect(events.map((e) => e.type)).toEqual(['view_item_list', 'view_item', 'view_item_list']);
  expect(new Set(events.map((e) => e.pageViewId)).size).toBe(3);
});

for (const [route, keep] of [
  ['a new container', ''],
  ['the same container, emptied on the product route', '&keep'],
] as const)
  test(`a single-page app's Back to the listing, which its router renders again (${route}) and personalizes: the grid shows the order the shopper left it in`, async ({
    tab,
  }) => {
    await listenToReco(tab);
    await tab.goto(`${SPA}&personalize${keep}`);
    await waitForReady(tab);
    await tab.evaluate(() => window.rendered);
    // A history: three products of one category viewed (as the app's product route records them), and the grid ranked with it.
    const shop = await gridItems(tab, '#grid');
    const [top] = [...new Set(shop.map((it) => it.top))].filter((c) => shop.filter((it) => it.top === c).length >= 5);
    const viewed = shop.filter((it) => it.top === top).slice(-3);
    await tab.evaluate(
      (ids) => ids.forEach((id) => window.Reco.track('view_item', id)),
      viewed.map((it) => it.id),
    );
    await tab.evaluate(() => window.Reco.personalize());
    // Settled: the grid's first ranking (at the page's load) may still come after it.
    let left = await order(tab);
    await expect
      .poll(async () => {
        await tab.evaluate(() => new Promise((r) => setTimeout(r, 500)));
        const [was, now] = [left, (left = await order(tab))];
        return was.join() === now.join();
      })
      .toBe(true);
    expect(left, 'the history moved the grid').not.toEqual(shop.map((it) => it.id));
    // The shopper opens a product of another category (a route: the listing is gone) and adds three of it to the cart.
    const other = shop.filter((it) => it.top !== top);
    await tab.evaluate((id) => window.openProduct(id), other[0]!.id);
    await tab.evaluate(
      (ids) => ids.forEach((id) => window.Reco.track('add_to_cart', id)),
      other.slice(0, 3).map((it) => it.id),
    );
    // Back: the router renders the listing again and calls personalize().
    await tab.evaluate(() => {
      delete window.personalized;
      history.back();
    });
    await tab.waitForFunction(() => !!window.personalized, undefined, { timeout: 10_000, message: 'the listing was not rendered again' });
    await tab.evaluate(() => window.personalized);
    expect(await order(tab), 'the order the shopper left the listing in').toEqual(left);
    // Once: the app's next personalize() ranks with the cart, which moves the grid (restoring is what kept it).
    await tab.evaluate(() => window.Reco.personalize());
    expect(await order(tab)).not.toEqual(left);
    expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
  });

test('the next page of results in the same card nodes (a list without keys): a click on a card is recorded for the item it shows now', async ({
  tab,
}) => {
  await openSpa(tab);
  const first = await order(tab);
  const next = await tab.evaluate(() => window.nextPage(1));
  expect(await order(tab), 'the cards show the next page').toEqual(next);
  const [shown] = next;
  expect(first).not.toContain(shown);
  await tab.click(`#grid [data-reco-id="${shown}"]`);
  await tab.waitForFunction((id) => location.hash === `#/p/${id}`, shown, { timeout: 10_000, message: `${shown} did not open` });
  const clicks = async () =>
    (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'select_item').map((e) => e.itemId);
  await expect.poll(clicks).toEqual([shown]);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

test('"load more": the page moves keyboard focus to the first new card at once, while Reco holds the new cards until they are ranked', async ({
  tab,
}) => {
  await recordHolds(tab);
  await openSpa(tab);
  // A shopper on their second page view (on a first visit nothing could move the cards: they are not hidden).
  await tab.reload();
  await waitForReady(tab);
  await tab.evaluate(() => window.rendered);
  // The shopper presses "load more" under a grid they see: the grid's own first hold (up to 400 ms after it renders) is
  // over, so only the new cards are held (a page focusing a card during the grid's own hold: the next test).
  await tab.waitForFunction(() => !document.querySelector('#grid[data-reco-pending], #grid [data-reco-pending]'), undefined, {
    timeout: 10_000,
  });
  const first = await tab.evaluate(() => window.loadMore());
  const focused = await tab.evaluate(() => document.activeElement?.getAttribute('data-reco-id') ?? document.activeElement?.tagName);
  expect(focused).toBe(first);
  expect(await holds(tab), 'the new cards were held').toContain('A');
  // Shown once ranked (or after the 400 ms hold at the latest), focus still on that card.
  await tab.waitForFunction(() => !document.querySelector('#grid [data-reco-pending]'), undefined, { timeout: 10_000 });
  expect(await tab.evaluate(() => document.activeElement?.getAttribute('data-reco-id'))).toBe(first);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

test('a page that moves keyboard focus to its first result as it renders the grid (a page load, the grid held until ranked): the card takes focus and keeps it through the ranking', async ({
  tab,
}) => {
  await recordHolds(tab);
  await openSpa(tab);
  // The shopper has looked at products of one category before: this page view's ranking moves the grid.
  const shop = await gridItems(tab, '#grid');
  const category = leastShownCategory(shop);
  for (const it of shop.filter((i) => i.top === category).slice(-3)) await tab.evaluate((id) => window.openProduct(id), it.id);
  await expect
    .poll(async () => (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'view_item').length, {
      timeout: 10_000,
    })
    .toBe(3);
  await tab.goto(`${SPA}&focus`);
  await waitForReady(tab);
  await tab.evaluate(() => window.rendered);
  const atRender = await tab.evaluate(() => (window as unknown as { focusedAtRender: unknown }).focusedAtRender);
  // Held unseen (clipped away: not even a card styled visibility: visible shows, and a click there does not land on it).
  expect(atRender, 'focus moved into the grid while Reco held it').toEqual({ id: shop[0]!.id, focused: true, held: true, hit: false });
  await tab.waitForFunction(() => !document.querySelector('#grid[data-reco-pending]'), undefined, { timeout: 10_000 });
  const ranked = await gridItems(tab, '#grid');
  expect(countInTop(ranked, category), "the grid in the shopper's order").toBeGreaterThan(countInTop(shop, category));
  expect(await tab.evaluate(() => document.activeElement?.getAttribute('data-reco-id'))).toBe(shop[0]!.id);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
});

test('init() after the page has painted (an async script, a consent banner first): the grid the shopper sees is never hidden', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/blank.html');
  await tab.evaluate(() => {
    const cards = ['p003', 'p051', 'p099', 'p123', 'p075', 'p077'].map((id) => `<li data-reco-id="${id}">Product ${id}</li>`);
    document.body.innerHTML = `<ul id="grid" data-reco-grid="late">${cards.join('')}</ul>`;
  });
  await tab.waitForFunction(() => performance.getEntriesByType('paint').length > 0, undefined, { message: 'the page painted' });
  await tab.evaluate(() => {
    const grid = document.getElementById('grid')!;
    const seen: string[] = [];
    (window as unknown as { hidden: string[] }).hidden = seen;
    new MutationObserver(() => {
      const style = getComputedStyle(grid);
      if (grid.hasAttribute('data-reco-pending') || style.visibility === 'hidden' || style.clipPath !== 'none') seen.push('hidden');
    }).observe(grid, { attributes: true });
  });
  await addRecoScript(tab);
  const ready = await tab.evaluate(() => window.Reco.init({ backends: ['wasm'] }).then((r) => r.status().ready));
  expect(ready).toBe(true);
  expect(await tab.evaluate(() => (window as unknown as { hidden: string[] }).hidden)).toEqual([]);
});

test('init() called twice (a page that starts Reco again): the first instance is replaced quietly, no error reaches the shop', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/blank.html');
  await addRecoScript(tab);
  const heard = await tab.evaluate(async () => {
    const errors: string[] = [];
    window.Reco.on('error', (e) => errors.push(`${e.name}: ${e.message}`));
    const first = window.Reco.init({ backends: ['wasm'] });
    const second = window.Reco.init({ backends: ['wasm'] });
    const [, latest] = await Promise.all([first, second]);
    await new Promise((r) => setTimeout(r, 500));
    return { errors, ready: latest.status().ready };
  });
  expect(heard).toEqual({ errors: [], ready: true });
  expect((await tab.consoleLines()).filter((l) => l.includes('[reco]'))).toEqual([]);
  expect(await tab.pageErrors()).toEqual([]);
});
