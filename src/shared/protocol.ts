/**
 * The worker contract: what the page may ask of the engine, written out once (as web-llm's
 * MLCEngineInterface is). The worker's host (src/worker/host.ts) implements it: it assembles the shopper's
 * history from IndexedDB, answers the first rankings of a page view from the snapshot the previous page view
 * left, and loads the tfjs engine (src/worker/engine.ts) meanwhile. The worker entry exposes exactly these
 * methods with comlink; the page's client (src/main/engine-client.ts) calls them. Methods the page must not
 * call (train, setHead, rollback, dispose) are the engine's own, for use inside the worker and in tests.
 *
 * Errors cross the boundary as `name` and `message` only: see src/shared/errors.ts.
 */
import type { LearningDecision, LearningSchedule, LearningState } from './learning.ts';
import type { Backend, BackendTried } from './options.ts';
import type { Recommendation, SlotOptions } from './placements.ts';
import type { PageWrite } from './store.ts';
import type { PageWrites } from './writes-channel.ts';
import type { ItemFeatures, RecoEvent } from './types.ts';

/** Where the worker finds the shopper's events: the page's IndexedDB database and its retention caps. */
export interface LearningStore {
  dbName: string;
  maxEvents: number;
  maxAgeDays: number;
}

export interface EngineInit {
  /** URL of model.json. */
  modelUrl: string;
  /** Where the model's other files are, by the name model.json gives them, when not next to it (a bundler renamed them). */
  modelFiles?: Record<string, string>;
  /** Backends to try, in order. */
  backends: readonly Backend[];
  /** Run WebGPU and WebGL on software adapters too (by default they are skipped: wasm is faster there). */
  allowSoftwareGpu?: boolean;
  /** History events kept for the models (the `historyLength` option). */
  historyLength: number;
  /**
   * The page's IndexedDB database: the worker reads the history from it, keeps the serving snapshot in it and
   * learns from it. Null: events are kept in the page's memory only (GPC, private modes); the page then sends
   * the whole history with each request, and nothing is written.
   */
  store: LearningStore | null;
  /** On-device learning on the stored events (needs `store`); null or absent: no learning. */
  learning?: LearningSchedule | null;
  /**
   * What placements draw from: the feed at `url`, or (null) the items seen on the site, including those in
   * the item cache of IndexedDB database `dbName` (null: memory-only storage, out of the worker's reach).
   */
  catalog?: { url: string | null; dbName: string | null };
  /** The `rules` option as given: the worker checks it (a TypeError naming the field) and applies it. */
  rules?: unknown;
  /** Search grids: the shopper's share in the blend with the shop's relevance order (the `searchWeight` option). */
  searchWeight?: number;
  /**
   * This page view's address (without the fragment), and whether the shopper reached it by Back or Forward: its grids
   * are then shown in the order they were left in (src/worker/back-orders.ts).
   */
  page?: PageRoute;
}

/**
 * An address of the page (without the fragment) and how the shopper reached it: what a grid's order is kept and restored by
 * on a return by Back (src/worker/back-orders.ts, src/main/route.ts).
 */
export interface PageRoute {
  url: string;
  /** Reached by Back or Forward: the browser's (the page loaded again), or a single-page app's route (popstate). */
  back: boolean;
  /** Which arrival in this document: 0 for its load, then one more at each popstate. A grid is restored once per arrival. */
  arrival?: number;
}

/** Where this page view's files and first scores came from (`status().cache`). */
export interface CacheStatus {
  /** Cache Storage can be used here (false on insecure origins and in some private modes: plain fetch). */
  available: boolean;
  /** The model's weights: from Cache Storage, from the network, or not loaded (yet). */
  model: 'cache' | 'network' | null;
  /** The wasm binary: from Cache Storage, from the network, or not loaded (another backend runs, or not yet). */
  wasm: 'cache' | 'network' | null;
  /**
   * The first ranking of this page view: answered from the snapshot the previous page view stored ('hit'),
   * or it had to wait for the model ('miss', with `snapshotReason`); null before the first ranking.
   */
  snapshot: 'hit' | 'miss' | null;
  snapshotReason?: string;
  /**
   * On a hit, the history events newer than the snapshot that answered (the shopper left the previous page view
   * before its snapshot of them was stored): the order was the model's for the history before them. Absent when
   * the snapshot was of this very history.
   */
  snapshotBehind?: number;
}

/** A model file downloading (the `on('progress')` event). */
export interface DownloadProgress {
  /** The file's URL. */
  file: string;
  /** Bytes received so far. */
  loaded: number;
  /** The file's size when the server says it (Content-Length), else null. */
  total: number | null;
}

/** Where placements draw from, as `status().catalog` reports it. */
export interface CatalogStatus {
  /** The shop's feed, or the items seen on the site so far (also when the feed failed: `error` says why). */
  source: 'feed' | 'seen';
  /** Items in the catalog: the feed's once it loaded; the items seen, counted when a placement asks. */
  items: number;
  url: string | null;
  /** The feed came from Cache Storage (its ETag unchanged, or the server failed: `stale` says how). */
  fromCache?: boolean;
  /** The server did not send the feed (an HTTP error, no answer) and the copy an earlier page view stored is used. */
  stale?: string;
  /** Feed rows without an id, or lines that are not JSON. */
  skipped?: number;
  /** Feed rows past the limit (20,000 items). */
  ignored?: number;
  error?: string;
}

export interface EngineStatus {
  /** The backend that really runs (read back from tf.getBackend()), or null before init. */
  backend: string | null;
  model: { id: string; version: string } | null;
  /** Backends tried, in order, up to the one that runs, and why each one that is not used was not. */
  backends: BackendTried[];
  cache: CacheStatus;
  /** On-device learning, or null when off or unavailable (`learningError` says why when it failed). */
  learning: LearningState | null;
  learningError?: string;
  /** init()'s `rules` are invalid (the TypeError's message, naming the field): the grids keep the shop's order until setRules(). */
  rulesError?: string;
  /** Malformed rows the worker skipped in the page's database ("store:key"), e.g. a learning record it could not read. */
  skipped?: string[];
  /** The shop's feed, once it has loaded or failed (the model's ready status has it when the feed came first). */
  catalog?: CatalogStatus;
}

/** What the worker needs to know of the page's side of the history for one request. */
export interface HistoryRequest {
  /**
   * Events the page recorded that may not be in IndexedDB yet (its write queue, the journal of earlier page
   * views); the worker merges them with the stored ones by id.
   */
  pending: RecoEvent[];
  /** Features the page knows (the items it shows); they win over stored ones for the same id. */
  known: ItemFeatures[];
  /** The page's clock (epoch ms): the gap after the newest event is measured to it. */
  now: number;
  /**
   * The page store's writes of events so far (its IndexedDB store's; none for a memory store or one not open yet): while
   * they and the other pages' (told on src/shared/writes-channel.ts) are those of its latest read, the worker's is current.
   */
  written?: PageWrites;
}

/** A ranking: the candidates, and the page's side of the history. */
export interface RankRequest extends HistoryRequest {
  /** Items to score; an item given by id only gets the features stored for it, if any. */
  candidates: ItemFeatures[];
}

/** Scores of a ranking, and what answered it. */
export interface RankReply {
  /** One score per candidate, or null when there is nothing to personalize with (no history, no model): keep the order. */
  scores: number[] | null;
  /**
   * 'snapshot': the previous page view's stored work, before the model loaded; 'model': the model itself; 'model-early':
   * the pair model's own scores before TensorFlow.js loaded (its forward pass on arrays: src/worker/early-pair.ts);
   * 'back': on a return by Back, the order the shopper left the grid in (arrange() only: src/worker/back-orders.ts).
   */
  source: 'snapshot' | 'model' | 'model-early' | 'back' | 'none';
  /** Malformed rows the worker has skipped in the page's database so far ("store:key"), for status().skippedRows. */
  skipped?: string[];
}

/** A grid to arrange: its movable items (the candidates), the page's side of the history, and whether it holds search results. */
export interface ArrangeRequest extends RankRequest {
  /** The grid holds search results in the shop's relevance order: blended with the shopper's (the `searchWeight` option). */
  search: boolean;
  /** The page's route when it asks (a single-page app's routes change it); without it, the page view's (EngineInit.page). */
  route?: PageRoute;
}

/** A grid's new order, and what answered it (as for rank()). */
export interface ArrangeReply {
  order: number[] | null;
  source: RankReply['source'];
  skipped?: string[];
}

/** One history item's share in a score. */
export interface Contribution {
  itemId: string;
  /** The item's title, when known. */
  title?: string;
  /** Score with the full history minus score without this item (can be negative). */
  weight: number;
}

/** What a learning round asked by the page returns: its decision and the learning state after it. */
export interface RoundReply {
  decision: LearningDecision;
  state: LearningState | null;
}

/** Callbacks the worker calls on its own. */
export interface EngineHooks {
  /** The learning state changed by itself (another tab's round or forget). */
  onLearning?: (s: LearningState) => void;
  /** A model file is downloading. */
  onProgress?: (p: DownloadProgress) => void;
  /**
   * Makes one of the worker's writes (the item features a ranking brings, its snapshot, the order a grid was left in)
   * with the page's connection to the database; false when the page has no IndexedDB store (not open yet, memory-only,
   * forgotten): then the worker makes it. A page's transaction still in flight when the shopper leaves ends with the
   * page; WebKit keeps one of an ended worker's in flight, and the next page view's reads wait ~10 s behind it.
   */
  write?: (call: PageWrite, args: unknown[]) => Promise<boolean>;
}

/** What the engine needs of the page for a placement, besides the history. */
export interface PlacementPage {
  /** Items the page showed since the last call: without a feed, the catalog is the items seen. */
  seen: ItemFeatures[];
  now: number;
  /** This page view is in the control group: for you in catalog order, nothing "because you viewed". */
  control?: boolean;
  /** For render(): how to write each item's slots (the reply's `slots` then holds them, one per item). */
  show?: SlotOptions;
}

/** What the page tells the worker with a placement request: its side of the history, and what the placement needs. */
export interface PlacementCall extends PlacementPage, HistoryRequest {}

/** A placement: the items best first, where they came from, and (for render()) their slot texts. */
export interface PlacementReply {
  items: Recommendation[];
  catalog: CatalogStatus;
  slots?: Record<string, string>[];
}

/** What the page may call on the engine. */
export interface EngineInterface {
  /**
   * Checks the rules, opens the store, starts a backend, loads and checks the model (from Cache Storage when it
   * holds this version), loads the head learned on this device. Rankings asked meanwhile are answered from the
   * snapshot when it fits, else once the model is loaded.
   * @throws TypeError naming the field of invalid rules; ModelError for missing or corrupt model files; NoBackendError when no backend starts.
   */
  init(opts: EngineInit, hooks?: EngineHooks): Promise<EngineStatus>;
  /** Scores candidates for the shopper's history (the newest `historyLength` events, stored and pending). */
  rank(req: RankRequest): Promise<RankReply>;
  /** The page recorded history events: the worker prepares the next page view's snapshot. */
  changed(req: HistoryRequest): void;
  /**
   * Features of items the page shows (its grids, its dataLayer's items), new to this page view: stored in the item
   * cache, which the worker writes (as it does the features of what it ranks), so that later page views featurize them.
   * Nothing is stored in memory mode (the page's memory store keeps them) or once forget() was called.
   */
  remember(items: ItemFeatures[]): void;
  /** Resolves once the snapshot work and the item features asked so far are written (export() and tests wait for it). */
  settle(): Promise<void>;
  /**
   * Scores candidates for a history given to `rank(items, { history })` (e.g. a simulated shopper's), as the
   * page passed it: entries `{ item: id | features, type?, ts? }`, an id taking the features the feed or the page
   * showed for it.
   * @throws TypeError naming the entry of an invalid history
   */
  rankFor(given: unknown, candidates: ItemFeatures[], now: number): Promise<number[]>;
  /**
   * A learning round on the stored events: when `force`, now; otherwise only if due. Holds the
   * cross-tab lock, so a round another tab is running makes this one skip.
   */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head and a fresh schedule, in every tab; a round under way writes nothing. The page clears the store next. */
  forget(): LearningState | null;
  /**
   * The page is going away (pagehide): start no more IndexedDB transactions, so that the worker is not ended with
   * some in flight (see pauseStores in src/shared/store.ts); `resume()` when the page comes back from the
   * back/forward cache. `forGood`: the page is not kept for that cache (`pagehide`'s `persisted` is false), so the
   * worker's connections are closed too.
   */
  pause(forGood: boolean): void;
  resume(): void;
  /**
   * The shopper followed a link or sent a form that leaves the page: the worker starts no more IndexedDB transactions of
   * its own from now on, since the page may go before they finish (its writes the page makes: EngineHooks.write, the
   * click's snapshot among them). WebKit keeps a transaction of an ended worker in flight, and the next page view's
   * reads wait ~10 s behind it. If the page is still there 3 s later (a link that opened a download, a slow server), the
   * stores go on.
   */
  leaving(): void;
  /**
   * The history items that raised `item`'s score most with the head in use: {@link reasons} of their contributions
   * (the pair model's shares of the score, other models' leave-one-out differences), with titles when known. The page passes them on as explain()'s answer.
   */
  explain(item: ItemFeatures, req: HistoryRequest): Promise<Contribution[]>;
  /**
   * A grid's movable items in their new order (indices into `candidates`), rules applied: items a rule leaves out
   * come last. Answered from the snapshot when it fits, like rank(); `order` null when the order would not change
   * (no history and no rule that moves anything, or no model).
   */
  arrange(req: ArrangeRequest): Promise<ArrangeReply>;
  /**
   * Replaces the merchandising rules (grids and placements use them from their next call).
   * @returns whether the rules in force changed (the same rules again move nothing)
   * @throws TypeError naming the field; the rules in force stay
   */
  setRules(rules: unknown): Promise<boolean>;
  /**
   * A placement from the catalog (see src/model/placements.ts) for the shopper's history (assembled as for rank()),
   * the rules applied.
   * @param request a RecommendRequest, as the page got it
   * @throws TypeError naming the field of an invalid request
   */
  recommend(request: unknown, page: PlacementCall): Promise<PlacementReply>;
  /**
   * The catalog's status once the shop's feed has loaded or failed (`error` says why), for `status().catalog` before
   * any placement asked; null without a feed (the items seen are counted when a placement asks) or without a model.
   */
  catalog(): Promise<CatalogStatus | null>;
  status(): EngineStatus;
}

/** Most history items an explanation names. */
export const MAX_REASONS = 3;

/**
 * The least a history item must raise a score by to be named as a reason. A weight is a difference of two float32
 * scores, so an item with no effect at all can come out a few 1e-7 above zero; a difference this small moves no
 * item in a ranking either.
 */
export const MIN_REASON_WEIGHT = 1e-4;

/**
 * explain()'s reasons: of the contributions (largest first), the history items that raised `itemId`'s score (by at
 * least MIN_REASON_WEIGHT), at most 3, never the item itself; `title` only when known.
 */
export function reasons(itemId: string, contributions: readonly Contribution[]): Contribution[] {
  return contributions
    .filter((c) => c.weight >= MIN_REASON_WEIGHT && c.itemId !== itemId)
    .slice(0, MAX_REASONS)
    .map(({ itemId: id, title, weight }) => (title ? { itemId: id, title, weight } : { itemId: id, weight }));
}
