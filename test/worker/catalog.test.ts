import 'fake-indexeddb/auto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FETCH_TIMEOUT_MS, fetchCached } from '../../src/worker/asset-cache.ts';
import { openStore } from '../../src/shared/store.ts';
import type { RecoEvent } from '../../src/shared/types.ts';
import { createCatalog } from '../../src/worker/catalog.ts';
import { availability, FEED_CACHE, MAX_FEED_ITEMS, parseFeed, readRow } from '../../src/worker/feed.ts';
import { fakeCaches } from './fake-caches.ts';

describe('parseFeed', () => {
  it('reads JSON Lines, a JSON array and an object with items, and skips bad lines and rows without an id', () => {
    const lines = '{"id":"a","title":"A"}\nnot json\n\n{"title":"no id"}\n{"id":7,"title":"Seven"}\n{"id":"a","title":"again"}\n';
    const jsonl = parseFeed(lines);
    expect(jsonl.entries.map((e) => e.item)).toEqual([
      { id: 'a', title: 'A' },
      { id: '7', title: 'Seven' },
    ]);
    expect(jsonl.skipped).toBe(2);
    expect(parseFeed('[{"id":"x"},{"id":"y"}]').entries.map((e) => e.item.id)).toEqual(['x', 'y']);
    expect(parseFeed('{"items":[{"id":"x"}]}').entries.map((e) => e.item.id)).toEqual(['x']);
    expect(() => parseFeed('<html>')).toThrow(/JSON Lines/);
  });

  it('refuses a JSON array with one broken row whole, saying where (read as lines, all rows ending in a comma were lost), and names an HTML page', () => {
    const rows = Array.from({ length: 50 }, (_, i) => `{"id":"p${i}","title":"${i === 20 ? 'Say "hi' : `Item ${i}`}"}`);
    expect(() => parseFeed(`[\n${rows.join(',\n')}\n]`)).toThrow(/^the JSON array of items is not valid JSON \(.*(position|line)/);
    expect(() => parseFeed('<!doctype html><html><body>Shop</body></html>')).toThrow(/got an HTML page/);
  });

  it('reads the fields of the training format and the Google Merchant names, and keeps the row as the shop wrote it', () => {
    const e = readRow({
      id: 'sku-1',
      title: ' Rose Serum ',
      brand: { name: 'Aura' },
      category: ['Skin Care', 'Serum'],
      price: '24.90 EUR',
      link: '/p/sku-1',
      image_link: '/img/1.jpg',
      availability: 'out_of_stock',
      tags: 'vegan, new',
      rating: 4.5,
    })!;
    expect(e.item).toEqual({
      id: 'sku-1',
      title: 'Rose Serum',
      brand: 'Aura',
      category: 'Skin Care > Serum',
      price: 24.9,
      url: '/p/sku-1',
      image: '/img/1.jpg',
      available: false,
      tags: ['vegan', 'new'],
    });
    expect(e.row['rating']).toBe(4.5);
    // A field Reco reads but cannot use is left out, not passed on raw (a price of "on request" is no number).
    const odd = readRow({ id: 'c', title: { en: 'Lipstick', de: 'Lippenstift' }, price: 'auf Anfrage', rating: 4 })!;
    expect({ ...odd.row, ...odd.item }).toEqual({ id: 'c', rating: 4 });
    // schema.org's several images, or an ImageObject: the first one's URL (an array was one URL "a.jpg,b.jpg").
    expect(readRow({ id: 'a', image: ['/a1.jpg', '/a2.jpg'] })!.item.image).toBe('/a1.jpg');
    expect(readRow({ id: 'b', image: { '@type': 'ImageObject', url: '/b.jpg' } })!.item.image).toBe('/b.jpg');
    expect(readRow({ title: 'no id' })).toBeNull();
    expect(readRow([1])).toBeNull();
  });

  it("reads the price's currency where the feed gives it: its priceCurrency or currency, the price object's, a code or an unambiguous symbol in the price", () => {
    const currency = (row: Record<string, unknown>) => readRow({ id: 'x', ...row })!.row['priceCurrency'];
    expect(currency({ price: '24.90 USD' })).toBe('USD');
    expect(currency({ price: 'CHF 1299.50' })).toBe('CHF');
    expect(currency({ price: '€24,90' })).toBe('EUR');
    expect(currency({ price: '24,90 zł' })).toBe('PLN');
    expect(currency({ price: { value: 24.9, currency: 'usd' } })).toBe('USD');
    expect(currency({ price: 10, priceCurrency: 'GBP' })).toBe('GBP');
    // The dollar names several currencies; "TBD" is no currency; a row without a price has no price currency.
    expect(currency({ price: '$24.90' })).toBeUndefined();
    expect(currency({ price: '24 TBD' })).toBeUndefined();
    expect(currency({ price: 'on request', currency: 'EUR' })).toBeUndefined();
    expect(currency({ price: 24.9 })).toBeUndefined();
    // A priceCurrency the feed gives that is no currency code is not passed on (render() would print it as one).
    expect(currency({ price: 24.9, priceCurrency: 'dollars' })).toBeUndefined();
  });

  it('reads availability as shops write it', () => {
    for (const v of ['in stock', 'in_stock', 'InStock', 'https://schema.org/InStock', 'preorder', true]) expect(availability(v)).toBe(true);
    // 0 as the page reads data-reco-available="0" (a feed exported with a 0/1 column).
    for (const v of ['out of stock', 'out_of_stock', 'OutOfStock', 'https://schema.org/SoldOut', 'discontinued', false, 0, '0'])
      expect(availability(v)).toBe(false);
    expect(availability(undefined)).toBeUndefined();
  });

  it(`reads at most ${MAX_FEED_ITEMS} rows and says how many it ignored`, () => {
    const rows = Array.from({ length: MAX_FEED_ITEMS + 5 }, (_, i) => JSON.stringify({ id: `i${i}` })).join('\n');
    const feed = parseFeed(rows);
    expect(feed.entries.length).toBe(MAX_FEED_ITEMS);
    expect(feed.ignored).toBe(5);
    // Rows without an id and repeated ids do not count toward the cap (10 of them cost 10 items before).
    const messy = parseFeed([...Array.from({ length: 10 }, () => '{"title":"no id"}'), '{"id":"i0"}', rows].join('\n'));
    expect(messy.entries.length).toBe(MAX_FEED_ITEMS);
    expect(messy.skipped).toBe(10);
  });
});

describe('fetchCached', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('stores the feed with its ETag, sends the ETag back, keeps the copy on 304 and replaces it on 200', async () => {
    const { caches, stores } = fakeCaches();
    vi.stubGlobal('caches', caches);
    let body = 'v1';
    let etag = '"1"';
    const seen: (RequestInit | undefined)[] = [];
    const fetchFn = vi.fn(async (_url: string, init?: RequestInit) => {
      seen.push(init);
      const sent = (init?.headers as Record<string, string>)['if-none-match'];
      return sent === etag ? new Response(null, { status: 304 }) : new Response(body, { headers: { etag } });
    }) as unknown as typeof fetch;

    expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, fetchFn)).toEqual({
      text: 'v1',
      fromCache: false,
      etag: '"1"',
    });
    expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, fetchFn)).toEqual({ text: 'v1', fromCache: true, etag: '"1"' });
    [body, etag] = ['v2', '"2"'];
    expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, fetchFn)).toEqual({
      text: 'v2',
      fromCache: false,
      etag: '"2"',
    });
    expect(seen.map((i) => (i?.headers as Record<string, string>)['if-none-match'])).toEqual([undefined, '"1"', '"1"']);
    // No cookies and no referrer go with the request.
    expect(seen.every((i) => i?.credentials === 'omit' && i.referrerPolicy === 'no-referrer')).toBe(true);
    // One entry per cache: a feed that moves leaves nothing behind.
    await fetchCached('https://shop.example/feed-2.jsonl', FEED_CACHE, fetchFn);
    expect([...stores.get(FEED_CACHE)!.keys()]).toEqual(['https://shop.example/feed-2.jsonl']);
  });

  it('gives up a server that never answers after FETCH_TIMEOUT_MS (the stored copy, else an error saying so); a server error keeps the stored copy, saying why', async () => {
    const { caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    vi.useFakeTimers();
    try {
      const never = ((_u: string, init?: RequestInit) =>
        new Promise((_, reject) =>
          init?.signal?.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))),
        )) as unknown as typeof fetch;
      const nothing = fetchCached('https://shop.example/stall.jsonl', FEED_CACHE, never);
      nothing.catch(() => {});
      await vi.advanceTimersByTimeAsync(FETCH_TIMEOUT_MS);
      await expect(nothing).rejects.toThrow('could not fetch https://shop.example/stall.jsonl: no answer within 10 s');

      const ok = (async () => new Response('v1', { headers: { etag: '"1"' } })) as unknown as typeof fetch;
      await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, ok);
      const stalled = fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, never);
      await vi.advanceTimersByTimeAsync(FETCH_TIMEOUT_MS);
      expect(await stalled).toEqual({ text: 'v1', fromCache: true, etag: '"1"', stale: 'no answer within 10 s' });
      const down = (async () => new Response('Service Unavailable', { status: 503 })) as unknown as typeof fetch;
      expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, down)).toEqual({
        text: 'v1',
        fromCache: true,
        etag: '"1"',
        stale: 'answered HTTP 503',
      });
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps a copy served without an ETag (for a server error or a stalled server), asking with If-Modified-Since where it can', async () => {
    const { caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    const sent: Record<string, string>[] = [];
    const plain = vi.fn(async (_u: string, init?: RequestInit) => {
      sent.push(init?.headers as Record<string, string>);
      return new Response('v1', { headers: { 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' } });
    }) as unknown as typeof fetch;
    expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, plain)).toEqual({ text: 'v1', fromCache: false, etag: null });
    await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, plain);
    expect(sent).toEqual([{}, { 'if-modified-since': 'Tue, 01 Dec 2026 10:00:00 GMT' }]);
    const down = (async () => new Response('Service Unavailable', { status: 503 })) as unknown as typeof fetch;
    expect(await fetchCached('https://shop.example/feed.jsonl', FEED_CACHE, down)).toEqual({
      text: 'v1',
      fromCache: true,
      etag: null,
      stale: 'answered HTTP 503',
    });
  });

  it('serves the stored copy when the network fails, and says why when nothing is stored', async () => {
    const { caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    const ok = (async () => new Response('v1', { headers: { etag: '"1"' } })) as unknown as typeof fetch;
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    await fetchCached('https://shop.example/f', FEED_CACHE, ok);
    expect((await fetchCached('https://shop.example/f', FEED_CACHE, down)).text).toBe('v1');
    await expect(fetchCached('https://shop.example/other', FEED_CACHE, down)).rejects.toThrow(
      /could not fetch https:\/\/shop.example\/other/,
    );
    const notFound = (async () => new Response('no', { status: 404 })) as unknown as typeof fetch;
    await expect(fetchCached('https://shop.example/missing', FEED_CACHE, notFound)).rejects.toThrow(/answered HTTP 404/);
  });

  it('is a plain fetch without Cache Storage', async () => {
    vi.stubGlobal('caches', undefined);
    const fetchFn = (async () => new Response('v1', { headers: { etag: '"1"' } })) as unknown as typeof fetch;
    expect(await fetchCached('https://shop.example/f', FEED_CACHE, fetchFn)).toEqual({ text: 'v1', fromCache: false, etag: '"1"' });
  });
});

describe('createCatalog', () => {
  afterEach(() => vi.unstubAllGlobals());

  it("reads the page's item cache through the worker's store only: no connection of its own, which pruned with the default caps", async () => {
    const dbName = `catalog-caps-${Date.now()}`;
    const page = await openStore({ dbName, maxEvents: 8000, maxAgeDays: 365, prune: false });
    const now = Date.now();
    const event = (i: number, ts: number): RecoEvent =>
      ({
        id: `e${i}`,
        type: 'view_item',
        itemId: `sku-${i % 50}`,
        listId: null,
        position: null,
        ts,
        sessionId: 's',
        path: '/',
        control: false,
        pageViewId: 'pv',
      }) as RecoEvent;
    // 6,000 events of the last hour and 100 of 200 days ago: within the shop's caps (8,000 events, 365 days).
    await page.add([
      ...Array.from({ length: 100 }, (_, i) => event(i, now - 200 * 86_400_000 + i)),
      ...Array.from({ length: 6000 }, (_, i) => event(100 + i, now - 3_600_000 + i)),
    ]);
    await page.putItems([{ id: 'cached', title: 'Cached' }]);
    await createCatalog({ url: null, dbName }, fetch, () => null).current();
    expect(await page.count(), "the shop's caps hold (the default 5,000 / 90 days applied before)").toBe(6100);
    const read = await createCatalog({ url: null, dbName }, fetch, () => null, undefined, page).current();
    expect(read.items.map((it) => it.id)).toEqual(['cached']);
    page.close();
  });

  it('draws from the feed once loaded', async () => {
    vi.stubGlobal('caches', undefined);
    const fetchFn = (async () => new Response('{"id":"a","title":"A"}\n{"id":"b","title":"B"}')) as unknown as typeof fetch;
    const catalog = createCatalog({ url: 'https://shop.example/feed.jsonl', dbName: null }, fetchFn);
    catalog.observe([{ id: 'seen', title: 'Seen' }]);
    const c = await catalog.current();
    expect(c.items.map((it) => it.id)).toEqual(['a', 'b']);
    expect(catalog.status()).toMatchObject({ source: 'feed', items: 2, url: 'https://shop.example/feed.jsonl', fromCache: false });
  });

  it('a feed the server no longer sends (404) is read from the copy an earlier page view stored, and the status says so', async () => {
    const { caches } = fakeCaches();
    vi.stubGlobal('caches', caches);
    const url = 'https://shop.example/feed.jsonl';
    const ok = (async () => new Response('{"id":"a","title":"A"}', { headers: { etag: '"1"' } })) as unknown as typeof fetch;
    await createCatalog({ url, dbName: null }, ok).current();
    const gone = (async () => new Response('Not Found', { status: 404 })) as unknown as typeof fetch;
    const catalog = createCatalog({ url, dbName: null }, gone);
    expect((await catalog.current()).items.map((it) => it.id)).toEqual(['a']);
    expect(catalog.status()).toMatchObject({
      source: 'feed',
      fromCache: true,
      stale:
        'the catalog feed https://shop.example/feed.jsonl answered HTTP 404; placements use the copy stored on this device by an earlier page view, which may be out of date',
    });
    expect(catalog.status().error).toBeUndefined();
    // A 304 (the copy is current) is no news.
    const same = (async () => new Response(null, { status: 304 })) as unknown as typeof fetch;
    const current = createCatalog({ url, dbName: null }, same);
    await current.current();
    expect(current.status()).toMatchObject({ source: 'feed', fromCache: true });
    expect(current.status().stale).toBeUndefined();
  });

  it("the page's word on stock wins over the feed's (a night old), before and after the feed loads; a history's or an earlier page view's does not", async () => {
    vi.stubGlobal('caches', undefined);
    const rows = ['a', 'b', 'c', 'd'].map((id) => `{"id":"${id}","title":"${id}","availability":"in_stock"}`).join('\n');
    const fetchFn = (async () => new Response(rows)) as unknown as typeof fetch;
    const catalog = createCatalog({ url: 'https://shop.example/feed.jsonl', dbName: null }, fetchFn);
    catalog.observe([{ id: 'a', available: false }], true); // a grid marks it sold out before the feed has loaded
    catalog.observe([{ id: 'c', available: false }]); // the history's copy of an older page: not the page's word now
    const c = await catalog.current();
    catalog.observe([{ id: 'b', available: false }], true); // and after
    catalog.observe([{ id: 'd', available: false }], true);
    catalog.observe([{ id: 'd', available: true }], true); // back in stock on a later grid
    expect(c.items.map((it) => `${it.id} ${it.available}`)).toEqual(['a false', 'b false', 'c true', 'd true']);
    expect(catalog.lookup('b')?.available).toBe(false);
  });

  it('without a feed, or when the feed fails, draws from the items seen (newest fields win) and says why', async () => {
    vi.stubGlobal('caches', undefined);
    const seen = createCatalog({ url: null, dbName: null });
    seen.observe([{ id: 'a', title: 'A' }, { id: 'b' }]);
    seen.observe([{ id: 'b', title: 'B', price: 3 }]);
    expect((await seen.current()).items).toEqual([
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B', price: 3 },
    ]);
    expect(seen.status()).toMatchObject({ source: 'seen', items: 2 });

    const broken = createCatalog(
      { url: 'https://shop.example/feed.jsonl', dbName: null },
      (async () => new Response('', { status: 500 })) as unknown as typeof fetch,
    );
    broken.observe([{ id: 'a', title: 'A' }]);
    expect((await broken.current()).items.map((it) => it.id)).toEqual(['a']);
    expect(broken.status()).toMatchObject({
      source: 'seen',
      error: 'the catalog feed could not be used (https://shop.example/feed.jsonl answered HTTP 500); placements draw from the items seen',
    });
    // A reason that does not name the feed: the message names it once.
    const html = createCatalog(
      { url: 'https://shop.example/items.json', dbName: null },
      (async () =>
        new Response('<!doctype html><p>Not found</p>', {
          status: 200,
          headers: { 'content-type': 'text/html' },
        })) as unknown as typeof fetch,
    );
    await html.current();
    expect(html.status().error).toMatch(
      /^the catalog feed https:\/\/shop\.example\/items\.json could not be used \(expected JSON Lines .*HTML page/,
    );
  });
});
