/** The page-facing API: what `Reco.init()` resolves to, and what its methods and events carry. */
import type { LearningDecision, LearningStatus } from '../shared/learning.ts';
import type { BackendTried, Consent } from '../shared/options.ts';
import type { Recommendation, RecommendRequest } from '../shared/placements.ts';
import type { CacheStatus, CatalogStatus, DownloadProgress } from '../shared/protocol.ts';
import type { Rules } from '../shared/rules.ts';
import type { RenderOptions } from './cards.ts';
import type { RankOptions } from './ranker.ts';
import type { ExportData, ItemFeatures, PageEventType, RecoEvent } from '../shared/types.ts';

/** What `status()` reports. */
export interface RecoStatus {
  /** The model is loaded and grids are being personalized. */
  ready: boolean;
  /**
   * The engine (worker and model): 'loading' during init(), 'ready', 'restarting' after a worker failure (calls
   * wait for the new worker), 'down' when it cannot serve for the rest of the page view (`lastError` says why),
   * 'off' when nothing runs (consent denied).
   */
  engine: 'off' | 'loading' | 'ready' | 'restarting' | 'down';
  /** The tfjs backend that really runs in the worker (e.g. "webgpu", "wasm"), or null. */
  backend: string | null;
  /**
   * The backends tried, in order, up to the one that runs (`ok`), and for each other one why it is not used,
   * e.g. "WebGPU is not available in this browser (no navigator.gpu in workers)" or "skipped: a software adapter
   * (google swiftshader, a fallback adapter) ...". Empty until the model is loaded.
   */
  backends: BackendTried[];
  /** What came from the device instead of the network: model files and wasm (Cache Storage), and the first ranking (snapshot). */
  cache: CacheStatus;
  model: { id: string; version: string } | null;
  /** Events stored for this shopper. */
  events: number;
  /** Where events go: IndexedDB, memory only (GPC, private mode), or nowhere (consent denied, or after forget()). */
  storage: 'indexeddb' | 'memory' | 'off';
  /** Why storage is not IndexedDB (GPC, consent, IndexedDB missing or blocked, forget()); null when it is. */
  storageReason: string | null;
  /** Malformed rows read back from IndexedDB and skipped (each counted once): they never stop personalization. */
  skippedRows: number;
  consent: Consent;
  /** The browser sent Global Privacy Control. */
  gpc: boolean;
  /** This page view is in the unpersonalized control group. */
  control: boolean;
  /** The latest error as text, `'<name>: <message>'` (branch on the name through on('error')); null when none. */
  lastError: string | null;
  /** Milliseconds of the last ranking, worker round trip included. */
  lastRankMs: number | null;
  /** On-device learning: rounds run, the last round's decision and numbers, the head in use. */
  learning: LearningStatus;
  /**
   * Where placements draw from: with a `catalogUrl` feed, once it has loaded or failed (`error` says why), and at the
   * earliest as init() resolves; without one (the items seen), once a placement asked. Null before.
   */
  catalog: CatalogStatus | null;
}

/** The status of an instance whose model is not loaded (yet). */
export const notReady = (consent: Consent, gpc: boolean, control: boolean, lastError: string | null): RecoStatus => ({
  ready: false,
  engine: 'off',
  backend: null,
  backends: [],
  cache: { available: false, model: null, wasm: null, snapshot: null },
  model: null,
  events: 0,
  storage: 'off',
  storageReason: null,
  skippedRows: 0,
  consent,
  gpc,
  control,
  lastError,
  lastRankMs: null,
  learning: { rounds: 0, lastDecision: null, head: 'shipped' },
  catalog: null,
});

/** `explain()`: the history items that most raised an item's score. */
export interface Explanation {
  itemId: string;
  /** At most 3, largest first; `weight` is the item's score minus its score without that history item. */
  because: { itemId: string; title?: string; weight: number }[];
}

export type { CacheStatus, DownloadProgress };

/** The 'ranked' event: a grid was re-ordered. */
export interface RankedEvent {
  listId: string;
  /** Milliseconds of the ranking, worker round trip included. */
  ms: number;
  /** The grid's item ids in their new order ('' for items without an id). */
  order: string[];
}

/** Events of `on()` and what their listeners receive. */
export interface RecoEventMap {
  ready: RecoStatus;
  ranked: RankedEvent;
  /** The merchandising rules setRules() put in force (the grids are arranged with them, and useRanked's lists). */
  rules: Rules;
  error: Error;
  event: RecoEvent;
  /** A model file downloading: bytes so far, and the total when known. */
  progress: DownloadProgress;
}

/** A running Reco: what `Reco.init()` resolves to. Nothing here throws into the page. */
export interface RecoInstance {
  /**
   * Records an event only the page knows about, with a GA4 ecommerce name.
   * @param type e.g. 'view_item', 'add_to_cart', 'purchase'
   * @param itemId the item's id, as in data-reco-id
   * @param extra flat values kept with the event (value, currency, quantity, ...)
   * Invalid input is logged and ignored; it never throws.
   */
  track(type: PageEventType, itemId: string, extra?: Record<string, string | number | boolean>): void;
  /**
   * Scores items for this shopper, for pages that render lists themselves. Answered as soon as the worker can, as
   * the grids' first rankings are (from the stored snapshot, or the default model's pass before TensorFlow.js loads);
   * else once the model is loaded.
   * @param items ids, or items with features (title, category, brand, price) for better scores
   * @param options `history`: score for this history (oldest first, e.g. a simulated shopper) instead of
   *   the stored one; the model runs as for this shopper, also in the control group
   * @returns items sorted best first, with scores; the input order (scores 0) when personalization
   *   is off, failed, or this page view is in the control group.
   */
  rank(items: ReadonlyArray<string | ItemFeatures>, options?: RankOptions): Promise<{ id: string; score: number }[]>;
  /**
   * A placement drawn from the catalog (the `catalogUrl` feed, or the items seen on the site so far),
   * computed in the worker, merchandising rules applied.
   * @param request `{ placement: 'for-you' | 'similar' | 'recently-viewed' | 'because-you-viewed', itemId?, limit?, filter? }`
   * @returns the items best first, as the feed has them (plus `reason` for because-you-viewed); [] when Reco
   *   is off or not ready. An invalid request is reported (on('error')) and resolves [].
   */
  recommend(request: RecommendRequest): Promise<Recommendation[]>;
  /**
   * Fills `container` with a placement: clones of the shop's `<template>` whose `data-reco-slot` elements
   * (title, price, url, image, reason, or any feed field) get the item's values as text (`textContent`; URLs
   * only as http(s) `href`/`src`). The space of `limit` cards is kept from the start, so nothing moves when
   * the items arrive. Impressions and clicks are recorded with the placement as list id.
   * @param container an element or a selector
   * @returns the items shown
   */
  render(container: Element | string, options: RenderOptions): Promise<Recommendation[]>;
  /**
   * Replaces the merchandising rules (validated as in init) and re-orders the grids with them. Placements use
   * them from their next call. Invalid rules are reported (on('error')) and the old ones stay.
   */
  setRules(rules: Rules): Promise<void>;
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
  /**
   * Everything stored about this shopper on this origin, as JSON-ready data: what IndexedDB holds (also when this
   * page view stores nothing, e.g. consent was withdrawn) and, in memory-only mode, this page view's events.
   */
  export(): Promise<ExportData>;
  /**
   * Erases every trace Reco wrote on this origin, whatever the current consent, GPC or storage mode: its IndexedDB
   * databases (every name it used), localStorage keys, learned heads and caches; tells the other tabs to drop their
   * pending events. Nothing more is stored for the rest of this page view (`status().storage` is 'off').
   */
  forget(): Promise<void>;
  /** Subscribes to 'ready', 'ranked', 'error', 'event' or 'progress'; returns the unsubscribe function. */
  on<K extends keyof RecoEventMap>(type: K, fn: (detail: RecoEventMap[K]) => void): () => void;
  /** Removes every listener, observer and the worker; stored data stays. */
  destroy(): Promise<void>;
}
