/**
 * Pair features: how a candidate item relates to one history item, in numbers that do not depend on
 * which words a catalog uses (text overlap weighted by IDF, shared brand and category levels, price
 * ratio, same item). A model over these carries to catalogs it never saw. Pure functions, no tfjs, no
 * DOM: training, evaluation and the worker compute them with this one file.
 */
import type { ItemFeatures } from '../shared/types.ts';
import { hash32 } from './features.ts';
import { idf, itemTerms, textTokens, type TermStats } from './text.ts';

/** The features of one (candidate, history item) pair, in this order. */
export const PAIR_FEATURES = [
  'cosAll', // TF-IDF cosine of title + brand + category words
  'cosTitle', // TF-IDF cosine of title words
  'coverCand', // IDF mass of the shared words / IDF mass of the candidate's words
  'coverHist', // IDF mass of the shared words / IDF mass of the history item's words
  'grams', // Jaccard of the titles' character trigrams (compounds, inflections: "Feuchtigkeitscreme" ~ "Creme")
  'sameBrand',
  'otherBrand', // both have a brand, a different one
  'catShared', // shared category levels / the deeper path's levels
  'sameTop', // same top-level category
  'sameLeaf', // the same full category path
  'catKnown', // both have a category
  'priceGap', // |ln(price ratio)| / 3, at most 1
  'priceKnown', // both have a price
  'sameItem',
  'candNoText', // the candidate has no title
  'histNoText', // the history item has no title
  'gramsCos', // cosine of the titles' character trigrams, each weighing as the IDF of the rarest word it comes from
] as const;
export const PAIR_FEATURE_COUNT = PAIR_FEATURES.length;

/** Category levels kept (deeper levels are ignored). */
export const MAX_DEPTH = 8;

/** Character trigrams of one title word (with word boundaries); a CJK bigram token is one gram. */
export function wordGrams(tok: string): number[] {
  if (/^[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Hangul}ー]/u.test(tok)) return [hash32(tok) | 0];
  const w = `#${tok}#`;
  const out: number[] = [];
  for (let i = 0; i + 3 <= w.length; i++) out.push(hash32(w.slice(i, i + 3)) | 0);
  return out;
}

/** Character trigrams of each word (with word boundaries); CJK bigram tokens count as one gram each. */
export function titleGrams(title: string): Int32Array {
  return Int32Array.from(new Set(textTokens(title).flatMap(wordGrams))).sort();
}

/** Sparse rows: row i is entries offsets[i] .. offsets[i + 1] of ids (ascending) and weights. */
interface Rows {
  offsets: Int32Array;
  ids: Int32Array;
  weights: Float64Array;
}

/**
 * A set of items compiled for pair features under one IDF: the whole catalog in training and
 * evaluation, the items of one call in the worker.
 */
export interface PairCatalog {
  n: number;
  ids: string[];
  /** TF-IDF of all words (L2-normalized); weights of `allIdf` are the terms' idf (for the cover features). */
  all: Rows;
  allIdf: Rows;
  /** Sum of the idf of each item's distinct words. */
  idfMass: Float64Array;
  title: Rows;
  /**
   * Title trigram hashes (ascending), each weighing as the IDF of the rarest title word it comes from, L2-normalized:
   * a rare word's pieces match as that word would ("Feuchtigkeitscreme" ~ "Feuchtigkeit"), a common word's less.
   */
  grams: Rows;
  /** Brand id per item, -1 without. */
  brand: Int32Array;
  /** Category prefix ids, MAX_DEPTH per item (-1 past the item's depth). */
  path: Int32Array;
  depth: Int32Array;
  /** ln(price), NaN without. */
  logPrice: Float64Array;
  noText: Uint8Array;
}

/** A sparse row's entry: an id (an interned term, or a trigram's hash) and its weight. */
type Entry = readonly [id: number, weight: number];

const byId = (a: Entry, b: Entry) => a[0] - b[0];

/** One item's sparse row: ids ascending, with their weights (plain arrays: cheaper to make than typed ones). */
export interface SparseRow {
  ids: number[];
  weights: number[];
}

/** The row of entries sorted by id. */
function sparseRow(entries: readonly Entry[]): SparseRow {
  return { ids: entries.map((e) => e[0]), weights: entries.map((e) => e[1]) };
}

/** Items' rows stacked into one set of rows, in the items' order. */
function stack(items: readonly SparseRow[]): Rows {
  const offsets = new Int32Array(items.length + 1);
  items.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.ids.length));
  const ids = new Int32Array(offsets[items.length]!);
  const weights = new Float64Array(ids.length);
  items.forEach((r, i) => {
    ids.set(r.ids, offsets[i]!);
    weights.set(r.weights, offsets[i]!);
  });
  return { offsets, ids, weights };
}

/** Term counts → L2-normalized sublinear-tf × idf entries over interned term ids, in ascending id order. */
function tfidfEntries(terms: readonly string[], stats: TermStats, intern: (t: string) => number): Entry[] {
  const tf = new Map<string, number>();
  for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + 1);
  const out: [number, number][] = [...tf].map(([t, c]) => [intern(t), (1 + Math.log(c)) * idf(stats, t)]);
  const norm = Math.hypot(...out.map((e) => e[1]));
  if (norm > 0) for (const e of out) e[1] /= norm;
  return out.sort(byId);
}

/** An item's title trigrams, each weighing as the IDF of the rarest title word it comes from, L2-normalized, in ascending hash order. */
function gramEntries(t: ItemText, stats: TermStats): Entry[] {
  const weight = new Map<number, number>();
  t.title.forEach((word, k) => {
    const w = idf(stats, word);
    for (const g of t.titleGrams[k]!) weight.set(g, Math.max(weight.get(g) ?? 0, w));
  });
  const norm = Math.hypot(...weight.values());
  return [...weight].map(([g, w]): Entry => [g, w / norm]).sort(byId);
}

/** Category prefixes of an item ("makeup", "makeup>lips", ...), lower-cased. */
export function categoryPath(category: string | undefined): string[] {
  const out: string[] = [];
  let p = '';
  for (const level of (category ?? '').split(/\s*[>|/]\s*/)) {
    const l = level.trim().toLowerCase();
    if (!l || l === 'unknown') continue;
    p = p ? `${p}>${l}` : l;
    out.push(p);
  }
  return out.slice(0, MAX_DEPTH);
}

/** What pair features read of an item, before any IDF: its words, title words, title trigrams, brand, category path. */
export interface ItemText {
  words: string[];
  title: string[];
  /** The trigrams of each title word, in the order of `title`. */
  titleGrams: number[][];
  brand: string | null;
  path: string[];
  price: number;
  noText: boolean;
}

/** The text of an item as pair features read it (cache it per item: tokenizing is most of a small ranking's cost). */
export function itemText(it: ItemFeatures): ItemText {
  const b = it.brand?.trim().toLowerCase();
  const title = textTokens(it.title ?? '');
  return {
    words: itemTerms(it, title),
    title,
    titleGrams: title.map(wordGrams),
    brand: b && b !== 'unknown' ? b : null,
    path: categoryPath(it.category),
    price: it.price != null && Number.isFinite(it.price) && it.price > 0 ? Math.log(it.price) : NaN,
    noText: !(it.title && it.title.trim()),
  };
}

/**
 * What an item's word overlap features read of it under one IDF: its rows of a compiled catalog. Term ids come from
 * `intern`: a scorer that numbers terms the same way on every call can keep an item's rows while the IDF stays
 * the same (its catalog index, or seen items that did not change), so a ranking compiles only the items it has not
 * compiled before (most of a small ranking's cost is compiling its items).
 */
export interface PairRows {
  /** TF-IDF of all words; `allIdf` the distinct words with their idf; `idfMass` the sum of those. */
  all: SparseRow;
  allIdf: SparseRow;
  idfMass: number;
  title: SparseRow;
  grams: SparseRow;
}

/** An item's {@link PairRows} under `stats`, its terms numbered by `intern`. */
export function pairRows(t: ItemText, stats: TermStats, intern: (term: string) => number): PairRows {
  const distinct = [...new Set(t.words)].map((w): Entry => [intern(w), idf(stats, w)]);
  return {
    all: sparseRow(tfidfEntries(t.words, stats, intern)),
    idfMass: distinct.reduce((s, e) => s + e[1], 0),
    allIdf: sparseRow(distinct.sort(byId)),
    title: sparseRow(tfidfEntries(t.title, stats, intern)),
    grams: sparseRow(gramEntries(t, stats)),
  };
}

/**
 * Compiles items for pair features; `stats` gives the IDF (the catalog's, or the items the worker knows).
 * @param text the items' text (default: computed here; the worker passes its per-item cache)
 * @param rowsOf the items' rows under `stats` (default: computed here, terms numbered for this call; the worker
 *   passes its per-item cache, numbered by its own count)
 */
export function pairCatalog(
  items: readonly ItemFeatures[],
  stats: TermStats,
  text: (it: ItemFeatures) => ItemText = itemText,
  rowsOf?: (t: ItemText) => PairRows,
): PairCatalog {
  if (!rowsOf) {
    const terms = new Map<string, number>();
    const intern = (t: string) => terms.get(t) ?? terms.set(t, terms.size).get(t)!;
    rowsOf = (t) => pairRows(t, stats, intern);
  }
  const brands = new Map<string, number>();
  const paths = new Map<string, number>();
  const n = items.length;
  const brand = new Int32Array(n).fill(-1);
  const path = new Int32Array(n * MAX_DEPTH).fill(-1);
  const depth = new Int32Array(n);
  const logPrice = new Float64Array(n).fill(NaN);
  const noText = new Uint8Array(n);
  const idfMass = new Float64Array(n);
  const compiled = items.map((it, i) => {
    const t = text(it);
    const r = rowsOf(t);
    idfMass[i] = r.idfMass;
    if (t.brand) brand[i] = brands.get(t.brand) ?? brands.set(t.brand, brands.size).get(t.brand)!;
    depth[i] = t.path.length;
    t.path.forEach((s, k) => (path[i * MAX_DEPTH + k] = paths.get(s) ?? paths.set(s, paths.size).get(s)!));
    logPrice[i] = t.price;
    noText[i] = t.noText ? 1 : 0;
    return r;
  });
  return {
    n,
    ids: items.map((it) => it.id),
    all: stack(compiled.map((r) => r.all)),
    allIdf: stack(compiled.map((r) => r.allIdf)),
    idfMass,
    title: stack(compiled.map((r) => r.title)),
    grams: stack(compiled.map((r) => r.grams)),
    brand,
    path,
    depth,
    logPrice,
    noText,
  };
}

/** Dot product of rows a and b (both ascending ids), summed in ascending id order. */
function dot(r: Rows, a: number, b: number): number {
  let i = r.offsets[a]!;
  let j = r.offsets[b]!;
  const ie = r.offsets[a + 1]!;
  const je = r.offsets[b + 1]!;
  let s = 0;
  while (i < ie && j < je) {
    const x = r.ids[i]!;
    const y = r.ids[j]!;
    if (x === y) s += r.weights[i++]! * r.weights[j++]!;
    else if (x < y) i++;
    else j++;
  }
  return s;
}

/** Sum of a's weights over ids that b also has, and the count of shared ids. */
function shared(r: Rows, a: number, b: number): [number, number] {
  let i = r.offsets[a]!;
  let j = r.offsets[b]!;
  const ie = r.offsets[a + 1]!;
  const je = r.offsets[b + 1]!;
  let s = 0;
  let k = 0;
  while (i < ie && j < je) {
    const x = r.ids[i]!;
    const y = r.ids[j]!;
    if (x === y) {
      s += r.weights[i]!;
      k++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return [s, k];
}

/** The parts of a pair's features that need no word overlap, written from `out[off + 5]` on. */
function structural(cat: PairCatalog, h: number, c: number, out: Float32Array, off: number): void {
  const bh = cat.brand[h]!;
  const bc = cat.brand[c]!;
  out[off + 5] = bh >= 0 && bh === bc ? 1 : 0;
  out[off + 6] = bh >= 0 && bc >= 0 && bh !== bc ? 1 : 0;
  const dh = cat.depth[h]!;
  const dc = cat.depth[c]!;
  let common = 0;
  while (common < dh && common < dc && cat.path[h * MAX_DEPTH + common] === cat.path[c * MAX_DEPTH + common]) common++;
  const known = dh > 0 && dc > 0;
  out[off + 7] = known ? common / Math.max(dh, dc) : 0;
  out[off + 8] = common >= 1 ? 1 : 0;
  out[off + 9] = known && dh === dc && common === dh ? 1 : 0;
  out[off + 10] = known ? 1 : 0;
  const ph = cat.logPrice[h]!;
  const pc = cat.logPrice[c]!;
  const priced = !Number.isNaN(ph) && !Number.isNaN(pc);
  out[off + 11] = priced ? Math.min(1, Math.abs(pc - ph) / 3) : 0;
  out[off + 12] = priced ? 1 : 0;
  out[off + 13] = cat.ids[h] === cat.ids[c] ? 1 : 0;
  out[off + 14] = cat.noText[c]!;
  out[off + 15] = cat.noText[h]!;
}

function overlap(
  cat: PairCatalog,
  h: number,
  c: number,
  sharedIdf: number,
  cos: number,
  cosTitle: number,
  gramsShared: number,
  gramsCos: number,
  out: Float32Array,
  off: number,
): void {
  out[off] = cos;
  out[off + 1] = cosTitle;
  out[off + 2] = cat.idfMass[c]! > 0 ? sharedIdf / cat.idfMass[c]! : 0;
  out[off + 3] = cat.idfMass[h]! > 0 ? sharedIdf / cat.idfMass[h]! : 0;
  const gh = cat.grams.offsets[h + 1]! - cat.grams.offsets[h]!;
  const gc = cat.grams.offsets[c + 1]! - cat.grams.offsets[c]!;
  out[off + 4] = gh + gc - gramsShared > 0 ? gramsShared / (gh + gc - gramsShared) : 0;
  out[off + 16] = gramsCos;
}

/** Writes the PAIR_FEATURE_COUNT features of (candidate c, history item h) at out[off]. */
export function pairFeaturesInto(cat: PairCatalog, h: number, c: number, out: Float32Array, off: number): void {
  const gramsShared = shared(cat.grams, h, c)[1];
  overlap(cat, h, c, shared(cat.allIdf, c, h)[0], dot(cat.all, h, c), dot(cat.title, h, c), gramsShared, dot(cat.grams, h, c), out, off);
  structural(cat, h, c, out, off);
}

/** Inverted rows: for each id, the items that have it (ascending) with their weights; `row` maps an id to its row. */
interface Inverted extends Rows {
  row: Map<number, number>;
}

/** Postings of a catalog, for the features of one item against all items. */
export interface PairPostings {
  all: Inverted;
  allIdf: Inverted;
  title: Inverted;
  grams: Inverted;
}

function invert(r: Rows, n: number): Inverted {
  const row = new Map<number, number>();
  for (const id of r.ids) if (!row.has(id)) row.set(id, row.size);
  const lists: [number, number][][] = Array.from({ length: row.size }, () => []);
  for (let i = 0; i < n; i++) for (let e = r.offsets[i]!; e < r.offsets[i + 1]!; e++) lists[row.get(r.ids[e]!)!]!.push([i, r.weights[e]!]);
  return { ...stack(lists.map(sparseRow)), row };
}

export function pairPostings(cat: PairCatalog): PairPostings {
  return {
    all: invert(cat.all, cat.n),
    allIdf: invert(cat.allIdf, cat.n),
    title: invert(cat.title, cat.n),
    grams: invert(cat.grams, cat.n),
  };
}

/** Values of `scratch` per catalog item that {@link pairFeaturesAll} needs. */
export const PAIR_SCRATCH = 5;

/**
 * The features of every catalog item as a candidate against history item h, at out[c * stride + offset ..]
 * (stride defaults to PAIR_FEATURE_COUNT). The same numbers as pairFeaturesInto (sums run in the same
 * order), at the cost of h's postings. `scratch` holds PAIR_SCRATCH * n values.
 */
export function pairFeaturesAll(
  cat: PairCatalog,
  post: PairPostings,
  h: number,
  out: Float32Array,
  scratch: Float64Array,
  stride: number = PAIR_FEATURE_COUNT,
  offset = 0,
): void {
  const n = cat.n;
  // scratch: [cos | cosTitle | sharedIdf | gramsShared | gramsCos], n each.
  scratch.fill(0, 0, PAIR_SCRATCH * n);
  const accumulate = (r: Rows, inv: Inverted, slot: number, weighOwn: boolean, count: boolean) => {
    for (let e = r.offsets[h]!; e < r.offsets[h + 1]!; e++) {
      const row = inv.row.get(r.ids[e]!)!;
      const wh = r.weights[e]!;
      for (let p = inv.offsets[row]!; p < inv.offsets[row + 1]!; p++) {
        const c = inv.ids[p]!;
        scratch[slot * n + c]! += count ? 1 : weighOwn ? inv.weights[p]! : wh * inv.weights[p]!;
      }
    }
  };
  accumulate(cat.all, post.all, 0, false, false);
  accumulate(cat.title, post.title, 1, false, false);
  accumulate(cat.allIdf, post.allIdf, 2, true, false);
  accumulate(cat.grams, post.grams, 3, false, true);
  accumulate(cat.grams, post.grams, 4, false, false);
  for (let c = 0; c < n; c++) {
    const at = c * stride + offset;
    overlap(cat, h, c, scratch[2 * n + c]!, scratch[c]!, scratch[n + c]!, scratch[3 * n + c]!, scratch[4 * n + c]!, out, at);
    structural(cat, h, c, out, at);
  }
}
