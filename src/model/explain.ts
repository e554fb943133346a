/**
 * "Because you viewed ...": how much each history item raised one item's score, by leaving it out.
 * Faithful by construction: a weight is the score with the whole history minus the score the same
 * model gives without every occurrence of that item (attention weights are not: they ignore the
 * value vectors, the feed-forward layers and the head).
 */
import type { Contribution } from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { recentSteps } from './sequence.ts';
import { applyHead, dot, type HeadArrays } from './head.ts';
import type { LoadedModel } from './io.ts';
import { itemTable, shopperVectors } from './predict.ts';

/**
 * Leave-one-item-out contributions of the history to `item`'s score, largest first.
 * Scores are those of scoreItems() with the same head: an empty history scores 0.
 * @param history as passed to rank(), oldest first; only the newest maxLen entries count, as in rank()
 */
export async function explainScore(
  model: LoadedModel,
  history: readonly HistoryEntry[],
  item: ItemFeatures,
  now: number,
  head: HeadArrays,
): Promise<Contribution[]> {
  const h = recentSteps(history, model.manifest.config.features.maxLen);
  if (h.length === 0) return [];
  const ids = [...new Set(h.map((e) => e.item.id))];
  const variants = [h, ...ids.map((id) => h.filter((e) => e.item.id !== id))];
  const kept = variants.filter((v) => v.length > 0);
  const table = await itemTable(model, [item, ...h.map((e) => e.item)]);
  const u = await shopperVectors(
    model,
    kept,
    kept.map(() => now),
    table,
  );
  const d = model.manifest.config.d;
  const v = table.data.subarray(0, d);
  const scores = kept.map((_, i) => dot(applyHead(head, u, i * d), v, d));
  // Only the variant without the history's one distinct item can be empty; it scores 0, as in rank().
  const score = (i: number) => (variants[i]!.length ? scores[kept.indexOf(variants[i]!)]! : 0);
  return ids.map((itemId, i) => ({ itemId, weight: score(0) - score(i + 1) })).sort((a, b) => b.weight - a.weight);
}
