/**
 * Serving the pair model: scores candidates for one shopper's history. Used by the worker engine and by
 * the Node scripts that check the worker against Node.
 *
 * IDF comes from a shipped index of the shop's catalog (`npm run index`) when there is one; otherwise from
 * the items this scorer has seen: every history item and candidate it was asked about (the catalog as far
 * as the worker knows it), counted once per item id. With neither the words of a new catalog would all weigh
 * the same.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { EVENT_INDEX, gapBucket } from './sequence.ts';
import type { LoadedPairModel } from './io.ts';
import { pairCatalog, pairFeaturesInto, PAIR_FEATURE_COUNT } from './pair-features.ts';
import { pairForward } from './pair-scorer.ts';
import { itemTerms, type TermStats } from './text.ts';

/** Most items the seen-items IDF counts; past it, new items no longer change it. */
const MAX_SEEN = 50_000;

export interface PairScorer {
  /** Scores of `candidates` (same order) for this history (oldest first); all 0 for an empty history. */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<Float32Array>;
  /** Adds items to the seen-items IDF (no effect with a shipped index). */
  observe(items: Iterable<ItemFeatures>): void;
  /** Where IDF comes from and over how many items. */
  idf(): { source: 'index' | 'seen'; items: number };
}

/**
 * @param index document frequencies of the shop's catalog (npm run index); null: count the items seen.
 */
export function createPairScorer(model: LoadedPairModel, index: TermStats | null = null): PairScorer {
  const cfg = model.manifest.config;
  const seen = new Set<string>();
  const counted: TermStats = { docs: 0, df: new Map() };
  const stats = index ?? counted;

  function observe(items: Iterable<ItemFeatures>): void {
    if (index) return;
    for (const it of items) {
      if (seen.has(it.id) || seen.size >= MAX_SEEN) continue;
      seen.add(it.id);
      counted.docs++;
      for (const t of new Set(itemTerms(it))) counted.df.set(t, (counted.df.get(t) ?? 0) + 1);
    }
  }

  return {
    observe,
    idf: () => ({ source: index ? 'index' : 'seen', items: stats.docs }),
    async score(history, candidates, now) {
      const h = history.slice(-cfg.maxLen);
      observe(h.map((e) => e.item));
      observe(candidates);
      const C = candidates.length;
      if (h.length === 0 || C === 0) return new Float32Array(C);
      const L = h.length;
      const F = PAIR_FEATURE_COUNT;
      // One compiled catalog for the call: history items first, then candidates.
      const cat = pairCatalog([...h.map((e) => e.item), ...candidates], stats);
      const x = new Float32Array(C * L * F);
      for (let c = 0; c < C; c++) for (let k = 0; k < L; k++) pairFeaturesInto(cat, k, L + c, x, (c * L + k) * F);
      const scores = tf.tidy(() =>
        pairForward(model.weights, cfg, {
          x: tf.tensor4d(x, [1, C, L, F]),
          events: tf.tensor2d(
            Int32Array.from(h, (e) => EVENT_INDEX[e.type] ?? 0),
            [1, L],
            'int32',
          ),
          gaps: tf.tensor2d(
            Int32Array.from(h, (e, i) => gapBucket((i + 1 < L ? h[i + 1]!.ts : now) - e.ts)),
            [1, L],
            'int32',
          ),
          pos: tf.tensor2d(
            Int32Array.from(h, (_, i) => L - 1 - i),
            [1, L],
            'int32',
          ),
          valid: tf.ones([1, L]) as tf.Tensor2D,
        }).reshape([C]),
      );
      const out = (await scores.data()) as Float32Array;
      scores.dispose();
      return out;
    },
  };
}
