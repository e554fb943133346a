import { describe, expect, it } from 'vitest';
import { auc, prf, rankOf, rankingMetrics } from '../../../scripts/lib/metrics.ts';

describe('rankOf', () => {
  const scores = [0.1, 0.5, 0.5, 0.9, 0.2];

  it('counts higher and tied items against the target (pessimistic)', () => {
    expect(rankOf(scores, 3, null)).toBe(0);
    expect(rankOf(scores, 1, null)).toBe(2); // item 3 is higher, item 2 ties
    expect(rankOf(scores, 2, null)).toBe(2);
    expect(rankOf(scores, 0, null)).toBe(4);
  });

  it('skips excluded items but never the target itself', () => {
    expect(rankOf(scores, 1, null, new Set([3]))).toBe(1);
    expect(rankOf(scores, 1, null, new Set([1, 2, 3]))).toBe(0);
  });

  it('ranks among candidates only, ignoring the target among them', () => {
    expect(rankOf(scores, 1, [0, 4])).toBe(0);
    expect(rankOf(scores, 1, [2, 0])).toBe(1);
    expect(rankOf(scores, 1, [1, 3, 2, 4])).toBe(2);
  });

  it('gives no credit to a constant scorer', () => {
    expect(rankOf([1, 1, 1, 1], 2, null)).toBe(3);
  });
});

describe('rankingMetrics', () => {
  it('matches hand-computed HR, NDCG and MRR', () => {
    const m = rankingMetrics([0, 1, 4, 9, 10]);
    expect(m.n).toBe(5);
    expect(m['HR@1']).toBeCloseTo(1 / 5, 12);
    expect(m['HR@5']).toBeCloseTo(3 / 5, 12);
    expect(m['HR@10']).toBeCloseTo(4 / 5, 12);
    expect(m['NDCG@5']).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(6)) / 5, 12);
    expect(m['NDCG@10']).toBeCloseTo((1 + 1 / Math.log2(3) + 1 / Math.log2(6) + 1 / Math.log2(11)) / 5, 12);
    expect(m.MRR).toBeCloseTo((1 + 1 / 2 + 1 / 5 + 1 / 10 + 1 / 11) / 5, 12);
  });

  it('is all zeros for no users', () => {
    expect(rankingMetrics([])).toEqual({ 'HR@1': 0, 'HR@5': 0, 'HR@10': 0, 'NDCG@5': 0, 'NDCG@10': 0, MRR: 0, n: 0 });
  });
});

describe('auc', () => {
  it('is 1 for perfect separation and 0 for inverted', () => {
    expect(auc([3], [1, 2])).toBe(1);
    expect(auc([1], [2, 3])).toBe(0);
  });

  it('counts ties as half', () => {
    expect(auc([2], [2])).toBe(0.5);
    expect(auc([1, 3], [2, 2])).toBe(0.5); // pairs: 0, 0, 1, 1
    expect(auc([2, 3], [1, 2])).toBe(3.5 / 4); // pairs: 1, 0.5, 1, 1
    expect(auc([5, 5, 5], [5, 5])).toBe(0.5);
  });

  it('is 0.5 when a class is empty', () => {
    expect(auc([], [1, 2])).toBe(0.5);
    expect(auc([1], [])).toBe(0.5);
  });
});

describe('prf', () => {
  it('treats score >= threshold as a predicted click', () => {
    const r = prf([0.9, 0.4], [0.8, 0.1, 0.5], 0.5);
    expect(r.precision).toBeCloseTo(1 / 3, 12); // tp 0.9; fp 0.8 and 0.5 (inclusive)
    expect(r.recall).toBeCloseTo(1 / 2, 12);
    expect(r.F1).toBeCloseTo(0.4, 12);
  });

  it('is zero when nothing is predicted', () => {
    expect(prf([0.1], [0.2], 0.9)).toEqual({ precision: 0, recall: 0, F1: 0 });
  });
});
