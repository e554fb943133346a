/**
 * The page-side instance: ties the store, the tracker, grid discovery and the worker engine together.
 * Nothing here throws into the shop's page after init: failures keep the shop's order, are logged once
 * and reported through on('error').
 */
import { createEngineClient, type EngineClient } from './engine-client.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids, type Grid, type GridItem } from './grid/discover.ts';
import { reorderGrid } from './grid/reorder.ts';
import { createLearningScheduler, type LearningScheduler } from './scheduler.ts';
import { HISTORY_TYPES, isLabel } from '../shared/labels.ts';
import { skipped, type LearningDecision, type LearningStatus } from '../shared/learning.ts';
import type { RoundReply } from '../shared/protocol.ts';
import { resolveOptions } from './options.ts';
import type { Consent, RecoOptions } from '../shared/options.ts';
import { storageMode } from '../tracker/consent.ts';
import { openStore, type Store } from '../shared/store.ts';
import { createTracker, type Tracker } from '../tracker/tracker.ts';
import type { EventType, ExportData, HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';

/** What `status()` reports. */
export interface RecoStatus {
  /** The model is loaded and grids are being personalized. */
  ready: boolean;
  /** The tfjs backend that really runs in the worker (e.g. "webgpu", "wasm"), or null. */
  backend: string | null;
  model: { id: string; version: string } | null;
  /** Events stored for this shopper. */
  events: number;
  /** Where events go: IndexedDB, memory only (GPC, private mode), or nowhere (consent denied). */
  storage: 'indexeddb' | 'memory' | 'off';
  consent: Consent;
  /** The browser sent Global Privacy Control. */
  gpc: boolean;
  /** This page view is in the unpersonalized control group. */
  control: boolean;
  lastError: string | null;
  /** Milliseconds of the last ranking, worker round trip included. */
  lastRankMs: number | null;
  /** On-device learning: rounds run, the last round's decision and numbers, the head in use. */
  learning: LearningStatus;
}

/** `explain()`: the history items that most raised an item's score. */
export interface Explanation {
  itemId: string;
  /** At most 3, largest first; `weight` is the item's score minus its score without that history item. */
  because: { itemId: string; title?: string; weight: number }[];
}

export interface RankedEvent {
  listId: string;
  ms: number;
  order: string[];
}

/** Events of `on()` and what their listeners receive. */
export interface RecoEventMap {
  ready: RecoStatus;
  ranked: RankedEvent;
  error: Error;
  event: RecoEvent;
}

/** Listeners by event type; the global `Reco.on()` keeps one such map that every instance of `init()` emits to. */
export type Listeners = Map<keyof RecoEventMap, Set<(d: never) => void>>;

const EVENT_NAMES: readonly string[] = ['ready', 'ranked', 'error', 'event'];

/**
 * Adds `fn` to `listeners`; returns the unsubscribe function. A 'ready' listener added once `reco` is
 * ready hears it too.
 * @throws TypeError for an unknown event type
 */
export function subscribe<K extends keyof RecoEventMap>(
  listeners: Listeners,
  type: K,
  fn: (detail: RecoEventMap[K]) => void,
  reco: RecoInstance | null,
): () => void {
  if (!EVENT_NAMES.includes(type)) throw new TypeError(`on(type): expected one of ${EVENT_NAMES.join(', ')}, got ${JSON.stringify(type)}`);
  listeners.set(type, (listeners.get(type) ?? new Set()).add(fn as (d: never) => void));
  if (type === 'ready' && reco?.status().ready) queueMicrotask(() => (fn as (d: RecoStatus) => void)(reco.status()));
  return () => listeners.get(type)?.delete(fn as (d: never) => void);
}

/** The status of an instance whose model is not loaded (yet). */
export const notReady = (consent: Consent, gpc: boolean, control: boolean, lastError: string | null): RecoStatus => ({
  ready: false,
  backend: null,
  model: null,
  events: 0,
  storage: 'off',
  consent,
  gpc,
  control,
  lastError,
  lastRankMs: null,
  learning: { rounds: 0, lastDecision: null, head: 'shipped' },
});

/** A running Reco: what `Reco.init()` resolves to. Nothing here throws into the page. */
export interface RecoInstance {
  /**
   * Records an event only the page knows about, with a GA4 ecommerce name.
   * @param type e.g. 'view_item', 'add_to_cart', 'purchase'
   * @param itemId the item's id, as in data-reco-id
   * @param extra flat values kept with the event (value, currency, quantity, ...)
   * Invalid input is logged and ignored; it never throws.
   */
  track(type: EventType, itemId: string, extra?: Record<string, string | number | boolean>): void;
  /**
   * Scores items for this shopper, for pages that render lists themselves.
   * @param items ids, or items with features (title, category, brand, price) for better scores
   * @returns items sorted best first, with scores; the input order (scores 0) when personalization
   *   is off, failed, or this page view is in the control group.
   */
  rank(items: ReadonlyArray<string | ItemFeatures>): Promise<{ id: string; score: number }[]>;
  /** Re-orders the grids under `root` (default: the document) now. */
  personalize(root?: ParentNode): Promise<void>;
  /** A snapshot of what runs and what is stored. */
  status(): RecoStatus;
  /**
   * Runs an on-device learning round now, in the worker (normally rounds start by themselves, see the
   * `trainAfterEvents` option). Resolves with the round's decision; a round that could not run (no model,
   * another tab training, storage off) resolves as skipped. Never rejects.
   */
  train(): Promise<LearningDecision>;
  /**
   * Why an item ranks where it does: the history items that most raised its score ("Because you viewed
   * ..."), measured by leaving each one out, so the weights are exact score differences.
   * @param itemId the item's id, as in data-reco-id
   * @returns up to 3 history items (not the item itself) with positive weight; none without a history,
   *   in the control group, or when personalization is off
   */
  explain(itemId: string): Promise<Explanation>;
  /** Everything stored about this shopper, as JSON-ready data. */
  export(): Promise<ExportData>;
  /** Erases everything stored about this shopper on this device. */
  forget(): Promise<void>;
  /** Subscribes to 'ready', 'ranked', 'error' or 'event'; returns the unsubscribe function. */
  on<K extends keyof RecoEventMap>(type: K, fn: (detail: RecoEventMap[K]) => void): () => void;
  /** Removes every listener, observer and the worker; stored data stays. */
  destroy(): Promise<void>;
}

/**
 * @internal Use Reco.init(). Validates the options, starts storage, the worker and the observers, and
 * resolves once the first grids are ranked. `shared` listeners (the global Reco.on()) also hear events
 * emitted during init.
 * @throws TypeError (as a rejection) naming the option when an option is invalid
 */
export async function createInstance(options: RecoOptions | undefined, scriptUrl: string, shared: Listeners | null): Promise<RecoInstance> {
  const opts = resolveOptions(options, scriptUrl);
  let store: Store | undefined;
  let tracker: Tracker | undefined;
  let engine: EngineClient | undefined;
  let scheduler: LearningScheduler | undefined;
  let observer: MutationObserver | undefined;
  /** Grids ranked while on screen wait in `deferred` until they leave the viewport (`hidden`) or the tab is hidden. */
  const deferred = new Set<Element>();
  const antiFlicker = createAntiFlicker({ timeoutMs: opts.antiFlickerMs });
  const listeners: Listeners = new Map();
  const seen = new Map<string, ItemFeatures>();
  const done = new WeakSet<Element>();
  const logged = new Set<string>();
  let destroyed = false;
  /** The engine is ready or has failed: grids found from now on are ranked, or keep their order, at once. */
  let settled = false;
  let scanQueued = false;
  let state = notReady(
    opts.consent,
    (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true,
    Math.random() < opts.holdout,
    null,
  );

  const fail = (err: Error): void => {
    state.lastError = `${err.name}: ${err.message}`;
    if (!logged.has(err.message)) {
      logged.add(err.message);
      console.error(`[reco] ${err.message}; shop order kept`);
    }
    emit('error', err);
  };

  const debug = (msg: string): void => {
    if (opts.debug) console.info(`[reco] ${msg}`);
  };

  const emit = <K extends keyof RecoEventMap>(type: K, detail: RecoEventMap[K]): void => {
    for (const fn of [...(listeners.get(type) ?? []), ...(shared?.get(type) ?? [])]) {
      try {
        (fn as (d: RecoEventMap[K]) => void)(detail);
      } catch (err) {
        console.error('[reco] an on() listener threw', err);
      }
    }
  };

  // One callback (fail) for every discovery, so discoverGrids reports a broken grid config once, not on every scan.
  const grids = (root: ParentNode): Grid[] => discoverGrids(root, opts.grids, fail);

  const observeItems = (listId: string, items: readonly GridItem[]): void =>
    tracker?.observe(items.flatMap((it, position) => (it.id ? [{ el: it.el, id: it.id, listId, position }] : [])));

  /** New grids (or items) added by the page: track them, and personalize grids not seen before (personalizeGrids skips the others). */
  const scan = (): void => {
    if (scanQueued || destroyed) return;
    scanQueued = true;
    queueMicrotask(() => {
      scanQueued = false;
      void personalizeGrids(grids(document));
    });
  };

  /**
   * `now`: an explicit personalize() call re-orders grids again, and those in view too (animated), as asked;
   * without `autoPersonalize` only such calls re-order, other grids are only tracked.
   */
  const personalizeGrids = async (found: Grid[], now = false): Promise<void> => {
    for (const grid of found) {
      const container = grid.container;
      let items = grid.items;
      try {
        remember(items.map((i) => i.features).filter((f): f is ItemFeatures => !!f));
        const fresh = !done.has(container);
        // A grid found while the model loads is ranked once it is ready.
        if (state.ready) done.add(container);
        if ((now || (fresh && opts.autoPersonalize)) && state.ready && !state.control) {
          const movable = items.filter((i) => i.id && !i.pinned);
          const t0 = performance.now();
          const scores = now || antiFlicker.shouldReorder(container) ? await score(movable.map((i) => i.features ?? { id: i.id! })) : null;
          // The shopper may be looking at it now (the hold ended while ranking): re-order it once it is out of sight.
          if (!now && !antiFlicker.shouldReorder(container)) deferUntilHidden(container);
          else if (scores) {
            const ms = (state.lastRankMs = +(performance.now() - t0).toFixed(1));
            // The page's own pending changes are handled (a grid it just added is found); only our moves are ignored.
            if (observer?.takeRecords().length) scan();
            items = reorderGrid(grid, new Map(movable.map((it, k) => [it.id!, scores[k]!])), { animate: opts.animate });
            observer?.takeRecords();
            emit('ranked', { listId: grid.listId, ms, order: items.map((i) => i.id ?? '') });
          }
        }
      } catch (err) {
        fail(err as Error);
      } finally {
        // While the model loads, a held grid stays held (until its timeout) whatever else changes on the page.
        if (settled) antiFlicker.release(container);
      }
      observeItems(grid.listId, items);
    }
  };

  // Called when a deferred grid leaves or enters the viewport, and when the tab is hidden or shown.
  const onVisibility = () => deferred.forEach((c) => antiFlicker.shouldReorder(c) && redo(c));

  const hidden = new IntersectionObserver(onVisibility);
  const deferUntilHidden = (container: Element): void => {
    if (destroyed) return;
    deferred.add(container);
    hidden.observe(container);
  };

  const redo = (container: Element): void => {
    hidden.unobserve(container);
    deferred.delete(container);
    if (destroyed || !container.isConnected) return;
    done.delete(container);
    void personalizeGrids(grids(container).filter((g) => g.container === container));
  };

  const remember = (features: ItemFeatures[]): void => {
    const fresh = features.filter((f) => !seen.has(f.id));
    for (const f of features) seen.set(f.id, f);
    if (fresh.length) store?.putItems(fresh).catch(fail);
  };

  /**
   * `fn` of the shopper's history (newest `historyLength` events); `none` without a history, in the control
   * group, when personalization is off, or when it fails.
   */
  const personal = async <T>(
    none: T,
    fn: (history: HistoryEntry[], engine: EngineClient, item: (id: string) => ItemFeatures) => Promise<T>,
    ids: string[] = [],
  ): Promise<T> => {
    if (!engine || !store || !state.ready || state.control) return none;
    try {
      await tracker?.flush();
      const events = await store.events({ limit: opts.historyLength, types: HISTORY_TYPES });
      // Features of the history items and of `ids`: seen on this page, else stored, else the id alone.
      const known = await store.items([...events.map((ev) => ev.itemId), ...ids].filter((id) => !seen.has(id)));
      const item = (id: string) => seen.get(id) ?? known.get(id) ?? { id };
      const history = events.map((ev) => ({ item: item(ev.itemId), type: ev.type, ts: ev.ts }));
      return history.length ? await fn(history, engine!, item) : none;
    } catch (err) {
      fail(err as Error);
      return none;
    }
  };

  /** Scores for these items, or null when personalization is off or failed (the caller keeps the order). */
  const score = async (items: ItemFeatures[]): Promise<number[] | null> =>
    items.length ? personal(null, (history, e) => e.rank(history, items)) : null;

  /** A learning round in the worker (see train()); never rejects. */
  const round = async (force: boolean): Promise<RoundReply> => {
    let why = engine ? 'the model is not loaded' : 'storage is off';
    if (engine && state.ready) {
      try {
        await tracker?.flush();
        const r = await engine.round(force);
        scheduler?.update(r.state);
        debug(`learning round: ${r.decision.reason}`);
        return r;
      } catch (err) {
        fail(err as Error);
        why = `failed: ${(err as Error).message}`;
      }
    }
    return { decision: skipped(why), state: null };
  };

  const reco: RecoInstance = {
    track(type, itemId, extra) {
      try {
        tracker?.track(type, itemId, extra);
      } catch (err) {
        fail(err as Error);
      }
    },

    async rank(items) {
      if (!Array.isArray(items)) {
        fail(new TypeError('rank(items): expected an array'));
        return [];
      }
      const feats = items.flatMap((it, i) => {
        const f = typeof it === 'string' ? (seen.get(it) ?? { id: it }) : it;
        if (!f || typeof f.id !== 'string' || !f.id) {
          fail(new TypeError(`rank(items): items[${i}].id expected a non-empty string`));
          return [];
        }
        return [f];
      });
      remember(feats.filter((f) => typeof items[0] !== 'string' || f.title));
      const scores = await score(feats);
      // Without scores all are 0, and the stable sort keeps the input order.
      return feats.map((f, i) => ({ id: f.id, score: scores?.[i] ?? 0 })).sort((a, b) => b.score - a.score);
    },

    personalize: async (root = document) => personalizeGrids(grids(root), true),

    status() {
      const { rounds, lastDecision, head } = scheduler?.state() ?? state.learning;
      return { ...state, learning: { rounds, lastDecision, head } };
    },

    async train() {
      return (await round(true)).decision;
    },

    async explain(itemId) {
      const none: Explanation = { itemId, because: [] };
      if (typeof itemId !== 'string' || !itemId) {
        fail(new TypeError('explain(itemId): expected a non-empty string'));
        return none;
      }
      return personal(
        none,
        async (history, e, item) => {
          const contributions = await e.explain(history, item(itemId));
          const because = contributions
            .filter((c) => c.weight > 0 && c.itemId !== itemId)
            .slice(0, 3)
            .map(({ itemId: id, weight }) => {
              const { title } = item(id);
              return title ? { itemId: id, title, weight } : { itemId: id, weight };
            });
          return { itemId, because };
        },
        [itemId],
      );
    },

    async export() {
      await tracker?.flush();
      return store ? store.export() : { exportedAt: new Date().toISOString(), events: [], items: [], meta: {} };
    },

    async forget() {
      await tracker?.flush();
      // The worker first, so that a learning round under way writes nothing after the store is cleared.
      const learning = state.ready ? await engine?.forget().catch(fail) : null;
      await store?.clear();
      state.events = 0;
      scheduler?.update(learning ?? null);
    },

    on: (type, fn) => subscribe(listeners, type, fn, reco),

    async destroy() {
      if (destroyed) return;
      destroyed = true;
      observer?.disconnect();
      hidden.disconnect();
      deferred.clear();
      document.removeEventListener('visibilitychange', onVisibility);
      antiFlicker.destroy();
      tracker?.destroy();
      scheduler?.destroy();
      await tracker?.flush();
      engine?.terminate();
      store?.close();
      listeners.clear();
      shared = null;
      state.ready = false;
    },
  };

  document.addEventListener('visibilitychange', onVisibility);
  const mode = storageMode(opts.consent, opts.respectGpc);
  if (mode !== 'off' && !state.control && opts.autoPersonalize && opts.antiFlickerMs > 0)
    for (const g of grids(document)) antiFlicker.hold(g.container);
  if (mode !== 'off') {
    // The worker learns from the events this page stores; a memory-only store is out of its reach.
    const learning =
      mode === 'memory'
        ? null
        : {
            dbName: opts.dbName,
            maxEvents: opts.maxEvents,
            maxAgeDays: opts.maxAgeDays,
            trainAfterEvents: opts.trainAfterEvents,
            trainIntervalMinutes: opts.trainIntervalMinutes,
          };
    engine = createEngineClient(opts.workerUrl, { modelUrl: opts.modelUrl, backends: opts.backends, learning }, debug, (s) =>
      scheduler?.update(s),
    );
    const s = (store = await openStore({ ...opts, memoryOnly: mode === 'memory' }));
    if (s.fallbackReason) debug(`memory-only storage: ${s.fallbackReason}`);
    state.storage = s.kind;
    state.events = await s.count();
    tracker = createTracker({
      store: s,
      control: state.control,
      onEvent: (e) => {
        state.events++;
        emit('event', e);
        if (isLabel(e.type)) scheduler?.label();
      },
      onError: fail,
    });
  }
  // Impressions and clicks count from the start, not only once the model has loaded (seconds on slow devices).
  for (const g of grids(document)) observeItems(g.listId, g.items);
  if (opts.autoPersonalize) {
    // Only added elements can bring new grids or items; text and attribute changes (a live price, a
    // timer) never trigger a re-scan of every grid.
    observer = new MutationObserver((records) => records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1)) && scan());
    observer.observe(document.documentElement, { childList: true, subtree: true });
  }
  if (engine) {
    try {
      const s = await engine.status();
      state = { ...state, ready: true, backend: s.backend, model: s.model };
      debug(`ready on ${s.backend}`);
      scheduler = createLearningScheduler(opts, () => round(false).then((r) => r.state));
      scheduler.update(s.learning);
      if (s.learningError) debug(s.learningError);
      emit('ready', reco.status());
    } catch (err) {
      fail(err as Error);
    }
  }
  settled = true;
  await personalizeGrids(grids(document));
  return reco;
}
