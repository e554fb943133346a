/**
 * From scores to the list a shopper sees: merchandising rules (filters, out-of-stock items, recent purchases,
 * boosts, diversity) and the personalized search blend. Pure functions over plain arrays: the worker runs
 * them for grids and placements, the evaluation scripts run the same code.
 */
import type { Filter, ResolvedRules } from '../shared/rules.ts';
import type { EventType, HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { contentIndex } from './content.ts';
import { categoryLevels } from './features.ts';

const DAY_MS = 86_400_000;

/** How a search grid's relevance order and the shopper's order are blended (see {@link searchBlend}). */
export interface SearchBlend {
  /** Share of the shopper's order in the blend, 0..1 (the `searchWeight` option). */
  weight: number;
}

/** Where the shop's best text match may end up at the lowest, 0-based: it stays among the first 3. */
export const BEST_MATCH_LOWEST = 2;

export interface ArrangeContext {
  rules: ResolvedRules;
  /** A filter of this call only (recommend's `filter`), on top of the rules' one. */
  filter?: Filter;
  /**
   * The shopper's history, oldest first: what `excludeRecent` looks at. The worker adds the events of its types older
   * than the model's history (src/worker/history.ts olderEvents).
   */
  history: readonly HistoryEntry[];
  now: number;
  /** Places to arrange; the rest follow in score order. Default: all. */
  limit?: number;
  /** A search grid: the input order is the shop's relevance order, blended with the scores. */
  search?: SearchBlend;
  /** Similarity of two items in [0, 1] for the MMR blend. Default: shared brand and category. */
  similarity?: (a: number, b: number) => number;
}

/** What {@link arrange} returns: indices into the input. */
export interface Arrangement {
  /** Items kept, in the order to show them. */
  order: number[];
  /** Items a rule leaves out (in a grid they go last, in input order). */
  excluded: number[];
}

const lower = (s: string | undefined) => (s ?? '').trim().toLowerCase();
const list = (v: string | string[] | undefined) => (v === undefined ? null : [v].flat().map(lower));

/** Does the item's category path start with `prefix` (levels compared case-insensitively)? */
export function inCategory(category: string | undefined, prefix: string): boolean {
  return underPath(category, categoryLevels(prefix));
}

/**
 * A filter as a test of items (compiled once per list). An item missing the field filtered on fails it: a price
 * range is not met by a price nobody knows (none in the feed or the markup, or "on request"), as a category filter is
 * not by an item without a category.
 */
export function filterTest(f: Filter | undefined): (item: ItemFeatures) => boolean {
  if (!f) return () => true;
  const { min = -Infinity, max = Infinity } = f.price ?? {};
  const cats = list(f.category)?.map(categoryLevels);
  const brands = list(f.brand);
  return (item) => {
    if (f.price && !(item.price! >= min && item.price! <= max)) return false;
    if (cats && !cats.some((want) => underPath(item.category, want))) return false;
    return !brands || brands.includes(lower(item.brand));
  };
}

function underPath(category: string | undefined, want: readonly string[]): boolean {
  if (!want.length || !category) return false;
  const have = categoryLevels(category);
  return want.every((level, k) => have[k] === level);
}

/** What `excludeRecent` looks at: events of its types since a time; null without the rule. */
export function recentRule(rules: ResolvedRules, now: number): { types: readonly EventType[]; since: number } | null {
  const x = rules.excludeRecent;
  return x ? { types: x.types, since: now - x.days * DAY_MS } : null;
}

/** Ids of the items with an `excludeRecent` event in its window. */
export function recentlyDone(rules: ResolvedRules, history: readonly HistoryEntry[], now: number): Set<string> {
  const r = recentRule(rules, now);
  if (!r) return new Set();
  return new Set(history.filter((e) => e.ts >= r.since && r.types.includes(e.type)).map((e) => e.item.id));
}

/** Score plus boosts, with scores first put on one scale (z-scores over the kept items: 0 when they are all equal). */
function adjusted(items: readonly ItemFeatures[], scores: ArrayLike<number>, kept: readonly number[], rules: ResolvedRules): Float64Array {
  let mean = 0;
  for (const i of kept) mean += scores[i]! / kept.length;
  let v = 0;
  for (const i of kept) v += (scores[i]! - mean) ** 2 / kept.length;
  const sd = Math.sqrt(v);
  const out = new Float64Array(items.length);
  for (const i of kept) {
    const it = items[i]!;
    out[i] = (sd > 1e-9 ? (scores[i]! - mean) / sd : 0) + boostOf(it, rules);
  }
  return out;
}

/** The sum of the weights of the rules' boosts that `item` matches (by brand, category prefix or tag). */
export function boostOf(item: ItemFeatures, rules: ResolvedRules): number {
  let s = 0;
  for (const b of rules.boost) {
    const hit =
      (b.brand !== undefined && lower(b.brand) === lower(item.brand)) ||
      (b.category !== undefined && inCategory(item.category, b.category)) ||
      (b.tag !== undefined && !!item.tags?.some((t) => lower(t) === lower(b.tag)));
    if (hit) s += b.weight;
  }
  return s;
}

/**
 * Reciprocal-rank weight of a place (Cormack, Clarke & Buettcher, "Reciprocal Rank Fusion", SIGIR 2009); both
 * halves of the search blend are put on this scale. k = 10 was chosen on the Beauty validation targets
 * (scripts/eval-placements.ts): a smaller k keeps the first places of the shop's order fixed, a larger one
 * lets taste override relevance at the top.
 */
export const SEARCH_RRF_K = 10;
const gain = (rank: number) => 1 / (SEARCH_RRF_K + rank);

/** Ranks (0 = best) of `idx` by `value` descending, ties sharing their average rank. */
function ranks(idx: readonly number[], value: (i: number) => number): Map<number, number> {
  const sorted = [...idx].sort((a, b) => value(b) - value(a));
  const out = new Map<number, number>();
  for (let k = 0; k < sorted.length;) {
    let e = k;
    while (e + 1 < sorted.length && value(sorted[e + 1]!) === value(sorted[k]!)) e++;
    for (let j = k; j <= e; j++) out.set(sorted[j]!, (k + e) / 2);
    k = e + 1;
  }
  return out;
}

/**
 * The personalized search blend, a weighted reciprocal rank fusion: each result's shop rank r (its relevance
 * order, 0-based) and shopper rank p (by score after boosts) are blended as (1 − w) / (10 + r) + w / (10 + p).
 * Results the shop ranks close together trade places by the shopper's taste; a result far down the shop's
 * order needs a large lead in taste to climb; below w = 0.5 two results whose ranks mirror each other keep
 * the shop's order. The shop's best match is then put back among the first 3 places if it fell lower.
 * @param kept indices in the shop's order
 */
export function searchBlend(kept: readonly number[], adj: ArrayLike<number>, weight: number): number[] {
  const blended = searchScores(kept, adj, weight);
  return [...kept].sort((a, b) => blended[b]! - blended[a]!);
}

/** Each kept result's blended score (see {@link searchBlend}), by index: a search grid's relevance. */
function searchScores(kept: readonly number[], adj: ArrayLike<number>, weight: number): Float64Array {
  const p = ranks(kept, (i) => adj[i]!);
  const blended = new Float64Array(adj.length);
  kept.forEach((i, r) => (blended[i] = (1 - weight) * gain(r) + weight * gain(p.get(i)!)));
  return blended;
}

/** Puts `item` back at `lowest` when it ended up below it. */
function keepNear(order: number[], item: number | undefined, lowest: number): number[] {
  const at = item === undefined ? -1 : order.indexOf(item);
  if (at <= lowest) return order;
  order.splice(at, 1);
  order.splice(lowest, 0, item!);
  return order;
}

/** The group a diversity cap counts an item in (its brand, or its full category path), or null. */
export const groupOf = (it: ItemFeatures, by: 'brand' | 'category') =>
  lower(by === 'brand' ? it.brand : categoryLevels(it.category).join('>')) || null;

/**
 * At most `max` items of one group among the first `within` places: each place takes the best remaining item
 * whose group is not full. When every remaining item's group is full, no order could meet the cap (fewer
 * than `within` items fit it), and the best remaining item takes the place. Items without the field form no group.
 */
export function capGroups(
  order: readonly number[],
  items: readonly ItemFeatures[],
  by: 'brand' | 'category',
  max: number,
  within: number,
): number[] {
  const rest = [...order];
  const out: number[] = [];
  const count = new Map<string, number>();
  while (out.length < within && rest.length) {
    let k = rest.findIndex((i) => {
      const g = groupOf(items[i]!, by);
      return g === null || (count.get(g) ?? 0) < max;
    });
    if (k < 0) k = 0;
    const [i] = rest.splice(k, 1);
    const g = groupOf(items[i!]!, by);
    if (g !== null) count.set(g, (count.get(g) ?? 0) + 1);
    out.push(i!);
  }
  return [...out, ...rest];
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein, 1998) over the first `places`: each place takes the item
 * with the largest lambda · relevance − (1 − lambda) · (its largest similarity to an item already placed),
 * relevance being `relevance` scaled to [0, 1] over the list (a grid's adjusted scores, a search grid's blend).
 */
export function mmr(
  order: readonly number[],
  relevance: ArrayLike<number>,
  lambda: number,
  places: number,
  sim: (a: number, b: number) => number,
): number[] {
  if (order.length < 2) return [...order];
  const hi = Math.max(...order.map((i) => relevance[i]!));
  const lo = Math.min(...order.map((i) => relevance[i]!));
  const rel = (i: number) => (hi > lo ? (relevance[i]! - lo) / (hi - lo) : 1);
  const rest = [...order];
  const out: number[] = [];
  const maxSim = new Float64Array(rest.length);
  while (out.length < places && rest.length) {
    let best = 0;
    let bestValue = -Infinity;
    rest.forEach((i, k) => {
      const v = lambda * rel(i) - (1 - lambda) * maxSim[k]!;
      if (v > bestValue) [best, bestValue] = [k, v];
    });
    const [chosen] = rest.splice(best, 1);
    maxSim.copyWithin(best, best + 1);
    out.push(chosen!);
    rest.forEach((i, k) => (maxSim[k] = Math.max(maxSim[k]!, sim(i, chosen!))));
  }
  return [...out, ...rest];
}

/** Whether the rules (and the call's filter) let an item be shown: available, not just bought, within the filters. */
export function eligible(ctx: Pick<ArrangeContext, 'rules' | 'filter' | 'history' | 'now'>): (item: ItemFeatures) => boolean {
  const { rules } = ctx;
  const done = recentlyDone(rules, ctx.history, ctx.now);
  const [inRules, inCall] = [filterTest(rules.filter), filterTest(ctx.filter)];
  return (it) => !(rules.hideUnavailable && it.available === false) && !done.has(it.id) && inRules(it) && inCall(it);
}

/**
 * Applies the rules to scored items: leaves out what must not be shown (filters, unavailable items, recent
 * purchases), orders the rest by score plus boosts (ties keep the input order), blends in the shop's relevance
 * order for a search grid, and spreads brands or categories by the diversity rule.
 * @param items the candidates, in the shop's (or catalog's) order
 * @param scores the shopper's scores, same order (all equal: the input order stands, boosts aside)
 */
export function arrange(items: readonly ItemFeatures[], scores: ArrayLike<number>, ctx: ArrangeContext): Arrangement {
  const { rules } = ctx;
  const ok = eligible(ctx);
  const kept: number[] = [];
  const excluded: number[] = [];
  for (let i = 0; i < items.length; i++) (ok(items[i]!) ? kept : excluded).push(i);
  const adj = adjusted(items, scores, kept, rules);
  // What the order follows: the scores after boosts, or for search results their blend with the shop's order.
  const relevance = ctx.search ? searchScores(kept, adj, ctx.search.weight) : adj;
  let order = [...kept].sort((a, b) => relevance[b]! - relevance[a]! || a - b);
  const places = Math.min(ctx.limit ?? order.length, order.length);
  const d = rules.diversity;
  if (d && 'mmr' in d) {
    const same = (a: number, b: number, by: 'brand' | 'category') => {
      const g = groupOf(items[a]!, by);
      return g !== null && g === groupOf(items[b]!, by) ? 0.5 : 0;
    };
    const sim = ctx.similarity ?? ((a, b) => same(a, b, 'brand') + same(a, b, 'category'));
    order = mmr(order, relevance, d.mmr, places, sim);
  } else if (d) order = capGroups(order, items, d.by, d.max, d.within);
  if (ctx.search) order = keepNear(order, kept[0], BEST_MATCH_LOWEST);
  return { order, excluded };
}

/**
 * A grid's new order (indices into `items`, what the rules leave out last), or null when it would not change. The
 * engine calls it with the model's scores, the worker's host with the snapshot's before the engine has loaded.
 * @param o.searchWeight the search blend's weight for a grid of search results, else null
 */
export function gridOrder(
  items: readonly ItemFeatures[],
  scores: ArrayLike<number>,
  o: { rules: ResolvedRules; history: readonly HistoryEntry[]; now: number; searchWeight: number | null },
): number[] | null {
  const mmr = o.rules.diversity && 'mmr' in o.rules.diversity ? contentIndex(items) : null;
  const { order, excluded } = arrange(items, scores, {
    rules: o.rules,
    history: o.history,
    now: o.now,
    ...(o.searchWeight !== null && { search: { weight: o.searchWeight } }),
    ...(mmr && { similarity: mmr.cosine }),
  });
  const all = [...order, ...excluded];
  return all.every((v, k) => v === k) ? null : all;
}
