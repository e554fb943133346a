/**
 * rank() and explain(): the shopper's history read from the store, scored by the engine. Personalization is
 * off (input order, scores 0; no reasons) without an engine, before the model is ready, in the control group,
 * without a history, or when something fails (reported, never thrown).
 */
import type { Contribution } from '../shared/protocol.ts';
import type { EventType, HistoryEntry, ItemFeatures } from '../shared/types.ts';
import type { Explanation } from './api.ts';
import type { EngineClient } from './engine-client.ts';
import type { ShopperHistory } from './history.ts';

/** Most history items an explanation names. */
const MAX_REASONS = 3;

export interface RankerOptions {
  /** Writes the tracker's pending events, so the history read next includes them. */
  flush(): Promise<void>;
  /** The model is ready and this page view is not in the control group. */
  active(): boolean;
  /** rank() with a given history: scores from the engine for it, or null (placements.ts, loaded with the engine client). */
  rankFor(items: ItemFeatures[], given: unknown): Promise<number[] | null>;
  onError(err: Error): void;
}

/** A history given to rank() instead of the stored one (e.g. a simulated shopper), oldest first. */
export interface GivenHistory {
  history?: ReadonlyArray<{ item: string | ItemFeatures; type?: EventType; ts?: number }>;
}

/** What {@link createRanker} returns. */
export interface Ranker {
  /**
   * A grid's new order, rules applied (indices into `items`; what rules leave out comes last), or null when
   * it keeps its order: personalization off or failed, or nothing to change.
   * @param search the grid holds search results in the shop's relevance order
   */
  arrange(items: ItemFeatures[], search: boolean): Promise<number[] | null>;
  /** RecoInstance.rank: items best first. */
  rank(items: unknown, opts?: GivenHistory): Promise<{ id: string; score: number }[]>;
  /** RecoInstance.explain. */
  explain(itemId: unknown): Promise<Explanation>;
}

export function createRanker(engine: EngineClient | null, history: ShopperHistory, o: RankerOptions): Ranker {
  /** `fn` of the shopper's history; `none` when personalization is off, without a history, or when it fails. */
  const withHistory = async <T>(
    none: T,
    fn: (h: HistoryEntry[], e: EngineClient, item: (id: string) => ItemFeatures) => Promise<T>,
    ids?: string[],
    orEmpty = false,
  ): Promise<T> => {
    if (!engine || !o.active()) return none;
    try {
      await o.flush();
      const { history: h, item } = await history.read(ids);
      return h.length || orEmpty ? await fn(h, engine, item) : none;
    } catch (err) {
      o.onError(err as Error);
      return none;
    }
  };
  const score = async (items: ItemFeatures[]) => (items.length ? withHistory(null, (h, e) => e.rank(h, items)) : null);

  return {
    arrange: (items, search) => withHistory(null, (h, e) => e.arrange(h, items, search), [], true),
    async rank(items, opts) {
      const features = rankInput(items, history.seen, o.onError);
      // Items passed with features teach the page their features; bare ids only when they were seen with a title.
      history.remember(features.filter((f) => typeof (items as unknown[])[0] !== 'string' || f.title));
      return byScore(features, await (opts?.history ? o.rankFor(features, opts.history) : score(features)));
    },
    async explain(itemId) {
      const none: Explanation = { itemId: itemId as string, because: [] };
      if (typeof itemId !== 'string' || !itemId) {
        o.onError(new TypeError(`explain(itemId): expected a non-empty string, got ${JSON.stringify(itemId)}`));
        return none;
      }
      return withHistory(none, async (h, e, item) => explanation(itemId, await e.explain(h, item(itemId)), item), [itemId]);
    },
  };
}

/**
 * rank()'s input as item features: an id is looked up among the items seen on the page (else the id alone).
 * Entries without an id are reported to `onError` (naming their index) and left out; so is a non-array input.
 */
export function rankInput(items: unknown, seen: (id: string) => ItemFeatures | undefined, onError: (err: Error) => void): ItemFeatures[] {
  if (!Array.isArray(items)) {
    onError(new TypeError('rank(items): expected an array of ids or { id, title?, category?, brand?, price? } items'));
    return [];
  }
  return items.flatMap((it: unknown, i) => {
    const f = typeof it === 'string' ? (seen(it) ?? { id: it }) : (it as ItemFeatures | null);
    if (!f || typeof f.id !== 'string' || !f.id) {
      onError(new TypeError(`rank(items): items[${i}].id expected a non-empty string`));
      return [];
    }
    return [f];
  });
}

/** Items best first; without scores all are 0 and the stable sort keeps the input order. */
export function byScore(items: readonly ItemFeatures[], scores: readonly number[] | null): { id: string; score: number }[] {
  return items.map((f, i) => ({ id: f.id, score: scores?.[i] ?? 0 })).sort((a, b) => b.score - a.score);
}

/**
 * explain()'s answer: the history items that raised `itemId`'s score (largest first, at most 3, never the
 * item itself), with their titles when known.
 */
export function explanation(itemId: string, contributions: readonly Contribution[], item: (id: string) => ItemFeatures): Explanation {
  const because = contributions
    .filter((c) => c.weight > 0 && c.itemId !== itemId)
    .slice(0, MAX_REASONS)
    .map(({ itemId: id, weight }) => {
      const { title } = item(id);
      return title ? { itemId: id, title, weight } : { itemId: id, weight };
    });
  return { itemId, because };
}
