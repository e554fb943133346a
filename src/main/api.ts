/** The page-facing API: what `Reco.init()` resolves to, and what its methods and events carry. */
import type { LearningDecision, LearningStatus } from '../shared/learning.ts';
import type { BackendTried, Consent } from '../shared/options.ts';
import type { CacheStatus, DownloadProgress } from '../shared/protocol.ts';
import type { EventType, ExportData, ItemFeatures, RecoEvent } from '../shared/types.ts';

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
  lastError: string | null;
  /** Milliseconds of the last ranking, worker round trip included. */
  lastRankMs: number | null;
  /** On-device learning: rounds run, the last round's decision and numbers, the head in use. */
  learning: LearningStatus;
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
