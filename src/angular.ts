/**
 * Angular bindings (`reco-sdk/angular`; Angular 20+ is an optional peer dependency): the app's items in this shopper's
 * order as a signal, rendered by Angular itself (`@for (p of ordered(); track p.sku)`), so Reco never moves DOM nodes
 * that Angular owns, and a sort the app makes of the list is the sort it gets. The same rules as `reco-sdk/react`'s
 * hook, `reco-sdk/vue`'s composable and `reco-sdk/svelte`'s store (src/list-order.ts), with the instance made by
 * `init()`. Signals and render effects only: zoneless apps and apps with zone.js alike.
 */
import { afterRenderEffect, computed, DestroyRef, inject, Injector, signal, untracked, type Signal } from '@angular/core';
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
  type Ranked,
  type UseRankedOptions,
} from './list-order.ts';

export type { UseRankedOptions } from './list-order.ts';

/** How `ranked` reads an item, and where it lives when it is not called in an injection context. */
export interface RankedOptions<T> extends UseRankedOptions<T> {
  /**
   * The injector whose lifetime the list follows (a component's), for a call outside an injection context (field
   * initializers and the constructor are in one; `ngOnInit` is not), as Angular's own `toSignal` and `effect` take it.
   * Default: the current injection context's.
   */
  injector?: Injector;
}

/**
 * The given items in this shopper's order, as a signal, as `reco-sdk/react`'s `useRanked` gives them (see there and
 * the README): first as given, then best first with the merchandising rules applied; held on a page load until the
 * first ranking is rendered; a new order for a list the shopper has seen rendered once it is out of sight; ranked again
 * when the ids change, when Reco becomes ready, at once with `setRules()`, and with a later history event while the
 * shopper has not had the list in sight; the order a list was left in shown again on a single-page app's Back. Call it
 * in a component's field initializer or constructor (or give `injector`): the list is followed until the component is
 * destroyed. Never throws once called there.
 * @param items the list to order: an array, a signal of it (an `input()`, a `computed`) or a function reading signals;
 *   items keep their identity
 * @param options how to read an item's id and features; the injector outside an injection context
 * @returns a read-only signal of the items, in the shopper's order
 */
export function ranked<T>(
  items: readonly T[] | Signal<readonly T[]> | (() => readonly T[]),
  options: RankedOptions<T> = {},
): Signal<readonly T[]> {
  const { id = defaultId, features = defaultFeatures } = options;
  const injector = options.injector ?? inject(Injector);
  const read = typeof items === 'function' ? items : () => items;
  const list = computed(() => listOf(read(), id));
  // The ids are the list's identity: a new array with the same items does not re-rank.
  const key = computed(() => list().key);
  // A list shown before at this address starts in that order; one the shopper comes back to by Back is not ranked again.
  const order = signal<Ranked | null>(orderLeft(untracked(key)));
  // A list that comes to the page with this component (not one the server rendered and Angular hydrates: the shopper
  // may have seen it) is hidden until its first ranking is rendered, as the markup path holds grids.
  const cameWithRender = browser && !rendered(untracked(list).ids).length;
  const held: { current: Held | null } = { current: null };
  let following: { stop(): void; look(): void } | null = null;

  // Once Angular has put the list's items in the document (the first render, or a render with other ids), before the
  // browser paints.
  afterRenderEffect(
    () => {
      const k = key();
      untracked(() => {
        following?.stop();
        following = followRendered(list(), {
          ranked: order(),
          cameWithRender,
          held,
          features,
          render(next) {
            const now = order();
            if (!(now?.key === k && sameOrder(now.order, next))) order.set({ key: k, order: next });
          },
        });
      });
    },
    { injector },
  );
  // A ranking rendered: the hold ends, and the list may now be in the shopper's sight.
  afterRenderEffect(
    () => {
      const r = order();
      if (r?.key !== untracked(key)) return;
      rankingRendered(held, following);
    },
    { injector },
  );
  injector.get(DestroyRef).onDestroy(() => {
    following?.stop();
    following = null;
  });

  return computed(() => shown(list(), order()));
}
