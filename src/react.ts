/**
 * React bindings (`reco-sdk/react`; React is an optional peer dependency): the app's items in this shopper's
 * order, rendered by React itself, so Reco never moves DOM nodes that React owns. The hook calls `rank()` (with the
 * merchandising rules: the order a grid of these items gets) of the instance made by `init()` (from `reco-sdk` or the script tag's `window.Reco` alike: one module, one instance).
 */
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { on, rank, status } from './index.ts';
import { createAntiFlicker, type AntiFlicker } from './main/grid/antiflicker.ts';
import { listHold } from './main/instance.ts';
import { pageRoute } from './main/route.ts';
import { reranksUnseen } from './shared/labels.ts';
import { LOCAL_KEYS } from './shared/local-keys.ts';
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
 * The order each list was last shown in, by the page's address and the list's ids. A single-page app's router renders
 * a listing again when the shopper comes back to it by Back: the list shows the order they left, as the markup path's
 * grids do, rather than ranked anew with the product just opened (their items would move under their eyes). Once per
 * arrival (src/main/route.ts): the same address pushed anew later starts from that order too, and is ranked again (the
 * items the new history moves move, not the whole list from the shop's order). Kept in memory for the page view (a
 * page loaded again starts without it), the newest MAX_LEFT lists.
 */
const left = new Map<string, { order: string[]; restoredIn?: number }>();
const MAX_LEFT = 50;
const browser = typeof window !== 'undefined';
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
interface Held {
  antiFlicker: AntiFlicker;
  containers: Element[];
}
// Runs after React has put the nodes in the document and before the browser paints them (an effect on the server).
const beforePaint = browser ? useLayoutEffect : useEffect;

/** The rendered items of these ids (their `data-reco-id`), in the document. */
function rendered(ids: readonly string[]): Element[] {
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
function holdList(ids: readonly string[], unavailable: boolean): Held | null {
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
const containersOf = (ids: readonly string[]): Element[] => [
  ...new Set(rendered(ids).flatMap((el) => el.closest('[data-reco-grid]') ?? el.parentElement ?? [])),
];

/** Shows held containers (their own style comes back). */
const showList = (held: Held | null) => held?.containers.forEach((c) => held.antiFlicker.release(c));

/** One of the containers is in sight: shown (not held), in the viewport, in a visible tab. */
const inSight = (containers: readonly Element[]): boolean => containers.some((c) => c.isConnected && !antiFlickerNow().shouldReorder(c));

/**
 * Calls `apply` once none of the containers is in sight (scrolled away, gone, or the tab hidden).
 * @returns stops waiting
 */
function whenOutOfSight(containers: readonly Element[], apply: () => void): () => void {
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
interface Mounted {
  url: string;
  arrival: number;
}

/**
 * The order the list of `key` was last shown in at this address, if any; `back` when the shopper came back to the
 * address by Back and this arrival has not restored the list yet (that order is then kept, not ranked again). Reads
 * only: React may compute a first state twice and keep either (React 18's StrictMode keeps the second), so the
 * restoring is recorded when the list commits ({@link restored}).
 */
function orderLeft(key: string): ({ order: string[]; back: boolean } & Mounted) | null {
  if (!browser) return null;
  // forget() (storage off from then on) leaves nothing of the shopper's behaviour behind, these orders included.
  if (status().storage === 'off') left.clear();
  const { url, back, arrival = 0 } = pageRoute();
  const kept = left.get(place(url, key));
  return kept ? { order: kept.order, back: back && kept.restoredIn !== arrival, url, arrival } : null;
}

/** The list of `key` was shown in the order it was left in, in this arrival: a later mount in it is ranked. */
function restored(key: string, { url, arrival }: Mounted): void {
  const kept = left.get(place(url, key));
  if (kept) kept.restoredIn = arrival;
}

function keepOrder(url: string, key: string, order: string[]): void {
  left.delete(place(url, key));
  left.set(place(url, key), { order });
  if (left.size > MAX_LEFT) left.delete(left.keys().next().value!);
}

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
  const ids = items.map((it) => id(it));
  const key = ids.join('\u0000');
  // A list shown before at this address starts in that order; one the shopper comes back to by Back is not ranked again.
  const [ranked, setRanked] = useState<{ key: string; order: string[]; restored?: Mounted } | null>(() => {
    const kept = orderLeft(key);
    return kept && { key, order: kept.order, ...(kept.back && { restored: { url: kept.url, arrival: kept.arrival } }) };
  });

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
  // The list of these ids has been in the shopper's sight in this mount (its key then): a later history event leaves
  // its order as it is, as it leaves the grids the shopper has seen.
  const viewed = useRef<string | null>(null);
  const look = () => {
    if (viewed.current !== key && inSight(containersOf(ids))) viewed.current = key;
  };
  beforePaint(() => {
    if (ranked?.key !== key) return;
    showList(held.current);
    held.current = null;
    look();
  }, [key, ranked]);

  useEffect(() => {
    if (ranked?.key === key && ranked.restored) {
      restored(key, ranked.restored);
      return;
    }
    let live = true;
    let waiting: (() => void) | null = null;
    /** The order the list shows: as given, as kept, or as a ranking of this effect rendered it. */
    let showing = ranked?.key === key ? ranked.order.join('\u0000') : key;
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
          setRanked((was) => (was?.key === key && was.order.join('\u0000') === next ? was : { key, order }));
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
      if (reranksUnseen(e.type) && viewed.current !== key) run();
    });
    const sight = new IntersectionObserver(look);
    for (const c of containersOf(ids)) sight.observe(c);
    document.addEventListener('visibilitychange', look);
    look();
    return () => {
      live = false;
      off?.();
      offRules();
      offHistory();
      sight.disconnect();
      document.removeEventListener('visibilitychange', look);
      waiting?.();
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
