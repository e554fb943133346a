import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { createEngine } from '../../src/worker/engine.ts';
import { imageOrigins, slotTexts } from '../../src/worker/slots.ts';
import type { Recommendation } from '../../src/shared/placements.ts';
import { CATALOG, T0 } from '../../fixtures/shopper.ts';

const FEED = 'https://shop.example/feed.json';
const rows = JSON.parse(readFileSync('demo/catalog.json', 'utf8')) as Record<string, unknown>[];
// Every fifth item out of stock; the feed's own fields (rating, reviews, ...) come back as they are.
const feed: Record<string, unknown>[] = rows.map((r, i) => ({
  ...r,
  url: `/p/${r['id']}`,
  availability: i % 5 === 0 ? 'out of stock' : 'in stock',
}));
const fileFetch = (async (u: string) =>
  u === FEED
    ? new Response(JSON.stringify(feed), { headers: { etag: '"1"' } })
    : new Response(readFileSync(resolve(u)))) as unknown as typeof fetch;
const engine = createEngine({ fetch: fileFetch });
const NOW = T0 + 3_600_000;
const view = (i: number, k: number): HistoryEntry => ({ item: CATALOG[i]!, type: 'view_item', ts: T0 + k * 60_000 });
const history = [view(1, 0), view(2, 1), view(3, 2)];
const outOfStock = new Set(feed.filter((r) => r['availability'] === 'out of stock').map((r) => r['id']));

beforeAll(async () => {
  vi.stubGlobal('caches', undefined);
  await setupTf('wasm');
  await engine.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'], catalog: { url: FEED, dbName: null } });
});

describe('engine placements (in-process, as in the worker)', () => {
  it('answers with the feed rows as the shop wrote them, best first, never an out-of-stock item', async () => {
    for (const placement of ['for-you', 'similar', 'recently-viewed', 'because-you-viewed']) {
      const { items, catalog } = await engine.recommend(history, { placement, itemId: CATALOG[9]!.id, limit: 6 }, { seen: [], now: NOW });
      expect(catalog).toMatchObject({ source: 'feed', items: rows.length, url: FEED });
      expect(items.length, placement).toBeGreaterThan(0);
      expect(items.length).toBeLessThanOrEqual(6);
      for (const it of items) {
        expect(outOfStock.has(it.id)).toBe(false);
        expect(it).toMatchObject({ url: `/p/${it.id}`, rating: expect.any(Number), available: true });
      }
      if (placement === 'because-you-viewed') expect(items.every((it) => it.reason?.itemId === CATALOG[9]!.id)).toBe(true);
    }
  });

  it('an item the page shows as sold out (data-reco-available="false") is not recommended, though the feed, a night old, has it in stock', async () => {
    const own = createEngine({ fetch: fileFetch }); // the page's word changes its catalog: not the shared engine's
    await own.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'], catalog: { url: FEED, dbName: null } });
    const ask = (seen: typeof CATALOG) =>
      own.recommend(history, { placement: 'similar', itemId: CATALOG[9]!.id, limit: 6 }, { seen, now: NOW });
    const first = (await ask([])).items[0]!;
    expect(outOfStock.has(first.id)).toBe(false);
    const soldOut = { ...CATALOG.find((it) => it.id === first.id)!, available: false };
    const { items } = await ask([soldOut]);
    expect(items.map((it) => it.id)).not.toContain(first.id);
    expect(items.length).toBeGreaterThan(0);
  });

  it('a history of items known by id alone is ranked with the feed’s features, also by the first ranking while the feed loads', async () => {
    // The feed answers late: after the model has loaded and the first ranking was asked.
    let release!: () => void;
    const late = new Promise<void>((r) => (release = r));
    const slowFeed = (async (u: string) => (u === FEED && (await late), fileFetch(u))) as unknown as typeof fetch;
    const started = async () => {
      const e = createEngine({ fetch: slowFeed });
      await e.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'], catalog: { url: FEED, dbName: null } });
      return e;
    };
    const [byId, withText] = await Promise.all([started(), started()]);
    const bare = history.map((e) => ({ ...e, item: { id: e.item.id } }));
    const candidates = CATALOG.slice(10, 22);
    const ranking = byId.rank(bare, candidates, NOW);
    setTimeout(release, 50);
    const first = await ranking;
    expect(new Set(first).size, 'scores of items without text would all be equal').toBeGreaterThan(1);
    expect(first).toEqual(await withText.rank(history, candidates, NOW));
  });

  it('checks the request and names the field', async () => {
    await expect(engine.recommend([], { placement: 'trending' }, { seen: [], now: NOW })).rejects.toThrow(
      /placement expected one of for-you, similar/,
    );
    await expect(engine.recommend([], { placement: 'similar' }, { seen: [], now: NOW })).rejects.toThrow(/itemId expected an item id/);
    await expect(engine.recommend([], { placement: 'for-you', limit: 0 }, { seen: [], now: NOW })).rejects.toThrow(
      /limit expected an integer from 1 to 100/,
    );
    await expect(engine.recommend([], { placement: 'for-you', filter: { size: 'xl' } }, { seen: [], now: NOW })).rejects.toThrow(
      /filter\.size/,
    );
    await expect(engine.recommend([], { placement: 'similar', itemId: '  ' }, { seen: [], now: NOW })).rejects.toThrow(
      /itemId expected a non-blank string/,
    );
  });

  it('an itemId with spaces around it is the item (trimmed, as grids, track() and the dataLayer do): never shown on its own page', async () => {
    const id = CATALOG[2]!.id;
    const recent = await engine.recommend(history, { placement: 'recently-viewed', itemId: ` ${id}\n` }, { seen: [], now: NOW });
    expect(recent.items.map((i) => i.id)).toEqual([CATALOG[3]!.id, CATALOG[1]!.id]);
    const similar = await engine.recommend([], { placement: 'similar', itemId: `${id} ` }, { seen: [], now: NOW });
    expect(similar.items.length).toBeGreaterThan(0);
    expect(similar.items.map((i) => i.id)).not.toContain(id);
  });

  it('a viewed item known by its id alone (the feed no longer has it): no "because you viewed sku-…", no blank recently-viewed card', async () => {
    const gone: HistoryEntry = { item: { id: 'sku-discontinued' }, type: 'view_item', ts: NOW - 60_000 };
    const byv = (h: HistoryEntry[]) => engine.recommend(h, { placement: 'because-you-viewed', limit: 4 }, { seen: [], now: NOW });
    expect((await byv([gone])).items).toEqual([]);
    // Beside items the feed knows, it is never the reason.
    const reasons = (await byv([view(1, 0), view(2, 1), gone])).items.map((it) => it.reason?.itemId);
    expect(reasons.length).toBeGreaterThan(0);
    expect(reasons).not.toContain('sku-discontinued');
    const recent = await engine.recommend([view(1, 0), gone], { placement: 'recently-viewed' }, { seen: [], now: NOW });
    expect(recent.items.map((it) => it.id)).toEqual([CATALOG[1]!.id]);
    // One the page described (a title) is shown.
    const described = { ...gone, item: { id: 'sku-discontinued', title: 'Velvet Lipstick' } };
    expect((await engine.recommend([described], { placement: 'recently-viewed' }, { seen: [], now: NOW })).items).toMatchObject([
      { id: 'sku-discontinued', title: 'Velvet Lipstick' },
    ]);
  });

  it("render()'s images: a feed's several images or an ImageObject give the first one's URL, never a URL made of the list or '[object Object]'", async () => {
    const show = { base: 'https://shop.example/c/', lang: 'en' };
    const item = (image: unknown) => ({ id: 'x', title: 'X', image }) as unknown as Recommendation;
    const origins = imageOrigins(show, null);
    expect(slotTexts(item({ url: 'https://shop.example/x.jpg' }), show, String, origins)['image']).toBeUndefined();
    expect(slotTexts(item(['https://shop.example/a.jpg', 'https://shop.example/b.jpg']), show, String, origins)['image']).toBeUndefined();
    expect(slotTexts(item('/x.jpg'), show, String, origins)['image']).toBe('https://shop.example/x.jpg');
  });

  it('arranges a grid: nothing to change without a history; rules and scores move items; what a rule leaves out goes last', async () => {
    const inStock = CATALOG.slice(1, 5);
    expect(await engine.arrange([], inStock, false, NOW)).toBeNull();
    // Marked out of stock by the page, or only by the feed (CATALOG[5] is out of stock there): last.
    const marked = inStock.map((it, i) => (i === 0 ? { ...it, available: false } : it));
    expect((await engine.arrange([], marked, false, NOW))!.at(-1)).toBe(0);
    expect((await engine.arrange([], [CATALOG[5]!, ...inStock], false, NOW))!.at(-1)).toBe(0);
    const grid = CATALOG.slice(0, 12);
    const order = (await engine.arrange(history, grid, false, NOW))!;
    expect([...order].sort((a, b) => a - b)).toEqual(grid.map((_, i) => i));
  });

  it('keeps a search grid’s best available match among the first 3', async () => {
    for (let start = 0; start < 120; start += 12) {
      const grid = CATALOG.slice(start, start + 12);
      const best = grid.findIndex((it) => !outOfStock.has(it.id));
      const order = await engine.arrange(history, grid, true, NOW);
      expect(order ? order.indexOf(best) : best).toBeLessThanOrEqual(2);
    }
  });

  it('for you is the model’s ranking of the whole feed, the history left out (the eval’s full ranking)', async () => {
    engine.setRules({ hideUnavailable: false });
    const { items } = await engine.recommend(history, { placement: 'for-you', limit: 10 }, { seen: [], now: NOW });
    const seen = new Set(history.map((e) => e.item.id));
    const candidates = CATALOG.filter((it) => !seen.has(it.id));
    const scores = await engine.rank(history, candidates, NOW);
    const best = candidates.map((it, i) => [it.id, scores[i]!] as const).sort((x, y) => y[1] - x[1]);
    expect(items.map((it) => it.id)).toEqual(best.slice(0, 10).map(([id]) => id));
    engine.setRules({});
  });

  it('in the control group too, for you never shows what was just bought (excludeRecent reads the history)', async () => {
    const control = { seen: [], now: NOW, control: true };
    const cold = await engine.recommend([], { placement: 'for-you', limit: 5 }, { seen: [], now: NOW });
    const bought = cold.items[0]!;
    const after = [...history, { item: { id: bought.id, title: bought.title }, type: 'purchase' as const, ts: NOW - 1000 }];
    const forYou = await engine.recommend(after, { placement: 'for-you', limit: 5 }, control);
    expect(forYou.items.map((it) => it.id)).not.toContain(bought.id);
    expect(forYou.items.map((it) => it.id)).toEqual(
      (await engine.recommend([], { placement: 'for-you', limit: 6 }, { seen: [], now: NOW })).items
        .map((it) => it.id)
        .filter((id) => id !== bought.id),
    );
  });

  it('in the control group, for you is the catalog order and because you viewed is empty; recently viewed stays', async () => {
    const control = { seen: [], now: NOW, control: true };
    const forYou = await engine.recommend(history, { placement: 'for-you', limit: 5 }, control);
    const cold = await engine.recommend([], { placement: 'for-you', limit: 5 }, { seen: [], now: NOW });
    expect(forYou.items.map((it) => it.id)).toEqual(cold.items.map((it) => it.id));
    expect((await engine.recommend(history, { placement: 'because-you-viewed', limit: 5 }, control)).items).toEqual([]);
    const recent = await engine.recommend(history, { placement: 'recently-viewed', limit: 5 }, control);
    expect(recent.items.map((it) => it.id)).toEqual(
      [...history]
        .reverse()
        .map((e) => e.item.id)
        .filter((id) => !outOfStock.has(id)),
    );
  });

  it('writes each item’s slot texts for render(): money in the page language, absolute http(s) links', async () => {
    const show = { base: 'https://shop.example/c/', lang: 'de', currency: 'EUR' };
    const { items, slots } = await engine.recommend(history, { placement: 'for-you', limit: 3 }, { seen: [], now: NOW, show });
    expect(slots).toHaveLength(items.length);
    slots!.forEach((s, k) => {
      expect(s).toMatchObject({ id: items[k]!.id, title: items[k]!.title, url: `https://shop.example/p/${items[k]!.id}` });
      expect(s['price']).toMatch(/^\d+,\d\d\s?€$/);
    });
    await expect(
      engine.recommend(history, { placement: 'for-you' }, { seen: [], now: NOW, show: { ...show, currency: 'euro' } }),
    ).rejects.toThrow(/render: currency expected an ISO 4217 code/);
  });

  it('rank(items, { history }): without a feed, ids take the features of the items the page showed; the history is checked', async () => {
    const noFeed = createEngine({ fetch: fileFetch });
    await noFeed.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'], catalog: { url: null, dbName: null } });
    const ids = history.map((e) => e.item.id);
    const at = (k: number) => NOW - (ids.length - k) * 60_000;
    const candidates = CATALOG.slice(20, 40);
    // The page showed the history's items (a grid it ranked).
    await noFeed.rank([], CATALOG.slice(0, 10), NOW);
    const byId = await noFeed.rankFor(
      ids.map((id) => ({ item: id, type: 'view_item' })),
      candidates,
      NOW,
    );
    const full = await noFeed.rank(
      history.map((e, k) => ({ ...e, ts: at(k) })),
      candidates,
      NOW,
    );
    const bare = await noFeed.rank(
      ids.map((id, k) => ({ item: { id }, type: 'view_item' as const, ts: at(k) })),
      candidates,
      NOW,
    );
    expect(byId).toEqual(full);
    expect(byId).not.toEqual(bare);
    await expect(noFeed.rankFor([{ item: ids[0], type: 'liked' }], candidates, NOW)).rejects.toThrow(/history\[0\]\.type expected one of/);
    noFeed.dispose();
  });

  it('setRules checks the rules and keeps the old ones when they are invalid', async () => {
    expect(() => engine.setRules({ boost: [{ brand: 'Aurelle' }] })).toThrow(/rules\.boost\[0\]\.weight/);
    engine.setRules({ boost: [{ brand: CATALOG[5]!.brand!, weight: 10 }], hideUnavailable: false });
    const { items } = await engine.recommend([], { placement: 'for-you', limit: 3 }, { seen: [], now: NOW });
    expect(items.every((it) => it.brand === CATALOG[5]!.brand)).toBe(true);
    engine.setRules({});
  });

  it('rejects invalid rules at init, before anything loads', async () => {
    const other = createEngine({ fetch: fileFetch });
    await expect(
      other.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'], rules: { diversity: { by: 'colour' } } }),
    ).rejects.toThrow(/rules\.diversity\.by: expected "brand" or "category"/);
  });
});

describe('grids read the feed for the rules, where the page does not say', () => {
  it("a tag boost moves a grid item the feed tags (a card cannot mark tags); a card known by id alone takes the feed's category", async () => {
    const tagged = feed.map((r, i) => ({ ...r, tags: i === 1 ? ['clearance'] : [] })); // p002, in stock
    const fetchTagged = (async (u: string) =>
      u === FEED ? new Response(JSON.stringify(tagged), { headers: { etag: '"2"' } }) : fileFetch(u)) as unknown as typeof fetch;
    const e = createEngine({ fetch: fetchTagged });
    await e.init({
      modelUrl: 'public/models/default/model.json',
      backends: ['wasm'],
      catalog: { url: FEED, dbName: null },
      rules: { boost: [{ tag: 'clearance', weight: -2 }] },
    });
    await e.recommend([], { placement: 'for-you', limit: 1 }, { seen: [], now: NOW }); // the feed has loaded
    const grid = CATALOG.slice(2, 8).filter((it) => !outOfStock.has(it.id));
    const withClearance = [CATALOG[1]!, ...grid]; // tagged clearance in the feed, first in the shop's order
    expect((await e.arrange([], withClearance, false, NOW))?.at(-1)).toBe(0);

    const skin = CATALOG.findIndex((it, i) => i > 6 && it.category!.startsWith('Skin') && !outOfStock.has(it.id));
    const mixed = [...grid, CATALOG[skin]!];
    e.setRules({ filter: { category: 'Skin Care' } });
    const full = await e.arrange([], mixed, false, NOW);
    expect(full).not.toBeNull();
    expect(
      await e.arrange(
        [],
        mixed.map((it) => ({ id: it.id })),
        false,
        NOW,
      ),
    ).toEqual(full);
    e.dispose();
  });
});
