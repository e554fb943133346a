/**
 * Svelte bindings (`reco-sdk/svelte`; Svelte 4+ is an optional peer dependency): the app's items in this shopper's
 * order as a Svelte store, rendered by Svelte itself (`{#each $ordered as p (p.sku)}`), so Reco never moves DOM nodes
 * that Svelte owns, and a sort the app makes of the list is the sort it gets. The same rules as `reco-sdk/react`'s
 * hook and `reco-sdk/vue`'s composable (src/list-order.ts), with the instance made by `init()`.
 */
import { tick } from 'svelte';
import {
  browser,
  defaultFeatures,
  defaultId,
  followRendered,
  listOf,
  orderLeft,
  rankingRendered,
  rendered,
  sameOrder,
  shown,
  type Held,
  type ListOf,
  type Ranked,
  type UseRankedOptions,
} from './list-order.ts';

export type { UseRankedOptions } from './list-order.ts';

/** A Svelte store (its contract: `subscribe` calls `run` with the value at once and with each new one). */
export interface RankedStore<T> {
  subscribe(run: (value: readonly T[]) => void): () => void;
}

/** A store of the list to order: a Svelte store, or Svelte 5's `toStore(() => products)` of a prop. */
export interface ItemsStore<T> {
  subscribe(run: (value: readonly T[]) => void): (() => void) | { unsubscribe(): void };
}

const isStore = <T>(items: readonly T[] | ItemsStore<T>): items is ItemsStore<T> =>
  !Array.isArray(items) && typeof (items as Partial<ItemsStore<T>>).subscribe === 'function';

/**
 * The given items in this shopper's order, as a store, as `reco-sdk/react`'s `useRanked` gives them (see there and
 * the README): first as given, then best first with the merchandising rules applied; held on a page load until the
 * first ranking is rendered; a new order for a list the shopper has seen rendered once it is out of sight; ranked again
 * when the ids change, when Reco becomes ready, at once with `setRules()`, and with a later history event while the
 * shopper has not had the list in sight; the order a list was left in shown again on a single-page app's Back. Call it
 * in the component's script (once per component), and read it as `$ordered`: the list is followed while the store has
 * a subscriber (the component lives). Never throws.
 * @param items the list to order: an array, or a store of it (Svelte 5: `toStore(() => products)` for a prop; Svelte
 *   4: a `writable` the component sets); items keep their identity
 * @param options how to read an item's id and features
 * @returns a store of the items, in the shopper's order
 */
export function ranked<T>(items: readonly T[] | ItemsStore<T>, options: UseRankedOptions<T> = {}): RankedStore<T> {
  const { id = defaultId, features = defaultFeatures } = options;
  const source = isStore(items) ? items : null;
  let list: ListOf<T> = listOf(source ? firstValue(source) : (items as readonly T[]), id);
  // A list shown before at this address starts in that order; one the shopper comes back to by Back is not ranked again.
  let ranking: Ranked | null = orderLeft(list.key);
  // A list that comes to the page with this component (not one the server rendered and Svelte hydrates: the shopper
  // may have seen it) is hidden until its first ranking is rendered, as the markup path holds grids.
  const cameWithRender = browser && !rendered(list.ids).length;
  const held: { current: Held | null } = { current: null };
  let following: { stop(): void; look(): void } | null = null;

  const subscribers = new Set<(value: readonly T[]) => void>();
  const publish = () => {
    const value = shown(list, ranking);
    for (const run of [...subscribers]) run(value);
  };

  // Once Svelte has put the list's items in the document (mounted, or updated with other ids), before the browser
  // paints: Svelte applies a store's new value to the document in a microtask, and `tick()` resolves after it.
  const follow = () => {
    following?.stop();
    following = null;
    if (!subscribers.size) return;
    const { key } = list;
    following = followRendered(list, {
      ranked: ranking,
      cameWithRender,
      held,
      features,
      render(order) {
        if (list.key !== key) return;
        if (!(ranking?.key === key && sameOrder(ranking.order, order))) {
          ranking = { key, order };
          publish();
        }
        // Once rendered: the hold ends, and the list may now be in the shopper's sight.
        void tick().then(() => {
          if (list.key !== key) return;
          rankingRendered(held, following);
        });
      },
    });
  };

  let unsubscribeItems: (() => void) | null = null;
  const start = () => {
    if (source) {
      const sub = source.subscribe((given) => {
        const was = list.key;
        list = listOf(given, id);
        if (!browser || !unsubscribeItems) return; // the first value, read as the store is subscribed
        publish();
        // The ids are the list's identity: a new array with the same items does not re-rank.
        if (list.key !== was) void tick().then(follow);
      });
      unsubscribeItems = typeof sub === 'function' ? sub : () => sub.unsubscribe();
    }
    if (browser) void tick().then(follow);
  };
  const stop = () => {
    following?.stop();
    following = null;
    unsubscribeItems?.();
    unsubscribeItems = null;
  };

  return {
    subscribe(run) {
      if (!subscribers.size) {
        subscribers.add(run);
        start();
      } else subscribers.add(run);
      run(shown(list, ranking));
      return () => {
        if (subscribers.delete(run) && !subscribers.size) stop();
      };
    },
  };
}

/** A store's value now (stores give it to a subscriber at once). */
function firstValue<T>(store: ItemsStore<T>): readonly T[] {
  let value: readonly T[] = [];
  const sub = store.subscribe((v) => (value = v));
  if (typeof sub === 'function') sub();
  else sub.unsubscribe();
  return value;
}
