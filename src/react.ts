/**
 * React bindings (`reco-sdk/react`; React is an optional peer dependency): the app's items in this shopper's
 * order, rendered by React itself, so Reco never moves DOM nodes that React owns. The hook calls `rank()` of the
 * instance made by `init()` (from `reco-sdk` or the script tag's `window.Reco` alike: one module, one instance).
 */
import { useEffect, useMemo, useState } from 'react';
import { on, rank, status } from './index.ts';
import type { ItemFeatures } from './shared/types.ts';

/** How {@link useRanked} reads an item. */
export interface UseRankedOptions<T> {
  /** The item's id, as the shop's catalog (and `data-reco-id`) names it. Default: the item itself when it is a string, else `item.id`. */
  id?: (item: T) => string;
  /**
   * What the model may know about the item (title, category path, brand, price): better scores, also for items
   * the model never saw. Default: the item's own `title`, `category`, `brand` and `price` fields, where it has them.
   */
  features?: (item: T) => Omit<ItemFeatures, 'id'>;
}

/**
 * The given items in this shopper's order: first as given (so the first render never waits), then, once Reco
 * has ranked them, best first. Re-ranks when the list of ids changes and when Reco becomes ready (an `init()`
 * after the list mounted). Without personalization (consent denied, control group, no history, no model) the
 * order stays as given. Never throws.
 * @param items the list to order; items keep their identity (same objects, in a new order)
 * @param options how to read an item's id and features
 * @returns the items, in the shopper's order
 */
export function useRanked<T>(items: readonly T[], options: UseRankedOptions<T> = {}): readonly T[] {
  const { id = defaultId, features = defaultFeatures } = options;
  const ids = items.map((it) => id(it));
  const key = ids.join('\u0000');
  const [ranked, setRanked] = useState<{ key: string; order: string[] } | null>(null);

  useEffect(() => {
    let live = true;
    const run = () =>
      void rank(items.map((it, i) => ({ ...features(it), id: ids[i]! }))).then((r) => {
        if (live) setRanked({ key, order: r.map((x) => x.id) });
      });
    run();
    // Not ready yet (init() under way, or not called): rank again once it is.
    const off = status().ready ? null : on('ready', run);
    return () => {
      live = false;
      off?.();
    };
    // The ids are the list's identity: a new array with the same items does not re-rank.
  }, [key]);

  return useMemo(() => (ranked?.key === key ? inOrder(items, ids, ranked.order) : items), [items, key, ranked]);
}

/** `items` in the order of `order` (ids); items it lacks follow in their own order. */
function inOrder<T>(items: readonly T[], ids: readonly string[], order: readonly string[]): T[] {
  const byId = new Map<string, T[]>();
  items.forEach((it, i) => byId.set(ids[i]!, [...(byId.get(ids[i]!) ?? []), it]));
  const out = order.flatMap((id) => byId.get(id)?.splice(0, 1) ?? []);
  return [...out, ...items.filter((it) => !out.includes(it))];
}

const defaultId = (item: unknown): string => (typeof item === 'string' ? item : String((item as { id?: unknown } | null)?.id ?? ''));

function defaultFeatures(item: unknown): Omit<ItemFeatures, 'id'> {
  const o = (typeof item === 'object' && item ? item : {}) as Record<string, unknown>;
  const f: Omit<ItemFeatures, 'id'> = {};
  for (const k of ['title', 'category', 'brand'] as const) if (typeof o[k] === 'string') f[k] = o[k];
  if (typeof o['price'] === 'number') f.price = o['price'];
  return f;
}
