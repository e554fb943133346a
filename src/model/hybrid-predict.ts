/**
 * Serving a hybrid (format 4 to 6): its transformer's score through the serving cache (item vectors and shopper
 * vectors kept; the head in JS) plus the plain parts from its tables (hybrid.ts, no tfjs). One small object,
 * `score(history, candidates, now, head)`, whose two parts a caller can also use apart: the transformer part
 * is a dot product of cached vectors, the plain part needs only the tables.
 */
import type { Contribution } from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { recentSteps } from './sequence.ts';
import { explainScore } from './explain.ts';
import type { HeadOffsets } from './finetune.ts';
import type { HeadArrays } from './head.ts';
import { createPlainScorer, type HybridTables, type HybridWeights, type PlainScorer } from './hybrid.ts';
import type { LoadedModel } from './io.ts';
import { createServingCache, type ServingCache } from './serving-cache.ts';

/** What {@link createHybridScorer} returns. */
export interface HybridScorer {
  /**
   * Scores of `candidates` (same order) for this history (oldest first) with this head:
   * weights.transformer · (q · v) + the plain parts. All 0 for an empty history (the shop's order).
   */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number, head: HeadArrays): Promise<number[]>;
  /** The transformer part, unweighted (q · v, vectors cached). */
  readonly transformer: ServingCache;
  /** The plain part, weighted: content and co-occurrence from the tables. */
  readonly plain: PlainScorer;
  readonly weights: HybridWeights;
  /** What on-device fine-tuning of the head needs to train inside the whole score. */
  readonly offsets: HeadOffsets;
  readonly maxLen: number;
}

export function createHybridScorer(model: LoadedModel & { hybrid: HybridTables }): HybridScorer {
  const transformer = createServingCache(model);
  const plain = createPlainScorer(model.hybrid);
  const weights = model.hybrid.config.weights;
  const maxLen = model.manifest.config.features.maxLen;
  const items = (history: readonly HistoryEntry[]) => recentSteps(history, maxLen).map((e) => e.item);
  return {
    transformer,
    plain,
    weights,
    maxLen,
    offsets: { scale: weights.transformer, plain: (history, candidates) => plain.scores(items(history), candidates) },
    async score(history, candidates, now, head) {
      if (history.length === 0) return candidates.map(() => 0);
      const t = await transformer.score(history, candidates, now, head);
      const p = plain.scores(items(history), candidates);
      return t.map((x, j) => weights.transformer * x + p[j]!);
    },
  };
}

/**
 * Contributions of the history to `item`'s hybrid score, largest first: the transformer part's leave-one-out differences
 * (explain.ts), weighted, plus each item's share of the plain part (PlainScorer.shares: its content, co-occurrence and
 * kNN terms, which add up to that part). Leave-one-out of the plain part named no reason after several similar views:
 * it reads the newest few items, and without one the next similar item takes its place.
 */
export async function explainHybridScore(
  model: LoadedModel,
  scorer: HybridScorer,
  history: readonly HistoryEntry[],
  item: ItemFeatures,
  now: number,
  head: HeadArrays,
): Promise<Contribution[]> {
  const h = recentSteps(history, scorer.maxLen);
  if (h.length === 0) return [];
  const t = await explainScore(model, h, item, now, head);
  const shares = scorer.plain.shares(
    h.map((e) => e.item),
    item,
  );
  const plain = new Map<string, number>();
  h.forEach((e, k) => plain.set(e.item.id, (plain.get(e.item.id) ?? 0) + shares[k]!));
  return t
    .map(({ itemId, weight }) => ({ itemId, weight: scorer.weights.transformer * weight + (plain.get(itemId) ?? 0) }))
    .sort((a, b) => b.weight - a.weight);
}
