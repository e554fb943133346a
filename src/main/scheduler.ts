/**
 * On-device learning, page side: the scheduler counts labelled events and, once a round is due, asks the
 * worker for one when the page is idle or hidden; train() asks for one now. Rounds, storage of heads and the
 * cross-tab lock live in the worker (src/worker/learner.ts); the schedule rule is shared (src/shared/learning.ts).
 */
import {
  isDue,
  skipped,
  type LearningDecision,
  type LearningSchedule,
  type LearningState,
  type LearningStatus,
} from '../shared/learning.ts';
import type { RoundReply } from '../shared/protocol.ts';
import type { EngineClient } from './engine-client.ts';

/** What {@link createLearningScheduler} returns. */
export interface LearningScheduler {
  /** The worker's latest learning state (after init, a round, another tab's round or forget()). */
  update(s: LearningState | null): void;
  state(): LearningState | null;
  /** Counts a newly recorded labelled event. */
  label(): void;
  destroy(): void;
}

/**
 * How long the page must stay before a due round is asked for: after the label that made it due (a click on a card is
 * a label, and it often follows a link), and after the page was hidden (a navigation hides the page an instant before
 * it goes). A round started then would be ended with the page, with the worker's IndexedDB transactions in flight, and
 * WebKit keeps the database of a worker ended so unusable for every later page view (bug 324094): a multi-page shop's
 * history was lost at the fifth product page, when the fifth click made a round due. The next page view asks again.
 */
export const ROUND_SETTLE_MS = 3000;

/**
 * Asks for a round once one is due, when the page has stayed ROUND_SETTLE_MS and is idle (requestIdleCallback), or
 * has stayed hidden that long (a tab in the background), so rounds never compete with the shop's own work and never
 * start as the page goes away.
 * @param run asks the worker for a round that runs only if still due; resolves with the new state
 */
export function createLearningScheduler(schedule: LearningSchedule, run: () => Promise<LearningState | null>): LearningScheduler {
  let state: LearningState | null = null;
  /** The idle callback asked for; a callback that is no longer this one does nothing (cancelled). */
  let asked: (() => void) | null = null;
  let running = false;
  const go = () => {
    asked = null;
    if (running || !state || !isDue(state, schedule)) return;
    running = true;
    run()
      .then((s) => s && (state = s))
      .finally(() => (running = false));
  };
  // Every label starts the wait again: a shopper who clicks on (a link, as often as not) has not stayed.
  let settleTimer: ReturnType<typeof setTimeout> | undefined;
  const ask = () => {
    clearTimeout(settleTimer);
    asked = null;
    if (running || !state || !isDue(state, schedule)) return;
    const mine: () => void = (asked = () => asked === mine && go());
    settleTimer = setTimeout(() => {
      if (typeof requestIdleCallback === 'function') requestIdleCallback(mine);
      else mine();
    }, ROUND_SETTLE_MS);
  };
  let hiddenTimer: ReturnType<typeof setTimeout> | undefined;
  const onHidden = () => {
    clearTimeout(hiddenTimer);
    if (document.visibilityState === 'hidden')
      hiddenTimer = setTimeout(() => document.visibilityState === 'hidden' && go(), ROUND_SETTLE_MS);
  };
  // Going for good (no back/forward cache): nothing more is asked for (timers of a page kept in that cache wait).
  const onPageHide = (e: PageTransitionEvent) => {
    if (e.persisted) return;
    clearTimeout(hiddenTimer);
    clearTimeout(settleTimer);
    asked = null;
  };
  document.addEventListener('visibilitychange', onHidden);
  addEventListener('pagehide', onPageHide);
  return {
    update(s) {
      state = s;
      ask();
    },
    state: () => state,
    label() {
      if (state) state.pending++;
      ask();
    },
    destroy() {
      asked = null;
      clearTimeout(hiddenTimer);
      clearTimeout(settleTimer);
      document.removeEventListener('visibilitychange', onHidden);
      removeEventListener('pagehide', onPageHide);
    },
  };
}

export interface PageLearningOptions extends LearningSchedule {
  /** Events are stored, so the worker can learn from them (false: consent denied, every round is skipped). */
  stored: boolean;
  /** The model is ready: rounds can run. */
  isReady(): boolean;
  /** Writes the tracker's pending events, so that a round sees them. */
  flush(): Promise<void>;
  debug(msg: string): void;
  onError(err: Error): void;
}

/** On-device learning as the page drives it: rounds asked for now (train()) or by the schedule, and the state status() shows. */
export interface PageLearning {
  /** The model is ready in `engine`: from the worker's learning state on, rounds are scheduled. */
  start(engine: EngineClient, state: LearningState | null): void;
  /** A round now (RecoInstance.train); a round that cannot run resolves as skipped. Never rejects. */
  train(): Promise<LearningDecision>;
  /** The worker's learning state changed (another tab's round, forget()). */
  update(state: LearningState | null): void;
  /** Counts a newly recorded labelled event. */
  label(): void;
  /** `status().learning`: the worker's latest state, or `before` until start(). */
  status(before: LearningStatus): LearningStatus;
  destroy(): void;
}

export function createPageLearning(o: PageLearningOptions): PageLearning {
  let engine: EngineClient | null = null;
  let scheduler: LearningScheduler | null = null;
  /** A learning round in the worker; never rejects. */
  const round = async (force: boolean): Promise<RoundReply> => {
    if (!engine || !o.isReady()) return { decision: skipped(o.stored ? 'the model is not loaded' : 'storage is off'), state: null };
    try {
      await o.flush();
      const reply = await engine.round(force);
      scheduler?.update(reply.state);
      o.debug(`learning round: ${reply.decision.reason}`);
      return reply;
    } catch (err) {
      o.onError(err as Error);
      return { decision: skipped(`failed: ${(err as Error).message}`), state: null };
    }
  };
  return {
    start(ready, state) {
      engine = ready;
      scheduler = createLearningScheduler(o, () => round(false).then((r) => r.state));
      scheduler.update(state);
    },
    train: async () => (await round(true)).decision,
    update: (state) => scheduler?.update(state),
    label: () => scheduler?.label(),
    status(before) {
      const { rounds, lastDecision, head } = scheduler?.state() ?? before;
      return { rounds, lastDecision, head };
    },
    destroy: () => scheduler?.destroy(),
  };
}
