import { describe, expect, it } from 'vitest';
import { arrange, BEST_MATCH_LOWEST, capGroups, filterTest, inCategory, searchBlend } from '../../src/model/arrange.ts';
import { rng } from '../../src/model/rng.ts';
import { DEFAULT_RULES, validateRules, type Rules } from '../../src/shared/rules.ts';
import type { HistoryEntry, ItemFeatures } from '../../src/shared/types.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const DAY = 86_400_000;
const item = (id: string, over: Partial<ItemFeatures> = {}): ItemFeatures => ({ id, title: `Item ${id}`, ...over });
const ctx = (rules: Rules = {}, history: HistoryEntry[] = []) => ({ rules: validateRules(rules), history, now: NOW });
const ids = (items: readonly ItemFeatures[], order: readonly number[]) => order.map((i) => items[i]!.id);

describe('arrange: filters, availability and recent purchases', () => {
  const items = [
    item('a', { brand: 'Aura', category: 'Makeup > Lips', price: 20 }),
    item('b', { brand: 'Bloom', category: 'Skin Care > Serum', price: 45, available: false }),
    item('c', { brand: 'aura', category: 'Makeup > Eyes', price: 9 }),
    item('d', { category: 'Makeup', price: 30 }),
    item('e', { brand: 'Bloom', category: 'Hair Care' }),
  ];
  const scores = [5, 4, 3, 2, 1];

  it('orders by score; an out-of-stock item is left out unless hideUnavailable is false', () => {
    expect(ids(items, arrange(items, scores, ctx()).order)).toEqual(['a', 'c', 'd', 'e']);
    expect(arrange(items, scores, ctx()).excluded).toEqual([1]);
    expect(ids(items, arrange(items, scores, ctx({ hideUnavailable: false })).order)).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('filters by price range (an item without a price fails it, as one without a category fails a category filter), category path prefix and brand, case-insensitively', () => {
    const only = (filter: Rules['filter']) => ids(items, arrange(items, scores, ctx({ filter, hideUnavailable: false })).order);
    expect(only({ price: { min: 10, max: 40 } })).toEqual(['a', 'd']);
    expect(only({ price: { max: 40 } })).toEqual(['a', 'c', 'd']);
    expect(only({ price: { min: 0 } })).toEqual(['a', 'b', 'c', 'd']);
    expect(only({ category: 'makeup' })).toEqual(['a', 'c', 'd']);
    expect(only({ category: ['Makeup > Lips', 'Hair Care'] })).toEqual(['a', 'e']);
    expect(only({ brand: 'AURA' })).toEqual(['a', 'c']);
    // A call's own filter narrows the rules' one.
    expect(
      ids(items, arrange(items, scores, { ...ctx({ filter: { category: 'Makeup' } }), filter: { price: { max: 25 } } }).order),
    ).toEqual(['a', 'c']);
  });

  it('leaves out what was bought within the window (purchases, 30 days by default), and other event types when asked', () => {
    const bought: HistoryEntry[] = [
      { item: items[0]!, type: 'purchase', ts: NOW - 2 * DAY },
      { item: items[2]!, type: 'purchase', ts: NOW - 40 * DAY },
      { item: items[3]!, type: 'add_to_cart', ts: NOW - DAY },
    ];
    expect(ids(items, arrange(items, scores, ctx({}, bought)).order)).toEqual(['c', 'd', 'e']);
    expect(
      ids(items, arrange(items, scores, ctx({ excludeRecent: { types: ['purchase', 'add_to_cart'], days: 60 } }, bought)).order),
    ).toEqual(['e']);
    expect(ids(items, arrange(items, scores, ctx({ excludeRecent: false }, bought)).order)).toEqual(['a', 'c', 'd', 'e']);
  });

  it('matches category paths by whole levels', () => {
    expect(inCategory('Makeup > Lips > Lipstick', 'makeup > lips')).toBe(true);
    expect(inCategory('Makeup > Lipsticks', 'Makeup > Lips')).toBe(false);
    expect(inCategory(undefined, 'Makeup')).toBe(false);
    expect(filterTest(undefined)(item('x'))).toBe(true);
  });
});

describe('arrange: boosts', () => {
  const items = ['a', 'b', 'c', 'd'].map((id, i) => item(id, { brand: i % 2 ? 'Bloom' : 'Aura', tags: i === 3 ? ['sale'] : [] }));

  it('moves boosted items up and buried ones down, in standard deviations of the scores', () => {
    const scores = [4, 3, 2, 1]; // sd 1.118
    expect(ids(items, arrange(items, scores, ctx({ boost: [{ brand: 'bloom', weight: 1 }] })).order)).toEqual(['b', 'a', 'd', 'c']);
    expect(ids(items, arrange(items, scores, ctx({ boost: [{ tag: 'SALE', weight: 3 }] })).order)).toEqual(['d', 'a', 'b', 'c']);
    expect(ids(items, arrange(items, scores, ctx({ boost: [{ brand: 'Aura', weight: -5 }] })).order)).toEqual(['b', 'd', 'a', 'c']);
    // A small weight only settles near ties.
    expect(ids(items, arrange(items, scores, ctx({ boost: [{ brand: 'Bloom', weight: 0.5 }] })).order)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('without scores (no history) the input order stands and boosts alone move items', () => {
    expect(ids(items, arrange(items, [0, 0, 0, 0], ctx()).order)).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(items, arrange(items, [0, 0, 0, 0], ctx({ boost: [{ brand: 'Bloom', weight: 1 }] })).order)).toEqual(['b', 'd', 'a', 'c']);
  });
});

describe('arrange: diversity', () => {
  it('keeps at most max items of one brand within the first places, and holds in 100% of random lists where it can', () => {
    const r = rng(7);
    let lists = 0;
    for (let t = 0; t < 300; t++) {
      const n = 5 + Math.floor(r() * 40);
      const brands = 1 + Math.floor(r() * 6);
      const items = Array.from({ length: n }, (_, i) =>
        item(`i${i}`, { brand: `B${Math.floor(r() * brands)}`, category: `C${Math.floor(r() * 3)}` }),
      );
      const scores = items.map(() => r());
      const max = 1 + Math.floor(r() * 3);
      const within = 1 + Math.floor(r() * 12);
      const by = r() < 0.5 ? 'brand' : 'category';
      const { order } = arrange(items, scores, ctx({ diversity: { by, max, within } }));
      expect([...order].sort((a, b) => a - b)).toEqual(items.map((_, i) => i));
      const counts = new Map<string, number>();
      for (const i of order.slice(0, within)) counts.set(items[i]![by]!, (counts.get(items[i]![by]!) ?? 0) + 1);
      const fits = [...new Set(items.map((it) => it[by]!))].reduce(
        (s, g) => s + Math.min(max, items.filter((it) => it[by] === g).length),
        0,
      );
      if (fits >= Math.min(within, n)) {
        lists++;
        expect(Math.max(...counts.values())).toBeLessThanOrEqual(max);
      }
    }
    expect(lists).toBeGreaterThan(150);
  });

  it('takes the best items that fit, in score order', () => {
    const items = ['a1', 'a2', 'a3', 'b1', 'c1'].map((id) => item(id, { brand: id[0] }));
    expect(ids(items, capGroups([0, 1, 2, 3, 4], items, 'brand', 1, 3))).toEqual(['a1', 'b1', 'c1', 'a2', 'a3']);
  });

  it('an MMR blend trades relevance for novelty: lambda 1 keeps the order, lower lambdas spread near-duplicates', () => {
    const items = ['x1', 'x2', 'x3', 'y1', 'z1'].map((id) => item(id, { brand: id[0], category: id[0] }));
    const scores = [5, 4.9, 4.8, 3, 2];
    expect(ids(items, arrange(items, scores, ctx({ diversity: { mmr: 1 } })).order)).toEqual(['x1', 'x2', 'x3', 'y1', 'z1']);
    expect(ids(items, arrange(items, scores, ctx({ diversity: { mmr: 0.5 } })).order)).toEqual(['x1', 'y1', 'z1', 'x2', 'x3']);
  });
});

describe('searchBlend', () => {
  it('keeps the relevance order without a shopper preference, and with weight 0', () => {
    const items = ['a', 'b', 'c', 'd'].map((id) => item(id));
    expect(ids(items, arrange(items, [0, 0, 0, 0], { ...ctx(), search: { weight: 0.3 } }).order)).toEqual(['a', 'b', 'c', 'd']);
    expect(ids(items, arrange(items, [1, 2, 3, 4], { ...ctx(), search: { weight: 0 } }).order)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('swaps comparably relevant results by taste, but a result far down needs a larger lead', () => {
    // The shopper's favourite is the 4th result: it passes the 3rd (0.7 / 13 + 0.3 / 10 > 0.7 / 12 + 0.3 / 13), not the first two.
    expect(searchBlend([0, 1, 2, 3], [3, 2, 0, 4], 0.3)).toEqual([0, 1, 3, 2]);
    // Results whose ranks mirror each other keep the shop's order below a weight of 0.5.
    expect(searchBlend([0, 1], [0, 1], 0.49)).toEqual([0, 1]);
    expect(searchBlend([0, 1], [0, 1], 0.51)).toEqual([1, 0]);
    // The 10th result, the shopper's favourite, climbs only partway.
    const order = searchBlend([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1, 10], 0.3);
    expect(order.indexOf(9)).toBeGreaterThan(0);
    expect(order.indexOf(9)).toBeLessThan(9);
  });

  it("with diversity { mmr }, trades the blend (not the shopper's order) against novelty: weight 0 stays the shop's order", () => {
    // Search results in the shop's relevance order, each of its own brand and category (all equally novel); the
    // shopper's taste is unrelated to relevance.
    const items = Array.from({ length: 12 }, (_, k) => item(`r${k}`, { brand: `B${k}`, category: `C${k}` }));
    const taste = [3, 0, 9, 1, 8, 2, 7, 4, 6, 5, 11, 10];
    const order = (diversity: Rules['diversity'], weight: number) =>
      ids(items, arrange(items, taste, { ...ctx({ diversity }), search: { weight } }).order);
    const shop = items.map((it) => it.id);
    expect(order({ mmr: 0.7 }, 0)).toEqual(shop);
    expect(order({ mmr: 1 }, 0.1)).toEqual(order(undefined, 0.1));
    expect(order({ mmr: 0.7 }, 0.1).slice(0, 3)).toEqual(order(undefined, 0.1).slice(0, 3));
  });

  it('never puts the best text match below the third place, whatever the weight and the rules', () => {
    const r = rng(3);
    for (let t = 0; t < 200; t++) {
      const n = 3 + Math.floor(r() * 30);
      const items = Array.from({ length: n }, (_, i) => item(`i${i}`, { brand: `B${i % 3}` }));
      const scores = items.map(() => r());
      scores[0] = -10; // the shopper likes the best match least
      const rules: Rules = r() < 0.5 ? { diversity: { by: 'brand', max: 1, within: 3 } } : {};
      const { order } = arrange(items, scores, { ...ctx(rules), search: { weight: r() } });
      expect(order.indexOf(0)).toBeLessThanOrEqual(BEST_MATCH_LOWEST);
    }
  });
});

describe('validateRules', () => {
  it('merges the defaults', () => {
    expect(validateRules(undefined)).toEqual(DEFAULT_RULES);
    expect(validateRules({ hideUnavailable: false })).toEqual({ ...DEFAULT_RULES, hideUnavailable: false });
  });

  it('names the field and what was expected', () => {
    expect(() => validateRules({ boost: [{ brand: 'A', weight: 1 }, { brand: 'B' }] })).toThrow(
      /rules\.boost\[1\]\.weight: expected a number/,
    );
    expect(() => validateRules({ boost: [{ colour: 'red', weight: 1 }] })).toThrow(
      /rules\.boost\[0\]: expected one of brand, category or tag/,
    );
    expect(() => validateRules({ diversity: { by: 'shade', max: 2, within: 8 } })).toThrow(/rules\.diversity\.by/);
    expect(() => validateRules({ diversity: { mmr: 2 } })).toThrow(/rules\.diversity\.mmr: expected a number from 0 to 1/);
    expect(() => validateRules({ excludeRecent: { types: ['bought'], days: 7 } })).toThrow(/rules\.excludeRecent\.types/);
    // Impressions and removals from the cart are not in the history the rule reads: such a rule did nothing, silently.
    expect(() => validateRules({ excludeRecent: { types: ['view_item_list'], days: 7 } })).toThrow(
      'rules.excludeRecent.types: expected an array of select_item, view_item, add_to_wishlist, add_to_cart, begin_checkout, purchase, got ["view_item_list"]',
    );
    expect(() => validateRules({ filter: { price: { min: '5' } } })).toThrow(/rules\.filter\.price/);
    expect(() => validateRules({ filter: { price: { min: 80, max: 5 } } })).toThrow(
      'rules.filter.price: expected min at most max (a range no price is in filters out everything), got {"min":80,"max":5}',
    );
    expect(validateRules({ filter: { price: { min: 5, max: 5 } } }).filter).toEqual({ price: { min: 5, max: 5 } });
    expect(() => validateRules({ filter: { colour: 'red' } })).toThrow(/rules\.filter\.colour/);
    // An empty list would leave out every item: a shop's "no brand chosen" is no filter, not this.
    expect(() => validateRules({ filter: { brand: [] } })).toThrow(
      'rules.filter.brand: expected a string or a non-empty list of strings (an empty list leaves out every item), got []',
    );
    expect(() => validateRules({ boosts: [] })).toThrow(/rules\.boosts/);
    expect(() => validateRules('strict')).toThrow(TypeError);
  });
});
