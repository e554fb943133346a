/**
 * The orders a page view gave its grids, kept for the shopper's return by Back. When the browser's back/forward cache
 * did not keep the page (an `unload` listener, `Cache-Control: no-store`, memory), it loads again with its scroll
 * position restored, and a new ranking (with the click that took the shopper away) would put other products where
 * they were looking. Such a page view shows each grid in the order the shopper left it instead, once; later rankings
 * (the page's personalize() after a new click) are the model's again.
 *
 * Kept in the page's database (meta record `back-orders`: the newest MAX_PAGES pages, each grid by the shop's order
 * of its items), so forget() deletes it and export() shows it.
 */
import type { Store } from '../shared/store.ts';

/** One page's grids as the shopper last saw them: the shop's order of each grid's items (ids), and Reco's order of them. */
export interface PageOrders {
  url: string;
  at: number;
  grids: { ids: string[]; order: number[] }[];
}

const KEY = 'back-orders';
/** Pages kept, newest first. */
const MAX_PAGES = 10;
/** Grids kept per page. */
const MAX_GRIDS = 8;

const isOrder = (order: unknown, n: number): order is number[] =>
  Array.isArray(order) &&
  order.length <= n &&
  new Set(order).size === order.length &&
  order.every((i) => Number.isInteger(i) && i >= 0 && i < n);

/** A stored record as this module writes it (anything else is ignored, as a malformed row is). */
export const isPageOrders = (v: unknown): v is PageOrders[] =>
  Array.isArray(v) &&
  v.every(
    (p: Partial<PageOrders> | null) =>
      typeof p?.url === 'string' &&
      typeof p.at === 'number' &&
      Array.isArray(p.grids) &&
      p.grids.every((g) => Array.isArray(g?.ids) && g.ids.every((id) => typeof id === 'string') && isOrder(g.order, g.ids.length)),
  );

const sameIds = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((id, i) => id === b[i]);

export interface BackOrders {
  /**
   * On a return by Back: the order this page's grid of `ids` (the shop's order) was left in, the first time it is
   * asked; otherwise null.
   */
  restored(ids: readonly string[]): Promise<number[] | null>;
  /** This page view shows the grid of `ids` (the shop's order) in `order`: kept for a return by Back. */
  shown(ids: readonly string[], order: readonly number[]): void;
}

/**
 * @param store the page's database, as it stands when called (null: memory-only, or after forget(): nothing is kept)
 * @param page this page view's address (without the fragment) and whether it was reached by Back or Forward
 */
export function createBackOrders(store: () => Promise<Store | null>, page: { url: string; back: boolean } | undefined): BackOrders {
  // Read once per page view: what the newest pages left (this page's own, on a return by Back, and the others it keeps).
  let kept: Promise<PageOrders[]> | null = null;
  const read = (): Promise<PageOrders[]> =>
    (kept ??= store()
      .then(async (s) => (await s?.getMeta<PageOrders[]>(KEY, isPageOrders)) ?? [])
      .catch(() => []));
  let left: Promise<PageOrders['grids']> | null = null;
  const mine: PageOrders['grids'] = [];
  let writing = Promise.resolve();
  return {
    async restored(ids) {
      if (!page?.back) return null;
      left ??= read().then((all) => all.find((p) => p.url === page.url)?.grids.slice() ?? []);
      const grids = await left;
      const k = grids.findIndex((g) => sameIds(g.ids, ids));
      return k < 0 ? null : grids.splice(k, 1)[0]!.order;
    },
    shown(ids, order) {
      if (!page) return;
      const k = mine.findIndex((g) => sameIds(g.ids, ids));
      // The same order again (a re-render ranked anew): already kept.
      if (k === 0 && mine[0]!.order.length === order.length && order.every((i, j) => i === mine[0]!.order[j])) return;
      if (k >= 0) mine.splice(k, 1);
      mine.unshift({ ids: [...ids], order: [...order] });
      mine.length = Math.min(mine.length, MAX_GRIDS);
      const record = { url: page.url, at: Date.now(), grids: mine.map((g) => ({ ...g })) };
      writing = writing
        .then(async () => {
          const s = await store();
          if (!s) return;
          const rest = (await read()).filter((p) => p.url !== page.url);
          await s.setMeta(KEY, [record, ...rest].slice(0, MAX_PAGES));
        })
        .catch(() => {}); // not kept: a return by Back is ranked anew
    },
  };
}
