/**
 * Content similarity over a catalog: each item's TF-IDF vector (title, brand and category words; text.ts)
 * under the catalog's own IDF, and an inverted index, so that the cosine of one item with every item costs
 * only the postings of its words. Pure JS, no tfjs: the worker and the evaluation scripts share it.
 */
import type { ItemFeatures } from '../shared/types.ts';
import { cosine, itemTerms, termStats, tfidfVector, type SparseVector, type TermStats } from './text.ts';

export interface ContentIndex {
  readonly size: number;
  readonly stats: TermStats;
  /** The TF-IDF vector of catalog item `i`. */
  vector(i: number): SparseVector;
  /** The TF-IDF vector of any item, under the catalog's IDF. */
  vectorOf(item: ItemFeatures): SparseVector;
  /** Cosine of `v` with every catalog item (0 for items sharing no word). */
  cosines(v: SparseVector): Float32Array;
  /** Cosine of catalog items `a` and `b`. */
  cosine(a: number, b: number): number;
}

export function contentIndex(items: readonly ItemFeatures[]): ContentIndex {
  const stats = termStats(items);
  const vectors = items.map((it) => tfidfVector(itemTerms(it), stats));
  const postings = new Map<string, { ids: number[]; weights: number[] }>();
  vectors.forEach((v, i) =>
    v.terms.forEach((t, k) => {
      const p = postings.get(t) ?? postings.set(t, { ids: [], weights: [] }).get(t)!;
      p.ids.push(i);
      p.weights.push(v.weights[k]!);
    }),
  );
  return {
    size: items.length,
    stats,
    vector: (i) => vectors[i]!,
    vectorOf: (item) => tfidfVector(itemTerms(item), stats),
    cosines(v) {
      const out = new Float32Array(items.length);
      v.terms.forEach((t, k) => {
        const p = postings.get(t);
        if (!p) return;
        const w = v.weights[k]!;
        for (let n = 0; n < p.ids.length; n++) out[p.ids[n]!]! += w * p.weights[n]!;
      });
      return out;
    },
    cosine: (a, b) => cosine(vectors[a]!, vectors[b]!),
  };
}
