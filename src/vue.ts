/**
 * Vue bindings (`reco-sdk/vue`; Vue 3.3+ is an optional peer dependency): the app's items in this shopper's order,
 * rendered by Vue itself, so Reco never moves DOM nodes that Vue owns, and a sort the app makes of the list is the
 * sort it gets (Vue reconciles a keyed list against the order it rendered: one whose cards Reco had moved came out in
 * neither order). The same rules as `reco-sdk/react`'s hook (src/list-order.ts), with the instance made by `init()`.
 */
import { computed, onBeforeUnmount, onMounted, shallowRef, toValue, watch, type MaybeRefOrGetter, type Ref } from 'vue';
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

/**
 * The given items in this shopper's order, as `reco-sdk/react`'s `useRanked` gives them (see there and the README):
 * first as given, then best first with the merchandising rules applied; held on a page load until the first ranking is
 * rendered; a new order for a list the shopper has seen rendered once it is out of sight; ranked again when the ids
 * change, when Reco becomes ready, at once with `setRules()`, and with a later history event while the shopper has not
 * had the list in sight; the order a list was left in shown again on a single-page app's Back. Never throws.
 * @param items the list to order (an array, a ref or a getter); items keep their identity
 * @param options how to read an item's id and features
 * @returns a read-only ref of the items, in the shopper's order
 */
export function useRanked<T>(items: MaybeRefOrGetter<readonly T[]>, options: UseRankedOptions<T> = {}): Readonly<Ref<readonly T[]>> {
  const { id = defaultId, features = defaultFeatures } = options;
  const list = computed(() => listOf(toValue(items), id));
  // A list shown before at this address starts in that order; one the shopper comes back to by Back is not ranked again.
  const ranked = shallowRef<Ranked | null>(orderLeft(list.value.key));
  // A list that comes to the page with this component (not one the server rendered: the shopper may have seen it) is
  // hidden until its first ranking is rendered, as the markup path holds grids.
  const cameWithRender = browser && !rendered(list.value.ids).length;
  const held: { current: Held | null } = { current: null };
  let following: { stop(): void; look(): void } | null = null;

  // When Vue has put the list's items in the document (mounted, or rendered with other ids), before the browser paints.
  const follow = () => {
    following?.stop();
    const { key } = list.value;
    following = followRendered(list.value, {
      ranked: ranked.value,
      cameWithRender,
      held,
      features,
      render(order) {
        if (!(ranked.value?.key === key && sameOrder(ranked.value.order, order))) ranked.value = { key, order };
      },
    });
  };
  onMounted(follow);
  // The ids are the list's identity: a new array with the same items does not re-rank.
  watch(() => list.value.key, follow, { flush: 'post' });
  // A ranking rendered: the hold ends, and the list may now be in the shopper's sight.
  watch(
    ranked,
    (r) => {
      if (r?.key !== list.value.key) return;
      rankingRendered(held, following);
    },
    { flush: 'post' },
  );
  onBeforeUnmount(() => following?.stop());

  return computed(() => shown(list.value, ranked.value));
}
