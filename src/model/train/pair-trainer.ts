/**
 * Training and catalog-wide scoring of the pair model (Node only). Pair features come from
 * ../pair-features.ts and the network from ../pair-scorer.ts, the files the worker runs.
 *
 * Each step scores, for a batch of training positions (a prefix of a shopper's sequence and the item
 * that came next), the next item against sampled negatives: uniform ones, hard ones from the top of the
 * TF-IDF baseline for the prefix, and ones from the same category path. Sampled softmax cross-entropy over
 * [target | negatives] with the logQ correction.
 */
import * as tf from '@tensorflow/tfjs-core';
import { gapBucket } from '../sequence.ts';
import {
  pairFeaturesAll,
  pairFeaturesInto,
  MAX_DEPTH,
  PAIR_FEATURE_COUNT,
  PAIR_SCRATCH,
  type PairCatalog,
  type PairPostings,
} from '../pair-features.ts';
import { pairForward, pairInitWeights, pairWeightShapes, type PairConfig } from '../pair-scorer.ts';
import type { Weights } from '../scorer.ts';
import { rng } from '../rng.ts';
import { softmaxCrossEntropy, type Sequence } from './trainer.ts';

/** One training universe: a catalog under its own IDF, its training sequences and what may be sampled. */
export interface PairData {
  name: string;
  cat: PairCatalog;
  post: PairPostings;
  seqs: Sequence[];
  /** Items that may be sampled as negatives (not held out). */
  allowed: Int32Array;
  ok: Uint8Array;
  /** Allowed items by full category path id (the item's deepest path id), for same-category negatives. */
  byPath: Map<number, Int32Array>;
}

/** The deepest category path id of each item (-1 without a category). */
export function leafPath(cat: PairCatalog, i: number): number {
  const d = cat.depth[i]!;
  return d > 0 ? cat.path[i * MAX_DEPTH + d - 1]! : -1;
}

/** Training data for a catalog. @param allowed items that may be negatives */
export function pairData(name: string, cat: PairCatalog, post: PairPostings, seqs: Sequence[], allowed: Int32Array): PairData {
  const ok = new Uint8Array(cat.n);
  for (const i of allowed) ok[i] = 1;
  const paths = new Map<number, number[]>();
  for (const i of allowed) {
    const p = leafPath(cat, i);
    if (p < 0) continue;
    if (!paths.has(p)) paths.set(p, []);
    paths.get(p)!.push(i);
  }
  return { name, cat, post, seqs, allowed, ok, byPath: new Map([...paths].map(([k, v]) => [k, Int32Array.from(v)])) };
}

/**
 * The allowed items with the highest TF-IDF baseline score for a history (cosine with its last 3 items,
 * weights 1, 1/2, 1/4: scripts/lib/baselines.ts tfidfScorer), best first, at most `n`, skipping `skip`.
 */
export function tfidfTop(d: PairData, items: ArrayLike<number>, n: number, skip: ReadonlySet<number>, scratch: Float64Array): number[] {
  const touched: number[] = [];
  const { all } = d.cat;
  const inv = d.post.all;
  for (let k = 0; k < 3 && k < items.length; k++) {
    const h = items[items.length - 1 - k]!;
    const w = 2 ** -k;
    for (let e = all.offsets[h]!; e < all.offsets[h + 1]!; e++) {
      const row = inv.row.get(all.ids[e]!)!;
      const wh = w * all.weights[e]!;
      for (let q = inv.offsets[row]!; q < inv.offsets[row + 1]!; q++) {
        const c = inv.ids[q]!;
        if (scratch[c] === 0) touched.push(c);
        scratch[c]! += wh * inv.weights[q]!;
      }
    }
  }
  const out = touched.filter((c) => d.ok[c] && !skip.has(c)).sort((x, y) => scratch[y]! - scratch[x]! || x - y);
  for (const c of touched) scratch[c] = 0;
  return out.slice(0, n);
}

export interface PairTrainOptions {
  lr: number;
  /**
   * Negatives per position: uniform; `near` drawn from the `top` items of the TF-IDF baseline for the
   * position's history (the items that compete for the top of a full ranking); same category path.
   */
  uniform: number;
  near: number;
  samePath: number;
  /** Size of the TF-IDF list the `near` negatives come from. */
  top: number;
  /** Positions per step. */
  positions: number;
  seed: number;
}

/** A training position: the history (a sequence prefix) and the item that came next. */
interface Position {
  data: PairData;
  seq: Sequence;
  t: number;
}

/** Pair-model inputs (features and context) for P histories against per-history candidate lists. */
export function pairInputs(
  cat: PairCatalog,
  cfg: PairConfig,
  hists: readonly { items: ArrayLike<number>; events: ArrayLike<number>; ts: ArrayLike<number> | null; now: number | null }[],
  cands: readonly ArrayLike<number>[],
): { x: Float32Array; events: Int32Array; gaps: Int32Array; pos: Int32Array; valid: Float32Array; P: number; C: number; L: number } {
  const F = PAIR_FEATURE_COUNT;
  const P = hists.length;
  const C = Math.max(...cands.map((c) => c.length));
  const L = Math.max(1, ...hists.map((h) => Math.min(cfg.maxLen, h.items.length)));
  const x = new Float32Array(P * C * L * F);
  const events = new Int32Array(P * L);
  const gaps = new Int32Array(P * L);
  const pos = new Int32Array(P * L);
  const valid = new Float32Array(P * L);
  hists.forEach((h, p) => {
    const len = Math.min(cfg.maxLen, h.items.length);
    const start = h.items.length - len;
    for (let k = 0; k < len; k++) {
      const src = start + k;
      const slot = L - len + k;
      events[p * L + slot] = h.events[src]!;
      const next = src + 1 < h.items.length ? h.ts?.[src + 1] : h.now;
      gaps[p * L + slot] = h.ts && next != null ? gapBucket(next - h.ts[src]!) : 0;
      pos[p * L + slot] = len - 1 - k;
      valid[p * L + slot] = 1;
      const hi = h.items[src]!;
      const cs = cands[p]!;
      for (let c = 0; c < cs.length; c++) pairFeaturesInto(cat, hi, cs[c]!, x, (((p * C + c) * L + slot) * F) as number);
    }
  });
  return { x, events, gaps, pos, valid, P, C, L };
}

function tensors(inp: ReturnType<typeof pairInputs>) {
  const { P, C, L } = inp;
  return {
    x: tf.tensor4d(inp.x, [P, C, L, PAIR_FEATURE_COUNT]),
    events: tf.tensor2d(inp.events, [P, L], 'int32'),
    gaps: tf.tensor2d(inp.gaps, [P, L], 'int32'),
    pos: tf.tensor2d(inp.pos, [P, L], 'int32'),
    valid: tf.tensor2d(inp.valid, [P, L]),
  };
}

export class PairTrainer {
  readonly vars: Record<string, tf.Variable>;
  private readonly opt: tf.AdamOptimizer;
  private rand: () => number;
  private readonly positions: { data: PairData; seq: number; t: number }[] = [];

  constructor(
    readonly cfg: PairConfig,
    readonly data: readonly PairData[],
    readonly opts: PairTrainOptions,
    init?: Record<string, Float32Array>,
  ) {
    this.rand = rng(opts.seed);
    const start = init ?? pairInitWeights(cfg, this.rand);
    this.vars = Object.fromEntries(pairWeightShapes(cfg).map(([k, shape]) => [k, tf.variable(tf.tensor(start[k]!, shape))]));
    this.opt = tf.train.adam(opts.lr);
    for (const d of data)
      d.seqs.forEach((s, i) => {
        for (let t = 1; t < s.items.length; t++) this.positions.push({ data: d, seq: i, t });
      });
    if (this.positions.length === 0) throw new Error('no training positions: every sequence has fewer than 2 events');
  }

  /** Training positions (prefix, next item) over all data. */
  get size(): number {
    return this.positions.length;
  }

  reseed(seed: number): void {
    this.rand = rng(seed);
  }

  setLearningRate(lr: number): void {
    (this.opt as unknown as { learningRate: number }).learningRate = lr;
  }

  /** The positions of one epoch in a seeded random order. */
  epochOrder(): Int32Array {
    const order = Int32Array.from(this.positions.keys());
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(this.rand() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }

  /**
   * Candidates [target, negatives...] of a position (negatives never in the history nor the target), and
   * the log of each candidate's expected count under the sampling mixture: subtracted from the logits
   * (logQ correction, Yi et al., RecSys 2019), so that hard negatives teach which similar item comes next
   * rather than that similar items are unlikely.
   */
  private candidates(p: Position): { ids: Int32Array; logQ: Float32Array } {
    const { data, seq, t } = p;
    const target = seq.items[t]!;
    const taken = new Set<number>([target]);
    for (let k = Math.max(0, t - this.cfg.maxLen); k < t; k++) taken.add(seq.items[k]!);
    const out: number[] = [target];
    const tryAdd = (i: number) => {
      if (i < 0 || taken.has(i)) return false;
      taken.add(i);
      out.push(i);
      return true;
    };
    const { uniform, near, samePath, top } = this.opts;
    const prefix = seq.items.subarray(0, t);
    const hard = near > 0 ? tfidfTop(data, prefix, top, taken, this.scratch(data.cat.n)) : [];
    const inHard = new Set(hard);
    for (let k = 0, tries = 0; hard.length && k < near && tries < near * 3; tries++)
      if (tryAdd(hard[Math.floor(this.rand() * hard.length)]!)) k++;
    const path = leafPath(data.cat, prefix[prefix.length - 1]!);
    const same = data.byPath.get(path);
    for (let k = 0, tries = 0; same && k < samePath && tries < samePath * 3; tries++) {
      if (tryAdd(same[Math.floor(this.rand() * same.length)]!)) k++;
    }
    const want = 1 + uniform + near + samePath;
    for (let tries = 0; out.length < want && tries < want * 10; tries++)
      tryAdd(data.allowed[Math.floor(this.rand() * data.allowed.length)]!);
    const logQ = Float32Array.from(out, (j) => {
      let e = uniform / data.allowed.length;
      if (inHard.has(j)) e += near / hard.length;
      if (same && leafPath(data.cat, j) === path) e += samePath / same.length;
      return Math.log(e);
    });
    return { ids: Int32Array.from(out), logQ };
  }

  private scratchArray: Float64Array | null = null;
  private scratch(n: number): Float64Array {
    if (!this.scratchArray || this.scratchArray.length < n) this.scratchArray = new Float64Array(n);
    return this.scratchArray;
  }

  /** One Adam step on the given positions (indices from epochOrder). Returns the loss. */
  step(which: ArrayLike<number>): number {
    const groups = new Map<PairData, Position[]>();
    for (let i = 0; i < which.length; i++) {
      const q = this.positions[which[i]!]!;
      if (!groups.has(q.data)) groups.set(q.data, []);
      groups.get(q.data)!.push({ data: q.data, seq: q.data.seqs[q.seq]!, t: q.t });
    }
    const inputs = [...groups].map(([data, ps]) => {
      const sampled = ps.map((p) => this.candidates(p));
      const cands = sampled.map((c) => c.ids);
      const C = Math.min(...cands.map((c) => c.length));
      const logQ = new Float32Array(ps.length * C);
      sampled.forEach((c, i) => logQ.set(c.logQ.subarray(0, C), i * C));
      const hists = ps.map(({ seq, t }) => ({
        items: seq.items.subarray(0, t),
        events: seq.events.subarray(0, t),
        ts: seq.ts ? seq.ts.subarray(0, t) : null,
        now: seq.ts ? seq.ts[t]! : null,
      }));
      return {
        ...pairInputs(
          data.cat,
          this.cfg,
          hists,
          cands.map((c) => c.subarray(0, C)),
        ),
        logQ,
      };
    });
    const lossT = this.opt.minimize(
      () => {
        const losses = inputs.map((inp) => {
          const logits = pairForward(this.vars, this.cfg, tensors(inp)).sub(tf.tensor2d(inp.logQ, [inp.P, inp.C])) as tf.Tensor2D;
          return softmaxCrossEntropy(logits, new Int32Array(inp.P)).mul(inp.P);
        });
        return tf.addN(losses).div(inputs.reduce((s, i) => s + i.P, 0)) as tf.Scalar;
      },
      true,
      Object.values(this.vars),
    )!;
    const loss = lossT.dataSync()[0]!;
    lossT.dispose();
    return loss;
  }

  weights(): Record<string, Float32Array> {
    return Object.fromEntries(Object.entries(this.vars).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  }

  dispose(): void {
    tf.dispose(Object.values(this.vars));
    this.opt.dispose();
  }
}

/**
 * Scores of every catalog item for each history: Float32Array [B * N]. Pair features of all items
 * against each history item come from the postings (pairFeaturesAll); the network runs in chunks of items.
 */
export function scorePairCatalog(
  w: Weights,
  cfg: PairConfig,
  cat: PairCatalog,
  post: PairPostings,
  hists: readonly Sequence[],
  now: readonly (number | null)[],
  chunk = 4096,
): Float32Array {
  const F = PAIR_FEATURE_COUNT;
  const N = cat.n;
  const out = new Float32Array(hists.length * N);
  const scratch = new Float64Array(PAIR_SCRATCH * N);
  hists.forEach((s, b) => {
    const len = Math.min(cfg.maxLen, s.items.length);
    if (len === 0) return;
    const L = len;
    const start = s.items.length - len;
    const x = new Float32Array(N * L * F);
    const events = new Int32Array(L);
    const gaps = new Int32Array(L);
    const pos = new Int32Array(L);
    for (let k = 0; k < len; k++) {
      const src = start + k;
      pairFeaturesAll(cat, post, s.items[src]!, x, scratch, L * F, k * F);
      events[k] = s.events[src]!;
      const next = src + 1 < s.items.length ? s.ts?.[src + 1] : now[b];
      gaps[k] = s.ts && next != null ? gapBucket(next - s.ts[src]!) : 0;
      pos[k] = len - 1 - k;
    }
    for (let c0 = 0; c0 < N; c0 += chunk) {
      const C = Math.min(chunk, N - c0);
      const scores = tf.tidy(() =>
        pairForward(w, cfg, {
          x: tf.tensor4d(x.subarray(c0 * L * F, (c0 + C) * L * F), [1, C, L, F]),
          events: tf.tensor2d(events, [1, L], 'int32'),
          gaps: tf.tensor2d(gaps, [1, L], 'int32'),
          pos: tf.tensor2d(pos, [1, L], 'int32'),
          valid: tf.ones([1, L]) as tf.Tensor2D,
        }),
      );
      out.set(scores.dataSync() as Float32Array, b * N + c0);
      scores.dispose();
    }
  });
  return out;
}
