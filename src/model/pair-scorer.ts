/**
 * The pair model: scores a candidate from its pair features against each history item (pair-features.ts).
 * A small MLP reads each pair, with the history item's event type, time gap and position added to its
 * first layer, and gives a pair score and an attention logit; the candidate's score is the attention-
 * weighted pair score plus a weight times the log-sum-exp of the logits (how much of the history points
 * at the candidate), plus a learned recency-weighted sum of a linear content score of each pair (the content
 * baseline, where training starts: TF-IDF cosine plus GRAMS_WEIGHT x the title trigram cosine). Nothing in it
 * depends on item ids or words, so it scores any catalog.
 *
 * One implementation for training (Node, wasm) and serving (worker, any backend): functions over a plain
 * map of named tensors, as scorer.ts. The worker's first rankings, before tfjs loads, run the same pass on arrays
 * (pair-plain.ts; test/model/pair-plain.test.ts checks the two agree).
 */
import * as tf from '@tensorflow/tfjs-core';
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import type { LoadedPairModel } from './manifest.ts';
import type { PairConfig } from './pair-config.ts';
import { createPairScorerWith, type PairForward, type PairScorer, type SeenCounts } from './pair-predict.ts';
import type { TermStats } from './text.ts';
import { mm, type Weights } from './scorer.ts';

export { GRAMS_WEIGHT, PAIR_DEFAULTS, pairInitWeights, pairWeightShapes, type PairConfig } from './pair-config.ts';

/** Model inputs for P shoppers (or training positions), C candidates each, L history slots. */
export interface PairInput {
  /** float32 [P, C, L, F] pair features. */
  x: tf.Tensor4D;
  /** int32 [P, L]: event kind, gap bucket and position from the newest (0) of each history slot. */
  events: tf.Tensor2D;
  gaps: tf.Tensor2D;
  pos: tf.Tensor2D;
  /** float32 [P, L]: 1 for real history slots, 0 for padding. */
  valid: tf.Tensor2D;
}

/** What {@link pairForwardParts} gives besides the scores. */
export interface PairForwardParts {
  scores: tf.Tensor2D;
  /** [P, C, F] the pair features pooled with the attention (what on-device learning's head reads), when asked. */
  pooled: tf.Tensor3D | null;
  /**
   * When asked, each history slot's share of the score, [P, C, L] (they add up to `scores`): its attention times its pair
   * score, its skip weight times its content score, and its attention's share of the pooling term (the log-sum-exp's
   * derivative by each logit is that attention); and the attention itself, [P, C, L].
   */
  slots: { share: tf.Tensor3D; attention: tf.Tensor3D } | null;
}

/**
 * Scores [P, C], the attention-pooled pair features [P, C, F] (what on-device learning adjusts the score with:
 * pair-predict.ts applyPairHead), and on request each history slot's share of the score (explain()).
 */
export function pairForwardParts(w: Weights, cfg: PairConfig, input: PairInput, withPooled = true, withSlots = false): PairForwardParts {
  const [P, C, L, F] = input.x.shape;
  const [h1] = cfg.hidden;
  const flat = (t: tf.Tensor2D) => t.reshape([-1]);
  const ctx = tf
    .gather(w['ctx.event']!, flat(input.events))
    .add(tf.gather(w['ctx.gap']!, flat(input.gaps)))
    .add(tf.gather(w['ctx.pos']!, flat(input.pos)))
    .add(w['pair.b1']!)
    .reshape([P, 1, L, h1]);
  const a1 = tf.relu(
    mm(input.x.reshape([P * C * L, F]), w['pair.w1']!)
      .reshape([P, C, L, h1])
      .add(ctx),
  );
  const a2 = tf.relu(mm(a1.reshape([P * C * L, h1]), w['pair.w2']!).add(w['pair.b2']!));
  const out = mm(a2, w['pair.out']!).add(w['pair.outb']!).reshape([P, C, L, 2]);
  const s = out.slice([0, 0, 0, 0], [P, C, L, 1]).reshape([P, C, L]);
  const mask = input.valid.sub(1).mul(1e9).reshape([P, 1, L]);
  const a = out.slice([0, 0, 0, 1], [P, C, L, 1]).reshape([P, C, L]).add(mask);
  const max = a.max(2, true);
  const e = tf.exp(a.sub(max));
  const sum = e.sum(2, true);
  const p = e.div(sum);
  const attended = p.mul(s).sum(2);
  const lse = tf.log(sum).add(max).reshape([P, C]);
  const pooled = withPooled ? (p.expandDims(3).mul(input.x).sum(2) as tf.Tensor3D) : null;
  // The content baseline as a skip path: a weight per history position on a weighted sum of each pair's features.
  const skipW = tf.gather(w['skip.pos']!, flat(input.pos)).reshape([P, L]).mul(input.valid).reshape([P, 1, L]);
  const content = mm(input.x.reshape([P * C * L, F]), w['skip.feat']!.reshape([F, 1])).reshape([P, C, L]);
  const skipped = content.mul(skipW);
  const skip = skipped.sum(2);
  const pooling = lse.mul(w['pool.v']!);
  const slots = withSlots
    ? {
        share: p
          .mul(s)
          .add(skipped)
          .add(p.mul(pooling.reshape([P, C, 1]))) as tf.Tensor3D,
        attention: p as tf.Tensor3D,
      }
    : null;
  return { scores: attended.add(pooling).add(skip) as tf.Tensor2D, pooled, slots };
}

/** Scores [P, C]. */
export function pairForward(w: Weights, cfg: PairConfig, input: PairInput): tf.Tensor2D {
  return pairForwardParts(w, cfg, input, false).scores;
}

/** The forward pass of pair-predict.ts on these weights: one shopper at a time, on the backend tfjs runs. */
export function tfPairForward(w: Weights, cfg: PairConfig): PairForward {
  return async ({ x, events, gaps, pos, C, L }, withSlots) => {
    const F = cfg.features;
    const tensors = tf.tidy(() => {
      const r = pairForwardParts(
        w,
        cfg,
        {
          x: tf.tensor4d(x, [1, C, L, F]),
          events: tf.tensor2d(events, [1, L], 'int32'),
          gaps: tf.tensor2d(gaps, [1, L], 'int32'),
          pos: tf.tensor2d(pos, [1, L], 'int32'),
          valid: tf.ones([1, L]) as tf.Tensor2D,
        },
        true,
        withSlots,
      );
      return [
        r.scores.reshape([C]),
        r.pooled!.reshape([C * F]),
        ...(r.slots ? [r.slots.share.reshape([C * L]), r.slots.attention.reshape([C * L])] : []),
      ];
    });
    const [base, pooled, share, attention] = (await Promise.all(tensors.map((t) => t.data()))) as Float32Array[];
    tf.dispose(tensors);
    return { base: base!, pooled: pooled!, ...(share && attention ? { share, attention } : {}) };
  };
}

/**
 * A pair scorer of a loaded model on TensorFlow.js (pair-predict.ts createPairScorerWith).
 * @param index document frequencies of the shop's catalog (npm run index); null: count the items seen.
 * @param seed seen-items counts to start from (those of an earlier page view, kept with its serving snapshot)
 */
export function createPairScorer(model: LoadedPairModel, index: TermStats | null = null, seed: SeenCounts | null = null): PairScorer {
  const cfg = model.manifest.config;
  return createPairScorerWith(cfg, tfPairForward(model.weights, cfg), index, seed);
}
