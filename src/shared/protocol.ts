/**
 * The worker contract: what the page may ask of the engine, written out once (as web-llm's
 * MLCEngineInterface is). The engine (src/worker/engine.ts) implements it; the worker entry exposes exactly
 * these methods with comlink; the page's client (src/main/engine-client.ts) calls them. Methods the page must
 * not call (train, setHead, rollback, dispose) are the engine's own, for use inside the worker and in tests.
 *
 * Errors cross the boundary as `name` and `message` only: see src/shared/errors.ts.
 */
import type { LearningDecision, LearningSchedule, LearningState } from './learning.ts';
import type { Backend, BackendTried } from './options.ts';
import type { Recommendation, SlotOptions } from './placements.ts';
import type { HistoryEntry, ItemFeatures } from './types.ts';

/** Where the worker finds the events it learns from: the page's IndexedDB database and its retention caps. */
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
  /**
   * On-device learning on the events the page stores in this IndexedDB database (same retention caps as
   * the page's store); null or absent: no learning (e.g. memory-only storage, which the worker cannot read).
   */
  learning?: (LearningStore & LearningSchedule) | null;
  /**
   * What placements draw from: the feed at `url`, or (null) the items seen on the site, including those in
   * the item cache of IndexedDB database `dbName` (null: memory-only storage, out of the worker's reach).
   */
  catalog?: { url: string | null; dbName: string | null };
  /** The `rules` option as given: the worker checks it (a TypeError naming the field) and applies it. */
  rules?: unknown;
  /** Search grids: the shopper's share in the blend with the shop's relevance order (the `searchWeight` option). */
  searchWeight?: number;
}

/** Where placements draw from, as `status().catalog` reports it. */
export interface CatalogStatus {
  /** The shop's feed, or the items seen on the site so far (also when the feed failed: `error` says why). */
  source: 'feed' | 'seen';
  /** Items in the catalog (0 until the first placement asked for it). */
  items: number;
  url: string | null;
  /** The feed came from Cache Storage (its ETag unchanged). */
  fromCache?: boolean;
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
  /** Backends tried, in order, and why each one that is not used was not. */
  tried: BackendTried[];
  /** On-device learning, or null when off or unavailable (`learningError` says why when it failed). */
  learning: LearningState | null;
  learningError?: string;
  /** Malformed rows the worker skipped in the page's database ("store:key"), e.g. a learning record it could not read. */
  skipped?: string[];
}

/** One history item's share in a score. */
export interface Contribution {
  itemId: string;
  /** Score with the full history minus score without this item (can be negative). */
  weight: number;
}

/** What a learning round asked by the page returns: its decision and the learning state after it. */
export interface RoundReply {
  decision: LearningDecision;
  state: LearningState | null;
}

/** What the page tells the worker with a placement request. */
export interface PlacementCall {
  /** Items the page showed since the last call: without a feed, the catalog is the items seen. */
  seen: ItemFeatures[];
  now: number;
  /** This page view is in the control group: for you in catalog order, nothing "because you viewed". */
  control?: boolean;
  /** For render(): how to write each item's slots (the reply's `slots` then holds them, one per item). */
  show?: SlotOptions;
}

/** A placement: the items best first, where they came from, and (for render()) their slot texts. */
export interface PlacementReply {
  items: Recommendation[];
  catalog: CatalogStatus;
  slots?: Record<string, string>[];
}

/** What the page may call on the engine. */
export interface EngineInterface {
  /**
   * Checks the rules, starts a backend, loads and checks the model, loads the head learned on this device (with
   * `opts.learning`), runs one warm-up ranking.
   * @param onLearning called when the learning state changes by itself (another tab's round or forget)
   * @throws TypeError naming the field of invalid rules; ModelError for missing or corrupt model files; NoBackendError when no backend starts.
   */
  init(opts: EngineInit, onLearning?: (s: LearningState) => void): Promise<EngineStatus>;
  /** Scores candidates for this history (oldest first); same order as `candidates`. */
  rank(history: HistoryEntry[], candidates: ItemFeatures[], now: number): Promise<number[]>;
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
   * A grid's movable items in their new order (indices into `items`), rules applied: items a rule leaves out
   * come last. Null when the order would not change (no history and no rule that moves anything).
   */
  arrange(history: HistoryEntry[], items: ItemFeatures[], search: boolean, now: number): Promise<number[] | null>;
  /**
   * Replaces the merchandising rules (grids and placements use them from their next call).
   * @throws TypeError naming the field; the rules in force stay
   */
  setRules(rules: unknown): void;
  /**
   * A placement from the catalog (see src/model/placements.ts), the rules applied.
   * @param history the shopper's history, oldest first
   * @param request a RecommendRequest, as the page got it
   * @throws TypeError naming the field of an invalid request
   */
  recommend(history: HistoryEntry[], request: unknown, page: PlacementCall): Promise<PlacementReply>;
  /** Leave-one-out contributions of the history items to `item`'s score with the head in use, largest first. */
  explain(history: HistoryEntry[], item: ItemFeatures, now: number): Promise<Contribution[]>;
  status(): EngineStatus;
}
