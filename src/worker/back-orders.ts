/**
 * The orders a page view gave its grids, kept for the shopper's return by Back. When the browser's back/forward cache
 * did not keep the page (an `unload` listener, `Cache-Control: no-store`, memory), it loads again with its scroll
 * position restored, and a new ranking (with the click that took the shopper away) would put other products where
 * they were looking. Such a page view shows each grid in the order the shopper left it instead, once; later rankings
 * (the page's personalize() after a new click) are the model's again. So does a single-page app's route reached by Back:
 * its router renders the listing again and the page calls personalize(), which would rank it anew the same way.
 *
 * Kept in the page's database (meta record `back-orders`: the newest MAX_PAGES pages, each grid by the shop's order
 * of its items), so forget() deletes it and export() shows it.
 */
import type { PageRoute } from '../shared/protocol.ts';
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
   * On a return by Back to `route` (default: the page view's): the order its grid of `ids` (the shop's order) was
   * left in, the first time it is asked in that arrival; otherwise null.
   */
  restored(ids: readonly string[], route?: PageRoute): Promise<number[] | null>;
  /** The grid of `ids` (the shop's order) is shown in `order` at `route` (default: the page view's): kept for a return by Back. */
  shown(ids: readonly string[], order: readonly number[], route?: PageRoute): void;
}

/**
 * @param store the page's database, as it stands when called (null: memory-only, or after forget(): nothing is kept)
 * @param page this page view's address (without the fragment) and whether it was reached by Back or Forward: the route of
 *   calls that give none (a single-page app's page gives each call its route: src/main/route.ts)
 */
export function createBackOrders(store: () => Promise<Store | null>, page: PageRoute | undefined): BackOrders {
  // Read once per page view: what the newest pages left (this page's own, on a return by Back, and the others it keeps).
  let kept: Promise<PageOrders[]> | null = null;
  const read = (): Promise<PageOrders[]> =>
    (kept ??= store()
      .then(async (s) => (await s?.getMeta<PageOrders[]>(KEY, isPageOrders)) ?? [])
      .catch(() => []));
  /** The grids of the arrival asked last, each given back once. */
  let left: { arrival: string; grids: Promise<PageOrders['grids']> } | null = null;
  /** What this page view showed, by address (a single-page app's routes), the latest last. */
  const mine = new Map<string, PageOrders>();
  let writing = Promise.resolve();
  return {
    async restored(ids, route = page) {
      if (!route?.back) return null;
      const arrival = `${route.arrival ?? 0} ${route.url}`;
      if (left?.arrival !== arrival) {
        // A route of this page view shown before (a single-page app's), else what an earlier page view left.
        const own = mine.get(route.url)?.grids;
        const grids = own
          ? Promise.resolve(own.map((g) => ({ ...g })))
          : read().then((all) => all.find((p) => p.url === route.url)?.grids.slice() ?? []);
        left = { arrival, grids };
      }
      const grids = await left.grids;
      const k = grids.findIndex((g) => sameIds(g.ids, ids));
      return k < 0 ? null : grids.splice(k, 1)[0]!.order;
    },
    shown(ids, order, route = page) {
      if (!route) return;
      const grids = mine.get(route.url)?.grids ?? [];
      const k = grids.findIndex((g) => sameIds(g.ids, ids));
      // The same order again (a re-render ranked anew): already kept.
      if (k === 0 && grids[0]!.order.length === order.length && order.every((i, j) => i === grids[0]!.order[j])) return;
      if (k >= 0) grids.splice(k, 1);
      grids.unshift({ ids: [...ids], order: [...order] });
      grids.length = Math.min(grids.length, MAX_GRIDS);
      mine.delete(route.url);
      mine.set(route.url, { url: route.url, at: Date.now(), grids });
      for (const url of mine.keys()) if (mine.size > MAX_PAGES) mine.delete(url);
      writing = writing
        .then(async () => {
          const s = await store();
          if (!s) return;
          const own = [...mine.values()].reverse().map((p) => ({ ...p, grids: p.grids.map((g) => ({ ...g })) }));
          const rest = (await read()).filter((p) => !mine.has(p.url));
          await s.setMeta(KEY, [...own, ...rest].slice(0, MAX_PAGES));
        })
        .catch(() => {}); // not kept: a return by Back is ranked anew
    },
  };
}
