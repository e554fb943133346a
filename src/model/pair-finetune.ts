/**
 * On-device fine-tuning for the pair model: the same examples, held-out split and guarded decision as
 * the transformer's (finetune.ts fineTuneRound); what trains is the pair head (pair-predict.ts):
 * score' = (1 + c) · score + w · pooled features, F + 1 numbers, with an L2 pull toward the shipped zeros.
 * The network stays frozen, so each example's scores and pooled features are computed once per round.
 */
import type { ItemFeatures, RecoEvent } from '../shared/types.ts';
import { anchoredAdam } from './adam.ts';
import { fineTuneRound, type Example, type FinetuneOptions, type FinetuneResult, type HeadLearner } from './finetune.ts';
import type { HeadArrays } from './head.ts';
import { PAIR_FEATURE_COUNT } from './pair-features.ts';
import { applyPairHead, type PairParts, type PairScorer } from './pair-predict.ts';

interface Prepared {
  parts: (PairParts | null)[];
  weight: Float32Array;
}

function aucOf(head: HeadArrays, p: Prepared, which: readonly number[]): Float64Array {
  const F = PAIR_FEATURE_COUNT;
  return Float64Array.from(which, (e) => {
    const x = p.parts[e];
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

async function train(
  anchor: HeadArrays,
  p: Prepared,
  which: readonly number[],
  o: Required<FinetuneOptions>,
  deadline: number,
): Promise<{ head: HeadArrays; steps: number }> {
  const F = PAIR_FEATURE_COUNT;
  const adam = anchoredAdam(anchor, o);
  const { head, grads } = adam;
  const used = which.filter((e) => p.parts[e] && p.parts[e]!.base.length > 1);
  const total = used.reduce((s, e) => s + p.weight[e]!, 0);
  while (adam.steps < o.steps && performance.now() < deadline && total > 0) {
    const [gw, gc] = grads;
    for (const e of used) {
      const x = p.parts[e]!;
      const C = x.base.length;
      const s = Float64Array.from(x.base, (b, c) => applyPairHead(head, b, x.pooled, c * F));
      const max = Math.max(...s);
      let z = 0;
      for (let c = 0; c < C; c++) z += s[c] = Math.exp(s[c]! - max);
      const scale = p.weight[e]! / total;
      for (let c = 0; c < C; c++) {
        // d CE / d score_c = p_c - y_c (the positive is candidate 0).
        const coef = scale * (s[c]! / z - (c === 0 ? 1 : 0));
        gc[0] += coef * x.base[c]!;
        for (let f = 0; f < F; f++) gw[f] += coef * x.pooled[c * F + f]!;
      }
    }
    await adam.step();
  }
  return { head, steps: adam.steps };
}

/** The pair model's part in a fine-tuning round. */
export function pairHeadLearner(scorer: PairScorer): HeadLearner<Prepared> {
  return {
    maxLen: scorer.maxLen,
    async prepare(examples: readonly Example[]) {
      const parts: (PairParts | null)[] = [];
      for (const ex of examples) parts.push(await scorer.parts(ex.history, [ex.positive, ...ex.negatives], ex.ts));
      return { parts, weight: Float32Array.from(examples, (ex) => ex.weight) };
    },
    train,
    auc: aucOf,
  };
}

/**
 * One fine-tuning round of the pair head on the shopper's events (see finetune.ts finetune for the protocol).
 * @param scorer the pair model's scorer (its network and IDF stay as they are)
 */
export function finetunePair(
  scorer: PairScorer,
  events: readonly RecoEvent[],
  items: ReadonlyMap<string, ItemFeatures>,
  heads: { current: HeadArrays; shipped: HeadArrays },
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  return fineTuneRound(pairHeadLearner(scorer), events, items, heads, options);
}
