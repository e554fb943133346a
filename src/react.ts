/**
 * React bindings (`reco-sdk/react`; React is an optional peer dependency): the app's items in this shopper's
 * order, rendered by React itself, so Reco never moves DOM nodes that React owns. The hook calls `rank()` (with the
 * merchandising rules: the order a grid of these items gets) of the instance made by `init()` (from `reco-sdk` or the script tag's `window.Reco` alike: one module, one instance).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import {
  browser,
  defaultFeatures,
  defaultId,
  followList,
  holdList,
  listOf,
  orderLeft,
  rankingRendered,
  rendered,
  restored,
  sameOrder,
  shown,
  type Held,
  type Ranked,
  type UseRankedOptions,
} from './list-order.ts';

export type { UseRankedOptions } from './list-order.ts';

// Runs after React has put the nodes in the document and before the browser paints them (an effect on the server).
const beforePaint = browser ? useLayoutEffect : useEffect;

/**
 * The given items in this shopper's order: first as given (so the first render never waits), then, once Reco
 * has ranked them, best first, with the merchandising rules of `init()` and `setRules()` applied as in grids (what
 * `filter` leaves out, what is unavailable (`features` giving `available: false`) and what was just bought come last). A list that comes to the page with its first render, where Reco may re-order it (a
 * shopper with a history), has its container (found by the items' `data-reco-id`) hidden until that ranking is
 * rendered, for init()'s `antiFlickerMs` at most (400 ms by default), as the markup path holds grids: the shopper first sees it in their order
 * (a new order for a list the shopper has seen, after its hold or after an earlier order, is rendered once the list is
 * out of sight). Re-ranks
 * when the list of ids changes, when Reco becomes ready (an `init()` after the list mounted), when `setRules()`
 * changes the rules (rendered at once, as grids are re-ordered then), and, while the shopper has not had the list in
 * sight, when the shopper's history changes (a product viewed, an add to cart: a product page's related list below
 * the fold; one scrolled past keeps the order the shopper saw). A list
 * a single-page app renders again starts in the order it was last shown in at that address; when the shopper came back by Back it keeps that order and is not ranked again. Without personalization
 * (consent denied, control group, no history, no model) the order stays as given. Never throws.
 * @param items the list to order; items keep their identity (same objects, in a new order)
 * @param options how to read an item's id and features
 * @returns the items, in the shopper's order
 */
export function useRanked<T>(items: readonly T[], options: UseRankedOptions<T> = {}): readonly T[] {
  const { id = defaultId, features = defaultFeatures } = options;
  const { ids, key } = listOf(items, id);
  // A list shown before at this address starts in that order; one the shopper comes back to by Back is not ranked again.
  const [ranked, setRanked] = useState<Ranked | null>(() => orderLeft(key));

  // A list that comes to the page with this render (not one the server rendered: the shopper may have seen it) is
  // hidden until its first ranking is rendered, as the markup path holds grids: its first paint is the shopper's order.
  const [cameWithRender] = useState(() => browser && !rendered(ids).length);
  const held = useRef<Held | null>(null);
  beforePaint(() => {
    if (cameWithRender && ranked?.key !== key)
      held.current = holdList(
        ids,
        items.some((it) => features(it).available === false),
      );
  }, [key]);
  // The list's following (below): told when its hold ends, the list then in the shopper's sight.
  const followed = useRef<{ look(): void } | null>(null);
  beforePaint(() => {
    if (ranked?.key !== key) return;
    rankingRendered(held, followed.current);
  }, [key, ranked]);

  useEffect(() => {
    if (ranked?.key === key && ranked.restored) {
      restored(key, ranked.restored);
      return;
    }
    const following = followList({
      items,
      ids,
      key,
      features,
      showing: ranked?.key === key ? ranked.order.join('\u0000') : key,
      held,
      render: (order) => setRanked((was) => (was?.key === key && sameOrder(was.order, order) ? was : { key, order })),
    });
    followed.current = following;
    return () => {
      followed.current = null;
      following.stop();
    };
    // The ids are the list's identity: a new array with the same items does not re-rank.
  }, [key]);

  return useMemo(() => shown({ items, ids, key }, ranked), [items, key, ranked]);
}
