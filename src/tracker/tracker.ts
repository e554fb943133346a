import { EVENT_TYPES, type EventType, type RecoEvent } from '../shared/types.ts';
import { LOCAL_KEYS, type Store } from '../shared/store.ts';

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
  store: Store;
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
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Records impressions, clicks and page-reported events of one page view. */
export interface Tracker {
  /** Starts or refreshes observing these items (impressions and clicks). Call again after re-ordering with new positions; re-observing does not double count. */
  observe(items: readonly TrackedItem[]): void;
  /**
   * Records an event the page reports (view_item, add_to_cart, purchase, ...).
   * @throws TypeError naming the field when `type` is unknown, `itemId` is empty or `extra` holds other than strings, numbers and booleans
   */
  track(
    type: EventType,
    itemId: string,
    extra?: Record<string, string | number | boolean>,
    context?: { listId?: string | null; position?: number | null },
  ): RecoEvent;
  /** Writes pending events now; never rejects. */
  flush(): Promise<void>;
  readonly sessionId: string;
  readonly pageViewId: string;
  /** Removes every listener, observer and timer, and flushes what is pending. */
  destroy(): void;
}

/** MRC viewable impression: at least 50% of the pixels in view for at least one continuous second. */
const VIEWABLE_RATIO = 0.5;
const VIEWABLE_MS = 1000;

/**
 * One item's MRC viewability clock: calls `onViewable` once, after the item has been at least
 * 50% in view, in a visible tab, for one continuous second. Fed by IntersectionObserver ratios
 * and page visibility; uses `setTimeout`, so fake timers drive it in tests.
 */
export class ViewabilityTimer {
  done = false;
  #inView = false;
  #pageVisible: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onViewable: () => void;

  constructor(onViewable: () => void, pageVisible = true) {
    this.#onViewable = onViewable;
    this.#pageVisible = pageVisible;
  }

  /** The item's current intersection ratio (0 when not intersecting). */
  setRatio(ratio: number): void {
    this.#inView = ratio >= VIEWABLE_RATIO;
    this.#update();
  }

  setPageVisible(visible: boolean): void {
    this.#pageVisible = visible;
    this.#update();
  }

  stop(): void {
    this.done = true;
    this.#update();
  }

  #update(): void {
    if (this.done || !this.#inView || !this.#pageVisible) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else {
      this.#timer ??= setTimeout(() => {
        this.stop();
        this.#onViewable();
      }, VIEWABLE_MS);
    }
  }
}

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

interface Session {
  id: string;
  last: number;
}

/** Events not yet confirmed written, by page view id, so a navigation cannot lose them. */
type Journal = Record<string, RecoEvent[]>;

/** A random v4 UUID. crypto.randomUUID needs a secure context; getRandomValues does not. */
export function uuid(): string {
  return (
    crypto.randomUUID?.() ??
    '10000000-1000-4000-8000-100000000000'.replace(/[018]/g, (c) =>
      (+c ^ (crypto.getRandomValues(new Uint8Array(1))[0]! & (15 >> (+c / 4)))).toString(16),
    )
  );
}

function readJson(key: string): unknown {
  try {
    return JSON.parse(localStorage.getItem(key) ?? 'null');
  } catch {
    return null;
  }
}

/**
 * Reads the journal, keeping only lists of valid events, lets `change` edit it, and writes it back
 * without empty lists (none left removes the key).
 */
function editJournal(change: (j: Journal) => void): void {
  const raw = readJson(LOCAL_KEYS.pending) as Journal | null;
  const j: Journal = {};
  for (const pv in raw) {
    if (Array.isArray(raw[pv])) {
      j[pv] = raw[pv].filter(
        (e: Partial<RecoEvent> | null) =>
          typeof e?.id === 'string' &&
          typeof e.itemId === 'string' &&
          typeof e.ts === 'number' &&
          (EVENT_TYPES as readonly unknown[]).includes(e.type),
      );
    }
  }
  change(j);
  for (const pv in j) if (!j[pv]!.length) delete j[pv];
  const text = JSON.stringify(j);
  if (text === '{}') localStorage.removeItem(LOCAL_KEYS.pending);
  else localStorage.setItem(LOCAL_KEYS.pending, text);
}

/**
 * Starts tracking this page view: impressions and clicks of observed items, events the page reports,
 * batched writes to the store. Handlers never wait on storage and never throw into the page.
 * @param opts the store, the control flag, and optional timings and callbacks
 */
export function createTracker(opts: TrackerOptions): Tracker {
  const { store, control, now = Date.now, sessionTimeoutMs = 30 * 60_000, flushIntervalMs = 1000 } = opts;

  const pageViewId = uuid();
  // localStorage only mirrors IndexedDB: in memory mode nothing may outlive the page.
  let persist = store.kind === 'indexeddb';

  const watched = new Map<Element, Watched>();
  const impressed = new Set<string>();
  let queue: RecoEvent[] = []; // recorded, not yet confirmed written
  let writing = Promise.resolve();
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let session: Session = { id: '', last: 0 };
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

  function local(fn: () => void): void {
    if (!persist) return;
    try {
      fn();
    } catch (err) {
      persist = false; // blocked or full: report once, then keep going in memory
      report(err);
    }
  }

  function touchSession(ts: number): string {
    local(() => {
      const s = readJson(LOCAL_KEYS.session) as Partial<Session> | null;
      if (typeof s?.id === 'string' && typeof s.last === 'number') session = s as Session;
    });
    if (!session.id || ts - session.last > sessionTimeoutMs) session = { id: uuid(), last: ts };
    else session.last = Math.max(session.last, ts);
    local(() => localStorage.setItem(LOCAL_KEYS.session, JSON.stringify(session)));
    return session.id;
  }

  function writeJournal(): void {
    local(() => editJournal((j) => (j[pageViewId] = queue)));
  }

  function record(type: EventType, { id: itemId, listId, position }: Place, extra?: RecoEvent['extra']): RecoEvent {
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
      sessionId: touchSession(ts),
      path: location.pathname,
      control,
      pageViewId,
    };
    if (extra) e.extra = extra;
    if (destroyed) return e;
    queue.push(e);
    writeJournal();
    flushTimer ??= setTimeout(flush, flushIntervalMs);
    guard(() => opts.onEvent?.(e));
    return e;
  }

  function flush(): Promise<void> {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    return (writing = writing.then(async () => {
      const n = queue.length;
      if (!n) return;
      try {
        await store.add(queue.slice(0, n));
      } catch (err) {
        report(err); // dropped: retrying a broken store would only repeat the error
      }
      // Flushes run one after another, so the batch is still the head of the queue.
      queue = queue.slice(n);
      writeJournal();
    }));
  }

  const pageVisible = () => document.visibilityState !== 'hidden';

  const io = new IntersectionObserver(
    (entries) =>
      guard(() => {
        // The ratio is 0 when the target is not intersecting (spec), so it alone decides.
        for (const en of entries) watched.get(en.target)?.timer.setRatio(en.intersectionRatio);
      }),
    { threshold: VIEWABLE_RATIO },
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
      for (const w of watched.values()) w.timer.setPageVisible(visible);
      if (!visible) void flush();
    });

  /** Adds or removes every listener; capture sees clicks the page stops from bubbling. */
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    document[method]('click', onClick, true);
    document[method]('auxclick', onClick, true);
    document[method]('visibilitychange', onVisibility);
    window[method]('pagehide', flush);
  };
  listen('addEventListener');
  touchSession(now());

  // Events a page view journaled but did not write (a navigation cut it short) go to the store now.
  let left: Journal = {};
  local(() => editJournal((j) => (left = j)));
  const drained = new Map(
    Object.values(left)
      .flat()
      .map((e) => [e.id, e]),
  );
  // Only what was drained leaves the journal: a tab of those page views may still be adding to it.
  const drop = (j: Journal) => {
    for (const pv in left) j[pv] &&= j[pv].filter((e) => !drained.has(e.id));
  };
  if (drained.size) store.add([...drained.values()]).then(() => local(() => editJournal(drop)), report);

  function unwatch(el: Element, w: Watched): void {
    w.timer.stop();
    io.unobserve(el);
    watched.delete(el);
  }

  return {
    observe(items) {
      if (destroyed) return;
      guard(() => {
        for (const [el, w] of watched) if (!el.isConnected) unwatch(el, w);
        for (const { el, id, listId, position } of items) {
          const key = `${listId}\u0000${id}`;
          const known = watched.get(el);
          if (known?.key === key) {
            known.position = position;
            continue;
          }
          if (known) unwatch(el, known);
          // An impression counts once per list and item, also when the grid renders the item anew.
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
    track(type, itemId, extra, context) {
      if (!(EVENT_TYPES as readonly unknown[]).includes(type)) {
        throw new TypeError(`track: type must be one of ${EVENT_TYPES.join(', ')}; got ${JSON.stringify(type)}`);
      }
      if (typeof itemId !== 'string' || !itemId) {
        throw new TypeError(`track: itemId must be a non-empty string; got ${JSON.stringify(itemId)}`);
      }
      if (extra !== undefined && (typeof extra !== 'object' || !extra)) {
        throw new TypeError(`track: extra must be an object; got ${JSON.stringify(extra)}`);
      }
      for (const [k, v] of Object.entries(extra ?? {})) {
        if (!['string', 'number', 'boolean'].includes(typeof v)) {
          throw new TypeError(`track: extra.${k} must be a string, number or boolean; got ${typeof v}`);
        }
      }
      return record(type, { id: itemId, listId: context?.listId ?? null, position: context?.position ?? null }, extra && { ...extra });
    },
    flush,
    get sessionId() {
      return session.id;
    },
    pageViewId,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      listen('removeEventListener');
      for (const [el, w] of watched) unwatch(el, w); // unobserves every element too
      void flush();
    },
  };
}
