import { expect, test, type BrowserPage } from './helpers/test.ts';
import { bringIntoView } from './helpers/impressions.ts';
import { listenToReco, originsSentTo, waitForRanked, waitForReady, watchRequests } from './helpers/reco.ts';

const PAGE = '/e2e/pages/placements.html';
const OUT_OF_STOCK = ['p016', 'p052'];
/** The shopper of these specs: Velvetine items, a lip oil, and the feed's item with a hostile title. */
const VIEWED = ['p010', 'p022', 'p007', 'x-hostile'];
const HOSTILE = '<img src=x onerror="window.__pwned=1">Velvet <b>Lipstick</b>';

/** Fresh page, the shopper's views recorded, then a reload so the grids are ranked with that history. */
async function shopperPage(tab: BrowserPage, query = '') {
  await listenToReco(tab);
  await tab.goto(PAGE + query);
  await waitForReady(tab);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), VIEWED);
  await tab.evaluate(() => window.Reco.export().then(() => null)); // flushes the events to IndexedDB
  await tab.reload();
  await waitForReady(tab);
}

interface Card {
  id: string | null;
  title: string | null;
  href: string | null;
  reason: string | null;
  visible: boolean;
}

/** The cards of a placement row: id (null for an empty placeholder), title text, link, reason, visibility. */
const cards = (tab: BrowserPage, row: string) =>
  tab.evaluate(
    (id) =>
      [...document.querySelectorAll(`#${id} > .card`)].map((el) => ({
        id: el.getAttribute('data-reco-id'),
        title: el.querySelector('.t')!.textContent,
        href: el.getAttribute('href'),
        reason: (el.querySelector('[data-reco-slot=reason]') as HTMLElement).hidden ? null : el.querySelector('b')!.textContent,
        visible: getComputedStyle(el).visibility !== 'hidden',
      })),
    row,
  ) as Promise<Card[]>;

const recommend = (tab: BrowserPage, request: Record<string, unknown>) =>
  tab.evaluate(
    (r) =>
      window.Reco.recommend(r as never).then((items) =>
        items.map((it) => ({ id: it.id, brand: it.brand, category: it.category, url: it.url })),
      ),
    request,
  );

test('placements render from the shop’s template: items, reasons, links, and a hostile title stays text', async ({ tab }) => {
  await shopperPage(tab);
  const shown = await tab.evaluate(async () => {
    const out: Record<string, string[]> = {};
    for (const placement of ['for-you', 'similar', 'recently-viewed', 'because-you-viewed'] as const)
      out[placement] = (
        await window.Reco.render(`#${placement}`, {
          placement,
          itemId: placement === 'similar' ? 'p001' : undefined,
          limit: 8,
          currency: 'EUR',
        })
      ).map((it) => it.id);
    return out;
  });
  // Recently viewed: newest first.
  expect(shown['recently-viewed']).toEqual([...VIEWED].reverse());
  for (const [placement, ids] of Object.entries(shown)) {
    expect(ids.length, placement).toBeGreaterThan(0);
    for (const id of OUT_OF_STOCK) expect(ids, `${placement} never shows an out-of-stock item`).not.toContain(id);
    const rendered = await cards(tab, placement);
    expect(rendered).toHaveLength(8);
    expect(rendered.filter((c) => c.visible).map((c) => c.id)).toEqual(ids);
    expect(rendered.filter((c) => !c.visible).every((c) => c.id === null)).toBe(true);
  }
  expect(shown['for-you']).not.toContain('p010'); // already viewed
  expect(shown['similar']).not.toContain('p001');
  // Each "because you viewed" card names one of the last 3 items viewed, by its title in the feed (the hostile one as text).
  const reasons = (await cards(tab, 'because-you-viewed')).filter((c) => c.visible).map((c) => c.reason);
  expect(reasons.length).toBeGreaterThan(0);
  for (const r of reasons)
    expect(['Velvetine Cream Blush, Bronze Sun, 0.21 oz', 'Rêverie Plumping Lip Oil, Classic Red, 0.27 fl oz', HOSTILE]).toContain(r);

  // The hostile item: its title is text, its javascript: link is dropped, nothing of it runs.
  const hostile = (await cards(tab, 'recently-viewed'))[0]!;
  expect(hostile).toMatchObject({ id: 'x-hostile', title: HOSTILE, href: null });
  expect(await tab.evaluate(() => document.querySelectorAll('img[src="x"], .card b:not([data-reco-slot])').length)).toBe(0);
  expect(await tab.evaluate(() => (window as { __pwned?: number }).__pwned ?? null)).toBeNull();
  const similar = await cards(tab, 'similar');
  const p004 = similar.find((c) => c.id === 'p004');
  if (p004) expect(p004.href).toBe(await tab.evaluate(() => new URL('/p/p004', location.href).href));
});

test('placement cards are tracked like a grid: impressions and clicks with the placement as list id', async ({ tab }) => {
  await shopperPage(tab);
  const ids = await tab.evaluate(async () =>
    (await window.Reco.render('#similar', { placement: 'similar', itemId: 'p001', limit: 4 })).map((it) => it.id),
  );
  await bringIntoView(tab, 'similar');
  const listed = async () => (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.listId === 'similar');
  await expect
    .poll(
      async () =>
        (await listed())
          .filter((e) => e.type === 'view_item_list')
          .map((e) => `${e.itemId}@${e.position}`)
          .sort(),
      { timeout: 30_000 },
    )
    .toEqual(ids.map((id, i) => `${id}@${i}`).sort());
  await tab.click(`#similar > .card[data-reco-id="${ids[1]}"]`);
  await expect
    .poll(async () => (await listed()).filter((e) => e.type === 'select_item').map((e) => `${e.itemId}@${e.position}`))
    .toEqual([`${ids[1]}@1`]);
});

test('rules hold in grids and placements: out-of-stock last, diversity met, a boosted brand first; they change live', async ({ tab }) => {
  const rules = { diversity: { by: 'brand', max: 1, within: 4 }, boost: [{ brand: 'Nordbloom', weight: 5 }] };
  await shopperPage(tab, `?rules=${encodeURIComponent(JSON.stringify(rules))}`);
  // The home grid: the out-of-stock item (first in the shop's order) moves behind every other one.
  const ranked = await waitForRanked(tab, 'home');
  expect(ranked.order.at(-1)).toBe('p016');
  const placed = (await recommend(tab, { placement: 'for-you', limit: 8 })).map((it) => it.brand);
  expect(placed[0]).toBe('Nordbloom');
  expect(new Set(placed.slice(0, 4)).size).toBe(4);
  // on('rules') hears the rules in force (useRanked's lists re-rank with them); not the invalid ones below.
  await tab.evaluate(() => {
    (window as unknown as { heard: unknown[] }).heard = [];
    window.Reco.on('rules', (r) => (window as unknown as { heard: unknown[] }).heard.push(r));
  });
  await tab.evaluate(() => window.Reco.setRules({ filter: { category: 'Nails' } }));
  const nails = (await recommend(tab, { placement: 'for-you', limit: 8 })).map((it) => String(it.category));
  expect(nails.length).toBeGreaterThan(0);
  expect(nails.every((c) => c.startsWith('Nails'))).toBe(true);
  // Invalid rules: reported, naming the field; the rules in force stay.
  await tab.evaluate(() => window.Reco.setRules({ boost: [{ brand: 'Coralie' }] } as never));
  expect(await tab.evaluate(() => window.__reco.errors.at(-1))).toMatch(/rules\.boost\[0\]\.weight: expected a number/);
  expect((await recommend(tab, { placement: 'for-you', limit: 4 })).every((it) => String(it.category).startsWith('Nails'))).toBe(true);
  expect(await tab.evaluate(() => (window as unknown as { heard: unknown[] }).heard)).toEqual([{ filter: { category: 'Nails' } }]);
});

test("a first visit: the feed's out-of-stock items go last though the page does not mark them", async ({ tab }) => {
  // No history and no snapshot yet: only the rules move anything, and only the feed says p016 is out of stock. The
  // arrangement waits for the feed (up to 250 ms); this grid is below the fold, so it is re-ordered whenever that
  // arrangement comes. (A grid in view is re-ordered only within its 400 ms hold: on a loaded machine the first
  // visit's worker may answer later, and the grid then keeps the shop's order until out of sight.)
  await listenToReco(tab);
  await tab.goto(`${PAGE}?unmarked`);
  const ranked = await waitForRanked(tab, 'home');
  expect(ranked.order[0]).not.toBe('p016');
  expect(ranked.order.at(-1)).toBe('p016');
  expect(await tab.evaluate(() => document.querySelectorAll('[data-reco-available]').length), 'the markup marks nothing').toBe(0);
});

test('invalid rules in init() are reported as a TypeError naming the field and the grids keep the shop’s order; valid rules from setRules() then order them', async ({
  tab,
}) => {
  await shopperPage(tab);
  await tab.goto(`${PAGE}?rules=${encodeURIComponent(JSON.stringify({ diversity: { mmr: 3 } }))}`);
  await tab.waitForFunction(() => window.__reco.errors.length > 0 && window.Reco.status().ready, undefined, { timeout: 30_000 });
  const home = () =>
    tab.evaluate(() => [...document.querySelectorAll('#home [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')));
  // The shop's order: the markup as the server sent it.
  const served = await tab.evaluate(async () => {
    const html = new DOMParser().parseFromString(await (await fetch(location.href)).text(), 'text/html');
    return [...html.querySelectorAll('#home [data-reco-id]')].map((el) => el.getAttribute('data-reco-id'));
  });
  await tab.evaluate(() => window.Reco.personalize());
  expect(await home()).toEqual(served);
  const log = await tab.evaluate(() => window.__reco);
  expect(log.errors).toEqual(['TypeError: rules.diversity.mmr: expected a number from 0 to 1, got 3']);
  expect(log.consoleErrors.filter((line) => line.includes('[reco]'))).toHaveLength(1);
  expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({
    engine: 'ready',
    lastError: 'TypeError: rules.diversity.mmr: expected a number from 0 to 1, got 3',
  });
  // No placement without the shop's rules either.
  expect(await recommend(tab, { placement: 'for-you', limit: 4 })).toEqual([]);
  // The shop fixes its rules: the grids are ordered for the shopper, the out-of-stock item (first in the shop's order) last.
  await tab.evaluate(() => window.Reco.setRules({}));
  const ordered = await home();
  expect(ordered).not.toEqual(served);
  expect(served[0]).toBe('p016');
  expect(ordered.at(-1)).toBe('p016');
  expect((await recommend(tab, { placement: 'for-you', limit: 4 })).length).toBeGreaterThan(0);
});

test('a search grid is re-ordered by the documented blend of the shop’s order and the shopper’s, the best match among the first 3', async ({
  tab,
}) => {
  await shopperPage(tab);
  // The shop's relevance order, as the page's HTML has it (the grid may be ranked already).
  const shopOrder = ['p097', 'p100', 'p103', 'p106', 'p109', 'p112', 'p115', 'p118'];
  const { order } = await waitForRanked(tab, 'results');
  // The shopper's scores of the results, from the same model and history.
  const ranked = await tab.evaluate((ids) => window.Reco.rank(ids), shopOrder);
  // The shopper's rank of each result; tied scores share their average rank.
  const rankOf = (score: number) => ranked.filter((r) => r.score > score).length + (ranked.filter((r) => r.score === score).length - 1) / 2;
  const personal = new Map(ranked.map((r) => [r.id, rankOf(r.score)]));
  // (1 − w) / (10 + shop rank) + w / (10 + shopper rank), w = searchWeight (0.25 on this page); the best match at worst 3rd.
  const blend = (id: string) => 0.75 / (10 + shopOrder.indexOf(id)) + 0.25 / (10 + personal.get(id)!);
  const expected = [...shopOrder].sort((x, y) => blend(y) - blend(x));
  if (expected.indexOf('p097') > 2) expected.splice(2, 0, ...expected.splice(expected.indexOf('p097'), 1));
  expect(order).toEqual(expected);
  expect(order.indexOf('p097')).toBeLessThanOrEqual(2);
});

test('without a feed, placements draw from the items seen on the site', async ({ tab }) => {
  await shopperPage(tab, '?nofeed');
  const items = await recommend(tab, { placement: 'similar', itemId: 'p097', limit: 6 });
  const seen = await tab.evaluate(() => [...document.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')));
  expect(items.length).toBeGreaterThan(0);
  expect(items.every((it) => seen.includes(it.id))).toBe(true);
  expect(items.map((it) => it.id)).not.toContain('p016'); // out of stock on the page
  expect(items[0]!.url).toMatch(/\/p\/p\d+$/); // read from the card's link
  expect(await tab.evaluate(() => window.Reco.status().catalog)).toMatchObject({ source: 'seen', url: null });
});

for (const markup of ['JSON-LD', 'microdata']) {
  test(`without a feed, a product known from its page's ${markup} only is a recently-viewed card with its link and image`, async ({
    tab,
  }) => {
    // A shop without a feed, whose product page has no card of the product itself: the page's markup says it all.
    await tab.goto(`/e2e/pages/pdp.html${markup === 'microdata' ? '?microdata' : ''}`);
    await waitForReady(tab);
    const origin = await tab.evaluate(() => location.origin);
    const viewed = () =>
      tab.evaluate(() =>
        window.Reco.recommend({ placement: 'recently-viewed' }).then((items) =>
          items.map(({ id, title, url, image }) => ({ id, title, url, image })).find((it) => it.id === 'x1'),
        ),
      );
    await expect.poll(viewed, { timeout: 10_000 }).toMatchObject({
      id: 'x1',
      title: 'Tressa Volumizing Shampoo, Biotin, 8.5 fl oz',
      url: `${origin}/e2e/pages/pdp.html`,
      image: `${origin}/e2e/pages/img/x1.jpg`,
    });
  });
}

test('status().catalog says how the feed loaded, or why it could not be used, without a placement asking; the failure is reported once (a CatalogError) and logged once', async ({
  tab,
}) => {
  // A shop reads it as init() resolves (the feed, loaded beside the model, came first).
  const asResolved = () =>
    tab.evaluate(async () => {
      await (window as unknown as { recoStarted: Promise<unknown> }).recoStarted;
      return window.Reco.status().catalog;
    });
  await tab.goto(PAGE);
  expect(await asResolved()).toMatchObject({ source: 'feed', items: 45 });

  await listenToReco(tab);
  await tab.goto(`${PAGE}?feed=no-such-feed.jsonl`);
  expect(await asResolved()).toMatchObject({
    source: 'seen',
    url: expect.stringContaining('no-such-feed.jsonl'),
    error: expect.stringMatching(/could not be used.*404/),
  });
  // The page's console, in every engine (the browser's own line for the 404, where it prints one, is not Reco's).
  expect(
    await tab.evaluate(() => window.__reco.consoleErrors.filter((t) => t.startsWith('[reco]') && t.includes('no-such-feed.jsonl'))),
  ).toHaveLength(1);
  expect(await tab.evaluate(() => window.__reco.errors)).toEqual([
    expect.stringMatching(
      /^CatalogError: the catalog feed could not be used \(http.*no-such-feed\.jsonl answered HTTP 404\); placements draw from the items seen$/,
    ),
  ]);
  // The grid is still personalized by the page's own items; the page works.
  expect(await tab.evaluate(() => window.Reco.status().engine)).toBe('ready');
});

test('the feed is the only extra request: on the page origin, once a page view, without cookies; the next view revalidates it by ETag', async ({
  tab,
}) => {
  const FEED = '/e2e/pages/placements-feed.jsonl';
  await tab.goto(PAGE);
  await waitForReady(tab);
  // The shop's session cookie, which must not go with the feed request; no stored copy of the feed.
  await tab.evaluate(async () => {
    document.cookie = 'shop_session=secret; path=/; SameSite=Lax';
    await Promise.all((await caches.keys()).map((k) => caches.delete(k)));
  });
  const feed = await watchRequests(FEED);

  // (Links, not reloads: in WebKitGTK a tab that reloaded gives its workers an empty Cache Storage: README, Browsers.)
  await tab.goto(`${PAGE}?view=2`);
  await waitForReady(tab);
  await tab.evaluate(() => window.Reco.track('view_item', 'p010'));
  await tab.evaluate(async () => {
    await window.Reco.recommend({ placement: 'for-you' });
    await window.Reco.recommend({ placement: 'similar', itemId: 'p001' });
  });
  const first = await feed.requests();
  expect(first.map((r) => r.status)).toEqual([200]);
  expect(first[0]!.headers['cookie'], 'no cookie goes with the feed request').toBeUndefined();
  expect(await tab.evaluate(() => document.cookie)).toContain('shop_session=secret'); // the page's own requests carry it
  expect(await tab.evaluate(() => window.Reco.status().catalog)).toMatchObject({ source: 'feed', items: 45, fromCache: false });

  await tab.goto(`${PAGE}?view=3`);
  await waitForReady(tab);
  await tab.evaluate(() => window.Reco.recommend({ placement: 'for-you' }).then(() => {}));
  const both = await feed.requests();
  expect(both.map((r) => r.status)).toEqual([200, 304]);
  expect(both[1]!.headers['if-none-match']).toBeTruthy();
  expect(both[1]!.headers['cookie']).toBeUndefined();
  expect(await tab.evaluate(() => window.Reco.status().catalog)).toMatchObject({ source: 'feed', items: 45, fromCache: true });

  expect(
    [...originsSentTo(tab)].filter((o) => new URL(o).hostname !== 'localhost'),
    'requests to other origins',
  ).toEqual([]);
});
