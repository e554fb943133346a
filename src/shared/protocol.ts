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

/** What the page may call on the engine. */
export interface EngineInterface {
  /**
   * Starts a backend, loads and checks the model, loads the head learned on this device (with
   * `opts.learning`), runs one warm-up ranking.
   * @param onLearning called when the learning state changes by itself (another tab's round or forget)
   * @throws ModelError for missing or corrupt model files; NoBackendError when no backend starts.
   */
  init(opts: EngineInit, onLearning?: (s: LearningState) => void): Promise<EngineStatus>;
  /** Scores candidates for this history (oldest first); same order as `candidates`. */
  rank(history: HistoryEntry[], candidates: ItemFeatures[], now: number): Promise<number[]>;
  /**
   * A learning round on the stored events: when `force`, now; otherwise only if due. Holds the
   * cross-tab lock, so a round another tab is running makes this one skip.
   */
  round(force: boolean): Promise<RoundReply>;
  /** Back to the shipped head and a fresh schedule, in every tab; a round under way writes nothing. The page clears the store next. */
  forget(): LearningState | null;
  /** Leave-one-out contributions of the history items to `item`'s score with the head in use, largest first. */
  explain(history: HistoryEntry[], item: ItemFeatures, now: number): Promise<Contribution[]>;
  status(): EngineStatus;
}
