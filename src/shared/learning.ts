/**
 * On-device learning, the part both threads read: what a round decided, the learning state and the
 * schedule rule. The page's scheduler (src/main/scheduler.ts) asks for rounds by it; the worker's learner
 * (src/worker/learner.ts) runs them, and checks the rule again under the cross-tab lock.
 */

/** What a learning round decided, with its numbers. */
export interface RoundResult {
  /**
   * The round's head is used from now on. A transformer's (or hybrid's) candidate ranked the held-out examples better
   * than the current head and than chance, by the margin; the pair model's chosen weights ranked all of the examples
   * better than the current head, and better than chance by one standard error.
   */
  accepted: boolean;
  /** One line a person can read: the decision and why. */
  reason: string;
  /**
   * Ranking quality of the current head and of the round's head: the mean share of each example's candidates (list
   * impressions and sampled items) ranked below the item the shopper chose (AUC), over the held-out examples (a
   * transformer's round) or all of them (the pair model's).
   */
  before: number;
  after: number;
  /** Labelled examples with a history. */
  examples: number;
  /** Of them, held out to decide (0 in the pair model's round: nothing is fitted, every example decides). */
  heldOut: number;
  ms: number;
}

/** What a round decided, as `status().learning.lastDecision` and `train()` report it. */
export type LearningDecision = RoundResult & {
  /** When the round ended (epoch ms). */
  at: number;
};

/** The head in use: the model's own ('shipped'), or one learned on this device ('personal'). */
export type HeadInUse = 'shipped' | 'personal';

/** `status().learning`. */
export interface LearningStatus {
  /** Rounds run for this shopper and model version, by any tab. */
  rounds: number;
  lastDecision: LearningDecision | null;
  head: HeadInUse;
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
export const skipped = (reason: string): LearningDecision => ({
  accepted: false,
  reason: `skipped: ${reason}`,
  before: 0,
  after: 0,
  examples: 0,
  heldOut: 0,
  ms: 0,
  at: Date.now(),
});
