/**
 * The page-side instance: ties the store, the tracker, grid discovery and the worker engine together.
 * Nothing here throws into the shop's page after init: failures keep the shop's order, are logged once
 * and reported through on('error').
 */
import { createEngineClient, type EngineClient } from './engine-client.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids, type Grid, type GridItem } from './grid/discover.ts';
import { reorderGrid } from './grid/reorder.ts';
import { createScheduler, skipped, type LearningDecision, type LearningState, type LearningStatus } from './learning.ts';
import { HISTORY_TYPES, isLabel } from './model/labels.ts';
import { resolveOptions, type RecoOptions, type ResolvedOptions } from './options.ts';
import { storageMode, type Consent } from './tracker/consent.ts';
import { openStore, type Store } from './tracker/store.ts';
import { createTracker, type Tracker } from './tracker/tracker.ts';
import type { EventType, ExportData, HistoryEntry, ItemFeatures, RecoEvent } from './types.ts';

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
 * Adds `fn` to `listeners`; returns the unsubscribe function.
 * @throws TypeError for an unknown event type
 */
export function subscribe<K extends keyof RecoEventMap>(listeners: Listeners, type: K, fn: (detail: RecoEventMap[K]) => void): () => void {
  if (!EVENT_NAMES.includes(type)) throw new TypeError(`on(type): expected 'ready', 'ranked', 'error' or 'event', got ${JSON.stringify(type)}`);
  if (!listeners.has(type)) listeners.set(type, new Set());
  listeners.get(type)!.add(fn as (d: never) => void);
  return () => listeners.get(type)?.delete(fn as (d: never) => void);
}


export class RecoInstance {
  #store: Store | null = null;
  #tracker: Tracker | null = null;
  #engine: EngineClient | null = null;
  #scheduler: ReturnType<typeof createScheduler> | null = null;
  #observer: MutationObserver | null = null;
  readonly #antiFlicker: ReturnType<typeof createAntiFlicker>;
  readonly #listeners: Listeners = new Map();
  readonly #seen = new Map<string, ItemFeatures>();
  readonly #done = new WeakSet<Element>();
  readonly #logged = new Set<string>();
  #state: RecoStatus;
  #destroyed = false;
  /** The engine is ready or has failed: grids found from now on are ranked, or keep their order, at once. */
  #settled = false;

  readonly #opts: ResolvedOptions;
  #shared: Listeners | null;

  private constructor(opts: ResolvedOptions, shared: Listeners | null) {
    this.#opts = opts;
    this.#shared = shared;
    const gpc = typeof navigator !== 'undefined' && (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
    this.#state = {
      ready: false, backend: null, model: null, events: 0, storage: 'off', consent: opts.consent, gpc,
      control: Math.random() < opts.holdout, lastError: null, lastRankMs: null,
      learning: { rounds: 0, lastDecision: null, head: 'shipped' },
    };
    this.#antiFlicker = createAntiFlicker({ timeoutMs: opts.antiFlickerMs });
  }

  /** @internal Use Reco.init(). `shared` listeners (the global Reco.on()) also hear events emitted during init. */
  static async create(options: RecoOptions | undefined, scriptUrl: string, shared: Listeners | null = null): Promise<RecoInstance> {
    const reco = new RecoInstance(resolveOptions(options, scriptUrl), shared);
    await reco.#start();
    return reco;
  }

  async #start(): Promise<void> {
    const o = this.#opts;
    const mode = storageMode(o.consent, o.respectGpc);
    const personalizing = mode !== 'off' && !this.#state.control && o.autoPersonalize;
    if (personalizing && o.antiFlickerMs > 0) for (const g of this.#grids(document)) this.#antiFlicker.hold(g.container);
    if (mode !== 'off') {
      // The worker learns from the events this page stores; a memory-only store is out of its reach.
      const learning = mode === 'memory' ? null : { dbName: o.dbName, maxEvents: o.maxEvents, maxAgeDays: o.maxAgeDays, trainAfterEvents: o.trainAfterEvents, trainIntervalMinutes: o.trainIntervalMinutes };
      this.#engine = createEngineClient(o.workerUrl, { modelUrl: o.modelUrl, backends: o.backends, learning }, (m) => this.#debug(m), (s) => this.#scheduler?.update(s));
      this.#store = await openStore({ dbName: o.dbName, maxEvents: o.maxEvents, maxAgeDays: o.maxAgeDays, memoryOnly: mode === 'memory' });
      if (this.#store.fallbackReason) this.#debug(`memory-only storage: ${this.#store.fallbackReason}`);
      this.#state.storage = this.#store.kind;
      this.#state.events = await this.#store.count();
      this.#tracker = createTracker({
        store: this.#store,
        control: this.#state.control,
        onEvent: (e) => {
          this.#state.events++;
          this.#emit('event', e);
          if (isLabel(e.type)) this.#scheduler?.label();
        },
        onError: (err) => this.#fail(err),
      });
    }
    // Impressions and clicks count from the start, not only once the model has loaded (seconds on slow devices).
    for (const g of this.#grids(document)) this.#observeItems(g.listId, g.items);
    if (o.autoPersonalize) {
      // Only added elements can bring new grids or items; text and attribute changes (a live price, a
      // timer) never trigger a re-scan of every grid.
      this.#observer = new MutationObserver((records) => records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1)) && this.#scan());
      this.#observer.observe(document.documentElement, { childList: true, subtree: true });
    }
    if (this.#engine) {
      try {
        const s = await this.#engine.status();
        this.#state = { ...this.#state, ready: true, backend: s.backend, model: s.model };
        this.#debug(`ready on ${s.backend}, model ${s.model?.id} ${s.model?.version}`);
        this.#scheduler = createScheduler(o, () => this.#round(false).then((r) => r.state));
        this.#scheduler.update(s.learning);
        if (s.learningError) this.#debug(s.learningError);
        this.#emit('ready', this.status());
      } catch (err) {
        this.#fail(err as Error);
      }
    }
    this.#settled = true;
    await this.#personalizeGrids(this.#grids(document), !o.autoPersonalize);
  }

  /** A learning round in the worker (see train()); never rejects. */
  async #round(force: boolean): Promise<{ decision: LearningDecision; state: LearningState | null }> {
    if (!this.#engine || !this.#state.ready) return { decision: skipped(this.#engine ? 'the model is not loaded' : 'storage is off'), state: null };
    try {
      await this.#tracker?.flush();
      const r = await this.#engine.round(force);
      this.#scheduler?.update(r.state);
      this.#debug(`learning round: ${r.decision.reason}`);
      return r;
    } catch (err) {
      this.#fail(err as Error);
      return { decision: skipped(`failed: ${(err as Error).message}`), state: null };
    }
  }

  // One callback for every discovery, so discoverGrids reports a broken grid config once, not on every scan.
  readonly #gridError = (err: Error) => this.#fail(err);
  #grids(root: ParentNode): Grid[] {
    return discoverGrids(root, this.#opts.grids, this.#gridError);
  }

  #observeItems(listId: string, items: readonly GridItem[]): void {
    this.#tracker?.observe(items.flatMap((it, position) => (it.id ? [{ el: it.el, id: it.id, listId, position }] : [])));
  }

  /** New grids (or items) added by the page: track them, and personalize grids not seen before. */
  #scanQueued = false;
  #scan(): void {
    if (this.#scanQueued || this.#destroyed) return;
    this.#scanQueued = true;
    queueMicrotask(() => {
      this.#scanQueued = false;
      const grids = this.#grids(document).filter((g) => !this.#done.has(g.container) || g.items.some((i) => i.id && !this.#seen.has(i.id)));
      if (grids.length) void this.#personalizeGrids(grids, false);
    });
  }

  /** `now`: an explicit personalize() call re-orders grids in view too (animated), as asked. */
  async #personalizeGrids(grids: Grid[], trackOnly: boolean, now = false): Promise<void> {
    for (const grid of grids) {
      let items = grid.items;
      try {
        this.#remember(items.map((i) => i.features).filter((f): f is ItemFeatures => !!f));
        const fresh = !this.#done.has(grid.container);
        // A grid found while the model loads is ranked once it is ready.
        if (this.#state.ready) this.#done.add(grid.container);
        if (!trackOnly && fresh && this.#state.ready && !this.#state.control) {
          const movable = items.filter((i) => i.id && !i.pinned);
          const t0 = performance.now();
          const scores = now || this.#antiFlicker.shouldReorder(grid.container) ? await this.#score(movable.map((i) => i.features ?? { id: i.id! })) : null;
          // The shopper may be looking at it now (the hold ended while ranking): re-order it once it is out of sight.
          if (!now && !this.#antiFlicker.shouldReorder(grid.container)) this.#deferUntilHidden(grid.container);
          else if (scores) {
            const ms = performance.now() - t0;
            this.#state.lastRankMs = Math.round(ms * 10) / 10;
            this.#observer?.takeRecords();
            items = reorderGrid(grid, new Map(movable.map((it, k) => [it.id!, scores[k]!])), { animate: this.#opts.animate });
            this.#observer?.takeRecords();
            this.#emit('ranked', { listId: grid.listId, ms: this.#state.lastRankMs, order: items.map((i) => i.id ?? '') });
          }
        }
      } catch (err) {
        this.#fail(err as Error);
      } finally {
        // While the model loads, a held grid stays held (until its timeout) whatever else changes on the page.
        if (this.#settled) this.#antiFlicker.release(grid.container);
      }
      this.#observeItems(grid.listId, items);
    }
  }

  /** Grids ranked while on screen wait here until they leave the viewport or the tab is hidden. */
  #hidden: IntersectionObserver | null = null;
  readonly #deferred = new Set<Element>();
  readonly #onVisibility = () => {
    if (document.visibilityState === 'hidden') for (const c of [...this.#deferred]) this.#redo(c);
  };

  #deferUntilHidden(container: Element): void {
    if (this.#destroyed || this.#deferred.has(container) || typeof IntersectionObserver !== 'function') return;
    if (!this.#hidden) {
      this.#hidden = new IntersectionObserver((entries) => entries.forEach((e) => e.isIntersecting || !this.#antiFlicker.shouldReorder(e.target) || this.#redo(e.target)));
      document.addEventListener('visibilitychange', this.#onVisibility);
    }
    this.#deferred.add(container);
    this.#hidden.observe(container);
  }

  #redo(container: Element): void {
    this.#hidden?.unobserve(container);
    this.#deferred.delete(container);
    if (this.#destroyed || !container.isConnected) return;
    this.#done.delete(container);
    void this.#personalizeGrids(this.#grids(container).filter((g) => g.container === container), false);
  }

  #remember(features: ItemFeatures[]): void {
    const fresh = features.filter((f) => !this.#seen.has(f.id));
    for (const f of features) this.#seen.set(f.id, f);
    if (fresh.length) this.#store?.putItems(fresh).catch((err: Error) => this.#fail(err));
  }

  /** Scores for these items, or null when personalization is off or failed (the caller keeps the order). */
  async #score(items: ItemFeatures[]): Promise<number[] | null> {
    return items.length ? this.#personal(null, (history) => this.#engine!.rank(history, items)) : null;
  }

  /**
   * `fn` of the shopper's history (newest `historyLength` events); `none` without a history, in the control
   * group, when personalization is off, or when it fails.
   */
  async #personal<T>(none: T, fn: (history: HistoryEntry[]) => Promise<T>): Promise<T> {
    const store = this.#store;
    if (!this.#engine || !store || !this.#state.ready || this.#state.control) return none;
    try {
      await this.#tracker?.flush();
      const events = await store.events({ limit: this.#opts.historyLength, types: HISTORY_TYPES });
      const known = await store.items(events.map((e) => e.itemId).filter((id) => !this.#seen.has(id)));
      const history = events.map((e) => ({ item: this.#seen.get(e.itemId) ?? known.get(e.itemId) ?? { id: e.itemId }, type: e.type, ts: e.ts }));
      return history.length ? await fn(history) : none;
    } catch (err) {
      this.#fail(err as Error);
      return none;
    }
  }

  #fail(err: Error): void {
    this.#state.lastError = `${err.name}: ${err.message}`;
    if (!this.#logged.has(err.message)) {
      this.#logged.add(err.message);
      console.error(`[reco] ${err.message} (the page keeps its own order)`);
    }
    this.#emit('error', err);
  }

  #debug(msg: string): void {
    if (this.#opts.debug) console.info(`[reco] ${msg}`);
  }

  #emit<K extends keyof RecoEventMap>(type: K, detail: RecoEventMap[K]): void {
    for (const fn of [...(this.#listeners.get(type) ?? []), ...(this.#shared?.get(type) ?? [])]) {
      try {
        (fn as (d: RecoEventMap[K]) => void)(detail);
      } catch (err) {
        console.error('[reco] an on() listener threw', err);
      }
    }
  }

  /**
   * Records an event only the page knows about, with a GA4 ecommerce name.
   * @param type e.g. 'view_item', 'add_to_cart', 'purchase'
   * @param itemId the item's id, as in data-reco-id
   * @param extra flat values kept with the event (value, currency, quantity, ...)
   * Invalid input is logged and ignored; it never throws.
   */
  track(type: EventType, itemId: string, extra?: Record<string, string | number | boolean>): void {
    try {
      this.#tracker?.track(type, itemId, extra);
    } catch (err) {
      this.#fail(err as Error);
    }
  }

  /**
   * Scores items for this shopper, for pages that render lists themselves.
   * @param items ids, or items with features (title, category, brand, price) for better scores
   * @returns items sorted best first, with scores; the input order (scores 0) when personalization
   *   is off, failed, or this page view is in the control group.
   */
  async rank(items: ReadonlyArray<string | ItemFeatures>): Promise<{ id: string; score: number }[]> {
    if (!Array.isArray(items)) {
      this.#fail(new TypeError('rank(items): expected an array of ids or { id, title?, category?, brand?, price? }'));
      return [];
    }
    const feats = items.flatMap((it, i) => {
      const f = typeof it === 'string' ? this.#seen.get(it) ?? { id: it } : it;
      if (!f || typeof f.id !== 'string' || !f.id) {
        this.#fail(new TypeError(`rank(items): items[${i}].id expected a non-empty string`));
        return [];
      }
      return [f];
    });
    this.#remember(feats.filter((f) => typeof items[0] !== 'string' || f.title));
    const scores = await this.#score(feats);
    const out = feats.map((f, i) => ({ id: f.id, score: scores?.[i] ?? 0 }));
    return scores ? out.sort((a, b) => b.score - a.score) : out;
  }

  /** Re-orders the grids under `root` (default: the document) now. */
  async personalize(root: ParentNode = document): Promise<void> {
    const grids = this.#grids(root);
    for (const g of grids) this.#done.delete(g.container);
    await this.#personalizeGrids(grids, false, true);
  }

  /** A snapshot of what runs and what is stored. */
  status(): RecoStatus {
    const l = this.#scheduler?.state();
    return { ...this.#state, learning: l ? { rounds: l.rounds, lastDecision: l.lastDecision, head: l.head } : this.#state.learning };
  }

  /**
   * Runs an on-device learning round now, in the worker (normally rounds start by themselves, see the
   * `trainAfterEvents` option). Resolves with the round's decision; a round that could not run (no model,
   * another tab training, storage off) resolves as skipped. Never rejects.
   */
  async train(): Promise<LearningDecision> {
    return (await this.#round(true)).decision;
  }

  /**
   * Why an item ranks where it does: the history items that most raised its score ("Because you viewed
   * ..."), measured by leaving each one out, so the weights are exact score differences.
   * @param itemId the item's id, as in data-reco-id
   * @returns up to 3 history items (not the item itself) with positive weight; none without a history,
   *   in the control group, or when personalization is off
   */
  async explain(itemId: string): Promise<Explanation> {
    const none: Explanation = { itemId, because: [] };
    if (typeof itemId !== 'string' || !itemId) {
      this.#fail(new TypeError('explain(itemId): expected a non-empty string'));
      return none;
    }
    return this.#personal(none, async (history) => {
      const item = this.#seen.get(itemId) ?? (await this.#store!.items([itemId])).get(itemId) ?? { id: itemId };
      const titles = new Map(history.map((h) => [h.item.id, h.item.title]));
      const contributions = await this.#engine!.explain(history, item);
      const because = contributions
        .filter((c) => c.weight > 0 && c.itemId !== itemId)
        .slice(0, 3)
        .map((c) => (titles.get(c.itemId) ? { itemId: c.itemId, title: titles.get(c.itemId)!, weight: c.weight } : { itemId: c.itemId, weight: c.weight }));
      return { itemId, because };
    });
  }

  /** Everything stored about this shopper, as JSON-ready data. */
  async export(): Promise<ExportData> {
    await this.#tracker?.flush();
    return this.#store ? this.#store.export() : { exportedAt: new Date().toISOString(), events: [], items: [], meta: {} };
  }

  /** Erases everything stored about this shopper on this device. */
  async forget(): Promise<void> {
    await this.#tracker?.flush();
    // The worker first, so that a learning round under way writes nothing after the store is cleared.
    const learning = this.#state.ready ? await this.#engine?.forget().catch((err: Error) => this.#fail(err)) : null;
    await this.#store?.clear();
    this.#state.events = 0;
    this.#scheduler?.update(learning ?? null);
  }

  /** Subscribes to 'ready', 'ranked', 'error' or 'event'; returns the unsubscribe function. */
  on<K extends keyof RecoEventMap>(type: K, fn: (detail: RecoEventMap[K]) => void): () => void {
    const off = subscribe(this.#listeners, type, fn);
    if (type === 'ready' && this.#state.ready) queueMicrotask(() => (fn as (d: RecoStatus) => void)(this.status()));
    return off;
  }

  /** Removes every listener, observer and the worker; stored data stays. */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    this.#observer?.disconnect();
    this.#hidden?.disconnect();
    this.#deferred.clear();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#antiFlicker.destroy();
    this.#tracker?.destroy();
    this.#scheduler?.destroy();
    await this.#tracker?.flush();
    this.#engine?.terminate();
    this.#store?.close();
    this.#listeners.clear();
    this.#shared = null;
    this.#state.ready = false;
  }
}

