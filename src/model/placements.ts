/**
 * Placements computed from a catalog: "for you", "similar items", "recently viewed" and "because you
 * viewed". Scores come from the model in use (through {@link PlacementScorer}, so any model kind serves) and
 * from content similarity (content.ts); merchandising rules order and filter the result (arrange.ts). No tfjs
 * here: the worker and the evaluation scripts run the same code.
 */
import type { Filter, ResolvedRules } from '../shared/rules.ts';
import type { Placement, Reason } from '../shared/placements.ts';
import type { EventType, HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { arrange, boostOf, eligible, groupOf } from './arrange.ts';
import type { ContentIndex } from './content.ts';

/** The model in use, as placements need it. */
export interface PlacementScorer {
  /** Scores of `candidates` for this history (oldest first), with the head in use; all 0 for an empty history. */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<ArrayLike<number>>;
  /**
   * Most candidates worth scoring in one call. A catalog larger than this is first narrowed to the items
   * most similar in text to what the placement starts from. Infinity for models whose item vectors are cached.
   */
  readonly maxCandidates: number;
}

/** The items placements draw from (the feed, or the items seen on the site), with their content index. */
export interface PlacementCatalog {
  items: readonly ItemFeatures[];
  /** Catalog index by item id. */
  index: ReadonlyMap<string, number>;
  content: ContentIndex;
}

export interface PlacementQuery {
  placement: Placement;
  itemId?: string;
  limit: number;
  filter?: Filter;
}

/** One placed item: a catalog item, or (recently viewed) a history item the catalog does not hold. */
export interface Placed {
  item: ItemFeatures;
  reason?: Reason;
}

/**
 * "Similar items" score: the share of content similarity (TF-IDF cosine with the item) against the model's
 * score with that item as the whole history, both as z-scores over the candidates. Chosen on the Beauty
 * validation targets by `npm run eval:placements`.
 */
export const SIMILAR_TEXT_SHARE = 0.5;
/** Events that make an item "viewed": recently viewed lists them, because-you-viewed starts from the newest. */
export const VIEW_TYPES: readonly EventType[] = ['view_item', 'select_item'];
/** History items because-you-viewed starts from, newest first. */
export const ANCHORS = 3;
/** Each older anchor's similarity counts this much less (in standard deviations), so the newest leads on near ties. */
export const ANCHOR_STEP = 0.25;

/** z-scores of `values` (at `at` when given), in place into a new array. */
function z(values: ArrayLike<number>, at?: readonly number[]): Float64Array {
  const n = at ? at.length : values.length;
  const out = new Float64Array(n);
  let mean = 0;
  for (let k = 0; k < n; k++) mean += out[k] = values[at ? at[k]! : k]!;
  mean /= n;
  let v = 0;
  for (let k = 0; k < n; k++) v += (out[k]! - mean) ** 2;
  const sd = Math.sqrt(v / n) || 1;
  for (let k = 0; k < n; k++) out[k] = (out[k]! - mean) / sd;
  return out;
}

/**
 * "Similar items" scores: (1 − textShare) · z(model) + textShare · z(cosine), z-scores over the candidates.
 * @param model the model's scores of the candidates, with the item as the whole history
 * @param cosines TF-IDF cosine of the item with every catalog item
 * @param cands the candidates' catalog indices (cosines are read there)
 */
export function blendSimilar(
  model: ArrayLike<number>,
  cosines: ArrayLike<number>,
  cands: readonly number[],
  textShare: number,
): Float64Array {
  const out = z(model);
  const text = z(cosines, cands);
  for (let k = 0; k < out.length; k++) out[k] = (1 - textShare) * out[k]! + textShare * text[k]!;
  return out;
}

/** The newest distinct items of these event types, newest first. */
export function recentItems(history: readonly HistoryEntry[], types: readonly EventType[]): ItemFeatures[] {
  const seen = new Set<string>();
  const out: ItemFeatures[] = [];
  for (let k = history.length - 1; k >= 0; k--) {
    const e = history[k]!;
    if (types.includes(e.type) && !seen.has(e.item.id)) {
      seen.add(e.item.id);
      out.push(e.item);
    }
  }
  return out;
}

/**
 * The history with each item's features from the catalog where it holds the item (the page may know no more
 * than an id, e.g. for a view tracked with `track()`); other items as they are.
 */
export function withCatalogFeatures(catalog: PlacementCatalog | null, history: readonly HistoryEntry[]): HistoryEntry[] {
  if (!catalog) return [...history];
  return history.map((e) => {
    const i = catalog.index.get(e.item.id);
    return i === undefined ? e : { ...e, item: catalog.items[i]! };
  });
}

/** Computes placements for one shopper; see {@link recommendFrom}. */
export interface Placements {
  /**
   * @param history the shopper's history, oldest first
   * @param personal false in the control group: "for you" and "because you viewed" are not drawn from the history
   * @param older events older than `history` that the rules read (`excludeRecent` beyond the model's history)
   *   (catalog order, and nothing), while the rules still read it (what was just bought is never shown)
   * @returns at most `q.limit` items, best first
   */
  recommend(
    q: PlacementQuery,
    history: readonly HistoryEntry[],
    rules: ResolvedRules,
    now: number,
    personal?: boolean,
    older?: readonly HistoryEntry[],
  ): Promise<Placed[]>;
  /** "Similar items" scores of candidates `cands` (catalog indices) for `anchor`. */
  similarScores(anchor: ItemFeatures, cands: readonly number[], now: number): Promise<Float64Array>;
}

export function recommendFrom(catalog: PlacementCatalog, scorer: PlacementScorer, textShare = SIMILAR_TEXT_SHARE): Placements {
  const { items, content } = catalog;

  /**
   * Catalog indices the rules let through, `skip` left out; narrowed to the `scorer.maxCandidates` most similar
   * in text to `anchors` when there are more. With a diversity cap, the narrowed set gets the next best items of
   * other groups, as many as the cap needs, so that it can be met whenever the whole catalog can meet it.
   */
  function candidates(
    skip: ReadonlySet<string>,
    anchors: readonly ItemFeatures[],
    ok: (it: ItemFeatures) => boolean,
    rules: ResolvedRules,
  ): number[] {
    const all: number[] = [];
    for (let i = 0; i < items.length; i++) if (!skip.has(items[i]!.id) && ok(items[i]!)) all.push(i);
    if (all.length <= scorer.maxCandidates) return all;
    const sim = new Float32Array(items.length);
    anchors.forEach((a, k) => content.cosines(content.vectorOf(a)).forEach((c, i) => (sim[i]! += c * 2 ** -k)));
    all.sort((a, b) => sim[b]! - sim[a]! || a - b);
    const top = all.slice(0, scorer.maxCandidates);
    // Items a rule boosts take part even when their text is far from what the placement starts from (the shop asked
    // for them): the most similar of them, up to a third more candidates.
    if (rules.boost.some((b) => b.weight > 0)) {
      const inTop = new Set(top);
      const extra = all.filter((i) => !inTop.has(i) && boostOf(items[i]!, rules) > 0).slice(0, Math.ceil(scorer.maxCandidates / 3));
      top.push(...extra);
    }
    const cap = rules.diversity && !('mmr' in rules.diversity) ? rules.diversity : null;
    if (!cap) return top;
    const count = new Map<string, number>();
    let fits = 0;
    const add = (i: number) => {
      const g = groupOf(items[i]!, cap.by);
      const n = g === null ? 0 : (count.get(g) ?? 0);
      if (g !== null) count.set(g, n + 1);
      if (g === null || n < cap.max) fits++;
    };
    top.forEach(add);
    for (let k = top.length; k < all.length && fits < cap.within; k++) {
      const g = groupOf(items[all[k]!]!, cap.by);
      if (g !== null && (count.get(g) ?? 0) < cap.max) {
        top.push(all[k]!);
        add(all[k]!);
      }
    }
    return top;
  }

  /** An item something can be found like: the catalog holds it, or the page gave its text. */
  const described = (it: ItemFeatures) => catalog.index.has(it.id) || !!(it.title || it.brand || it.category);

  async function similarScores(anchor: ItemFeatures, cands: readonly number[], now: number): Promise<Float64Array> {
    const list = cands.map((i) => items[i]!);
    const model = await scorer.score([{ item: anchor, type: 'view_item', ts: now }], list, now);
    return blendSimilar(model, content.cosines(content.vectorOf(anchor)), cands, textShare);
  }

  async function ranked(
    q: PlacementQuery,
    cands: readonly ItemFeatures[],
    scores: ArrayLike<number>,
    history: readonly HistoryEntry[],
    rules: ResolvedRules,
    now: number,
    idx?: readonly number[],
  ): Promise<number[]> {
    const similarity = idx ? (a: number, b: number) => content.cosine(idx[a]!, idx[b]!) : undefined;
    const { order } = arrange(cands, scores, { rules, filter: q.filter, history, now, limit: q.limit, ...(similarity && { similarity }) });
    return order.slice(0, q.limit);
  }

  return {
    similarScores,
    async recommend(q, given, rules, now, personal = true, older = []) {
      const all = withCatalogFeatures(catalog, given);
      // What the rules read: the history, and the events of excludeRecent's types before it.
      const ruled = older.length ? [...older, ...all] : all;
      const history = personal || (q.placement !== 'for-you' && q.placement !== 'because-you-viewed') ? all : [];
      // The item a placement is about: the catalog's, else as the history knows it (a product the feed lacks).
      const current =
        q.itemId === undefined
          ? null
          : (items[catalog.index.get(q.itemId) ?? -1] ?? [...all].reverse().find((e) => e.item.id === q.itemId)?.item ?? { id: q.itemId });
      const skip = new Set(current ? [current.id] : []);
      const ok = eligible({ rules, filter: q.filter, history: ruled, now });

      if (q.placement === 'recently-viewed') {
        // An item known by its id alone (no title in the feed's row or the history) would be a card with nothing in it;
        // without a feed the catalog is the items seen, id-only ones among them.
        const recent = recentItems(history, VIEW_TYPES)
          .filter((it) => !skip.has(it.id))
          .map((it) => items[catalog.index.get(it.id) ?? -1] ?? it)
          .filter((it) => !!it.title);
        const order = await ranked(
          q,
          recent,
          recent.map((_, k) => -k),
          ruled,
          rules,
          now,
        );
        return order.map((k) => ({ item: recent[k]! }));
      }

      if (q.placement === 'similar') {
        const anchor = current!;
        // Nothing is known to be like an item known by its id alone: no list rather than the catalog's first rows.
        if (!described(anchor)) return [];
        const cands = candidates(skip, [anchor], ok, rules);
        const scores = await similarScores(anchor, cands, now);
        const order = await ranked(
          q,
          cands.map((i) => items[i]!),
          scores,
          ruled,
          rules,
          now,
          cands,
        );
        return order.map((k) => ({ item: items[cands[k]!]! }));
      }

      for (const e of history) skip.add(e.item.id);
      if (q.placement === 'for-you') {
        const cands = candidates(skip, recentItems(history, VIEW_TYPES).slice(0, 3), ok, rules);
        const list = cands.map((i) => items[i]!);
        const scores = history.length ? await scorer.score(history, list, now) : new Float32Array(list.length);
        const order = await ranked(q, list, scores, ruled, rules, now, cands);
        return order.map((k) => ({ item: list[k]! }));
      }

      // because-you-viewed: the model asked once, with the anchors as the history; the text half of the
      // similar-items score is the best anchor's cosine (each older anchor a step behind), and that anchor is the reason.
      // The anchors' cosines are z-scored together: scored apart, an anchor nothing else resembles would make a word
      // one candidate shares with it count as much as the best match of another, and name it as the reason.
      // As for similar items: nothing is known to be like an item known by its id alone (nor is it a reason to show).
      const anchors = (current ? [current] : recentItems(history, VIEW_TYPES)).filter(described).slice(0, ANCHORS);
      if (!anchors.length) return [];
      const cands = candidates(skip, anchors, ok, rules);
      const asHistory = [...anchors]
        .reverse()
        .map((item, k) => ({ item, type: 'view_item' as const, ts: now - (anchors.length - 1 - k) * 60_000 }));
      const model = z(
        await scorer.score(
          asHistory,
          cands.map((i) => items[i]!),
          now,
        ),
      );
      const n = cands.length;
      const cosines = new Float64Array(anchors.length * n);
      anchors.forEach((anchor, a) => {
        const all = content.cosines(content.vectorOf(anchor));
        cands.forEach((i, k) => (cosines[a * n + k] = all[i]!));
      });
      const zs = z(cosines);
      const text = new Float64Array(n).fill(-Infinity);
      const from = new Int32Array(n);
      for (let a = 0; a < anchors.length; a++)
        for (let k = 0; k < n; k++) {
          const v = zs[a * n + k]! - a * ANCHOR_STEP;
          if (v > text[k]!) [text[k], from[k]] = [v, a];
        }
      const best = Float64Array.from(model, (m, k) => (1 - textShare) * m + textShare * text[k]!);
      const order = await ranked(
        q,
        cands.map((i) => items[i]!),
        best,
        ruled,
        rules,
        now,
        cands,
      );
      return order.map((k) => {
        const a = anchors[from[k]!]!;
        return { item: items[cands[k]!]!, reason: a.title ? { itemId: a.id, title: a.title } : { itemId: a.id } };
      });
    },
  };
}
