/**
 * Count-based baselines for the eval table: popularity and item-to-item co-occurrence.
 * Both count training sequences only, never the evaluated items.
 */
import { memoryLogit, type Sequence, type TeacherMemory } from '../../src/model/train/trainer.ts';

/** Scores every catalog item for a batch of histories: Float32Array [B * N]. */
export interface BatchScorer {
  name: string;
  /** Bytes of what would ship: weights, or count tables. */
  bytes: number;
  score(hists: readonly Sequence[], now: readonly (number | null)[]): Float32Array;
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
