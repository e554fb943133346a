/**
 * Serving the pair model: scores candidates for one shopper's history. Used by the worker (its engine, and its host
 * before TensorFlow.js loads) and by the Node scripts that check the worker against Node. The forward pass is given:
 * TensorFlow.js's (pair-scorer.ts createPairScorer, the one training uses) or the plain one (pair-plain.ts, the same
 * arithmetic on arrays, checked against it), so this module loads no tfjs.
 *
 * IDF comes from a shipped index of the shop's catalog (`npm run index`) when there is one; otherwise from
 * the items this scorer has seen: every history item and candidate it was asked about (the catalog as far
 * as the worker knows it), counted once per item id. With neither the words of a new catalog would all weigh
 * the same.
 */
import type { Contribution } from '../shared/protocol.ts';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { EVENT_INDEX, gapBucket, recentSteps } from './sequence.ts';
import type { PairConfig } from './pair-config.ts';
import { itemText, pairCatalog, pairFeaturesInto, pairRows, PAIR_FEATURE_COUNT, type ItemText, type PairRows } from './pair-features.ts';
import type { HeadArrays } from './head.ts';
import type { TermStats } from './text.ts';

/** Most items the seen-items IDF counts; past it, new items no longer change it. */
const MAX_SEEN = 50_000;
/** Items whose tokenized text (and with it their compiled rows) is kept (the oldest is dropped past it). */
const MAX_TEXTS = 4096;
/** Distinct terms numbered before the numbering restarts (every kept item is compiled again then). */
const MAX_TERMS = 200_000;

/**
 * What on-device learning changes in the pair model: score' = (1 + c[0]) · score + w · pooled, where
 * `pooled` are the candidate's pair features averaged with the model's attention over the history.
 * The shipped head is all zeros (the model as trained).
 */
export function pairHeadSize(): { w: number; c: number } {
  return { w: PAIR_FEATURE_COUNT, c: 1 };
}

export function shippedPairHead(): HeadArrays {
  const n = pairHeadSize();
  return { w: new Float32Array(n.w), c: new Float32Array(n.c) };
}

/** The score of one candidate under a head, from its model score and pooled features at `pooled[off ..]`. */
export function applyPairHead(head: HeadArrays, base: number, pooled: Float32Array, off: number): number {
  let s = (1 + head.c[0]!) * base;
  for (let f = 0; f < head.w.length; f++) s += head.w[f]! * pooled[off + f]!;
  return s;
}

/** One history's inputs to the forward pass (one shopper): pair features [C, L, F] and each history slot's context [L]. */
export interface PairArrays {
  x: Float32Array;
  /** Event kind, gap bucket, and position from the newest (0) of each history slot, oldest first. */
  events: Int32Array;
  gaps: Int32Array;
  pos: Int32Array;
  C: number;
  L: number;
}

/**
 * The forward pass's outputs: scores [C], the attention-pooled pair features [C * F], and with `withSlots` each history
 * slot's share of the score and its attention [C * L] (see pair-scorer.ts pairForwardParts).
 */
export type PairForward = (
  input: PairArrays,
  withSlots: boolean,
) => Promise<{ base: Float32Array; pooled: Float32Array; share?: Float32Array; attention?: Float32Array }>;

/** Model scores [C] and pooled pair features [C * F] of candidates for one history. */
export interface PairParts {
  base: Float32Array;
  pooled: Float32Array;
}

export interface PairScorer {
  /**
   * Scores of `candidates` (same order) for this history (oldest first) under `head` (default: the shipped
   * one); all 0 for an empty history. Adds the items to the seen-items IDF first.
   */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number, head?: HeadArrays): Promise<Float32Array>;
  /** The model's scores and pooled features, without a head and without observing the items; null for an empty history. */
  parts(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<PairParts | null>;
  /**
   * Each of the newest `maxLen` history entries' share of `item`'s score under `head` (they add up to the score), oldest
   * first; empty for an empty history. See explainPairScore.
   */
  shares(history: readonly HistoryEntry[], item: ItemFeatures, now: number, head: HeadArrays): Promise<number[]>;
  /** Adds items to the seen-items IDF (no effect with a shipped index). */
  observe(items: Iterable<ItemFeatures>): void;
  /** Where IDF comes from and over how many items. */
  idf(): { source: 'index' | 'seen'; items: number };
  /** The seen-items IDF as it stands (null with a shipped index): the serving snapshot keeps it with the scores it gave. */
  counts(): SeenCounts | null;
  readonly maxLen: number;
}

/** The seen-items IDF: the item ids counted, and each term's count among them. */
export interface SeenCounts {
  ids: string[];
  df: [term: string, items: number][];
}

/** The seen-items counts a serving snapshot kept (Snapshot.state), if they are there and well formed. */
export function seenCountsOf(state: unknown): SeenCounts | null {
  const s = state as Partial<SeenCounts> | null;
  return s && Array.isArray(s.ids) && Array.isArray(s.df) ? (s as SeenCounts) : null;
}

/**
 * @param cfg the model's config
 * @param run its forward pass
 * @param index document frequencies of the shop's catalog (npm run index); null: count the items seen.
 * @param seed seen-items counts to start from (those of an earlier page view, kept with its serving snapshot)
 */
export function createPairScorerWith(
  cfg: PairConfig,
  run: PairForward,
  index: TermStats | null = null,
  seed: SeenCounts | null = null,
): PairScorer {
  const seen = new Set<string>(seed?.ids);
  const counted: TermStats = { docs: seen.size, df: new Map(seed?.df) };
  const stats = index ?? counted;
  // Each item (id and features) tokenized once, and compiled once per IDF: its rows stay valid while the IDF does
  // (a catalog index never changes; the seen-items IDF changes when a ranking brings an item it had not counted).
  const texts = new Map<string, ItemText>();
  const text = (it: ItemFeatures): ItemText => {
    const key = JSON.stringify([it.id, it.title, it.brand, it.category, it.price]);
    let t = texts.get(key);
    if (!t) {
      t = itemText(it);
      texts.set(key, t);
      if (texts.size > MAX_TEXTS) texts.delete(texts.keys().next().value!);
    }
    return t;
  };
  // By the kept text: an item dropped from `texts` drops its rows too.
  const compiled = new WeakMap<ItemText, { rows: PairRows; idfVersion: number }>();
  let idfVersion = 0;
  const terms = new Map<string, number>();
  const intern = (t: string) => terms.get(t) ?? terms.set(t, terms.size).get(t)!;
  const rowsOf = (t: ItemText): PairRows => {
    let c = compiled.get(t);
    if (!c || c.idfVersion !== idfVersion) {
      c = { rows: pairRows(t, stats, intern), idfVersion };
      compiled.set(t, c);
    }
    return c.rows;
  };

  function observe(items: Iterable<ItemFeatures>): void {
    if (index) return;
    for (const it of items) {
      if (seen.has(it.id) || seen.size >= MAX_SEEN) continue;
      seen.add(it.id);
      counted.docs++;
      idfVersion++;
      for (const t of new Set(text(it).words)) counted.df.set(t, (counted.df.get(t) ?? 0) + 1);
    }
  }

  async function parts(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number): Promise<PairParts | null> {
    const out = await forward(history, candidates, now, false);
    return out && { base: out.base, pooled: out.pooled };
  }

  /** The forward pass for one history: scores, pooled features, and with `withSlots` each slot's share, its attention and its pair features. */
  async function forward(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number, withSlots: boolean) {
    const h = recentSteps(history, cfg.maxLen);
    const C = candidates.length;
    if (h.length === 0 || C === 0) return null;
    const L = h.length;
    const F = PAIR_FEATURE_COUNT;
    // Term ids only grow: past MAX_TERMS they restart (between calls: the items of one call share one numbering), and
    // every item is compiled again.
    if (terms.size > MAX_TERMS) {
      terms.clear();
      idfVersion++;
    }
    // One compiled catalog for the call: history items first, then candidates.
    const cat = pairCatalog([...h.map((e) => e.item), ...candidates], stats, text, rowsOf);
    const x = new Float32Array(C * L * F);
    for (let c = 0; c < C; c++) for (let k = 0; k < L; k++) pairFeaturesInto(cat, k, L + c, x, (c * L + k) * F);
    const out = await run(
      {
        x,
        events: Int32Array.from(h, (e) => EVENT_INDEX[e.type] ?? 0),
        gaps: Int32Array.from(h, (e, i) => gapBucket((i + 1 < L ? h[i + 1]!.ts : now) - e.ts)),
        pos: Int32Array.from(h, (_, i) => L - 1 - i),
        C,
        L,
      },
      withSlots,
    );
    const { base, pooled, share, attention } = out;
    return { base, pooled, slots: share && attention ? { share, attention, x, L } : null };
  }

  return {
    observe,
    parts,
    async shares(history, item, now, head) {
      const out = await forward(history, [item], now, true);
      if (!out?.slots) return [];
      const { share, attention, x, L } = out.slots;
      const F = PAIR_FEATURE_COUNT;
      // The head is linear in the score and the pooled features: each slot's part is the head applied to its share and
      // to its pair features weighted by its attention (what it adds to the pooled ones).
      return Array.from({ length: L }, (_, k) =>
        applyPairHead(
          head,
          share[k]!,
          x.subarray(k * F, (k + 1) * F).map((v) => v * attention[k]!),
          0,
        ),
      );
    },
    maxLen: cfg.maxLen,
    idf: () => ({ source: index ? 'index' : 'seen', items: stats.docs }),
    counts: () => (index ? null : { ids: [...seen], df: [...counted.df] }),
    async score(history, candidates, now, head) {
      observe(recentSteps(history, cfg.maxLen).map((e) => e.item));
      observe(candidates);
      const p = await parts(history, candidates, now);
      if (!p) return new Float32Array(candidates.length);
      if (!head) return p.base;
      return Float32Array.from(p.base, (b, c) => applyPairHead(head, b, p.pooled, c * PAIR_FEATURE_COUNT));
    },
  };
}

/**
 * How much each history item raised `item`'s pair-model score under `head`, largest first: the sum of its entries'
 * shares of the score (PairScorer.shares: they add up to the score). Not by leaving it out, as for the transformer
 * (explain.ts): the pair model reads the newest few entries, so without one of several similar items the next one
 * takes its place, and each of them seemed to count for nothing (a shopper who viewed four headphones got no reason
 * for the headphones moved up).
 */
export async function explainPairScore(
  scorer: PairScorer,
  history: readonly HistoryEntry[],
  item: ItemFeatures,
  now: number,
  head: HeadArrays,
): Promise<Contribution[]> {
  const h = recentSteps(history, scorer.maxLen);
  const shares = await scorer.shares(h, item, now, head);
  const byItem = new Map<string, number>();
  h.forEach((e, k) => byItem.set(e.item.id, (byItem.get(e.item.id) ?? 0) + shares[k]!));
  return [...byItem].map(([itemId, weight]) => ({ itemId, weight })).sort((a, b) => b.weight - a.weight);
}
