/**
 * Ranking and click-prediction metrics. Ties count against the target (pessimistic), so a model
 * that gives every item the same score gets no credit.
 */

/** 0-based rank of `target` among `candidates` by score (higher first), skipping `exclude`. */
export function rankOf(
  scores: ArrayLike<number>,
  target: number,
  candidates: ArrayLike<number> | null,
  exclude?: ReadonlySet<number>,
): number {
  const t = scores[target]!;
  let rank = 0;
  if (candidates) {
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i]!;
      if (c !== target && scores[c]! >= t) rank++;
    }
  } else {
    for (let c = 0; c < scores.length; c++) {
      if (c !== target && scores[c]! >= t && !exclude?.has(c)) rank++;
    }
  }
  return rank;
}

export interface RankingMetrics {
  'HR@1': number;
  'HR@5': number;
  'HR@10': number;
  'NDCG@5': number;
  'NDCG@10': number;
  MRR: number;
  n: number;
}

/** Averages HR@k, NDCG@k and MRR over 0-based ranks. */
export function rankingMetrics(ranks: readonly number[]): RankingMetrics {
  const n = ranks.length || 1;
  const hr = (k: number) => ranks.filter((r) => r < k).length / n;
  const ndcg = (k: number) => ranks.reduce((s, r) => s + (r < k ? 1 / Math.log2(r + 2) : 0), 0) / n;
  return {
    'HR@1': hr(1),
    'HR@5': hr(5),
    'HR@10': hr(10),
    'NDCG@5': ndcg(5),
    'NDCG@10': ndcg(10),
    MRR: ranks.reduce((s, r) => s + 1 / (r + 1), 0) / n,
    n: ranks.length,
  };
}

/** Area under the ROC curve (Mann-Whitney), ties counted half. */
export function auc(pos: readonly number[], neg: readonly number[]): number {
  const all = [...pos.map((s) => [s, 1] as const), ...neg.map((s) => [s, 0] as const)].sort((a, b) => a[0] - b[0]);
  let rankSum = 0;
  for (let i = 0; i < all.length;) {
    let j = i;
    while (j < all.length && all[j]![0] === all[i]![0]) j++;
    const avg = (i + j + 1) / 2; // 1-based average rank of the tie group
    for (let k = i; k < j; k++) if (all[k]![1] === 1) rankSum += avg;
    i = j;
  }
  const p = pos.length;
  const q = neg.length;
  return p && q ? (rankSum - (p * (p + 1)) / 2) / (p * q) : 0.5;
}

/** Precision, recall and F1 of "score >= threshold" as a click prediction. */
export function prf(pos: readonly number[], neg: readonly number[], threshold: number): { precision: number; recall: number; F1: number } {
  const tp = pos.filter((s) => s >= threshold).length;
  const fp = neg.filter((s) => s >= threshold).length;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = pos.length ? tp / pos.length : 0;
  return { precision, recall, F1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}
