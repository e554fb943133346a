/**
 * Text of items for models whose inputs do not depend on which words a catalog uses: tokens and
 * TF-IDF vectors. Pure functions, no tfjs, no DOM: the worker, the Node scripts and the tests share them.
 */
import type { ItemFeatures } from '../shared/types.ts';

/** Scripts written without spaces between words: a run of them is split into overlapping character bigrams. */
const CJK_CLASS = '[\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}\\p{Script=Hangul}ー]';
/** A character of those scripts (a token that starts with one is a bigram or a one-character run). */
export const CJK = new RegExp(CJK_CLASS, 'u');
/** A character other than printable ASCII (a space to a tilde). */
const NOT_PRINTABLE_ASCII = /[^ -~]/;
const RUNS = new RegExp(`${CJK_CLASS}+|(?:(?!${CJK_CLASS})[\\p{L}\\p{N}\\p{M}])+`, 'gu');

/**
 * Lower-case tokens of a text in any script. Latin and other spaced scripts: runs of letters and digits,
 * accents folded ("Crème" → "creme", "ß" → "ss", "œ" → "oe"), full-width forms made ASCII (NFKC). Chinese, Japanese and
 * Korean runs, which have no spaces: character bigrams ("資生堂" → "資生", "生堂"); a one-character run is
 * kept as it is. No stop words: IDF weighs common words down in any language (measured on Beauty: dropping
 * English stop words, one-letter words or numbers cost TF-IDF 1-2% NDCG@10).
 */
export function textTokens(text: string): string[] {
  const out: string[] = [];
  // Accents are folded on Latin letters only: NFKD would also split Japanese kana from their voicing marks (が → か).
  // Printable ASCII (most catalogs' titles) has nothing to normalize or fold: lower-casing is all it needs.
  const norm = !NOT_PRINTABLE_ASCII.test(text)
    ? text.toLowerCase()
    : text
        .normalize('NFKC')
        .toLowerCase()
        .replace(/ß/g, 'ss')
        // Ligatures Unicode does not decompose: "cœur" is "coeur", "Æble" is "aeble" (as "ß" is "ss").
        .replace(/œ/g, 'oe')
        .replace(/æ/g, 'ae')
        .normalize('NFKD')
        .replace(/(?<=\p{Script=Latin})\p{M}+/gu, '')
        .normalize('NFC');
  for (const m of norm.matchAll(RUNS)) {
    const run = m[0];
    if (CJK.test(run[0]!)) {
      const chars = [...run];
      if (chars.length === 1) out.push(run);
      for (let i = 0; i + 1 < chars.length; i++) out.push(chars[i]! + chars[i + 1]!);
      continue;
    }
    out.push(run);
  }
  return out;
}

/**
 * The terms of an item for content similarity: the words of its title, brand and category path.
 * Repeats are kept (term frequency counts them).
 * @param title the title's tokens, when the caller has them already
 */
export function itemTerms(item: ItemFeatures, title: readonly string[] = textTokens(item.title ?? '')): string[] {
  return [...title, ...textTokens(item.brand ?? ''), ...textTokens(item.category ?? '')];
}

/** Document frequencies of terms over a set of items: what IDF is computed from. */
export interface TermStats {
  /** Items counted. */
  docs: number;
  df: Map<string, number>;
}

/** Counts in how many items each term occurs. */
export function termStats(items: Iterable<ItemFeatures>, terms: (it: ItemFeatures) => string[] = itemTerms): TermStats {
  const df = new Map<string, number>();
  let docs = 0;
  for (const it of items) {
    docs++;
    for (const t of new Set(terms(it))) df.set(t, (df.get(t) ?? 0) + 1);
  }
  return { docs, df };
}

/** Smoothed IDF as scikit-learn computes it: ln((1 + docs) / (1 + df)) + 1; an unknown term has df 0. */
export function idf(stats: TermStats, term: string): number {
  return Math.log((1 + stats.docs) / (1 + (stats.df.get(term) ?? 0))) + 1;
}

/** A sparse, L2-normalized vector: terms in ascending order with their weights. */
export interface SparseVector {
  terms: string[];
  weights: Float64Array;
}

/** TF-IDF vector of a term list: sublinear tf (1 + ln tf) times smoothed idf, L2-normalized. */
export function tfidfVector(terms: readonly string[], stats: TermStats): SparseVector {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  const keys = [...tf.keys()].sort();
  const weights = Float64Array.from(keys, (t) => (1 + Math.log(tf.get(t)!)) * idf(stats, t));
  let norm = 0;
  for (const w of weights) norm += w * w;
  norm = Math.sqrt(norm);
  if (norm > 0) for (let i = 0; i < weights.length; i++) weights[i]! /= norm;
  return { terms: keys, weights };
}

/** Dot product of two sparse vectors (their cosine, since both are normalized). */
export function cosine(a: SparseVector, b: SparseVector): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < a.terms.length && j < b.terms.length) {
    const x = a.terms[i]!;
    const y = b.terms[j]!;
    if (x === y) s += a.weights[i++]! * b.weights[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}
