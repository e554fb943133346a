/** The similarity baselines against hand-computed cases. */
import { describe, expect, it } from 'vitest';
import {
  blendScorer,
  chooseBlendWeight,
  contentIndex,
  contentSimilarity,
  itemKnnScorer,
  tfidfScorer,
  baselineSpecs,
} from '../../../scripts/lib/baselines.ts';
import type { EvalUser } from '../../../scripts/lib/evaluate.ts';
import type { Sequence } from '../../../src/model/train/trainer.ts';

const seq = (...items: number[]): Sequence => ({ items: Int32Array.from(items), events: new Int32Array(items.length), ts: null });

// Terms: 0 {red, lipstick}, 1 {red, polish}, 2 {shampoo}, 3 {red, lipstick, matte}, 4 {} (no text).
const items = [
  { id: 'a', title: 'Red Lipstick' },
  { id: 'b', title: 'red polish' },
  { id: 'c', title: 'Shampoo' },
  { id: 'd', title: 'Matte red LIPSTICK' },
  { id: 'e' },
];
// df: red 3, lipstick 2, polish 1, shampoo 1, matte 1; N = 5.
const idf = (df: number) => Math.log(6 / (1 + df)) + 1;
const [red, lip, one] = [idf(3), idf(2), idf(1)];
const cos01 = (red * red) / (Math.hypot(red, lip) * Math.hypot(red, one));
const cos03 = (red * red + lip * lip) / (Math.hypot(red, lip) * Math.hypot(red, lip, one));
const cos13 = (red * red) / (Math.hypot(red, one) * Math.hypot(red, lip, one));
// Training sequences: popularity 0: 2, 1: 3, 2: 2, 3: 1, 4: 0.
const train = [seq(0, 1), seq(2, 1, 3), seq(1, 0, 2)];

describe('TF-IDF content similarity', () => {
  const ix = contentIndex(items);

  it('computes the cosines of smoothed-idf, L2-normalized vectors', () => {
    expect(contentSimilarity(ix, 0, 1)).toBeCloseTo(cos01, 12);
    expect(contentSimilarity(ix, 0, 3)).toBeCloseTo(cos03, 12);
    expect(contentSimilarity(ix, 0, 0)).toBeCloseTo(1, 12);
    expect(contentSimilarity(ix, 0, 2)).toBe(0);
    expect(contentSimilarity(ix, 4, 0)).toBe(0);
  });

  it('scores the last 3 history items with weights 1, 1/2, 1/4; popularity breaks ties', () => {
    const s = tfidfScorer(items, train, ix).score([seq(2, 3, 1, 0)], [null]);
    // Newest first: 0 (1), 1 (1/2), 3 (1/4); item 2 is too old to vote.
    expect(s[3]).toBeCloseTo(cos03 + 0.5 * cos13 + 0.25, 8);
    expect(s[2]).toBeGreaterThan(0);
    expect(s[2]).toBeLessThan(1e-8);
    // Items 2 and 4 have no similarity: item 2 (2 interactions) ranks above item 4 (none).
    expect(s[2]!).toBeGreaterThan(s[4]!);
  });
});

describe('item-kNN', () => {
  it('sums cosines of the training co-interaction vectors of the last items', () => {
    // Users: u0 {0, 1}, u1 {2, 1, 3}, u2 {1, 0, 2}. U_0 = {u0, u2}, U_1 = {u0, u1, u2}, U_2 = {u1, u2}, U_3 = {u1}.
    const s = itemKnnScorer(train, 5).score([seq(3, 0)], [null]);
    // Newest 0 (weight 1), then 3 (1/2).
    expect(s[1]).toBeCloseTo(2 / Math.sqrt(2 * 3) + 0.5 * (1 / Math.sqrt(1 * 3)), 8);
    expect(s[2]).toBeCloseTo(1 / Math.sqrt(2 * 2) + 0.5 * (1 / Math.sqrt(1 * 2)), 8);
    expect(s[4]).toBe(0);
  });
});

describe('content + co-occurrence blend', () => {
  it('adds w * ln(1 + weighted forward co-occurrence count) / 3 to the TF-IDF score', () => {
    const ix = contentIndex(items);
    const tfidf = tfidfScorer(items, train, ix).score([seq(1, 0)], [null]);
    const s = blendScorer(items, train, 2, { index: ix }).score([seq(1, 0)], [null]);
    // Forward pairs within 3: 0→1, 2→1, 2→3, 1→3, 1→0, 1→2, 0→2. History [1, 0]: newest 0 (1), then 1 (1/2).
    // cooc(1) = C[0][1] = 1; cooc(2) = C[0][2] + C[1][2] / 2 = 1.5; cooc(3) = C[1][3] / 2 = 0.5.
    expect(s[1]! - tfidf[1]!).toBeCloseTo((2 * Math.log1p(1)) / 3, 8);
    expect(s[2]! - tfidf[2]!).toBeCloseTo((2 * Math.log1p(1.5)) / 3, 8);
    expect(s[3]! - tfidf[3]!).toBeCloseTo((2 * Math.log1p(0.5)) / 3, 8);
    expect(s[4]).toBe(tfidf[4]);
  });

  it('chooses the weight with the best validation NDCG@10', () => {
    // Item 2 follows 0 in training but shares no words with it; item 1 shares "red". Targets: 2 after 0.
    const user = (hist: number[], target: number): EvalUser => ({
      userIndex: 0,
      hist: seq(...hist),
      target,
      now: null,
      seen: new Set(hist),
      negatives: new Int32Array(0),
    });
    const valid = [user([0], 2), user([0], 2), user([0], 1)];
    const r = chooseBlendWeight(items, [seq(0, 2), seq(0, 2), seq(0, 2)], valid, {}, [0, 1, 4]);
    // C[0][2] = 3 adds w * ln(4) / 3 to item 2: below cosine(0, 1) at w = 0, between cosine(0, 1) and cosine(0, 3) at 1, first at 4.
    expect(cos01).toBeLessThan(Math.log(4) / 3);
    expect(cos03).toBeGreaterThan(Math.log(4) / 3);
    const ndcg = (ranks: number[]) => ranks.reduce((s, r) => s + 1 / Math.log2(r + 2), 0) / ranks.length;
    expect(r.grid.map((g) => g.weight)).toEqual([0, 1, 4]);
    expect(r.grid[0]!.validNdcg10).toBeCloseTo(ndcg([2, 2, 1]), 8);
    expect(r.grid[1]!.validNdcg10).toBeCloseTo(ndcg([1, 1, 2]), 8);
    expect(r.grid[2]!.validNdcg10).toBeCloseTo(ndcg([0, 0, 2]), 8);
    expect(r.weight).toBe(4);
    expect(r.users).toBe(3);
  });

  it('the eval table lists every baseline with its definition', () => {
    const specs = baselineSpecs(items, 2);
    expect(specs.map((b) => b.name)).toEqual(['popularity', 'co-occurrence', 'item-kNN', 'tf-idf', 'tf-idf + co-occurrence (w 2)']);
    for (const b of specs) expect(b.definition.length).toBeGreaterThan(30);
  });
});
