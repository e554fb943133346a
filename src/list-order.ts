/**
 * What the framework bindings (`reco-sdk/react`, `reco-sdk/vue`) share: a list the app renders itself, in this
 * shopper's order from `rank()` (with the merchandising rules: the order a grid of these items gets), held on a page
 * load as the markup path holds grids, a new order rendered once the list is out of sight, and the order a list was
 * left in kept for a single-page app's Back. The bindings keep the state their framework renders from; the rest is here.
 */
import { on, rank, status } from './index.ts';
import { createAntiFlicker, type AntiFlicker } from './main/grid/antiflicker.ts';
import { listHold } from './main/instance.ts';
import { pageRoute } from './main/route.ts';
import { reranksUnseen } from './shared/labels.ts';
import { LOCAL_KEYS } from './shared/local-keys.ts';
import type { ItemFeatures } from './shared/types.ts';

/** How `useRanked` reads an item. */
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
 * The order each list was last shown in, by the page's address and the list's ids. A single-page app's router renders
 * a listing again when the shopper comes back to it by Back: the list shows the order they left, as the markup path's
 * grids do, rather than ranked anew with the product just opened (their items would move under their eyes). Once per
 * arrival (src/main/route.ts): the same address pushed anew later starts from that order too, and is ranked again (the
 * items the new history moves move, not the whole list from the shop's order). Kept in memory for the page view (a
 * page loaded again starts without it), the newest MAX_LEFT lists.
 */
const left = new Map<string, { order: string[]; restoredIn?: number }>();
const MAX_LEFT = 50;
export const browser = typeof window !== 'undefined';
// Back is told by the router's popstate: heard from the start, before any list mounts.
if (browser) pageRoute();

/**
 * Lists held until their first ranking is rendered, as the markup path holds the grids it finds: hidden with their box
 * kept (no layout shift), for as long as the grids at most (the last init()'s `antiFlickerMs`, 400 ms by default; 0:
 * never), each container once (src/main/grid/antiflicker.ts). One guard per hold time: a later init() may set another.
 */
let guard: { ms: number; antiFlicker: AntiFlicker } | null = null;
function antiFlickerNow(): AntiFlicker {
  if (guard?.ms !== listHold.ms) guard = { ms: listHold.ms, antiFlicker: createAntiFlicker({ timeoutMs: listHold.ms }) };
  return guard.antiFlicker;
}
/** A list's containers held, and the guard that holds them. */
export interface Held {
  antiFlicker: AntiFlicker;
  containers: Element[];
}

/** The rendered items of these ids (their `data-reco-id`), in the document. */
export function rendered(ids: readonly string[]): Element[] {
  const wanted = new Set(ids);
  return [...document.querySelectorAll('[data-reco-id]')].filter((el) => wanted.has(el.getAttribute('data-reco-id')!));
}

/**
 * Reco ran on this origin in an earlier page view: the tracker's session record (it writes it in localStorage as it
 * starts and with each event, where IndexedDB stores events; forget() removes it), read as this module loads, before
 * the app's init() starts a tracker that writes it. A first visit has none, and so no history a ranking could move a
 * list by.
 */
const visitedBefore = ((): boolean => {
  try {
    return browser && localStorage.getItem(LOCAL_KEYS.session) !== null;
  } catch {
    return true; // localStorage blocked: IndexedDB may still hold a history
  }
})();

/**
 * Hides the containers of the list's items (their `data-reco-grid`, else their parent) until {@link showList}, when
 * Reco may re-order them: an instance that personalizes (not consent denied, the control group, down or forgotten),
 * for a shopper with a history, rules that order a list by themselves, a feed, or an item out of stock (on a first visit
 * without those nothing can move the list: it is not hidden for nothing).
 * @param unavailable an item of the list is out of stock (its features say `available: false`)
 * @returns the containers held, null when none is
 */
export function holdList(ids: readonly string[], unavailable: boolean): Held | null {
  const s = status();
  // Storage is 'off' with a reason after forget(); without one it is still opening (a list that mounts right after init()).
  const forgotten = s.storage === 'off' && s.storageReason !== null;
  if (!browser || listHold.ms === 0 || s.engine === 'off' || s.engine === 'down' || s.control || forgotten) return null;
  if (!(visitedBefore || s.events > 0 || listHold.byRules || unavailable)) return null;
  const antiFlicker = antiFlickerNow();
  const containers = containersOf(ids);
  for (const c of containers) antiFlicker.hold(c);
  return { antiFlicker, containers };
}

/** The containers of the list's rendered items: their `data-reco-grid`, else their parent. */
export const containersOf = (ids: readonly string[]): Element[] => [
  ...new Set(rendered(ids).flatMap((el) => el.closest('[data-reco-grid]') ?? el.parentElement ?? [])),
];

/** Shows held containers (their own style comes back). */
const showList = (held: Held | null) => held?.containers.forEach((c) => held.antiFlicker.release(c));

/**
 * A ranking of the list is rendered: its hold ends (its containers shown), and the list may now be in the shopper's
 * sight. Each binding calls it once its framework has put that order in the document.
 * @param following the list's following ({@link followList}), whose `look` counts the sight
 */
export function rankingRendered(held: { current: Held | null }, following: { look(): void } | null): void {
  showList(held.current);
  held.current = null;
  following?.look();
}

/** One of the containers is in sight: shown (not held), in the viewport, in a visible tab. */
export const inSight = (containers: readonly Element[]): boolean =>
  containers.some((c) => c.isConnected && !antiFlickerNow().shouldReorder(c));

/**
 * Calls `apply` once none of the containers is in sight (scrolled away, gone, or the tab hidden).
 * @returns stops waiting
 */
export function whenOutOfSight(containers: readonly Element[], apply: () => void): () => void {
  const check = () => {
    if (inSight(containers)) return;
    stop();
    apply();
  };
  const sight = new IntersectionObserver(check);
  const stop = () => {
    sight.disconnect();
    document.removeEventListener('visibilitychange', check);
  };
  for (const c of containers) sight.observe(c);
  document.addEventListener('visibilitychange', check);
  return stop;
}

/** The page's address and the list's ids: where an order is kept. */
const place = (url: string, key: string) => `${url}\u0001${key}`;

/** Where and when a list mounted: the page's address and its arrival there (src/main/route.ts). */
export interface Mounted {
  url: string;
  arrival: number;
}

/** The order a binding renders a list in: a ranking (or a kept order) of the list's ids. */
export interface Ranked {
  /** The ids joined: the list's identity. */
  key: string;
  order: string[];
  /** Set when the shopper came back by Back: the order the list was left in, kept and not ranked again. */
  restored?: Mounted;
}

/**
 * The order the list of `key` was last shown in at this address, if any, `restored` when the shopper came back to the
 * address by Back and this arrival has not restored the list yet (that order is then kept, not ranked again). Reads
 * only: React may compute a first state twice and keep either (React 18's StrictMode keeps the second), so the
 * restoring is recorded when the list commits ({@link restored}).
 */
export function orderLeft(key: string): Ranked | null {
  if (!browser) return null;
  // forget() (storage off from then on) leaves nothing of the shopper's behaviour behind, these orders included.
  if (status().storage === 'off') left.clear();
  const { url, back, arrival = 0 } = pageRoute();
  const kept = left.get(place(url, key));
  if (!kept) return null;
  return { key, order: kept.order, ...(back && kept.restoredIn !== arrival && { restored: { url, arrival } }) };
}

/** The list of `key` was shown in the order it was left in, in this arrival: a later mount in it is ranked. */
export function restored(key: string, { url, arrival }: Mounted): void {
  const kept = left.get(place(url, key));
  if (kept) kept.restoredIn = arrival;
}

export function keepOrder(url: string, key: string, order: string[]): void {
  left.delete(place(url, key));
  left.set(place(url, key), { order });
  if (left.size > MAX_LEFT) left.delete(left.keys().next().value!);
}

/** A list a binding follows from its render in an order on: what {@link followList} reads and calls. */
export interface FollowedList<T> {
  items: readonly T[];
  ids: readonly string[];
  /** The ids joined: the list's identity. */
  key: string;
  features: (item: T) => Omit<ItemFeatures, 'id'>;
  /** The order the list shows now, its ids joined: as given, as kept, or as ranked before. */
  showing: string;
  /** The list's hold on its first render, if any (taken once the list counts as seen). */
  held: { current: Held | null };
  /** Renders this order (ids). */
  render(order: string[]): void;
}

/**
 * Ranks the list now, again once Reco is ready, at once with new rules (setRules()), and with a later history event
 * while the shopper has not had it in sight; a new order for a list the shopper has seen is rendered once it is out of
 * sight, as the markup path's rankings are.
 * @returns `stop` (the list unmounts or its ids change) and `look`, which the binding calls once a hold has ended
 */
export function followList<T>(list: FollowedList<T>): { stop(): void; look(): void } {
  const { items, ids, key, features, held } = list;
  // The list has been in the shopper's sight: a later history event leaves its order as it is, as it leaves the
  // grids the shopper has seen.
  let viewed = false;
  const look = () => {
    if (!viewed && inSight(containersOf(ids))) viewed = true;
  };
  let live = true;
  let waiting: (() => void) | null = null;
  /** The order the list shows: as given, as kept, or as a ranking of this effect rendered it. */
  let showing = list.showing;
  /** The shopper may have seen that order: the list's hold ended before a ranking came, or a ranking was rendered. */
  let seen = false;
  const { url } = pageRoute();
  /** @param now the shop asked (setRules()): the new order is rendered at once, as grids are re-ordered */
  const run = (now = false) =>
    void rank(
      items.map((it, i) => ({ ...features(it), id: ids[i]! })),
      { rules: true },
    ).then((r) => {
      const order = r.map((x) => x.id);
      keepOrder(url, key, order);
      if (!live) return;
      const next = order.join('\u0000');
      const show = () => {
        showing = next;
        seen = true;
        list.render(order);
      };
      const h = held.current;
      if (h && inSight(h.containers)) {
        seen = true; // its hold ended before this ranking came
        held.current = null;
      }
      // A new order for a list the shopper has seen waits until it is out of sight, as the markup path's rankings do.
      waiting?.();
      waiting = null;
      const containers = containersOf(ids);
      if (!now && next !== showing && seen && inSight(containers)) waiting = whenOutOfSight(containers, show);
      else show();
    });
  run();
  // Not ready yet (init() under way, or not called): rank again once it is.
  const off = status().ready ? null : on('ready', () => run());
  // New merchandising rules (setRules()): ranked again with them.
  const offRules = on('rules', () => run(true));
  // A later history event (a product viewed, an add to cart): a list the shopper has not had in sight is ranked
  // again with it, as grids the shopper has not seen are (one scrolled past keeps the order it was seen in).
  const offHistory = on('event', (e) => {
    look();
    if (reranksUnseen(e.type) && !viewed) run();
  });
  const sight = new IntersectionObserver(look);
  for (const c of containersOf(ids)) sight.observe(c);
  document.addEventListener('visibilitychange', look);
  look();
  const stop = () => {
    live = false;
    off?.();
    offRules();
    offHistory();
    sight.disconnect();
    document.removeEventListener('visibilitychange', look);
    waiting?.();
  };
  return { stop, look };
}

/** A list as a binding has it: the items, their ids, and those joined (its identity). */
export interface ListOf<T> {
  items: readonly T[];
  ids: readonly string[];
  key: string;
}

/** The list of `items`, each read by `id`. */
export function listOf<T>(items: readonly T[], id: (item: T) => string): ListOf<T> {
  const ids = items.map((it) => id(it));
  return { items, ids, key: ids.join('\u0000') };
}

/**
 * Follows a list once its framework has put it in the document (mounted, or rendered with other ids), before the
 * browser paints it, for the bindings whose framework tells them that (Vue, Svelte; React splits it over its hooks): a
 * list that came with its render is held until its first ranking is rendered ({@link holdList}); one the shopper came
 * back to by Back keeps the order it was left in ({@link restored}); else it is ranked and followed ({@link followList}).
 * @param ranked the order the binding renders now, if any
 * @param cameWithRender the list came to the page with the binding's render (not one the server rendered)
 * @returns the following, null for a list kept as it was left
 */
export function followRendered<T>(
  { items, ids, key }: ListOf<T>,
  {
    ranked,
    cameWithRender,
    held,
    features,
    render,
  }: Pick<FollowedList<T>, 'features' | 'held' | 'render'> & { ranked: Ranked | null; cameWithRender: boolean },
): { stop(): void; look(): void } | null {
  if (cameWithRender && ranked?.key !== key)
    held.current = holdList(
      ids,
      items.some((it) => features(it).available === false),
    );
  if (ranked?.key === key && ranked.restored) {
    restored(key, ranked.restored);
    return null;
  }
  const showing = ranked?.key === key ? ranked.order.join('\u0000') : key;
  return followList({ items, ids, key, features, showing, held, render });
}

/** The list's items in the order rendered: `ranked`'s when it is of these ids, else as given. */
export const shown = <T>({ items, ids, key }: ListOf<T>, ranked: Ranked | null): readonly T[] =>
  ranked?.key === key ? inOrder(items, ids, ranked.order) : items;

/** The two orders are the same (ids, in order): a binding renders nothing new for the same order. */
export const sameOrder = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** `items` in the order of `order` (ids); items it lacks follow in their own order. */
export function inOrder<T>(items: readonly T[], ids: readonly string[], order: readonly string[]): T[] {
  const byId = new Map<string, T[]>();
  items.forEach((it, i) => byId.set(ids[i]!, [...(byId.get(ids[i]!) ?? []), it]));
  const out = order.flatMap((id) => byId.get(id)?.splice(0, 1) ?? []);
  return [...out, ...items.filter((it) => !out.includes(it))];
}

export const defaultId = (item: unknown): string => (typeof item === 'string' ? item : String((item as { id?: unknown } | null)?.id ?? ''));

export function defaultFeatures(item: unknown): Omit<ItemFeatures, 'id'> {
  const o = (typeof item === 'object' && item ? item : {}) as Record<string, unknown>;
  const f: Omit<ItemFeatures, 'id'> = {};
  for (const k of ['title', 'category', 'brand'] as const) if (typeof o[k] === 'string') f[k] = o[k];
  if (typeof o['price'] === 'number') f.price = o['price'];
  return f;
}
