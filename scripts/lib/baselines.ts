/**
 * Baselines for the eval table that need no neural model: popularity, item-to-item co-occurrence,
 * item-kNN, TF-IDF content similarity and the content + co-occurrence blend. The count-based ones count
 * training sequences only, never the evaluated items; TF-IDF reads only the catalog's text.
 */
import { itemTerms, termStats, tfidfVector, type TermStats } from '../../src/model/text.ts';
import { memoryLogit, type Sequence, type TeacherMemory } from '../../src/model/train/trainer.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';
import type { EvalUser } from './evaluate.ts';
import { rankOf, rankingMetrics } from './metrics.ts';

/** Scores every catalog item for a batch of histories: [B * N] (Float64 where float32 would tie scores that differ). */
export interface BatchScorer {
  name: string;
  /** Bytes of what would ship: weights, or count tables. */
  bytes: number;
  score(hists: readonly Sequence[], now: readonly (number | null)[]): Float32Array | Float64Array;
}

/** Removes the given items from a sequence (withheld items never reach training). */
export function dropItems(s: Sequence, drop: ReadonlySet<number>): Sequence {
  if (drop.size === 0) return s;
  const keep: number[] = [];
  s.items.forEach((it, i) => {
    if (!drop.has(it)) keep.push(i);
  });
  return {
    items: Int32Array.from(keep, (i) => s.items[i]!),
    events: Int32Array.from(keep, (i) => s.events[i]!),
    ts: s.ts ? Float64Array.from(keep, (i) => s.ts![i]!) : null,
  };
}

/** Interaction counts per item over the given sequences. */
export function itemCounts(seqs: readonly Sequence[], n: number): Int32Array {
  const counts = new Int32Array(n);
  for (const s of seqs) for (const i of s.items) counts[i]!++;
  return counts;
}

/** Popularity: the same ranking for everyone. Size: one int32 count per item. */
export function popularityScorer(seqs: readonly Sequence[], n: number): BatchScorer {
  const counts = itemCounts(seqs, n);
  const row = Float32Array.from(counts);
  return {
    name: 'popularity',
    bytes: 4 * n,
    score(hists) {
      const out = new Float32Array(hists.length * n);
      for (let b = 0; b < hists.length; b++) out.set(row, b * n);
      return out;
    },
  };
}

export interface CooccurrenceOptions {
  /** Pairs (a, b) count when b follows a at most `window` positions later in a training sequence. */
  window: number;
  /** History items that vote, newest first; the k-th newest weighs 2^-(k-1). */
  last: number;
  /** Count pairs in both directions ("bought together") instead of "b after a" only. */
  symmetric: boolean;
}

/** Chosen on the Beauty validation targets (forward beat symmetric; window and last 3 beat 1 and 5). */
export const COOCCURRENCE_DEFAULTS: CooccurrenceOptions = { window: 3, last: 3, symmetric: false };

/** Item-to-item co-occurrence counts of training sequences, as CSR rows: row a lists the items b that followed a. */
export interface CooccurrenceTable {
  n: number;
  offsets: Int32Array;
  cols: Int32Array;
  vals: Float32Array;
  opts: CooccurrenceOptions;
}

export function cooccurrenceTable(
  seqs: readonly Sequence[],
  n: number,
  opts: CooccurrenceOptions = COOCCURRENCE_DEFAULTS,
): CooccurrenceTable {
  const pairs = new Map<number, number>();
  const bump = (a: number, b: number) => {
    if (a === b) return;
    const key = a * n + b;
    pairs.set(key, (pairs.get(key) ?? 0) + 1);
  };
  for (const s of seqs) {
    for (let i = 0; i < s.items.length; i++) {
      for (let j = i + 1; j <= i + opts.window && j < s.items.length; j++) {
        bump(s.items[i]!, s.items[j]!);
        if (opts.symmetric) bump(s.items[j]!, s.items[i]!);
      }
    }
  }
  const keys = Float64Array.from(pairs.keys()).sort();
  const offsets = new Int32Array(n + 1);
  const cols = new Int32Array(keys.length);
  const vals = new Float32Array(keys.length);
  keys.forEach((key, k) => {
    const a = Math.floor(key / n);
    offsets[a + 1]!++;
    cols[k] = key - a * n;
    vals[k] = pairs.get(key)!;
  });
  for (let a = 0; a < n; a++) offsets[a + 1]! += offsets[a]!;
  return { n, offsets, cols, vals, opts };
}

/** Weighted counts of the items that follow a history: its k-th newest item votes with weight 2^-(k-1). */
export function neighbours(t: CooccurrenceTable, history: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < t.opts.last && k < history.length; k++) {
    const a = history[history.length - 1 - k]!;
    const w = 2 ** -k;
    for (let e = t.offsets[a]!; e < t.offsets[a + 1]!; e++) out.set(t.cols[e]!, (out.get(t.cols[e]!) ?? 0) + w * t.vals[e]!);
  }
  return out;
}

/** Bytes of the table as it would ship: int32 row offsets, int32 neighbour id + int32 count per pair. */
export function cooccurrenceBytes(t: CooccurrenceTable): number {
  return 4 * (t.n + 1) + 8 * t.cols.length;
}

/**
 * Item-to-item co-occurrence: score(j) = sum over the last few history items h of weight(h) * C[h][j],
 * ties broken by popularity. Size: the CSR table plus the int32 popularity vector.
 */
export function cooccurrenceScorer(seqs: readonly Sequence[], n: number, opts: CooccurrenceOptions = COOCCURRENCE_DEFAULTS): BatchScorer {
  const table = cooccurrenceTable(seqs, n, opts);
  const counts = itemCounts(seqs, n);
  const maxCount = counts.reduce((m, c) => Math.max(m, c), 0);
  // Weights are powers of two, so co-occurrence sums are multiples of the smallest; the tie-break stays below it.
  const smallest = 2 ** -(opts.last - 1);
  const base = Float32Array.from(counts, (c) => (smallest * c) / (maxCount + 1));
  return {
    name: 'co-occurrence',
    bytes: cooccurrenceBytes(table) + 4 * n,
    score(hists) {
      const out = new Float32Array(hists.length * n);
      hists.forEach((h, b) => {
        const o = b * n;
        out.set(base, o);
        for (const [j, c] of neighbours(table, h.items)) out[o + j]! += c;
      });
      return out;
    },
  };
}

/**
 * The teacher's memory: memoryLogit(beta, weighted co-occurrence count) added to a transformer's logits
 * (train.ts TeacherMemory); the eval's teacher rows (withMemory) add the same.
 */
export function cooccurrenceMemory(table: CooccurrenceTable, beta: number): TeacherMemory {
  return { beta, neighbours: (prefix) => neighbours(table, prefix) };
}

/** A transformer's scores plus the memory's: the teacher as distillation sees it. */
export function withMemory(model: BatchScorer, table: CooccurrenceTable, beta: number): BatchScorer {
  return {
    name: `${model.name} + co-occurrence (beta ${beta})`,
    bytes: model.bytes + cooccurrenceBytes(table),
    score(hists, now) {
      const out = model.score(hists, now);
      const n = table.n;
      hists.forEach((h, b) => {
        for (const [j, c] of neighbours(table, h.items)) out[b * n + j]! += memoryLogit(beta, c);
      });
      return out;
    },
  };
}

/** Weights of the newest history items that vote in the similarity baselines: the k-th newest weighs 2^-(k-1). */
export const LAST_WEIGHTS = [1, 1 / 2, 1 / 4] as const;

/**
 * Popularity as a tie-break far below any similarity difference: scores are float64, similarities of
 * distinct items differ by more than 1e-9 in practice, and the term stays below 1e-9.
 */
function tieBreak(counts: Int32Array): Float64Array {
  const max = counts.reduce((m, c) => Math.max(m, c), 0);
  return Float64Array.from(counts, (c) => (1e-9 * c) / (max + 1));
}

/** TF-IDF vectors of a catalog as CSR rows by item and postings by term, so one item's cosines with all items cost its postings. */
export interface ContentIndex {
  n: number;
  /** Row i of items: terms rows.terms[rows.offsets[i] .. rows.offsets[i + 1]) with their weights. */
  rows: { offsets: Int32Array; terms: Int32Array; weights: Float64Array };
  /** Row t of terms: the items that contain term t, with their weights. */
  postings: { offsets: Int32Array; items: Int32Array; weights: Float64Array };
  /** Distinct terms. */
  vocabulary: number;
}

/**
 * TF-IDF of title + brand + category words (src/model/text.ts itemTerms): sublinear tf (1 + ln tf), smoothed
 * idf (ln((1 + N) / (1 + df)) + 1, df over `catalog`: the catalog's own items, not those only interactions name),
 * each vector L2-normalized.
 */
export function contentIndex(items: readonly ItemFeatures[], catalog: readonly ItemFeatures[] = items): ContentIndex {
  return contentIndexWith(items, itemTerms, termStats(catalog, itemTerms));
}
/** The same with other terms, or with document frequencies given (a model's shipped catalog index) instead of counted over `items`. */
export function contentIndexWith(
  items: readonly ItemFeatures[],
  itemTerms: (it: ItemFeatures) => string[],
  stats: TermStats = termStats(items, itemTerms),
): ContentIndex {
  const ids = new Map<string, number>();
  const vecs = items.map((it) => {
    const v = tfidfVector(itemTerms(it), stats);
    // Rows sorted by term id, so two rows merge like sorted lists.
    return v.terms.map((t, k) => [ids.get(t) ?? ids.set(t, ids.size).get(t)!, v.weights[k]!] as const).sort((x, y) => x[0] - y[0]);
  });
  const rowOffsets = new Int32Array(items.length + 1);
  vecs.forEach((v, i) => (rowOffsets[i + 1] = rowOffsets[i]! + v.length));
  const rowTerms = new Int32Array(rowOffsets[items.length]!);
  const rowWeights = new Float64Array(rowTerms.length);
  vecs.forEach((v, i) =>
    v.forEach(([t, w], k) => {
      rowTerms[rowOffsets[i]! + k] = t;
      rowWeights[rowOffsets[i]! + k] = w;
    }),
  );
  const T = ids.size;
  const postOffsets = new Int32Array(T + 1);
  for (const t of rowTerms) postOffsets[t + 1]!++;
  for (let t = 0; t < T; t++) postOffsets[t + 1]! += postOffsets[t]!;
  const fill = postOffsets.slice(0, T);
  const postItems = new Int32Array(rowTerms.length);
  const postWeights = new Float64Array(rowTerms.length);
  for (let i = 0; i < items.length; i++) {
    for (let e = rowOffsets[i]!; e < rowOffsets[i + 1]!; e++) {
      const at = fill[rowTerms[e]!]!++;
      postItems[at] = i;
      postWeights[at] = rowWeights[e]!;
    }
  }
  return {
    n: items.length,
    rows: { offsets: rowOffsets, terms: rowTerms, weights: rowWeights },
    postings: { offsets: postOffsets, items: postItems, weights: postWeights },
    vocabulary: T,
  };
}

/** out[j] += w * cosine(item a, item j) for every catalog item j. */
export function addContentSimilarities(ix: ContentIndex, a: number, w: number, out: Float64Array, offset = 0): void {
  const { rows, postings } = ix;
  for (let e = rows.offsets[a]!; e < rows.offsets[a + 1]!; e++) {
    const t = rows.terms[e]!;
    const wa = w * rows.weights[e]!;
    for (let p = postings.offsets[t]!; p < postings.offsets[t + 1]!; p++) out[offset + postings.items[p]!]! += wa * postings.weights[p]!;
  }
}

/** Cosine of two catalog items' TF-IDF vectors. */
export function contentSimilarity(ix: ContentIndex, a: number, b: number): number {
  const { offsets, terms, weights } = ix.rows;
  let i = offsets[a]!;
  let j = offsets[b]!;
  let s = 0;
  while (i < offsets[a + 1]! && j < offsets[b + 1]!) {
    if (terms[i] === terms[j]) s += weights[i++]! * weights[j++]!;
    else if (terms[i]! < terms[j]!) i++;
    else j++;
  }
  return s;
}

/** Bytes the index would take as shipped tables: int32 offsets and term ids, float32 weights, both directions. */
function contentBytes(ix: ContentIndex): number {
  return 4 * (ix.n + 1 + ix.vocabulary + 1) + 2 * 8 * ix.rows.terms.length;
}

/**
 * TF-IDF content similarity: score(j) = sum over the last 3 history items h (weights 1, 1/2, 1/4) of
 * cosine(h, j); popularity (training counts) breaks ties. Needs no interactions but the tie-break.
 */
export function tfidfScorer(
  items: readonly ItemFeatures[],
  seqs: readonly Sequence[],
  ix: ContentIndex = contentIndex(items),
): BatchScorer {
  const n = items.length;
  const base = tieBreak(itemCounts(seqs, n));
  return {
    name: 'tf-idf',
    bytes: contentBytes(ix) + 4 * n,
    score(hists) {
      const out = new Float64Array(hists.length * n);
      hists.forEach((h, b) => {
        out.set(base, b * n);
        lastItems(h.items).forEach(([a, w]) => addContentSimilarities(ix, a, w, out, b * n));
      });
      return out;
    },
  };
}

/** The newest history items that vote and their weights (LAST_WEIGHTS), newest first. */
export function lastItems(items: ArrayLike<number>): [number, number][] {
  const out: [number, number][] = [];
  for (let k = 0; k < LAST_WEIGHTS.length && k < items.length; k++) out.push([items[items.length - 1 - k]!, LAST_WEIGHTS[k]!]);
  return out;
}

/**
 * The content + co-occurrence blend: score(j) = tfidf(j) + w * ln(1 + cooc(j)) / 3, where tfidf(j) is the
 * TF-IDF score above and cooc(j) the weighted co-occurrence count of the co-occurrence baseline (pairs
 * within 3 positions forward in the training sequences, the last 3 history items weighing 1, 1/2, 1/4);
 * popularity breaks ties. `w` is chosen on validation targets (chooseBlendWeight).
 */
export function blendScorer(
  items: readonly ItemFeatures[],
  seqs: readonly Sequence[],
  w: number,
  parts: { index?: ContentIndex; table?: CooccurrenceTable } = {},
): BatchScorer {
  const n = items.length;
  const ix = parts.index ?? contentIndex(items);
  const table = parts.table ?? cooccurrenceTable(seqs, n);
  const base = tieBreak(itemCounts(seqs, n));
  return {
    name: `tf-idf + co-occurrence (w ${w})`,
    bytes: contentBytes(ix) + cooccurrenceBytes(table) + 4 * n,
    score(hists) {
      const out = new Float64Array(hists.length * n);
      hists.forEach((h, b) => {
        const o = b * n;
        out.set(base, o);
        lastItems(h.items).forEach(([a, wa]) => addContentSimilarities(ix, a, wa, out, o));
        for (const [j, c] of neighbours(table, h.items)) out[o + j]! += (w * Math.log1p(c)) / 3;
      });
      return out;
    },
  };
}

/** Training users of each item and items of each training user (distinct), for item-kNN. */
export interface Interactions {
  itemUsers: { offsets: Int32Array; users: Int32Array };
  userItems: Int32Array[];
}

export function interactions(seqs: readonly Sequence[], n: number): Interactions {
  const userItems = seqs.map((s) => Int32Array.from(new Set(s.items)));
  const offsets = new Int32Array(n + 1);
  for (const its of userItems) for (const i of its) offsets[i + 1]!++;
  for (let i = 0; i < n; i++) offsets[i + 1]! += offsets[i]!;
  const fill = offsets.slice(0, n);
  const users = new Int32Array(offsets[n]!);
  userItems.forEach((its, u) => its.forEach((i) => (users[fill[i]!++] = u)));
  return { itemUsers: { offsets, users }, userItems };
}

/**
 * Item-kNN: each item is the binary vector of the training users who interacted with it;
 * score(j) = sum over the last 3 history items h (weights 1, 1/2, 1/4) of cosine(h, j) = |U_h ∩ U_j| / sqrt(|U_h| |U_j|);
 * popularity breaks ties. Size: the item-item cosine table it implies is not stored; bytes count the
 * interaction lists it reads (int32 per training user-item pair, both directions).
 */
export function itemKnnScorer(seqs: readonly Sequence[], n: number): BatchScorer {
  const ia = interactions(seqs, n);
  const { offsets, users } = ia.itemUsers;
  const base = tieBreak(itemCounts(seqs, n));
  const co = new Int32Array(n);
  const touched: number[] = [];
  return {
    name: 'item-kNN',
    bytes: 4 * (n + 1 + 2 * users.length + ia.userItems.length),
    score(hists) {
      const out = new Float64Array(hists.length * n);
      hists.forEach((h, b) => {
        const o = b * n;
        out.set(base, o);
        for (const [a, w] of lastItems(h.items)) {
          const na = offsets[a + 1]! - offsets[a]!;
          if (na === 0) continue;
          for (let p = offsets[a]!; p < offsets[a + 1]!; p++) {
            for (const j of ia.userItems[users[p]!]!) if (co[j]++ === 0) touched.push(j);
          }
          for (const j of touched) {
            out[o + j]! += (w * co[j]!) / Math.sqrt(na * (offsets[j + 1]! - offsets[j]!));
            co[j] = 0;
          }
          touched.length = 0;
        }
      });
      return out;
    },
  };
}

/** Blend weights tried on the validation targets. */
export const BLEND_GRID = [0, 0.5, 1, 1.5, 2, 3, 4, 6] as const;

/**
 * Chooses the blend's co-occurrence weight by full-ranking NDCG@10 on validation targets (history
 * excluded); each user's two parts are computed once and combined for every weight. Ties: the smaller weight.
 */
export function chooseBlendWeight(
  items: readonly ItemFeatures[],
  seqs: readonly Sequence[],
  valid: readonly EvalUser[],
  parts: { index?: ContentIndex; table?: CooccurrenceTable } = {},
  grid: readonly number[] = BLEND_GRID,
): { weight: number; validNdcg10: number; grid: { weight: number; validNdcg10: number }[]; users: number } {
  const n = items.length;
  const ix = parts.index ?? contentIndex(items);
  const table = parts.table ?? cooccurrenceTable(seqs, n);
  const base = tieBreak(itemCounts(seqs, n));
  const ranks = grid.map(() => [] as number[]);
  const content = new Float64Array(n);
  const row = new Float64Array(n);
  for (const u of valid) {
    content.set(base);
    lastItems(u.hist.items).forEach(([a, w]) => addContentSimilarities(ix, a, w, content));
    const nb = [...neighbours(table, u.hist.items)];
    grid.forEach((w, g) => {
      row.set(content);
      for (const [j, c] of nb) row[j]! += (w * Math.log1p(c)) / 3;
      ranks[g]!.push(rankOf(row, u.target, null, u.seen));
    });
  }
  const scored = grid.map((weight, g) => ({ weight, validNdcg10: rankingMetrics(ranks[g]!)['NDCG@10'] }));
  const best = scored.reduce((b, x) => (x.validNdcg10 > b.validNdcg10 ? x : b));
  return { ...best, grid: scored, users: valid.length };
}

/** A baseline row of the eval table: its name, its exact definition (printed with the table) and its scorer. */
export interface BaselineSpec {
  name: string;
  definition: string;
  /** The scorer counted on `seqs`; `parts` reuses an index or table already built from the same data. */
  make(seqs: readonly Sequence[], parts?: { index?: ContentIndex; table?: CooccurrenceTable }): BatchScorer;
}

/** The baselines of the eval table, in order; `blendWeight` as chosen on validation targets. */
export function baselineSpecs(items: readonly ItemFeatures[], blendWeight: number): BaselineSpec[] {
  const n = items.length;
  const co = COOCCURRENCE_DEFAULTS;
  const last = 'the last 3 history items voting with weights 1, 1/2, 1/4';
  const ties = 'popularity (training counts) breaks ties';
  return [
    {
      name: 'popularity',
      definition: 'training interaction counts, the same ranking for everyone',
      make: (seqs) => popularityScorer(seqs, n),
    },
    {
      name: 'co-occurrence',
      definition: `C[a][b] = times b followed a within ${co.window} positions (${co.symmetric ? 'both directions' : 'forward only'}) in the training sequences; score(j) = sum of C[h][j] over ${last}; ${ties}`,
      make: (seqs) => cooccurrenceScorer(seqs, n),
    },
    {
      name: 'item-kNN',
      definition: `cosine of the items' training co-interaction vectors (binary, over training users): |U_h ∩ U_j| / sqrt(|U_h| |U_j|), summed over ${last}; ${ties}`,
      make: (seqs) => itemKnnScorer(seqs, n),
    },
    {
      name: 'tf-idf',
      definition: `TF-IDF of title + brand + category words (src/model/text.ts textTokens; sublinear tf 1 + ln tf, smoothed idf ln((1 + N) / (1 + df)) + 1 over the catalog, L2-normalized); score(j) = sum of cosine(h, j) over ${last}; ${ties}; no training`,
      make: (seqs, parts) => tfidfScorer(items, seqs, parts?.index),
    },
    {
      name: `tf-idf + co-occurrence (w ${blendWeight})`,
      definition: `tf-idf score + w * ln(1 + co-occurrence score) / 3 (the two rows above, same last 3 items and weights), w = ${blendWeight} chosen by validation NDCG@10 from ${BLEND_GRID.join(', ')}; ${ties}`,
      make: (seqs, parts) => blendScorer(items, seqs, blendWeight, parts),
    },
  ];
}
