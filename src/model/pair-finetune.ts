/**
 * On-device learning for the pair model: a round sets two weights of the pair head (pair-predict.ts:
 * score' = (1 + c) · score + w · pooled features) from this shopper's own clicks. Each weight is chosen among
 * PAIR_HEAD_STEPS by how well the head ranks every labelled event the shopper has (the item chosen above the
 * list's other impressions and sampled items), not fitted by gradient. A choice among 16 heads is what a shopper's
 * 10-30 clicks can decide: it needs 3 of them and no held-out split (reports/default-model-attempts-14.txt: on
 * bench:learning, +5.1% / +5.1% NDCG@10 for 15-24 / 25+ events, where fitting all 18 numbers by gradient, the newest
 * clicks held out to check, gained +0.6% / +2.0%). The network stays frozen, so each example's scores and pooled
 * features are computed once.
 */
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';
import { buildExamples, type Example, type FinetuneOptions, type FinetuneResult } from './finetune.ts';
import type { HeadArrays } from './head.ts';
import { PAIR_FEATURE_COUNT, PAIR_FEATURES } from './pair-features.ts';
import { applyPairHead, shippedPairHead, type PairParts, type PairScorer } from './pair-predict.ts';

/**
 * The head's weights a round sets, each over PAIR_HEAD_STEPS (one weight for every feature of a group): how much a
 * candidate sharing the brand and category of the shopper's history counts, and how much sharing its words does,
 * each averaged with the model's attention over the newest `maxLen` events (the model's content score reads the
 * newest 3). Loyalty to a brand, a category or a line is what one shopper's clicks show most; the model as shipped
 * (both 0) scores items by how they relate to the newest events.
 */
const PAIR_HEAD_GROUPS = [
  { name: 'brand and category', features: ['sameBrand', 'catShared'] },
  { name: 'words', features: ['cosAll', 'gramsCos'] },
] as const satisfies readonly { name: string; features: readonly (typeof PAIR_FEATURES)[number][] }[];

const PAIR_HEAD_STEPS = [0, 0.2, 0.4, 0.8] as const;

/** Fewest labelled steps with a history for a round (one example each: buildExamples). */
const PAIR_MIN_EXAMPLES = 3;

interface Prepared {
  parts: (PairParts | null)[];
}

async function prepare(scorer: PairScorer, examples: readonly Example[]): Promise<Prepared> {
  const parts: (PairParts | null)[] = [];
  for (const ex of examples) parts.push(await scorer.parts(ex.history, [ex.positive, ...ex.negatives], ex.ts));
  return { parts };
}

/** Per example, the share of its candidates ranked below the chosen item (ties half). */
function aucs(head: HeadArrays, p: Prepared): Float64Array {
  const F = PAIR_FEATURE_COUNT;
  return Float64Array.from(p.parts, (x) => {
    if (!x || x.base.length < 2) return 1;
    const s0 = applyPairHead(head, x.base[0]!, x.pooled, 0);
    let above = 0;
    for (let c = 1; c < x.base.length; c++) {
      const s = applyPairHead(head, x.base[c]!, x.pooled, c * F);
      above += s > s0 ? 1 : s === s0 ? 0.5 : 0;
    }
    return 1 - above / (x.base.length - 1);
  });
}

/** The mean of `x` weighted as each example's label (a purchase counts 3 clicks), and its standard error. */
function weightedMean(x: Float64Array, weight: readonly number[]): { mean: number; se: number } {
  const total = weight.reduce((s, w) => s + w, 0);
  const mean = x.reduce((s, v, i) => s + weight[i]! * v, 0) / total;
  const variance = x.reduce((s, v, i) => s + weight[i]! * (v - mean) ** 2, 0) / total;
  return { mean, se: Math.sqrt(variance / Math.max(1, x.length - 1)) };
}

/** The shipped head with each group's features weighing `steps[g]`. */
function pairHeadOf(steps: readonly number[]): HeadArrays {
  const head = shippedPairHead();
  PAIR_HEAD_GROUPS.forEach((g, k) => {
    for (const f of g.features) head.w[PAIR_FEATURES.indexOf(f)] = steps[k]!;
  });
  return head;
}

/** Every combination of PAIR_HEAD_STEPS over the groups, the smallest weights first. */
function choices(): number[][] {
  let out: number[][] = [[]];
  for (let g = 0; g < PAIR_HEAD_GROUPS.length; g++) out = out.flatMap((c) => PAIR_HEAD_STEPS.map((s) => [...c, s]));
  return out;
}

/**
 * One learning round of the pair head on the shopper's events: every combination of the group weights is scored
 * on all of the shopper's labelled events (clicks, carts ×2, purchases ×3; negatives: the impressions of the same list
 * view not chosen, plus sampled items; each example sees only the history before it), and the best is used when it
 * ranks them better than the head in use and better than chance (mean AUC .5) by one standard error: of 16 weightings
 * one often ranks a random clicker's clicks a little better than the shipped head by chance. A tie keeps the smaller
 * weights.
 * @param scorer the pair model's scorer (its network and IDF stay as they are)
 * @param options negatives, maxExamples and seed are read (the rest are the transformer's training settings)
 */
export async function finetunePair(
  scorer: PairScorer,
  events: readonly RecoEvent[],
  items: ReadonlyMap<string, ItemFeatures>,
  heads: { current: HeadArrays; shipped: HeadArrays },
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const t0 = performance.now();
  const examples = buildExamples(events, items, {
    negatives: options.negatives,
    maxLen: scorer.maxLen,
    maxExamples: options.maxExamples,
    seed: options.seed,
  });
  const n = examples.length;
  const result = (accepted: boolean, reason: string, before: number, after: number, head: HeadArrays | null): FinetuneResult => ({
    accepted,
    reason,
    before,
    after,
    examples: n,
    heldOut: 0,
    steps: 0,
    ms: Math.round(performance.now() - t0),
    head,
  });
  if (n < PAIR_MIN_EXAMPLES) return result(false, `skipped: ${n} labelled steps with a history, ${PAIR_MIN_EXAMPLES} needed`, 0, 0, null);
  const p = await prepare(scorer, examples);
  const weight = examples.map((ex) => ex.weight);
  const before = weightedMean(aucs(heads.current, p), weight).mean;
  let best = { steps: [] as number[], head: heads.shipped, auc: -1, se: 0 };
  for (const steps of choices()) {
    const head = pairHeadOf(steps);
    const { mean, se } = weightedMean(aucs(head, p), weight);
    if (mean > best.auc) best = { steps, head, auc: mean, se };
  }
  const fmt = (x: number) => x.toFixed(3);
  const weights = PAIR_HEAD_GROUPS.map((g, k) => `${g.name} ${best.steps[k]}`).join(', ');
  // All steps 0 is the shipped head: a round that goes back to it says so.
  const shipped = best.steps.every((x) => x === 0);
  const what = `mean AUC ${fmt(best.auc)} vs ${fmt(before)} of the current head over ${n} steps`;
  // Clicks that no weighting ranks clearly above chance (a shopper clicking at random) teach nothing.
  const aboveChance = best.auc - 0.5 >= best.se;
  const accepted = best.auc > before && aboveChance;
  const why = !aboveChance ? 'not clearly above chance' : 'no better';
  return result(
    accepted,
    accepted
      ? `accepted: ${shipped ? `back to the shipped weights (${weights})` : weights}: ${what}`
      : `rejected: the best weights (${shipped ? `the shipped ones, ${weights}` : weights}) are ${why}: ${what}`,
    before,
    best.auc,
    best.head,
  );
}
