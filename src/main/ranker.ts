/**
 * rank() and the grids' arrangements: the worker assembles the shopper's history (the page sends what it has not
 * written yet) and scores. Personalization is off (input order, scores 0) without an engine, in the control group,
 * without a history, or when something fails (reported, never thrown). explain() comes with reco.engine.js
 * (placements.ts).
 */
import { GridConfigError } from '../shared/errors.ts';
import type { RankReply } from '../shared/protocol.ts';
import type { EventType, ItemFeatures } from '../shared/types.ts';
import type { EngineClient } from './engine-client.ts';
import type { ShopperHistory } from './history.ts';
import { pageRoute } from './route.ts';

export interface RankerOptions {
  /** Personalization runs: not the control group, and the engine did not fail to start. */
  active(): boolean;
  /** A ranking was answered (by the snapshot or the model). */
  onReply?(reply: { source: RankReply['source']; skipped?: string[] }): void;
  /** rank() with a given history: scores from the engine for it, or null (placements.ts, loaded with the engine client). */
  rankFor(items: ItemFeatures[], given: unknown): Promise<number[] | null>;
  /** Hears failures; a ranking that fails before the model is loaded is not reported (init() reports why the engine failed). */
  onError(err: Error): void;
  /** The model is loaded: from then on a failed ranking is reported. */
  ready?(): boolean;
}

/** rank()'s options. */
export interface RankOptions {
  /** A history to score for instead of the stored one (e.g. a simulated shopper), oldest first. */
  history?: ReadonlyArray<{ item: string | ItemFeatures; type?: EventType; ts?: number }>;
  /**
   * The order a grid of these items gets (useRanked's list): the shopper's scores with the merchandising rules applied,
   * what `filter` leaves out, what is unavailable and what was just bought last, boosts and diversity as set. `score`
   * is then the item's place in that order, 1 for the first down to 1/n. Not with `history`.
   */
  rules?: boolean;
}

/** rank()'s options, by their earlier name. */
export type GivenHistory = RankOptions;

/** A grid as arrange() hears of it: its list id, and how many of its items have no id (those stay in place). */
export interface GridSize {
  listId: string;
  withoutId: number;
  /** The grid's container, when it still has no item some seconds after it was found (see {@link unmarkedCards}). */
  unmarked?: Element;
}

/** What {@link createRanker} returns. */
export interface Ranker {
  /**
   * A grid's new order, rules applied (indices into `items`; what rules leave out comes last), or null when
   * it keeps its order: personalization off or failed, or nothing to change.
   * @param search the grid holds search results in the shop's relevance order
   * @param fresh the grid's first arrangement (a grid the page rendered anew): only it may be the order a Back returns to
   * @param grid the grid `items` come from: when none of them can move because its items have no id, that is reported (once a grid)
   */
  arrange(items: ItemFeatures[], search: boolean, fresh?: boolean, grid?: GridSize): Promise<number[] | null>;
  /** RecoInstance.rank: items best first. */
  rank(items: unknown, opts?: RankOptions): Promise<{ id: string; score: number }[]>;
}

export function createRanker(engine: EngineClient | null, history: ShopperHistory, o: RankerOptions): Ranker {
  /** `ask` the engine with the page's side of the history; null when personalization is off or it fails. */
  const withRequest = async <T extends { source: RankReply['source']; skipped?: string[] }>(
    ask: (e: EngineClient, req: Awaited<ReturnType<ShopperHistory['request']>>) => Promise<T>,
  ): Promise<T | null> => {
    if (!engine || !o.active()) return null;
    try {
      const reply = await ask(engine, await history.request());
      o.onReply?.(reply);
      return reply;
    } catch (err) {
      if (o.ready?.() ?? true) o.onError(err as Error);
      return null;
    }
  };

  const score = async (items: ItemFeatures[]): Promise<number[] | null> =>
    items.length ? ((await withRequest((e, req) => e.rank({ ...req, candidates: items })))?.scores ?? null) : null;

  /** Grids (by list id) already reported for having nothing to move. */
  const reported = new Set<string>();
  /**
   * Says why a grid has nothing to move when that is markup to fix, not a grid left silently as it is: items its selector
   * found that carry no id (they stay where they are), or a list of cards none of which is marked as an item. Once a grid.
   */
  const reportUnmovable = ({ listId, withoutId, unmarked }: GridSize): void => {
    const cards = unmarked ? unmarkedCards(unmarked) : 0;
    if ((!withoutId && cards < MIN_UNMARKED_CARDS) || reported.has(listId)) return;
    reported.add(listId);
    o.onError(
      new GridConfigError(
        withoutId
          ? `grid "${listId}": ${withoutId} of its items have no id (a data-reco-id attribute, microdata sku or productID, or ` +
              `its grids config's id), so none can move`
          : `grid "${listId}" has no item: none of its ${cards} cards is marked with data-reco-id (or found by its grids ` +
              `config's item selector), so its clicks and impressions are not recorded and nothing in it can move`,
      ),
    );
  };

  const arrange: Ranker['arrange'] = async (items, search, fresh = false, grid) => {
    if (!items.length) {
      if (grid) reportUnmovable(grid);
      return null;
    }
    // A grid that stayed in the page across a Back (a product view over the listing, closed) is ranked anew when asked.
    const route = { ...pageRoute(), ...(fresh ? {} : { back: false }) };
    return (await withRequest((e, req) => e.arrange({ ...req, candidates: items, search, route })))?.order ?? null;
  };

  return {
    arrange,
    async rank(items, opts) {
      const features = rankInput(items, history.seen, o.onError);
      // Items passed with features teach the page their features; bare ids only when they were seen with a title.
      history.remember(features.filter((f) => typeof (items as unknown[])[0] !== 'string' || f.title));
      if (opts?.rules !== undefined && typeof opts.rules !== 'boolean')
        o.onError(new TypeError(`rank(items, options): options.rules expected true or false, got ${JSON.stringify(opts.rules)}`));
      if (opts?.history) return byScore(features, await o.rankFor(features, opts.history));
      if (opts?.rules !== true) return byScore(features, await score(features));
      // As a grid's later arrangement: never the order a Back returns to (useRanked keeps its own).
      const order = await arrange(features, false);
      return order
        ? order.map((i, place) => ({ id: features[i]!.id, score: (order.length - place) / order.length }))
        : byScore(features, null);
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

/** What a product card holds: a link to the product, or its image. */
const CARD_CONTENT = 'a[href], img';
/** A card: it holds a link or an image, or carries data of its own (`data-sku`, `data-product-id`: an id Reco does not read). */
const isCard = (el: Element): boolean =>
  el.matches(CARD_CONTENT) || !!el.querySelector(CARD_CONTENT) || [...el.attributes].some((a) => a.name.startsWith('data-'));
/** Cards in a grid with no item from which on it is reported: a list of products, not a message with a link or two. */
export const MIN_UNMARKED_CARDS = 3;

/**
 * How many product cards a grid with no item shows: the most children of its container of one kind (tag and class) that
 * are cards ({@link isCard}), as a list of products repeats them; looked for inside a wrapper too (a container
 * whose only child is a row holding the cards). A message in their place (no results, a link back, a few suggestions)
 * is not such a list: fewer than {@link MIN_UNMARKED_CARDS}.
 */
export function unmarkedCards(container: Element): number {
  let list = container;
  for (let depth = 0; depth < 3 && list.childElementCount === 1; depth++) list = list.firstElementChild!;
  const kinds = new Map<string, number>();
  for (const el of list.children) {
    if (!isCard(el)) continue;
    const kind = `${el.localName}.${el.getAttribute('class')}`;
    kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
  }
  return Math.max(0, ...kinds.values());
}

/** Items best first; without scores all are 0 and the stable sort keeps the input order. */
export function byScore(items: readonly ItemFeatures[], scores: readonly number[] | null): { id: string; score: number }[] {
  return items.map((f, i) => ({ id: f.id, score: scores?.[i] ?? 0 })).sort((a, b) => b.score - a.score);
}
