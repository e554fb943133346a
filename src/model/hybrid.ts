/**
 * The hybrid's plain part: what a shop-trained model adds to its transformer's score from two small tables
 * shipped with it, in plain JS (no tfjs, no DOM), so the worker, the first-view snapshot, placements and the
 * Node scripts compute the same numbers with this one file.
 *
 *   score(j) = transformer · (q · v_j)
 *            + content · Σ_k last[k] · cos(h_k, j)                  TF-IDF of title + brand + category words
 *            + cooccurrence · ln(1 + Σ_k last[k] · count(h_k → j))   how often j followed h_k in training data
 *            + knn · Σ_k knn.last[k] · sim(h_k, j)                 item-kNN: cosine of training co-interaction
 *            + transitions · Σ_k transitions.last[k] · b(h_k, j)   a linear model of "what follows what"
 *
 * over the shopper's newest history items h_0 (newest), h_1, ... with the weights `last` (the kNN part: its own
 * `knn.last`, chosen on validation targets; it may reach further back, since a shopper's taste lasts). The TF-IDF + co-occurrence
 * blend of `npm run eval` is the point (0, 1, w / 3, 0) of this space; the weights are chosen on validation targets.
 * Tables: the catalog's document frequencies (the `npm run index` format), a neighbour table (the top followers
 * of each item with their counts) and, optionally, a kNN table (each item's most similar items by co-interaction
 * cosine, quantized to 1/255) and, optionally, a transition table (each item's largest weights in a ridge regression
 * of the next item on the few before it, fitted on training sequences: co-occurrence with what the other recent
 * items already explain taken out; scaled to [0, 1], quantized to 1/255), all keyed by the model's item-id
 * vocabulary. A model without the kNN or transition table scores exactly as before: that part's weight is 0.
 */
import { ModelError } from '../shared/errors.ts';
import type { ItemFeatures } from '../shared/types.ts';
import { cosine, itemTerms, tfidfVector, type SparseVector, type TermStats } from './text.ts';

/** Weights of the newest history items (newest first) in the plain parts: those of the baselines of `npm run eval`. */
export const HYBRID_LAST: readonly number[] = [1, 1 / 2, 1 / 4];

/** The combiner's weights. */
export interface HybridWeights {
  transformer: number;
  content: number;
  cooccurrence: number;
  /** The item-kNN part's weight; absent (0) in hybrids without a kNN table. */
  knn?: number;
  /** The transition part's weight; absent (0) in hybrids without a transition table. */
  transitions?: number;
}

/** kNN similarities and transition weights are stored as uint8 steps of 1 / KNN_STEPS (both lie in [0, 1]). */
export const KNN_STEPS = 255;

/** A table of similarities in steps of 1 / KNN_STEPS, as model.json names it: the kNN or the transition table. */
export interface SimilarityTableConfig {
  file: string;
  sha256: string;
  rows: number;
  pairs: number;
  top: number;
  /** Weights of the newest history items in this part, newest first. */
  last: number[];
}

/** What model.json says about the hybrid (format 4; format 5 with `knn`; format 6 with `transitions`). */
export interface HybridConfig {
  weights: HybridWeights;
  /** Weights of the newest history items in the content and co-occurrence parts, newest first. */
  last: number[];
  /** The neighbour table file: `rows` = id vocabulary + 1 (row 0: unknown), `pairs` entries in all. */
  neighbours: { file: string; sha256: string; rows: number; pairs: number; window: number; top: number };
  /** The catalog's document frequencies (`reco-catalog-index` JSON). */
  index: { file: string; sha256: string };
  /**
   * The kNN table file (optional): the same layout as the neighbour table, each row's most similar items
   * (`top` at most) with their cosine in steps of 1 / KNN_STEPS.
   */
  knn?: SimilarityTableConfig;
  /**
   * The transition table file (optional): the same layout, each row's largest positive weights (`top` at most) of
   * the fitted "next item" model, in steps of 1 / KNN_STEPS; `last` are the weights it was fitted with.
   */
  transitions?: SimilarityTableConfig;
}

/**
 * Each item's top followers: row r (an id-vocabulary row, 1-based; 0 = unknown item) lists the rows
 * `ids[offsets[r] .. offsets[r + 1])` with their counts.
 */
export interface NeighbourTable {
  offsets: Uint32Array;
  ids: Uint16Array | Uint32Array;
  counts: Uint8Array;
}

/** Byte layout of the neighbour file: per row its length (uint8), padding to 4, ids (uint16 when rows fit, else uint32), counts (uint8). */
export function neighbourLayout(rows: number, pairs: number): { idBytes: 2 | 4; idsAt: number; countsAt: number; bytes: number } {
  const idBytes = rows <= 65536 ? 2 : 4;
  const idsAt = Math.ceil(rows / 4) * 4;
  const countsAt = idsAt + pairs * idBytes;
  return { idBytes, idsAt, countsAt, bytes: countsAt + pairs };
}

/**
 * Reads a neighbour file (or a kNN file, `field` 'hybrid.knn': the same layout, similarities for counts) as
 * model.json describes it.
 * @throws ModelError naming the field or the file when sizes or entries do not match
 */
export function decodeNeighbours(
  buf: ArrayBuffer,
  meta: { rows: number; pairs: number },
  url: string,
  field = 'hybrid.neighbours',
): NeighbourTable {
  const { rows, pairs } = meta;
  const { idBytes, idsAt, countsAt, bytes } = neighbourLayout(rows, pairs);
  if (buf.byteLength !== bytes)
    throw new ModelError(`${url}: expected ${bytes} bytes for ${field} (rows ${rows}, pairs ${pairs}), got ${buf.byteLength}`);
  const lengths = new Uint8Array(buf, 0, rows);
  const offsets = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) offsets[r + 1] = offsets[r]! + lengths[r]!;
  if (offsets[rows] !== pairs) throw new ModelError(`${url}: row lengths add up to ${offsets[rows]}, ${field}.pairs says ${pairs}`);
  const ids = idBytes === 2 ? new Uint16Array(buf, idsAt, pairs) : new Uint32Array(buf, idsAt, pairs);
  for (const id of ids) if (id === 0 || id >= rows) throw new ModelError(`${url}: a neighbour row ${id} outside 1..${rows - 1}`);
  return { offsets, ids, counts: new Uint8Array(buf, countsAt, pairs) };
}

/** Checks the `hybrid` block of a format 4 to 6 manifest; `fail` names the field. */
export function checkHybridConfig(h: unknown, idVocab: number, fail: (what: string) => never, format = 4): HybridConfig {
  const x = h as Partial<HybridConfig> | null;
  if (!x || typeof x !== 'object') fail(`hybrid: expected an object in a format ${format} manifest`);
  const w = x!.weights as Partial<HybridWeights> | undefined;
  for (const k of ['transformer', 'content', 'cooccurrence'] as const)
    if (!w || typeof w[k] !== 'number' || !Number.isFinite(w[k]))
      fail(`hybrid.weights.${k}: expected a number, got ${JSON.stringify(w?.[k])}`);
  if (!Array.isArray(x!.last) || x!.last.length === 0 || !x!.last.every((v) => typeof v === 'number' && Number.isFinite(v)))
    fail(`hybrid.last: expected a non-empty array of numbers, got ${JSON.stringify(x!.last)}`);
  const n = x!.neighbours;
  if (!n || typeof n.file !== 'string' || typeof n.sha256 !== 'string')
    fail('hybrid.neighbours: expected { file, sha256, rows, pairs, window, top }');
  if (n!.rows !== idVocab + 1)
    fail(`hybrid.neighbours.rows: expected ${idVocab + 1} (the id vocabulary + 1), got ${JSON.stringify(n!.rows)}`);
  if (!(Number.isInteger(n!.pairs) && n!.pairs >= 0))
    fail(`hybrid.neighbours.pairs: expected a whole number, got ${JSON.stringify(n!.pairs)}`);
  const i = x!.index;
  if (!i || typeof i.file !== 'string' || typeof i.sha256 !== 'string') fail('hybrid.index: expected { file, sha256 }');
  checkSimilarityTable(x!, 'knn', 'kNN', idVocab, fail);
  checkSimilarityTable(x!, 'transitions', 'transition', idVocab, fail);
  return x as HybridConfig;
}

/** Checks an optional similarity table of the `hybrid` block (`knn`, `transitions`) and its weight. */
function checkSimilarityTable(
  x: Partial<HybridConfig>,
  field: 'knn' | 'transitions',
  what: string,
  idVocab: number,
  fail: (what: string) => never,
): void {
  const w = x.weights!;
  if (w[field] !== undefined && (typeof w[field] !== 'number' || !Number.isFinite(w[field])))
    fail(`hybrid.weights.${field}: expected a number or nothing, got ${JSON.stringify(w[field])}`);
  const k = x[field];
  if (k === undefined) {
    if (w[field]) fail(`hybrid.${field}: weights.${field} is ${w[field]} but the manifest ships no ${what} table`);
    return;
  }
  if (!k || typeof k.file !== 'string' || typeof k.sha256 !== 'string')
    fail(`hybrid.${field}: expected { file, sha256, rows, pairs, top, last }`);
  if (!Array.isArray(k.last) || k.last.length === 0 || !k.last.every((v) => typeof v === 'number' && Number.isFinite(v)))
    fail(`hybrid.${field}.last: expected a non-empty array of numbers, got ${JSON.stringify(k.last)}`);
  if (k.rows !== idVocab + 1) fail(`hybrid.${field}.rows: expected ${idVocab + 1} (the id vocabulary + 1), got ${JSON.stringify(k.rows)}`);
  if (!(Number.isInteger(k.pairs) && k.pairs >= 0)) fail(`hybrid.${field}.pairs: expected a whole number, got ${JSON.stringify(k.pairs)}`);
}

/** The hybrid's tables, loaded: neighbours by id-vocabulary row, the catalog's IDF, and the vocabulary both ways. */
export interface HybridTables {
  config: HybridConfig;
  neighbours: NeighbourTable;
  /** The kNN table (`counts` are similarities in steps of 1 / KNN_STEPS), absent in the first hybrids. */
  knn?: NeighbourTable;
  /** The transition table (`counts` are weights in steps of 1 / KNN_STEPS), absent before format 6. */
  transitions?: NeighbourTable;
  idf: TermStats;
  /** Item id → id-vocabulary row (1-based), as the model's vocab.json gives it. */
  vocab: ReadonlyMap<string, number>;
  /** Row → item id (row 0 unused). */
  ids: readonly string[];
}

/** Weighted follower counts of the newest history rows: Σ_k last[k] · count(h_k → j), by row j. */
export function followerCounts(t: NeighbourTable, historyRows: ArrayLike<number>, last: readonly number[]): Map<number, number> {
  const out = new Map<number, number>();
  for (let k = 0; k < last.length && k < historyRows.length; k++) {
    const a = historyRows[historyRows.length - 1 - k]!;
    if (!(a > 0)) continue;
    for (let e = t.offsets[a]!; e < t.offsets[a + 1]!; e++) out.set(t.ids[e]!, (out.get(t.ids[e]!) ?? 0) + last[k]! * t.counts[e]!);
  }
  return out;
}

/** Weighted similarities of the newest history rows (a kNN or transition table): Σ_k last[k] · sim(h_k, j), by row j. */
export function knnSimilarities(t: NeighbourTable, historyRows: ArrayLike<number>, last: readonly number[]): Map<number, number> {
  const out = followerCounts(t, historyRows, last);
  for (const [j, s] of out) out.set(j, s / KNN_STEPS);
  return out;
}

/**
 * "Bought / viewed next" for one item: its followers in the neighbour table, most frequent first (ties by
 * table order). Placements ("similar items", "often next") can reuse it.
 */
export function followersOf(tables: HybridTables, itemId: string): { id: string; count: number }[] {
  const r = tables.vocab.get(itemId);
  if (!r) return [];
  const t = tables.neighbours;
  const out: { id: string; count: number }[] = [];
  for (let e = t.offsets[r]!; e < t.offsets[r + 1]!; e++) out.push({ id: tables.ids[t.ids[e]!]!, count: t.counts[e]! });
  return out.sort((x, y) => y.count - x.count);
}

/** The plain parts of candidates' scores, unweighted: content similarity, ln(1 + weighted follower count), kNN similarity, transition weight. */
export interface PlainParts {
  content: Float64Array;
  cooccurrence: Float64Array;
  /** All 0 without a kNN table. */
  knn: Float64Array;
  /** All 0 without a transition table. */
  transitions: Float64Array;
}

/** Keeps at most `cap` entries, dropping the oldest. */
function remember<V>(cache: Map<string, V>, key: string, value: V, cap: number): V {
  cache.set(key, value);
  if (cache.size > cap) cache.delete(cache.keys().next().value!);
  return value;
}

/** What {@link createPlainScorer} returns. */
export interface PlainScorer {
  /** The plain parts for candidates given the history's items (oldest first). */
  parts(history: readonly ItemFeatures[], candidates: readonly ItemFeatures[]): PlainParts;
  /** content · parts.content + cooccurrence · parts.cooccurrence + knn · parts.knn + transitions · parts.transitions, per candidate. */
  scores(history: readonly ItemFeatures[], candidates: readonly ItemFeatures[]): Float64Array;
  /**
   * Each history item's share of `candidate`'s plain score, oldest first (they add up to scores()): its weighted content
   * similarity, kNN similarity and transition weight, and of the co-occurrence part ln(1 + Σ counts) the part its own weighted count makes.
   */
  shares(history: readonly ItemFeatures[], candidate: ItemFeatures): Float64Array;
  readonly tables: HybridTables;
}

/**
 * The plain part of the hybrid over shipped tables; keeps each item's TF-IDF vector (tokenizing is most of
 * its cost) for the items of the last few pages.
 */
export function createPlainScorer(tables: HybridTables, cap = 4096): PlainScorer {
  const { config, neighbours, knn: knnTable, transitions: transitionTable, idf, vocab } = tables;
  const vectors = new Map<string, SparseVector>();
  const vector = (it: ItemFeatures): SparseVector => {
    const key = JSON.stringify([it.title, it.brand, it.category]);
    return vectors.get(key) ?? remember(vectors, key, tfidfVector(itemTerms(it), idf), cap);
  };
  function parts(history: readonly ItemFeatures[], candidates: readonly ItemFeatures[]): PlainParts {
    const last = config.last;
    const content = new Float64Array(candidates.length);
    const cooccurrence = new Float64Array(candidates.length);
    const knn = new Float64Array(candidates.length);
    const transitions = new Float64Array(candidates.length);
    const newest = history.slice(-last.length).reverse();
    if (newest.length === 0) return { content, cooccurrence, knn, transitions };
    const hv = newest.map(vector);
    const rowOf = (it: ItemFeatures) => vocab.get(it.id) ?? 0;
    const follow = followerCounts(neighbours, newest.map(rowOf).reverse(), last);
    const similar =
      knnTable && config.knn ? knnSimilarities(knnTable, history.slice(-config.knn.last.length).map(rowOf), config.knn.last) : null;
    const next =
      transitionTable && config.transitions
        ? knnSimilarities(transitionTable, history.slice(-config.transitions.last.length).map(rowOf), config.transitions.last)
        : null;
    candidates.forEach((c, j) => {
      const v = vector(c);
      let s = 0;
      for (let k = 0; k < hv.length; k++) s += last[k]! * cosine(hv[k]!, v);
      content[j] = s;
      const r = vocab.get(c.id) ?? 0;
      cooccurrence[j] = Math.log1p(follow.get(r) ?? 0);
      knn[j] = similar?.get(r) ?? 0;
      transitions[j] = next?.get(r) ?? 0;
    });
    return { content, cooccurrence, knn, transitions };
  }
  return {
    tables,
    parts,
    shares(history, candidate) {
      const w = config.weights;
      const out = new Float64Array(history.length);
      const r = vocab.get(candidate.id) ?? 0;
      const v = vector(candidate);
      /** The k-th newest history item's index in `history` and its id-vocabulary row (0: unknown); null past the oldest. */
      const newest = (k: number) =>
        k < history.length ? { i: history.length - 1 - k, row: vocab.get(history[history.length - 1 - k]!.id) ?? 0 } : null;
      /** How often the candidate followed a history row in training (a neighbour table's count), as parts() reads it. */
      const count = (t: NeighbourTable, row: number) => {
        if (row === 0 || r === 0) return 0;
        for (let e = t.offsets[row]!; e < t.offsets[row + 1]!; e++) if (t.ids[e] === r) return t.counts[e]!;
        return 0;
      };
      // Co-occurrence is ln(1 + Σ weighted counts): each item gets the part of it its own weighted count makes.
      const follows = config.last.map((wk, k) => wk * count(neighbours, newest(k)?.row ?? 0));
      const total = follows.reduce((a, b) => a + b, 0);
      config.last.forEach((wk, k) => {
        const h = newest(k);
        if (!h) return;
        out[h.i] += w.content * wk * cosine(vector(history[h.i]!), v);
        if (total > 0) out[h.i] += (w.cooccurrence * Math.log1p(total) * follows[k]!) / total;
      });
      const similarity = (table: NeighbourTable | undefined, c: SimilarityTableConfig | undefined, weight = 0) => {
        if (!table || !c || !weight) return;
        c.last.forEach((wk, k) => {
          const h = newest(k);
          if (h) out[h.i] += (weight * wk * count(table, h.row)) / KNN_STEPS;
        });
      };
      similarity(knnTable, config.knn, w.knn);
      similarity(transitionTable, config.transitions, w.transitions);
      return out;
    },
    scores(history, candidates) {
      const p = parts(history, candidates);
      const { content, cooccurrence, knn = 0, transitions = 0 } = config.weights;
      return Float64Array.from(
        p.content,
        (x, j) => content * x + cooccurrence * p.cooccurrence[j]! + knn * p.knn[j]! + transitions * p.transitions[j]!,
      );
    },
  };
}

/** The hybrid's score from the transformer's score and the plain parts' weighted sum. */
export function combine(w: HybridWeights, transformer: number, plain: number): number {
  return w.transformer * transformer + plain;
}
