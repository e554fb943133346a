import { describe, expect, it, vi } from 'vitest';
import { contentIndex } from '../../src/model/content.ts';
import { recommendFrom, type PlacementCatalog, type PlacementScorer } from '../../src/model/placements.ts';
import { validateRules } from '../../src/shared/rules.ts';
import type { EventType, HistoryEntry, ItemFeatures } from '../../src/shared/types.ts';
import { CATALOG, T0 } from '../../fixtures/shopper.ts';

const catalogOf = (items: ItemFeatures[]): PlacementCatalog => ({
  items,
  index: new Map(items.map((it, i) => [it.id, i])),
  content: contentIndex(items),
});
const CAT = catalogOf(CATALOG);
const RULES = validateRules({});
const byId = (id: string) => CATALOG.find((it) => it.id === id)!;
const at = (id: string, type: EventType = 'view_item', k = 0): HistoryEntry => ({ item: byId(id), type, ts: T0 + k * 60_000 });
const NOW = T0 + 3_600_000;

/** A stand-in model without an opinion: content similarity decides. */
const flat = (maxCandidates = Infinity): PlacementScorer & { calls: number[] } => {
  const calls: number[] = [];
  return { calls, maxCandidates, score: async (_h, candidates) => (calls.push(candidates.length), candidates.map(() => 0)) };
};

/** A stand-in model: prefers the brand of the newest history item. */
const brandScorer = (maxCandidates = Infinity): PlacementScorer & { calls: number[] } => {
  const calls: number[] = [];
  return {
    calls,
    maxCandidates,
    async score(history, candidates) {
      calls.push(candidates.length);
      const brand = history.at(-1)?.item.brand;
      return candidates.map((c) => (history.length && c.brand === brand ? 1 : 0));
    },
  };
};

describe('placements', () => {
  const lipstick = CATALOG.find((it) => /Lipstick/.test(it.title!))!;
  const serum = CATALOG.find((it) => /Serum/.test(it.title!))!;

  it('for you: the model ranks the catalog, history items left out; without a history, the catalog order', async () => {
    const p = recommendFrom(CAT, brandScorer());
    const history = [at(serum.id, 'select_item'), at(lipstick.id, 'view_item', 1)];
    const out = await p.recommend({ placement: 'for-you', limit: 8 }, history, RULES, NOW);
    expect(out).toHaveLength(8);
    expect(out.every((o) => o.item.brand === lipstick.brand)).toBe(true);
    expect(out.map((o) => o.item.id)).not.toContain(lipstick.id);
    const cold = await p.recommend({ placement: 'for-you', limit: 5 }, [], RULES, NOW);
    expect(cold.map((o) => o.item.id)).toEqual(CATALOG.slice(0, 5).map((it) => it.id));
  });

  it('similar: items like the given one (its words and the model), never the item itself', async () => {
    const p = recommendFrom(CAT, flat());
    const out = await p.recommend({ placement: 'similar', itemId: lipstick.id, limit: 6 }, [], RULES, NOW);
    expect(out.map((o) => o.item.id)).not.toContain(lipstick.id);
    expect(out.filter((o) => /Lipstick/.test(o.item.title!)).length).toBeGreaterThanOrEqual(4);
  });

  it('similar to an item the catalog lacks: like it as the history knows it; known by its id alone, no list', async () => {
    const p = recommendFrom(CAT, flat());
    expect(await p.recommend({ placement: 'similar', itemId: 'not-in-the-feed', limit: 6 }, [], RULES, NOW)).toEqual([]);
    // Because you viewed it, likewise: the catalog's first rows, with the raw id as the reason, before.
    expect(await p.recommend({ placement: 'because-you-viewed', itemId: 'not-in-the-feed', limit: 6 }, [], RULES, NOW)).toEqual([]);
    const gone: HistoryEntry = {
      item: { id: 'gone', title: `${lipstick.title} (old shade)`, category: lipstick.category },
      type: 'view_item',
      ts: T0,
    };
    const out = await p.recommend({ placement: 'similar', itemId: 'gone', limit: 6 }, [gone], RULES, NOW);
    expect(out.filter((o) => /Lipstick/.test(o.item.title!)).length).toBeGreaterThanOrEqual(4);
  });

  it('recently viewed: views and clicks, newest first, once each, the current item left out', async () => {
    const p = recommendFrom(CAT, brandScorer());
    const [a, b, c, d] = CATALOG.slice(10, 14).map((it) => it.id);
    const history = [
      at(a!, 'view_item', 0),
      at(b!, 'select_item', 1),
      at(a!, 'view_item', 2),
      at(c!, 'add_to_cart', 3),
      at(d!, 'view_item', 4),
    ];
    const out = await p.recommend({ placement: 'recently-viewed', itemId: d, limit: 8 }, history, RULES, NOW);
    expect(out.map((o) => o.item.id)).toEqual([a, b]);
    // An item the catalog does not hold comes with the features the history has.
    const gone: HistoryEntry = { item: { id: 'gone', title: 'Old Lip Gloss' }, type: 'view_item', ts: T0 };
    expect((await p.recommend({ placement: 'recently-viewed', limit: 8 }, [gone], RULES, NOW)).map((o) => o.item)).toEqual([gone.item]);
  });

  it('recently viewed without a feed (the catalog is the items seen): an item known by its id alone is no card', async () => {
    const bare: HistoryEntry = { item: { id: 'zz-only-id' }, type: 'view_item', ts: T0 + 60_000 };
    const seen = catalogOf([CATALOG[4]!, bare.item]);
    const p = recommendFrom(seen, brandScorer());
    const out = await p.recommend({ placement: 'recently-viewed', limit: 3 }, [at(CATALOG[4]!.id), bare], RULES, NOW);
    expect(out.map((o) => o.item.id)).toEqual([CATALOG[4]!.id]);
  });

  it('because you viewed: starts from the last 3 items viewed, each result with its reason, none of them the history', async () => {
    const p = recommendFrom(CAT, brandScorer());
    const viewed = [CATALOG[3]!, CATALOG[40]!, CATALOG[80]!, CATALOG[120]!];
    const history = viewed.map((it, k) => at(it.id, 'view_item', k));
    const out = await p.recommend({ placement: 'because-you-viewed', limit: 10 }, history, RULES, NOW);
    expect(out).toHaveLength(10);
    const anchors = viewed.slice(1).map((it) => it.id);
    for (const o of out) {
      expect(anchors).toContain(o.reason!.itemId);
      expect(o.reason!.title).toBe(byId(o.reason!.itemId).title);
      expect(viewed.map((it) => it.id)).not.toContain(o.item.id);
    }
    expect(out.some((o) => o.reason!.itemId === viewed[3]!.id)).toBe(true);
    expect(await p.recommend({ placement: 'because-you-viewed', limit: 10 }, [], RULES, NOW)).toEqual([]);
  });

  it("because you viewed: an item's reason is the viewed item it is most like, not one it shares a word with (nothing else is like that one)", async () => {
    const item = (id: string, title: string, category: string): ItemFeatures => ({ id, title, category });
    const mist = item('mist', 'Rose Face Mist', 'Skin Care > Face > Mist');
    const oil = item('oil', 'Argan Hair Oil', 'Hair Care > Oil');
    const catalog = [
      mist,
      oil,
      item('m1', 'Rose Face Mist Refill', 'Skin Care > Face > Mist'),
      item('m2', 'Rose Water Face Mist', 'Skin Care > Face > Mist'),
      item('m3', 'Cucumber Face Mist', 'Skin Care > Face > Mist'),
      item('m4', 'Green Tea Face Mist', 'Skin Care > Face > Mist'),
      item('x', 'Rose Face Mist with Oil', 'Skin Care > Face > Mist'),
      ...['Matte Lipstick', 'Nail Polish', 'Eyeliner Pencil', 'Body Lotion', 'Hand Cream', 'Lip Balm'].map((t, k) =>
        item(`o${k}`, t, 'Makeup > Other'),
      ),
    ];
    const p = recommendFrom(catalogOf(catalog), flat());
    const history = [
      { item: oil, type: 'view_item' as const, ts: T0 },
      { item: mist, type: 'view_item' as const, ts: T0 + 60_000 },
    ];
    const out = await p.recommend({ placement: 'because-you-viewed', limit: 10 }, history, RULES, NOW);
    const reason = new Map(out.map((o) => [o.item.id, o.reason!.itemId]));
    expect(reason.get('x'), 'a face mist that mentions oil is there because of the face mist').toBe('mist');
    expect(reason.get('m1')).toBe('mist');
  });

  it('applies the rules: never an out-of-stock item, filters hold, the limit holds', async () => {
    const items = CATALOG.map((it, i) => (i % 3 === 0 ? { ...it, available: false } : it));
    const p = recommendFrom(catalogOf(items), brandScorer());
    const history = [at(lipstick.id)];
    const rules = validateRules({ filter: { category: 'Makeup' } });
    for (const placement of ['for-you', 'similar', 'because-you-viewed'] as const) {
      const out = await p.recommend({ placement, itemId: placement === 'similar' ? serum.id : undefined, limit: 12 }, history, rules, NOW);
      expect(out.length).toBeGreaterThan(0);
      expect(out.length).toBeLessThanOrEqual(12);
      expect(out.every((o) => o.item.available !== false && o.item.category!.startsWith('Makeup'))).toBe(true);
    }
  });

  it('narrows a catalog larger than the model takes to the items most similar in text', async () => {
    const scorer = flat(20);
    const p = recommendFrom(CAT, scorer);
    const out = await p.recommend({ placement: 'for-you', limit: 5 }, [at(lipstick.id)], RULES, NOW);
    expect(scorer.calls).toEqual([20]);
    expect(out.filter((o) => /Lip/.test(o.item.title!)).length).toBeGreaterThanOrEqual(3);
  });

  it('applies the rules before narrowing: a filter the text neighbours fail still fills the list', async () => {
    // The lipstick's nearest items in text are other lip products and Aurelle's: all out of stock here.
    const gone = (it: ItemFeatures) => it.brand === 'Aurelle' || it.category!.startsWith('Makeup > Lips');
    const items = CATALOG.map((it) => (gone(it) ? { ...it, available: false } : it));
    const scorer = flat(20);
    const p = recommendFrom(catalogOf(items), scorer);
    const rules = validateRules({ hideUnavailable: true });
    const out = await p.recommend({ placement: 'for-you', limit: 10 }, [at(lipstick.id)], rules, NOW);
    expect(out).toHaveLength(10);
    expect(out.every((o) => o.item.available !== false)).toBe(true);
  });

  it('with a diversity cap, a narrowed candidate set gets enough other brands to meet it', async () => {
    // A model that likes one brand only: the 20 narrowed candidates would otherwise be mostly that brand.
    const brand = lipstick.brand!;
    const scorer: PlacementScorer = { maxCandidates: 20, score: async (_h, c) => c.map((it) => (it.brand === brand ? 1 : 0)) };
    // The lipstick's 20 nearest items in text come from 6 brands; the cap asks for 8 in the first 8.
    const rules = validateRules({ diversity: { by: 'brand', max: 1, within: 8 } });
    const p = recommendFrom(CAT, scorer);
    const out = await p.recommend({ placement: 'because-you-viewed', limit: 8 }, [at(lipstick.id)], rules, NOW);
    expect(out).toHaveLength(8);
    const counts = new Map<string, number>();
    for (const o of out) counts.set(o.item.brand!, (counts.get(o.item.brand!) ?? 0) + 1);
    expect(Math.max(...counts.values())).toBe(1);
  });

  it('a boosted brand takes part in for you though its text is far from the history (the model asks about the nearest items only)', async () => {
    // The lipstick's nearest items in text hold no item of the boosted brand; a scorer asks about 20 items at most.
    const far = CATALOG.filter((it) => it.category !== lipstick.category && it.brand !== lipstick.brand);
    const brand = far[far.length - 1]!.brand!;
    const p = recommendFrom(CAT, flat(20));
    const plain = await p.recommend({ placement: 'for-you', limit: 8 }, [at(lipstick.id)], RULES, NOW);
    expect(plain.filter((o) => o.item.brand === brand)).toHaveLength(0);
    const rules = validateRules({ boost: [{ brand, weight: 5 }] });
    const boosted = await p.recommend({ placement: 'for-you', limit: 8 }, [at(lipstick.id)], rules, NOW);
    expect(boosted[0]!.item.brand).toBe(brand);
  });

  it('asks the model about the current item alone for similar items', async () => {
    const scorer = brandScorer();
    const spy = vi.spyOn(scorer, 'score');
    await recommendFrom(CAT, scorer).recommend({ placement: 'similar', itemId: serum.id, limit: 4 }, [at(lipstick.id)], RULES, NOW);
    expect(spy.mock.calls[0]![0].map((e) => e.item.id)).toEqual([serum.id]);
  });
});
