/**
 * On-device learning as the page sees it: the types of `status().learning` and `train()`, the schedule
 * rule, and the page-side scheduler that asks the worker for a round when the page is idle or hidden.
 * Rounds, storage of heads and the cross-tab lock live in the worker (src/worker/learner.ts).
 */
import type { FinetuneResult } from '../model/finetune.ts';

/** What a round decided, as `status().learning.lastDecision` and `train()` report it (see FinetuneResult). */
export type LearningDecision = Pick<FinetuneResult, 'accepted' | 'reason' | 'before' | 'after' | 'examples' | 'heldOut' | 'ms'> & {
  /** When the round ended (epoch ms). */
  at: number;
};

/** `status().learning`. */
export interface LearningStatus {
  /** Rounds run for this shopper and model version, by any tab. */
  rounds: number;
  lastDecision: LearningDecision | null;
  /** The head in use: the model's own, or one learned on this device. */
  head: 'shipped' | 'personal';
}

/** The status plus what the schedule needs. */
export interface LearningState extends LearningStatus {
  /** Labelled events stored since the last round. */
  pending: number;
  /** When the last round ended (epoch ms), 0 before the first. */
  lastRoundAt: number;
}

/** When rounds are due (the `trainAfterEvents` and `trainIntervalMinutes` options). */
export interface LearningSchedule {
  /** Labelled events since the last round that make the next one due; 0: only train() starts rounds. */
  trainAfterEvents: number;
  /** At least this long between rounds that train() did not start. */
  trainIntervalMinutes: number;
}

/** True when a round is due. The page asks by it; the worker checks it again under the cross-tab lock. */
export function isDue(s: Pick<LearningState, 'pending' | 'lastRoundAt'>, o: LearningSchedule, now = Date.now()): boolean {
  return o.trainAfterEvents > 0 && s.pending >= o.trainAfterEvents && now - s.lastRoundAt >= o.trainIntervalMinutes * 60_000;
}

/** A round that did not run, with why. */
export const skipped = (reason: string): LearningDecision => ({ accepted: false, reason: `skipped: ${reason}`, before: 0, after: 0, examples: 0, heldOut: 0, ms: 0, at: Date.now() });

/**
 * Page-side scheduler: counts labelled events and, once a round is due, asks for one when the page is
 * idle (requestIdleCallback) or hidden (visibilitychange), so rounds never compete with the shop's own work.
 * @param run asks the worker for a round that runs only if still due; resolves with the new state
 */
export function createScheduler(schedule: LearningSchedule, run: () => Promise<LearningState | null>) {
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
    /** The worker's latest learning state (after init, a round, another tab's round or forget()). */
    update(s: LearningState | null): void {
      state = s;
      ask();
    },
    state: () => state,
    /** Counts a newly recorded labelled event. */
    label(): void {
      if (state) state.pending++;
      ask();
    },
    destroy(): void {
      asked = null;
      document.removeEventListener('visibilitychange', onHidden);
    },
  };
}
