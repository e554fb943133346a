/**
 * The hybrid in Node: builds its tables from training sequences, computes its plain parts over a whole
 * catalog (evaluation, validation) and for training prefixes (the prior the transformer is trained on top
 * of), and chooses the combiner's weights on validation targets. Serving is src/model/hybrid.ts; every
 * number here comes from the same tables and the same definitions.
 */
import {
  HYBRID_LAST,
  KNN_STEPS,
  followerCounts,
  knnSimilarities,
  neighbourLayout,
  type HybridConfig,
  type HybridTables,
  type HybridWeights,
  type NeighbourTable,
} from '../../src/model/hybrid.ts';
import type { LoadedModel } from '../../src/model/io.ts';
import { sha256Hex } from '../../src/model/sha256.ts';
import type { Sequence, TrainPrior } from '../../src/model/train/trainer.ts';
import { itemTerms, type TermStats } from '../../src/model/text.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';
import { catalogIndex } from '../index-catalog.ts';
import {
  addContentSimilarities,
  contentIndexWith,
  cooccurrenceTable,
  dropItems,
  interactions,
  itemCounts,
  type ContentIndex,
} from './baselines.ts';
import { dataSha256, withheldItems, type Dataset } from './data.ts';
import type { EvalUser } from './evaluate.ts';
import { rankingMetrics } from './metrics.ts';

/** Pairs within this many positions forward count as "followed" (the co-occurrence baseline's window). */
export const HYBRID_WINDOW = 3;
/**
 * Followers kept per item. On the Beauty validation targets (first 8,000), the blend with the top 20 per item
 * scored NDCG@10 .0511 against .0509 with all 274,426 pairs (161,024 kept); the top 10 lost (.0499).
 */
export const HYBRID_TOP = 20;

/**
 * Most similar items kept per item in the kNN table (item-kNN's cosine, quantized to 1/255). TODO measured below.
 */
export const HYBRID_KNN_TOP = 20;

/**
 * The transition part: a ridge regression of each training event's item on the few items before it (the newest
 * weighing 1, the one before TRANSITION_DECAY, ...; TRANSITION_WINDOW of them), in closed form, as the item-item
 * linear models of sequential recommendation do (SLIST, Choi et al. 2021; EASE, Steck 2019, without the order).
 * Its weights are co-occurrence with what the other recent items already explain taken out. Measured on four shops
 * cut from Beauty (reports/hybrid-transitions-20261206.txt: content + co-occurrence + kNN, with and without it, weights
 * chosen on validation): test NDCG@10 +1.5% to +2.2% with the best history weights of each shop (+0.1% with the worst). λ = 50, a window of 5 with decay 0.7: the best of that round.
 */
export const TRANSITION_WINDOW = 5;
export const TRANSITION_DECAY = 0.7;
export const TRANSITION_LAMBDA = 50;
/** History weights of the transition part, newest first: those it was fitted with. */
export const TRANSITION_LAST: readonly number[] = Array.from({ length: TRANSITION_WINDOW }, (_, k) => +(TRANSITION_DECAY ** k).toFixed(6));
/**
 * The regression is solved for the most frequent training items only (a dense inverse: 3,944 items took about 90 s
 * here); the others get no transition row and no column. A small shop's catalog fits whole.
 */
export const TRANSITION_ITEMS = 4000;
/** Largest positive weights kept per item. */
export const HYBRID_TRANSITION_TOP = 20;
/** Weights at or above this quantile of the rows' largest weights are stored as 1 (KNN_STEPS steps), the rest in proportion. */
const TRANSITION_CAP_QUANTILE = 0.95;

/** Inverts a symmetric positive definite matrix (row-major, n x n) in place by Gauss-Jordan elimination. */
function invertInPlace(A: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const p = A[rk + k]!;
    A[rk + k] = 1;
    for (let j = 0; j < n; j++) A[rk + j]! /= p;
    for (let i = 0; i < n; i++) {
      const ri = i * n;
      const f = A[ri + k]!;
      if (i === k || f === 0) continue;
      A[ri + k] = 0;
      for (let j = 0; j < n; j++) A[ri + j]! -= f * A[rk + j]!;
    }
  }
}

/**
 * The transition table's rows: for each of the TRANSITION_ITEMS most frequent training items with an id row, its
 * `top` largest positive weights B[a][b] of B = (XᵀX + λI)⁻¹ XᵀY, where each training event (from a sequence's
 * second on) is a row of Y (its item) and of X (the TRANSITION_WINDOW items before it, weighted TRANSITION_LAST),
 * as round(KNN_STEPS · B / cap), at most KNN_STEPS, cap the TRANSITION_CAP_QUANTILE quantile of the rows' largest
 * weights; those that round to 0 are left out. Ties go to the lower index.
 */
export function transitionRows(
  seqs: readonly Sequence[],
  n: number,
  rowOf: (i: number) => number,
  rows: number,
  top: number,
  maxItems = TRANSITION_ITEMS,
  lambda = TRANSITION_LAMBDA,
): [number, number][][] {
  const pop = itemCounts(seqs, n);
  const kept = Array.from({ length: n }, (_, i) => i)
    .filter((i) => pop[i]! > 0 && rowOf(i) > 0)
    .sort((x, y) => pop[y]! - pop[x]! || x - y)
    .slice(0, maxItems);
  const m = kept.length;
  const at = new Int32Array(n).fill(-1);
  kept.forEach((i, k) => (at[i] = k));
  const G = new Float64Array(m * m);
  // XᵀY is sparse (an item is followed by few others): one map of followers per item.
  const C = Array.from({ length: m }, () => new Map<number, number>());
  const x = new Map<number, number>();
  for (const s of seqs) {
    for (let t = 1; t < s.items.length; t++) {
      const y = at[s.items[t]!]!;
      if (y < 0) continue;
      x.clear();
      for (let d = 1; d <= TRANSITION_WINDOW && t - d >= 0; d++) {
        const a = at[s.items[t - d]!]!;
        if (a >= 0) x.set(a, (x.get(a) ?? 0) + TRANSITION_LAST[d - 1]!);
      }
      for (const [a, va] of x) {
        for (const [b, vb] of x) G[a * m + b]! += va * vb;
        C[a]!.set(y, (C[a]!.get(y) ?? 0) + va);
      }
    }
  }
  for (let k = 0; k < m; k++) G[k * m + k]! += lambda;
  invertInPlace(G, m);
  const best: [number, number][][] = [];
  const row = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    row.fill(0);
    for (let k = 0; k < m; k++) {
      const p = G[a * m + k]!;
      if (p !== 0) for (const [j, c] of C[k]!) row[j]! += p * c;
    }
    const pos: [number, number][] = [];
    for (let j = 0; j < m; j++) if (j !== a && row[j]! > 0) pos.push([j, row[j]!]);
    pos.sort((u, v) => v[1] - u[1] || kept[u[0]]! - kept[v[0]]!);
    best.push(pos.slice(0, Math.min(top, 255)));
  }
  const maxima = best
    .filter((r) => r.length > 0)
    .map((r) => r[0]![1])
    .sort((u, v) => u - v);
  const cap = maxima.length ? maxima[Math.min(maxima.length - 1, Math.floor(TRANSITION_CAP_QUANTILE * maxima.length))]! : 1;
  const byRow: [number, number][][] = Array.from({ length: rows }, () => []);
  best.forEach((r, a) => {
    byRow[rowOf(kept[a]!)] = r
      .map(([j, v]) => [rowOf(kept[j]!), Math.min(KNN_STEPS, Math.round((KNN_STEPS * v) / cap))] as [number, number])
      .filter(([, q]) => q > 0);
  });
  return byRow;
}

/** Row-major table of (id, uint8 value) pairs in the neighbour file layout (decodeNeighbours reads it back). */
function encodeRows(
  byRow: readonly (readonly [number, number])[][],
  rows: number,
): { buf: ArrayBuffer; table: NeighbourTable; pairs: number } {
  const pairs = byRow.reduce((s, r) => s + r.length, 0);
  const { idBytes, idsAt, countsAt, bytes } = neighbourLayout(rows, pairs);
  const buf = new ArrayBuffer(bytes);
  const lengths = new Uint8Array(buf, 0, rows);
  const ids = idBytes === 2 ? new Uint16Array(buf, idsAt, pairs) : new Uint32Array(buf, idsAt, pairs);
  const counts = new Uint8Array(buf, countsAt, pairs);
  let at = 0;
  byRow.forEach((row, r) => {
    lengths[r] = row.length;
    for (const [b, c] of row) {
      ids[at] = b;
      counts[at++] = c;
    }
  });
  const offsets = new Uint32Array(rows + 1);
  for (let r = 0; r < rows; r++) offsets[r + 1] = offsets[r]! + lengths[r]!;
  return { buf, table: { offsets, ids, counts }, pairs };
}

/**
 * Item-kNN's similarities as a table: for each item with an id row, its `top` most similar items by the cosine
 * of their training co-interaction vectors (binary, over distinct training users: |U_a ∩ U_b| / sqrt(|U_a| |U_b|),
 * the item-kNN row of npm run eval), stored as round(255 · cosine); those that round to 0 are left out. The item
 * itself (cosine 1) is among them, as in the eval row: shoppers come back to what they just viewed. Ties go to
 * the more popular item, then the lower index.
 */
export function knnRows(
  seqs: readonly Sequence[],
  n: number,
  rowOf: (i: number) => number,
  rows: number,
  top: number,
): [number, number][][] {
  const { itemUsers, userItems } = interactions(seqs, n);
  const pop = itemCounts(seqs, n);
  const co = new Int32Array(n);
  const touched: number[] = [];
  const size = (i: number) => itemUsers.offsets[i + 1]! - itemUsers.offsets[i]!;
  const byRow: [number, number][][] = Array.from({ length: rows }, () => []);
  for (let a = 0; a < n; a++) {
    const r = rowOf(a);
    if (r <= 0 || size(a) === 0) continue;
    for (let p = itemUsers.offsets[a]!; p < itemUsers.offsets[a + 1]!; p++)
      for (const j of userItems[itemUsers.users[p]!]!) if (co[j]++ === 0) touched.push(j);
    const row: [number, number, number][] = [];
    for (const j of touched) {
      if (rowOf(j) > 0) row.push([j, co[j]! / Math.sqrt(size(a) * size(j)), 0]);
      co[j] = 0;
    }
    touched.length = 0;
    row.sort((x, y) => y[1] - x[1] || pop[y[0]]! - pop[x[0]]! || x[0] - y[0]);
    byRow[r] = row
      .slice(0, Math.min(top, 255))
      .map(([j, c]) => [rowOf(j), Math.round(c * KNN_STEPS)] as [number, number])
      .filter(([, q]) => q > 0);
  }
  return byRow;
}

/**
 * History weights the kNN part may use, newest first: the baselines' last 3 items, or a geometric decay over the
 * whole history (up to `maxLen` items). A shopper's taste lasts: on the demo's simulated shoppers 0.7^k over the
 * history scored validation NDCG@10 .664 against .629 with the last 3; on Beauty .0189 against .0195.
 */
export function knnLastChoices(maxLen: number): { name: string; last: number[] }[] {
  return [
    { name: 'last 3: 1, 1/2, 1/4', last: [...HYBRID_LAST] },
    ...[0.5, 0.7, 0.8, 0.9].map((d) => ({ name: `${d}^k over ${maxLen}`, last: Array.from({ length: maxLen }, (_, k) => d ** k) })),
  ];
}

/**
 * Chooses the kNN part's history weights by the kNN part alone's full-ranking NDCG@10 on validation targets
 * (history excluded; ties pessimistic, as chooseHybridWeights counts). Ties: the earlier choice.
 */
export function chooseKnnLast(
  pc: PlainCatalog,
  users: readonly EvalUser[],
  maxLen: number,
): { name: string; last: number[]; validNdcg10: number; grid: { name: string; validNdcg10: number }[] } {
  if (!pc.knn) throw new Error('chooseKnnLast: no kNN table');
  const choices = knnLastChoices(maxLen);
  const scores = new Float64Array(pc.n);
  const grid = choices.map(({ name, last }) => {
    const ranks = users.map((u) => {
      scores.fill(0);
      for (const [r, x] of knnSimilarities(pc.knn!, historyRows(pc, u.hist.items, last.length), last)) {
        const j = pc.itemOf[r]!;
        if (j >= 0) scores[j] = x;
      }
      const target = scores[u.target]!;
      let rank = 0;
      for (let j = 0; j < pc.n; j++) if (j !== u.target && !u.seen.has(j) && scores[j]! >= target) rank++;
      return rank;
    });
    return { name, validNdcg10: rankingMetrics(ranks)['NDCG@10'] };
  });
  let best = 0;
  grid.forEach((g, i) => g.validNdcg10 > grid[best]!.validNdcg10 && (best = i));
  return { ...choices[best]!, validNdcg10: grid[best]!.validNdcg10, grid };
}

/** The tables of a hybrid as files, with the manifest's `hybrid` block (weights still to be chosen). */
export interface HybridFiles {
  files: Record<string, Uint8Array>;
  config: Omit<HybridConfig, 'weights'>;
  tables: Omit<HybridTables, 'config'>;
}

/**
 * Builds the neighbour table and the catalog index from training sequences.
 * @param rowOf id-vocabulary row (1-based) of a catalog item, 0 when it has none
 * @param rows id vocabulary size + 1
 * @param catalog the items whose document frequencies index.json holds: the catalog's own (README), not items that
 *   only the interactions name, nor another shop's (--extra-data)
 */
export async function buildHybridFiles(
  items: readonly ItemFeatures[],
  seqs: readonly Sequence[],
  rowOf: (i: number) => number,
  rows: number,
  top = HYBRID_TOP,
  knnTop = HYBRID_KNN_TOP,
  catalog: readonly ItemFeatures[] = items,
  transitionTop = HYBRID_TRANSITION_TOP,
): Promise<HybridFiles> {
  const n = items.length;
  const full = cooccurrenceTable(seqs, n, { window: HYBRID_WINDOW, last: HYBRID_LAST.length, symmetric: false });
  const pop = itemCounts(seqs, n);
  const byRow: [number, number][][] = Array.from({ length: rows }, () => []);
  for (let a = 0; a < n; a++) {
    const r = rowOf(a);
    if (r <= 0) continue;
    const row: [number, number][] = [];
    for (let e = full.offsets[a]!; e < full.offsets[a + 1]!; e++) if (rowOf(full.cols[e]!) > 0) row.push([full.cols[e]!, full.vals[e]!]);
    // Most pairs are seen once: among equal counts the more popular follower is the likelier next item.
    row.sort((x, y) => y[1] - x[1] || pop[y[0]]! - pop[x[0]]! || x[0] - y[0]);
    byRow[r] = row.slice(0, Math.min(top, 255)).map(([b, c]) => [rowOf(b), Math.min(255, c)]);
  }
  const { buf, table: neighbours, pairs } = encodeRows(byRow, rows);
  const knn = knnTop > 0 ? encodeRows(knnRows(seqs, n, rowOf, rows, knnTop), rows) : null;
  const transitions = transitionTop > 0 ? encodeRows(transitionRows(seqs, n, rowOf, rows, transitionTop), rows) : null;
  const index = catalogIndex(catalog);
  const indexBytes = new TextEncoder().encode(JSON.stringify(index) + '\n');
  const idf: TermStats = { docs: index.docs, df: new Map(Object.entries(index.df)) };
  const vocab = new Map<string, number>();
  const idList: string[] = Array.from({ length: rows }, () => '');
  items.forEach((it, i) => {
    const r = rowOf(i);
    if (r > 0) {
      vocab.set(it.id, r);
      idList[r] = it.id;
    }
  });
  return {
    files: {
      'neighbours.bin': new Uint8Array(buf),
      'index.json': indexBytes,
      ...(knn ? { 'knn.bin': new Uint8Array(knn.buf) } : {}),
      ...(transitions ? { 'transitions.bin': new Uint8Array(transitions.buf) } : {}),
    },
    config: {
      last: [...HYBRID_LAST],
      neighbours: { file: 'neighbours.bin', sha256: await sha256Hex(buf), rows, pairs, window: HYBRID_WINDOW, top },
      index: { file: 'index.json', sha256: await sha256Hex(indexBytes.buffer as ArrayBuffer) },
      ...(knn
        ? { knn: { file: 'knn.bin', sha256: await sha256Hex(knn.buf), rows, pairs: knn.pairs, top: knnTop, last: [...HYBRID_LAST] } }
        : {}),
      ...(transitions
        ? {
            transitions: {
              file: 'transitions.bin',
              sha256: await sha256Hex(transitions.buf),
              rows,
              pairs: transitions.pairs,
              top: transitionTop,
              last: [...TRANSITION_LAST],
            },
          }
        : {}),
    },
    tables: {
      neighbours,
      ...(knn ? { knn: knn.table } : {}),
      ...(transitions ? { transitions: transitions.table } : {}),
      idf,
      vocab,
      ids: idList,
    },
  };
}

/**
 * What a shipped hybrid's tables count, as its manifest says (`training.hybrid.tablesFrom`): every event of the data
 * it was trained on. The weights are chosen, and the model measured, with tables of the training sequences (each
 * shopper's events but the last two); the model ships with tables of every event, the newest included. A manifest
 * without the field (before 2026-12-07) ships the training sequences' tables.
 */
export const EVERY_EVENT = 'every event';

/** The sequences tables count: each without the `withheld` items, those of 2 items or more. */
export function tableSequences(seqs: readonly Sequence[], withheld: ReadonlySet<number>): Sequence[] {
  return seqs.map((s) => dropItems(s, withheld)).filter((s) => s.items.length >= 2);
}

/**
 * A hybrid's tables rebuilt from other sequences (the training sequences of the data it shipped every event of),
 * as npm run train built them to measure it: its own tables hold this data's validation and test targets.
 * @param items the data's items (any order: rows are found by id)
 */
export async function rebuiltTables(
  h: HybridTables,
  items: readonly ItemFeatures[],
  seqs: readonly Sequence[],
  catalog: readonly ItemFeatures[],
): Promise<HybridTables> {
  const c = h.config;
  const built = await buildHybridFiles(
    items,
    seqs,
    (i) => h.vocab.get(items[i]!.id) ?? 0,
    h.ids.length,
    c.neighbours.top,
    c.knn ? c.knn.top : 0,
    catalog,
    c.transitions ? c.transitions.top : 0,
  );
  return withTables(h, built.tables);
}

/**
 * Makes a hybrid that ships every event of this very data (by its manifest: `training.hybrid.tablesFrom` and
 * `training.dataSha256`) fit to be measured on this data's held-out targets: its tables are rebuilt from the
 * training sequences, as npm run train measured it. Other models are left as they are; one that counted this data
 * as `--extra-data` gets a note that its figures are not held out.
 * @param train the data's training sequences (each shopper's events but the last two)
 * @returns the note to print, or null when there is nothing to say
 */
export async function measureAsTrained(dir: string, model: LoadedModel, ds: Dataset, train: readonly Sequence[]): Promise<string | null> {
  const t = model.manifest.training ?? {};
  if (!model.hybrid) return null;
  const hash = dataSha256(ds);
  // Another shop's data (--extra-data) counts whole in the tables, as it always did: nothing here is held out.
  if (((t['extraDataSha256'] as string[] | undefined) ?? []).includes(hash))
    return `${dir}: its tables hold every event of this data (--extra-data when it trained), the targets included: these figures are not held out`;
  if ((t['hybrid'] as { tablesFrom?: unknown } | undefined)?.tablesFrom !== EVERY_EVENT || t['dataSha256'] !== hash) return null;
  const withheld = withheldItems(ds.items.length, Number(t['withhold'] ?? 0), Number(t['seed'] ?? 42));
  model.hybrid = await rebuiltTables(model.hybrid, ds.items, tableSequences(train, withheld), ds.items);
  const rebuilt = `${dir}: its tables hold every event of this data, the targets included: measured with tables rebuilt from the training sequences (each shopper's events but the last two), as npm run train measured it`;
  // The other shops' events (--extra-data) were in the tables train measured with; this run has only this data.
  const others = ((t['extraDataSha256'] as string[] | undefined) ?? []).length;
  return others
    ? `${rebuilt}, less the ${others === 1 ? 'other data' : `${others} other data sets`} it counted (--extra-data): its figures can differ a little from those train printed`
    : rebuilt;
}

/** A hybrid with the co-interaction tables of `t` (the content index and vocabulary kept), those it has. */
export function withTables(h: HybridTables, t: Pick<HybridTables, 'neighbours' | 'knn' | 'transitions'>): HybridTables {
  return {
    ...h,
    neighbours: t.neighbours,
    ...(h.config.knn ? { knn: t.knn } : {}),
    ...(h.config.transitions ? { transitions: t.transitions } : {}),
  };
}

/**
 * The plain parts over a whole catalog: content similarity (TF-IDF with the shipped IDF) and
 * ln(1 + follower count) from the shipped neighbour table, for any history.
 */
export interface PlainCatalog {
  n: number;
  last: readonly number[];
  content: ContentIndex;
  /** Catalog item → id-vocabulary row (0: none). */
  rowOf: Int32Array;
  /** Id-vocabulary row → catalog item (-1: not in this catalog). */
  itemOf: Int32Array;
  neighbours: NeighbourTable;
  knn?: NeighbourTable;
  /** The kNN part's history weights, newest first (`hybrid.knn.last`). */
  knnLast: readonly number[];
  transitions?: NeighbourTable;
  /** The transition part's history weights, newest first (`hybrid.transitions.last`). */
  transitionsLast: readonly number[];
}

export function plainCatalog(
  items: readonly ItemFeatures[],
  tables: Omit<HybridTables, 'config'>,
  last: readonly number[],
  knnLast: readonly number[] = last,
  transitionsLast: readonly number[] = TRANSITION_LAST,
): PlainCatalog {
  const rowOf = Int32Array.from(items, (it) => tables.vocab.get(it.id) ?? 0);
  const itemOf = new Int32Array(tables.ids.length).fill(-1);
  rowOf.forEach((r, i) => r > 0 && (itemOf[r] = i));
  return {
    n: items.length,
    last,
    content: contentIndexWith(items, itemTerms, tables.idf),
    rowOf,
    itemOf,
    neighbours: tables.neighbours,
    ...(tables.knn ? { knn: tables.knn } : {}),
    knnLast,
    ...(tables.transitions ? { transitions: tables.transitions } : {}),
    transitionsLast,
  };
}

/**
 * Writes the plain parts of every catalog item for a history into `content`, `cooc`, `knn` and `transitions` (length n
 * each; knn and transitions all 0 without their table).
 */
export function plainRows(
  pc: PlainCatalog,
  hist: ArrayLike<number>,
  content: Float64Array,
  cooc: Float64Array,
  knn?: Float64Array,
  transitions?: Float64Array,
): void {
  content.fill(0);
  cooc.fill(0);
  knn?.fill(0);
  transitions?.fill(0);
  for (let k = 0; k < pc.last.length && k < hist.length; k++)
    addContentSimilarities(pc.content, hist[hist.length - 1 - k]!, pc.last[k]!, content);
  const rows = Int32Array.from(
    { length: Math.min(pc.last.length, hist.length) },
    (_, i) => pc.rowOf[hist[hist.length - Math.min(pc.last.length, hist.length) + i]!]!,
  );
  for (const [r, c] of followerCounts(pc.neighbours, rows, pc.last)) {
    const j = pc.itemOf[r]!;
    if (j >= 0) cooc[j] = Math.log1p(c);
  }
  if (knn && pc.knn)
    for (const [r, s] of knnSimilarities(pc.knn, historyRows(pc, hist, pc.knnLast.length), pc.knnLast)) {
      const j = pc.itemOf[r]!;
      if (j >= 0) knn[j] = s;
    }
  if (transitions && pc.transitions)
    for (const [r, s] of knnSimilarities(pc.transitions, historyRows(pc, hist, pc.transitionsLast.length), pc.transitionsLast)) {
      const j = pc.itemOf[r]!;
      if (j >= 0) transitions[j] = s;
    }
}

/** Id-vocabulary rows of the newest `count` items of a history (catalog indices), oldest first. */
function historyRows(pc: PlainCatalog, hist: ArrayLike<number>, count: number, end = hist.length): Int32Array {
  const K = Math.min(count, end);
  return Int32Array.from({ length: K }, (_, i) => pc.rowOf[hist[end - K + i]!]!);
}

/**
 * The prior the transformer trains on top of: the plain parts of each candidate for a training prefix.
 * Follower counts leave out the pairs that the training sequence itself adds after the prefix (its own
 * target among them), which a shopper's history at serving time never holds; without that, the counts would
 * look far more telling in training than they are (most pairs are seen once). The kNN part is not in it: with
 * it (the sequence's own shopper left out of its similarities) the transformer trained on the simulated shoppers
 * to a loss of 5.17 after one epoch against 3.73 without, and validation then gave it weight 0.
 */
export function hybridPrior(pc: PlainCatalog, init: HybridWeights, window = HYBRID_WINDOW): TrainPrior {
  const { content, last, neighbours } = pc;
  const dense = new Float64Array(content.vocabulary);
  return {
    names: ['content', 'cooccurrence'],
    init: [init.content, init.cooccurrence],
    fill(seq, end, cands, out, off) {
      const K = Math.min(last.length, end);
      const { offsets, terms, weights } = content.rows;
      for (let k = 0; k < K; k++) {
        const a = seq.items[end - 1 - k]!;
        for (let e = offsets[a]!; e < offsets[a + 1]!; e++) dense[terms[e]!]! += last[k]! * weights[e]!;
      }
      const rows = Int32Array.from({ length: K }, (_, i) => pc.rowOf[seq.items[end - K + i]!]!);
      const follow = followerCounts(neighbours, rows, last);
      for (let c = 0; c < cands.length; c++) {
        const j = cands[c]!;
        let s = 0;
        for (let e = offsets[j]!; e < offsets[j + 1]!; e++) s += dense[terms[e]!]! * weights[e]!;
        const r = pc.rowOf[j]!;
        let count = r > 0 ? (follow.get(r) ?? 0) : 0;
        if (count > 0) count = Math.max(0, count - ownFuture(pc, seq, end, j, window));
        out[off + 2 * c] = s;
        out[off + 2 * c + 1] = Math.log1p(count);
      }
      for (let k = 0; k < K; k++) {
        const a = seq.items[end - 1 - k]!;
        for (let e = offsets[a]!; e < offsets[a + 1]!; e++) dense[terms[e]!] = 0;
      }
    },
  };
}

/**
 * The weighted count of the training sequence's own pairs (h_k → j) that lie after the prefix `[0, end)`
 * (j at or after `end`) and that the (pruned, capped) table holds: what a shopper's history would not have.
 */
function ownFuture(pc: PlainCatalog, seq: Sequence, end: number, j: number, window: number): number {
  const { last, neighbours: t } = pc;
  const rj = pc.rowOf[j]!;
  let s = 0;
  for (let k = 0; k < Math.min(last.length, end); k++) {
    const a = seq.items[end - 1 - k]!;
    if (a === j) continue;
    let n = 0;
    for (let x = Math.max(0, end - window); x < seq.items.length; x++) {
      if (seq.items[x] !== a) continue;
      for (let y = Math.max(x + 1, end); y <= x + window && y < seq.items.length; y++) if (seq.items[y] === j) n++;
    }
    if (!n) continue;
    const ra = pc.rowOf[a]!;
    for (let e = t.offsets[ra]!; e < t.offsets[ra + 1]!; e++) if (t.ids[e] === rj) s += last[k]! * Math.min(n, t.counts[e]!);
  }
  return s;
}

/** Ranks at or past this count as this in chooseHybridWeights: NDCG@10 and HR@10 do not tell them apart. */
const RANK_CUTOFF = 10;

/**
 * Grid of the combiner's weights: content off or on, co-occurrence as the blend's w / 3, the transformer relative
 * to its spread, item-kNN off (the hybrids before it: every earlier point is here) or on at a few strengths.
 */
export const HYBRID_GRID = {
  content: [0, 1],
  cooccurrence: [0, 0.5, 1, 1.5, 2, 3, 4, 6].map((w) => w / 3),
  transformer: [0, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1, 2, 4],
  knn: [0, 0.25, 0.5, 1, 2, 4],
} as const;

/** The transition part's weights tried around the grid's choice (each with every co-occurrence weight of the grid). */
export const TRANSITION_GRID = [1 / 8, 1 / 4, 1 / 2, 1, 2] as const;

/**
 * Chooses the combiner's weights by full-ranking NDCG@10 on validation targets (history excluded): every
 * point of HYBRID_GRID, the transformer's weights scaled by 1 / the mean spread (standard deviation over the
 * catalog) of its scores on the first batch of users, plus `extra` points (e.g. the weights the prior
 * learned). Ties: the earlier point. The blend is a point of the grid (transformer 0, content 1), so on these
 * users the choice is never below it.
 * With `around` (a choice of this function without the transition part), the points are instead `around` itself and
 * `around` with each co-occurrence weight of the grid and each transition weight of TRANSITION_GRID: the transition
 * part joins last, and only where validation prefers it.
 * @param transformerRows the transformer's scores of every catalog item for each user of a batch
 */
export function chooseHybridWeights(
  pc: PlainCatalog,
  users: readonly EvalUser[],
  transformerRows: (batch: readonly EvalUser[]) => Float32Array | Float64Array,
  extra: readonly HybridWeights[] = [],
  around?: HybridWeights,
): {
  weights: HybridWeights;
  validNdcg10: number;
  validHr10: number;
  /** The best point without the transformer and kNN whose content weight is 1: the blend of npm run eval, on these users. */
  blendNdcg10: number;
  users: number;
  spread: number;
  points: number;
} {
  const n = pc.n;
  const content = new Float64Array(n);
  const cooc = new Float64Array(n);
  const knn = new Float64Array(n);
  const transitions = new Float64Array(n);
  const knnGrid = pc.knn ? HYBRID_GRID.knn : [0];
  let points: HybridWeights[] = [];
  let spread = 1;
  const ranks: Int32Array[] = [];
  for (let i = 0; i < users.length; i += 256) {
    const part = users.slice(i, i + 256);
    const T = transformerRows(part);
    if (i === 0) {
      spread = 0;
      part.forEach((_, b) => {
        const t = T.subarray(b * n, (b + 1) * n);
        let m = 0;
        for (const x of t) m += x;
        m /= n;
        let v = 0;
        for (const x of t) v += (x - m) ** 2;
        spread += Math.sqrt(v / n) / part.length;
      });
      spread ||= 1;
      if (around) {
        points.push(around);
        if (pc.transitions)
          for (const t of TRANSITION_GRID)
            for (const c of HYBRID_GRID.cooccurrence) points.push({ ...around, cooccurrence: c, transitions: t });
      } else
        for (const d of knnGrid)
          for (const a of HYBRID_GRID.transformer)
            for (const b of HYBRID_GRID.content)
              for (const c of HYBRID_GRID.cooccurrence)
                if (a || b || c || d) points.push({ transformer: a / spread, content: b, cooccurrence: c, ...(pc.knn ? { knn: d } : {}) });
      points = [...points, ...extra];
      for (const _ of points) ranks.push(new Int32Array(users.length));
    }
    part.forEach((user, b) => {
      const t = T.subarray(b * n, (b + 1) * n);
      plainRows(pc, user.hist.items, content, cooc, knn, transitions);
      const at = user.target;
      // Only NDCG@10 and HR@10 are read: a count that passes the cutoff (plus the target and history items) stops.
      const cap = RANK_CUTOFF + 1 + user.seen.size;
      points.forEach((w, g) => {
        const { transformer: wt, content: wc, cooccurrence: wo, knn: wk = 0, transitions: wn = 0 } = w;
        // The plain part first, then the transformer on top, as the worker adds them.
        const score = (j: number) => wt * t[j]! + (wc * content[j]! + wo * cooc[j]! + wk * knn[j]! + wn * transitions[j]!);
        const target = score(at);
        let rank = 0;
        for (let j = 0; j < n && rank < cap; j++) if (score(j) >= target) rank++;
        if (rank >= cap) {
          ranks[g]![i + b] = RANK_CUTOFF;
          return;
        }
        // Every item scoring at least the target counted, itself included; history items are not ranked.
        for (const h of user.seen) if (h !== at && score(h) >= target) rank--;
        ranks[g]![i + b] = rank - 1;
      });
    });
  }
  let best = 0;
  let bestNdcg = -1;
  let blendNdcg10 = 0;
  points.forEach((w, g) => {
    const m = rankingMetrics(Array.from(ranks[g]!))['NDCG@10'];
    if (w.transformer === 0 && w.content === 1 && !w.knn && !w.transitions) blendNdcg10 = Math.max(blendNdcg10, m);
    if (m > bestNdcg) {
      bestNdcg = m;
      best = g;
    }
  });
  return {
    weights: points[best]!,
    validNdcg10: bestNdcg,
    blendNdcg10,
    validHr10: rankingMetrics(Array.from(ranks[best]!))['HR@10'],
    users: users.length,
    spread,
    points: points.length,
  };
}
