/**
 * Page-side learning scheduler: counts labelled events and, once a round is due, asks the worker for one
 * when the page is idle or hidden. Rounds, storage of heads and the cross-tab lock live in the worker
 * (src/worker/learner.ts); the schedule rule is shared (src/shared/learning.ts).
 */
import { isDue, type LearningSchedule, type LearningState } from '../shared/learning.ts';

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
 * Asks for a round once one is due, when the page is idle (requestIdleCallback) or hidden (visibilitychange),
 * so rounds never compete with the shop's own work.
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
  const ask = () => {
    if (asked || running || !state || !isDue(state, schedule)) return;
    const mine: () => void = (asked = () => asked === mine && go());
    if (typeof requestIdleCallback === 'function') requestIdleCallback(mine);
    else setTimeout(mine, 1000);
  };
  const onHidden = () => document.visibilityState === 'hidden' && go();
  document.addEventListener('visibilitychange', onHidden);
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
      document.removeEventListener('visibilitychange', onHidden);
    },
  };
}
