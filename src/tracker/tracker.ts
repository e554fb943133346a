/**
 * Page-side capture of one page view: MRC-viewable impressions and clicks of the items the personalizer
 * hands over, events the page reports with track(), batched writes to the store. Handlers never wait on
 * storage and never throw into the page.
 */
import { HELD } from '../shared/held.ts';
import { hashRoute } from '../shared/hash-route.ts';
import { LOCAL_KEYS } from '../shared/local-keys.ts';
import type { PageStore } from '../shared/store.ts';
import { EVENT_TYPES, type EventType, type RecoEvent } from '../shared/types.ts';
import { createLocalMirror, drainJournal, editJournal, journaledEvents } from './journal.ts';
import { createEventQueue } from './queue.ts';
import { createSession, uuid } from './session.ts';
import { VIEWABLE_RATIOS, ViewabilityTimer } from './viewability.ts';

/** An item element the tracker watches for impressions and clicks. */
export interface TrackedItem {
  el: Element;
  id: string;
  listId: string;
  /** Current 0-based index in its grid. */
  position: number;
}

/** Options of {@link createTracker}. */
export interface TrackerOptions {
  /**
   * The store, or the store being opened: events recorded meanwhile (a click at page load) wait for it. Null when it
   * could not be opened at all (its code did not load): the events then stay in the journal for a later page view.
   */
  store: PageStore | Promise<PageStore | null>;
  /**
   * Mirror pending events in localStorage (the click journal) while the store is IndexedDB. Default true;
   * false in memory mode, where nothing may outlive the page (also turned off when the store opens memory-only).
   */
  journal?: boolean;
  /** This page view is in the holdout group; stamped on every event. */
  control: boolean;
  /** Idle time after which a new session starts. Default 30 minutes. */
  sessionTimeoutMs?: number;
  /** Events are written in batches at most this often. Default 1000 ms. */
  flushIntervalMs?: number;
  /** Called synchronously for every recorded event. */
  onEvent?: (e: RecoEvent) => void;
  /** Called for storage and handler failures; default `console.warn`. */
  onError?: (err: Error) => void;
  /** Called after events were written to the store (a batch, or the journal of an earlier page view). */
  onWritten?: () => void;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Records impressions, clicks and page-reported events of one page view. */
export interface Tracker {
  /** Starts or refreshes observing these items (impressions and clicks). Call again after re-ordering with new positions; re-observing does not double count. */
  observe(items: readonly TrackedItem[]): void;
  /** Stops observing these elements (cards emptied, that show no item): no impression counts for them. */
  unobserve(elements: Iterable<Element>): void;
  /**
   * Records an event the page reports (view_item, add_to_cart, purchase, ...): through track() or, with
   * `source: 'dataLayer'` or `'matomo'`, through its GA4 dataLayer or its Matomo calls. The same event (type and item) that another source
   * recorded in the last {@link SAME_EVENT_MS} is not recorded twice: a click the tracker saw and the
   * `select_item` the shop pushes for it, or a `track('add_to_cart')` and the shop's own `add_to_cart` push; nor is a
   * `select_item` or `view_item` its own source repeats within {@link DOUBLE_CLICK_MS}.
   * @returns the event recorded, or the earlier one this call repeats; undefined on a prerendered page not yet
   *   opened, which records it when the shopper opens it
   * @throws TypeError naming the field when `type` is unknown, `itemId` is empty or `extra` holds other than strings, numbers and booleans
   */
  track(
    type: EventType,
    itemId: string,
    extra?: Record<string, string | number | boolean>,
    context?: {
      listId?: string | null;
      position?: number | null;
      source?: Source;
      /**
       * An impression the shop reports (its GA4 view_item_list): recorded {@link LATE_GRID_MS} later unless a grid Reco
       * tracks shows the item by then (its impressions are the tracker's, which counts only what is seen); flush() and
       * a hidden page settle it at once.
       */
      unlessTracked?: boolean;
    },
  ): RecoEvent | undefined;
  /** True while an item with this id is observed in a grid (its impressions are the tracker's to count). */
  watching(itemId: string): boolean;
  /** True once an impression of the list was counted in this page view: the shopper has seen some of it. */
  shown(listId: string): boolean;
  /** Writes pending events now; never rejects. */
  flush(): Promise<void>;
  /**
   * Events recorded but not confirmed written to the store yet, oldest first: this page view's queue and what
   * earlier page views left in the journal. The worker reads the store, so rankings send these along.
   */
  unwritten(): RecoEvent[];
  /** Events recorded and not yet written. */
  pending(): number;
  /**
   * forget(): stops recording for the rest of the page view, drops what is pending (unwritten), journal included,
   * and writes nothing to localStorage from now on.
   */
  forget(): void;
  readonly sessionId: string;
  /**
   * The id of this page load, which keys its journal. Events carry the id of their page view: this one until a
   * single-page app's route changes the address (its path or query), then a new one per address.
   */
  readonly pageViewId: string;
  /** Removes every listener, observer and timer, and flushes what is pending. */
  destroy(): void;
}

/** Who reported an event: the tracker itself (clicks, impressions), the page's track() calls, its GA4 dataLayer, or its Matomo calls. */
export type Source = 'tracker' | 'page' | 'dataLayer' | 'matomo';

/**
 * How long an impression the shop reports waits for a Reco grid to show its item: an app pushes a listing's
 * view_item_list as its data arrives and renders the grid after it (or pushes it in <head>).
 */
export const LATE_GRID_MS = 1000;

/**
 * Within this many milliseconds, the same event (type and item) from two sources is one event. The shop's
 * own push for a click or an add to cart follows it within a moment (or after a cart request), while one
 * source repeating itself (two adds in a row) always counts.
 */
export const SAME_EVENT_MS = 5000;
/**
 * Two clicks on the same item this close are a double click: one select_item. So are two views of one item from the
 * same source: React's StrictMode runs a page's effects twice in development, and its track('view_item') with them.
 */
export const DOUBLE_CLICK_MS = 500;

/** Where an event happened: the item, and the list and position it was shown at (null when unknown). */
interface Place {
  id: string;
  listId: string | null;
  position: number | null;
}

interface Watched extends Place {
  listId: string;
  /** List and item id: an impression counts once per key. */
  key: string;
  timer: ViewabilityTimer;
}

/**
 * Starts tracking this page view: impressions and clicks of observed items, events the page reports,
 * batched writes to the store. Handlers never wait on storage and never throw into the page.
 * @param opts the store, the control flag, and optional timings and callbacks
 */
export function createTracker(opts: TrackerOptions): Tracker {
  const { store, control, now = Date.now, sessionTimeoutMs = 30 * 60_000, flushIntervalMs = 1000 } = opts;

  const pageViewId = uuid();

  const watched = new Map<Element, Watched>();
  const impressed = new Set<string>();
  /**
   * The page view: a single-page app's route that changes the address is a new one, as GA4 counts history changes as
   * page views: a listing the shopper comes back to counts its impressions again. The fragment is part of the address
   * only when it is a hash router's route (`#/…`, `#!/…`), not an anchor.
   */
  const addressNow = () => location.pathname + location.search + hashRoute();
  let view = { id: pageViewId, address: addressNow() };
  const pageView = (): string => {
    const address = addressNow();
    if (address !== view.address) {
      view = { id: uuid(), address };
      impressed.clear();
    }
    return view.id;
  };
  let destroyed = false;
  let lastTs = -Infinity;

  function report(err: unknown): void {
    try {
      (opts.onError ?? ((e) => console.warn('[reco]', e)))(err instanceof Error ? err : new Error(String(err)));
    } catch {
      // the page's own handler threw; nothing more to do
    }
  }

  function guard(fn: () => void): void {
    try {
      fn();
    } catch (err) {
      report(err);
    }
  }

  // localStorage only mirrors IndexedDB: in memory mode nothing may outlive the page.
  const known = 'then' in store ? null : store;
  const mirror = createLocalMirror(known ? known.kind === 'indexeddb' : opts.journal !== false, report);
  let forgotten = false;
  const local = Object.assign((fn: () => void) => void (!forgotten && mirror(fn)), { stop: mirror.stop });
  const session = createSession(sessionTimeoutMs, local);

  const queue = createEventQueue(store, pageViewId, { local, flushIntervalMs, report, written: opts.onWritten });
  /** Impressions the shop reported, waiting to see whether a Reco grid shows their items (see unlessTracked). */
  const awaiting = new Set<() => void>();
  const settleAwaiting = () => awaiting.forEach((settle) => settle());
  const flush = (): Promise<void> => (settleAwaiting(), queue.flush());

  /** The latest event of each type and item, and its source. */
  const latest = new Map<string, { e: RecoEvent; source: Source }>();

  function record(
    type: EventType,
    { id: itemId, listId, position }: Place,
    extra?: RecoEvent['extra'],
    source: Source = 'tracker',
  ): RecoEvent | undefined {
    // A page prerendered for a link the shopper may follow (speculation rules) is not seen yet: what it reports is
    // recorded when the shopper opens it, in the order of that moment, and a page never opened records nothing (as
    // GA4's tags do). Its impressions wait anyway: a prerendered page is hidden.
    if ((document as Document & { prerendering?: boolean }).prerendering) {
      document.addEventListener('prerenderingchange', () => guard(() => record(type, { id: itemId, listId, position }, extra, source)), {
        once: true,
      });
      return;
    }
    // An impression is per list: the shop's of an item in its own list is not Reco's of it in a Reco row.
    const key = `${type}\u0000${itemId}\u0000${type === 'view_item_list' ? listId : ''}`;
    const last = latest.get(key);
    // The same event from another source is the one already recorded; so is a second click on the same item at once (a
    // double click), or a second view of it (an effect run twice).
    const since = last ? now() - last.e.ts : Infinity;
    if (
      last &&
      (last.source !== source ? since < SAME_EVENT_MS : (type === 'select_item' || type === 'view_item') && since < DOUBLE_CLICK_MS)
    )
      return last.e;
    // Strictly increasing within a page view: a click and the view it opens often share a millisecond, and the
    // store orders ties by random id, which would shuffle the shopper's history.
    const ts = (lastTs = Math.max(now(), lastTs + 1));
    const e: RecoEvent = {
      id: uuid(),
      type,
      itemId,
      listId,
      position,
      ts,
      sessionId: session.touch(ts),
      path: location.pathname,
      control,
      pageViewId: pageView(),
    };
    if (extra) e.extra = extra;
    if (destroyed) return e;
    latest.set(key, { e, source });
    queue.push(e);
    guard(() => opts.onEvent?.(e));
    return e;
  }

  const pageVisible = () => document.visibilityState !== 'hidden';

  const io = new IntersectionObserver(
    (entries) =>
      guard(() => {
        for (const { target, intersectionRatio, boundingClientRect: box } of entries) {
          // An item of a grid held hidden until ranked (data-reco-pending, antiflicker.ts) is not in view: its second
          // starts when the hold ends. The end changes no intersection, so a held item in view is looked at again
          // every 100 ms (a hold lasts antiFlickerMs at most); one out of view is reported when it comes into view.
          // The ratio is 0 when the target is not intersecting (spec).
          // So is a card the page itself hides (visibility: hidden, e.g. an inactive slide): no pixel of it is seen.
          const held = intersectionRatio > 0 && (target.closest(`[${HELD}]`) || getComputedStyle(target).visibility === 'hidden');
          watched.get(target)?.timer.setRatio(held ? 0 : intersectionRatio, box.width * box.height);
          if (held) setTimeout(() => watched.has(target) && (io.unobserve(target), io.observe(target)), 100);
        }
      }),
    { threshold: VIEWABLE_RATIOS },
  );

  const onClick = (ev: Event) =>
    guard(() => {
      if (ev.type === 'auxclick' && (ev as MouseEvent).button !== 1) return;
      for (const node of ev.composedPath()) {
        const w = watched.get(node as Element);
        if (w) return void record('select_item', w);
      }
    });

  const onVisibility = () =>
    guard(() => {
      const visible = pageVisible();
      if (!visible) settleAwaiting(); // journaled as the page goes away
      for (const w of watched.values()) w.timer.setPageVisible(visible);
    });

  /**
   * Where clicks are heard: the document, and the closed shadow roots that hold watched cards (a web component's that
   * handed its root to personalize()): a click in a closed root reaches the document retargeted to the root's host.
   */
  const clickRoots = new Set<Node>([document]);
  /** Adds or removes the click listeners of one root. */
  const listenForClicks = (root: Node, method: 'addEventListener' | 'removeEventListener') => {
    root[method]('click', onClick, true);
    root[method]('auxclick', onClick, true);
  };
  /** Adds or removes every listener; capture sees clicks the page stops from bubbling. */
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    for (const root of clickRoots) listenForClicks(root, method);
    // Nothing is written as the page is hidden or goes away (pagehide): its events are journaled, and the next page
    // view writes them. WebKit suspends a page kept for the back/forward cache with any IndexedDB transaction it has in
    // flight, and that transaction then blocks the database for every other page of the shop until the cached page is
    // evicted (e2e/storage.spec.ts: a click on a card link, then every later page view memory-only).
    document[method]('visibilitychange', onVisibility);
  };
  listen('addEventListener');
  session.touch(now());
  // Events earlier page views journaled and did not write: rankings send them to the worker (which reads the
  // store) from the first moment, until the store is open and they are written.
  const early = journaledEvents(local, pageViewId);
  let journaled = (): RecoEvent[] => early;
  void Promise.resolve(store).then((opened) => {
    if (!opened) return; // no store: the journal keeps what this page view records
    if (opened.kind === 'indexeddb') return void (journaled = drainJournal(opened, local, report, pageViewId, opts.onWritten));
    // IndexedDB failed (private mode): what this page view journaled must not outlive it.
    journaled = () => [];
    local(() => {
      editJournal((j) => delete j[pageViewId]);
      localStorage.removeItem(LOCAL_KEYS.session);
    });
    local.stop();
  }, report);

  /** Only items still on the page: those of a grid a single-page app removed are let go at the next observe(). */
  const watching = (itemId: string): boolean => [...watched].some(([el, w]) => w.id === itemId && el.isConnected);

  function unwatch(el: Element, w: Watched): void {
    w.timer.stop();
    io.unobserve(el);
    watched.delete(el);
  }

  function destroy(): void {
    if (destroyed) return;
    destroyed = true;
    listen('removeEventListener');
    for (const [el, w] of watched) unwatch(el, w); // unobserves every element too
    void flush();
  }

  return {
    observe(items) {
      if (destroyed) return;
      guard(() => {
        pageView();
        for (const [el, w] of watched) if (!el.isConnected) unwatch(el, w);
        // A closed root whose component left the page (a single-page app's route) is let go, as its cards are.
        for (const root of clickRoots) {
          if (root instanceof ShadowRoot && !root.host.isConnected) {
            listenForClicks(root, 'removeEventListener');
            clickRoots.delete(root);
          }
        }
        for (const { el, id, listId, position } of items) {
          const key = `${listId}\u0000${id}`;
          const known = watched.get(el);
          if (known?.key === key) {
            known.position = position;
            continue;
          }
          if (known) unwatch(el, known);
          const root = el.getRootNode();
          if (root instanceof ShadowRoot && root.mode === 'closed' && !clickRoots.has(root)) {
            clickRoots.add(root);
            listenForClicks(root, 'addEventListener');
          }
          // An impression counts once per page view, list and item, also when the grid renders the item anew.
          const impression = () => {
            if (impressed.has(key)) return;
            impressed.add(key);
            record('view_item_list', w);
          };
          const w: Watched = { id, listId, position, key, timer: new ViewabilityTimer(impression, pageVisible()) };
          watched.set(el, w);
          io.observe(el);
        }
      });
    },
    unobserve(elements) {
      for (const el of elements) {
        const w = watched.get(el);
        if (w) unwatch(el, w);
      }
    },
    track(type, itemId, extra, context) {
      checkTrackArguments(type, itemId, extra, context?.source === 'dataLayer' || context?.source === 'matomo');
      const place = { id: itemId.trim(), listId: context?.listId ?? null, position: context?.position ?? null };
      const go = () => record(type, place, extra && { ...extra }, context?.source ?? 'page');
      if (!context?.unlessTracked) return go();
      const settle = () => {
        if (!awaiting.delete(settle)) return;
        clearTimeout(timer);
        if (!watching(place.id)) go();
      };
      const timer = setTimeout(settle, LATE_GRID_MS);
      awaiting.add(settle);
      return undefined;
    },
    watching,
    shown: (listId) => [...impressed].some((key) => key.startsWith(`${listId}\u0000`)),
    flush,
    unwritten: () => [...journaled(), ...queue.unwritten()],
    pending: queue.pending,
    forget() {
      forgotten = true;
      awaiting.clear();
      queue.drop();
      destroy();
    },
    get sessionId() {
      return session.id();
    },
    pageViewId,
    destroy,
  };
}

/** Types the tracker records by itself: impressions and clicks are measured, never reported by the page. */
export const AUTOMATIC_TYPES: readonly EventType[] = ['view_item_list', 'select_item'];
/** Types the page reports with track(). */
export const PAGE_TYPES = EVENT_TYPES.filter((t) => !AUTOMATIC_TYPES.includes(t));

/** A value for an error message: JSON where it says what was passed, else its type (NaN and Infinity stay themselves). */
export const shown = (v: unknown): string =>
  typeof v === 'number' ? String(v) : Array.isArray(v) ? `an array ${JSON.stringify(v)}` : (JSON.stringify(v) ?? typeof v);

/**
 * The arguments of track(), checked.
 * @param automatic the automatic types are accepted too: the shop's GA4 dataLayer reports its own clicks and impressions
 * @throws TypeError naming the field when `type` is unknown or recorded automatically, `itemId` is empty, or `extra` is
 *   not a plain object of strings, finite numbers and booleans
 */
export function checkTrackArguments(type: unknown, itemId: unknown, extra: unknown, automatic = false): void {
  const isAutomatic = (AUTOMATIC_TYPES as readonly unknown[]).includes(type);
  if (isAutomatic && !automatic) {
    throw new TypeError(
      `track: type ${JSON.stringify(type)} is recorded automatically (impressions and clicks of grid items); report one of ${PAGE_TYPES.join(', ')}`,
    );
  }
  if (!isAutomatic && !(PAGE_TYPES as readonly unknown[]).includes(type)) {
    throw new TypeError(`track: type must be one of ${PAGE_TYPES.join(', ')}; got ${shown(type)}`);
  }
  if (typeof itemId !== 'string' || !itemId.trim()) {
    throw new TypeError(`track: itemId must be a non-blank string; got ${shown(itemId)}`);
  }
  // A plain object only: a Date, a Map or an array would be stored as {} or lose its entries.
  if (extra !== undefined && Object.prototype.toString.call(extra) !== '[object Object]') {
    throw new TypeError(`track: extra must be an object of string, number or boolean values; got ${shown(extra)}`);
  }
  for (const [k, v] of Object.entries(extra ?? {})) {
    if (typeof v === 'number' && !Number.isFinite(v)) throw new TypeError(`track: extra.${k} must be a finite number; got ${v}`);
    if (!['string', 'number', 'boolean'].includes(typeof v)) {
      throw new TypeError(`track: extra.${k} must be a string, number or boolean; got ${Array.isArray(v) ? 'an array' : typeof v}`);
    }
  }
}
