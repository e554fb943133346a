/**
 * Training and batch scoring of the scorer (Node scripts and tests). Uses only ./scorer.ts and
 * ./features.ts, so what is trained is exactly what the worker serves.
 */
import * as tf from '@tensorflow/tfjs-core';
import { encode, headQuery, initWeights, itemVectors, makeDropout, mm, weightShapes, type ModelConfig, type Weights } from '../scorer.ts';
import { padSequences, type EventSequence } from '../sequence.ts';
import { rng } from '../rng.ts';

/** Items of a training universe, featurized once. */
export interface Catalog {
  /** int32 [N * tokensPerItem] hashed tokens. */
  tokens: Int32Array;
  /** int32 [N] id-table rows (0 = unknown / text only). */
  idRows: Int32Array;
  size: number;
}

/** One shopper's events, oldest first: catalog indices, event kinds and times. */
export interface Sequence extends EventSequence {
  items: Int32Array;
  events: Int32Array;
  ts: Float64Array | null;
}

/** Left-padded model inputs for a batch of prefixes. */
export interface Batch {
  B: number;
  L: number;
  items: Int32Array; // [B*L] catalog indices (0 where padding; masked by valid)
  events: Int32Array;
  gaps: Int32Array;
  valid: Float32Array;
}

/**
 * Builds inputs from the last `maxLen` events of each sequence. `now` per sequence gives the gap of the
 * newest event (time until the prediction); without it the gap is unknown.
 */
export function makeBatch(seqs: readonly Sequence[], maxLen: number, now?: readonly (number | null)[]): Batch {
  const { B, L, events, gaps, valid, forEach } = padSequences(seqs, maxLen, now);
  const items = new Int32Array(B * L);
  forEach((b, i, slot) => (items[slot] = seqs[b]!.items[i]!));
  return { B, L, items, events, gaps, valid };
}

function batchTensors(batch: Batch) {
  const { B, L } = batch;
  return {
    idx: tf.tensor1d(batch.items, 'int32'),
    events: tf.tensor2d(batch.events, [B, L], 'int32'),
    gaps: tf.tensor2d(batch.gaps, [B, L], 'int32'),
    valid: tf.tensor2d(batch.valid, [B, L]),
  };
}

/** Vectors of the whole catalog [N, d]. */
export function catalogVectors(w: Weights, cfg: ModelConfig, cat: Catalog): tf.Tensor2D {
  const tokens = tf.tensor2d(cat.tokens, [cat.size, cfg.features.tokensPerItem], 'int32');
  const ids = cfg.features.idVocab > 0 ? tf.tensor1d(cat.idRows, 'int32') : null;
  return itemVectors(w, cfg, tokens, ids);
}

/** Vectors [n, d] of the catalog items listed in `which`. */
function subsetVectors(w: Weights, cfg: ModelConfig, cat: Catalog, which: Int32Array): tf.Tensor2D {
  const T = cfg.features.tokensPerItem;
  const tokens = new Int32Array(which.length * T);
  which.forEach((i, r) => tokens.set(cat.tokens.subarray(i * T, i * T + T), r * T));
  const ids =
    cfg.features.idVocab > 0
      ? tf.tensor1d(
          Int32Array.from(which, (i) => cat.idRows[i]!),
          'int32',
        )
      : null;
  return itemVectors(w, cfg, tf.tensor2d(tokens, [which.length, T], 'int32'), ids);
}

/**
 * Query vectors (after the head) at every position [B, L, d], given the catalog vectors.
 */
function queries(w: Weights, cfg: ModelConfig, table: tf.Tensor2D, batch: Batch, dropout = makeDropout(0, Math.random)): tf.Tensor3D {
  const t = batchTensors(batch);
  const items = tf.gather(table, t.idx).reshape([batch.B, batch.L, cfg.d]) as tf.Tensor3D;
  const h = encode(w, cfg, { items, events: t.events, gaps: t.gaps, valid: t.valid }, dropout);
  return headQuery(w, h.reshape([-1, cfg.d]) as tf.Tensor2D).reshape([batch.B, batch.L, cfg.d]) as tf.Tensor3D;
}

/**
 * Scores of every catalog item for the newest position of each sequence: Float32Array [B * N].
 * `now` is the prediction time per sequence (for the gap input), or omitted.
 */
export function scoreCatalog(
  w: Weights,
  cfg: ModelConfig,
  cat: Catalog,
  seqs: readonly Sequence[],
  now?: readonly (number | null)[],
  table?: tf.Tensor2D,
): Float32Array {
  const logits = tf.tidy(() => {
    const tab = table ?? catalogVectors(w, cfg, cat);
    const batch = makeBatch(seqs, cfg.features.maxLen, now);
    const q = queries(w, cfg, tab, batch)
      .slice([0, batch.L - 1, 0], [batch.B, 1, cfg.d])
      .reshape([batch.B, cfg.d]);
    return mm(q, tab.transpose());
  });
  const out = logits.dataSync() as Float32Array;
  logits.dispose();
  return out;
}

/**
 * Softmax cross-entropy over the columns, computed and differentiated in one JS pass (tfjs's own
 * logSumExp autodiff is several times slower and takes about twice the memory). `soft` (optional, [P * C]) is a teacher
 * distribution mixed in with weight `alpha`: target = (1 - alpha) * onehot + alpha * soft.
 */
export function softmaxCrossEntropy(logits: tf.Tensor2D, targets: Int32Array, soft: Float32Array | null = null, alpha = 0): tf.Scalar {
  const f = tf.customGrad(((x: tf.Tensor) => {
    const [P, C] = x.shape as [number, number];
    const z = x.dataSync() as Float32Array;
    const grad = new Float32Array(P * C);
    let loss = 0;
    for (let p = 0; p < P; p++) {
      const o = p * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) if (z[o + c]! > max) max = z[o + c]!;
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const e = Math.exp(z[o + c]! - max);
        grad[o + c] = e;
        sum += e;
      }
      const logZ = max + Math.log(sum);
      const hard = 1 - (soft ? alpha : 0);
      loss += hard * (logZ - z[o + targets[p]!]!);
      for (let c = 0; c < C; c++) grad[o + c] = grad[o + c]! / sum / P;
      grad[o + targets[p]!]! -= hard / P;
      if (soft) {
        for (let c = 0; c < C; c++) {
          const q = alpha * soft[o + c]!;
          if (q > 0) {
            loss += q * (logZ - z[o + c]!);
            grad[o + c]! -= q / P;
          }
        }
      }
    }
    return {
      value: tf.scalar(loss / P),
      gradFunc: (dy: tf.Tensor) => [tf.tensor2d(grad, [P, C]).mul(dy)],
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(logits) as tf.Scalar;
}

export interface TrainOptions {
  lr: number;
  dropout: number;
  /** 0 = full softmax over the catalog; K > 0 = K uniformly sampled negatives. */
  negatives: number;
  /**
   * Draw the K negatives for every position (as RecTools' SASRec/eSASRec do) instead of K shared by the
   * whole step. Costs the whole catalog's vectors every step; covers far more negatives.
   */
  perPosition?: boolean;
  /** Catalog items never to use as sampled negatives (items withheld from training for the cold-start view). */
  exclude?: ReadonlySet<number>;
  seed: number;
  /**
   * Fixed features of (prefix, candidate) pairs whose weighted sum is added to the model's logits, so the
   * transformer learns what they miss (the hybrid: content similarity and co-occurrence). Sampled softmax only.
   */
  prior?: TrainPrior;
  /** Teacher for distillation: scores the same positions; its softmax is mixed into the targets. */
  teacher?: {
    weights: Weights;
    cfg: ModelConfig;
    temperature: number;
    alpha: number;
    /** The same items featurized for the teacher (its own id vocabulary); default: the student's catalog. */
    catalog?: Catalog;
    /** An item-to-item memory the teacher adds to its logits (sampled softmax only). */
    memory?: TeacherMemory;
    /**
     * Extra candidates per position: the memory's top M neighbours of the prefix, so the soft targets
     * say which related items come next, not only how random items compare (sampled softmax only).
     */
    extra?: number;
  };
}

/**
 * A count-based memory that makes the teacher wider than any transformer that fits the device:
 * teacher logit += beta * log(1 + weighted count of the candidate after the prefix).
 */
export interface TeacherMemory {
  beta: number;
  /** Weighted counts of the items that followed the prefix's newest items in training data. */
  neighbours(prefix: ArrayLike<number>): Map<number, number>;
}

/**
 * Features that are not learned, computed for a training prefix and candidate items; the trainer learns one
 * weight per feature (`prior.beta`, starting at `init`) and adds their weighted sum to the logits.
 */
export interface TrainPrior {
  /** Names of the features, in order. */
  names: readonly string[];
  /** Starting weight of each feature. */
  init: readonly number[];
  /**
   * Writes the features of each candidate for the prefix `seq.items[0 .. end)`: out[off + c * F + f].
   * `seq` is the training sequence itself, so counts that come from its own future can be left out.
   */
  fill(seq: Sequence, end: number, candidates: ArrayLike<number>, out: Float32Array, off: number): void;
}

/** What the memory adds to a teacher logit for a weighted count: the one definition training and eval use. */
export function memoryLogit(beta: number, count: number): number {
  return beta * Math.log1p(count);
}

/** Sampled-softmax columns of one step, as rows of the step's item table: [target | M extra | K negatives]. */
interface Sampled {
  pos: Int32Array;
  /** K shared negatives, or P * K (K per position) when `perPosition`. */
  neg: Int32Array;
  K: number;
  perPosition: boolean;
  /** [P * K]: -1e9 where a sampled negative is the position's own target. */
  hits: Float32Array;
  /** [P * M] per-position extra candidates (the teacher memory's neighbours), M = 0 without. */
  extra: Int32Array;
  M: number;
  /** [P * M]: -1e9 for padding and for the position's own target. */
  extraMask: Float32Array;
}

/** Logits [P, C]: against the whole table (full softmax), or [own target | M extra | K negatives] (sampled). */
function outputLogits(q: tf.Tensor2D, table: tf.Tensor2D, sampled: Sampled | null): tf.Tensor2D {
  if (!sampled) return mm(q, table.transpose()) as tf.Tensor2D;
  const P = sampled.pos.length;
  const { K, M } = sampled;
  const perRow = (rows: Int32Array, n: number) =>
    tf.gather(table, tf.tensor1d(rows, 'int32')).reshape([P, n, -1]).mul(q.expandDims(1)).sum(2);
  const cols: tf.Tensor[] = [q.mul(tf.gather(table, tf.tensor1d(sampled.pos, 'int32'))).sum(1, true)];
  if (M > 0) cols.push(perRow(sampled.extra, M).add(tf.tensor2d(sampled.extraMask, [P, M])));
  const negLogits = sampled.perPosition ? perRow(sampled.neg, K) : mm(q, tf.gather(table, tf.tensor1d(sampled.neg, 'int32')).transpose());
  cols.push(negLogits.add(tf.tensor2d(sampled.hits, [P, K])));
  return tf.concat(cols, 1) as tf.Tensor2D;
}

/** The trainer's variable holding the prior's feature weights (never part of a model's weights file). */
export const PRIOR_WEIGHT = 'prior.beta';

/** Holds variables and the optimizer; `step` trains on one batch of sequences. */
export class Trainer {
  readonly vars: Record<string, tf.Variable>;
  private readonly opt: tf.AdamOptimizer;
  private rand: () => number;
  private teacherTable: tf.Tensor2D | null = null;
  private readonly negativePool: Int32Array | null;

  constructor(
    readonly cfg: ModelConfig,
    readonly cat: Catalog,
    readonly opts: TrainOptions,
    init?: Record<string, Float32Array>,
  ) {
    const t = opts.teacher;
    if (t?.memory && !(opts.negatives > 0))
      throw new Error('a teacher memory needs sampled negatives (--negatives K), not the full softmax');
    if (t?.extra && !t.memory) throw new Error('extra candidates come from the teacher memory: give it one (--memory-beta B)');
    this.rand = rng(opts.seed);
    const start = init ?? initWeights(cfg, this.rand);
    this.vars = Object.fromEntries(weightShapes(cfg).map(([k, shape]) => [k, tf.variable(tf.tensor(start[k]!, shape))]));
    if (opts.prior) {
      if (!(opts.negatives > 0)) throw new Error('a prior needs sampled negatives (--negatives K), not the full softmax');
      const beta = init?.[PRIOR_WEIGHT] ?? Float32Array.from(opts.prior.init);
      this.vars[PRIOR_WEIGHT] = tf.variable(tf.tensor1d(beta));
    }
    this.opt = tf.train.adam(opts.lr);
    const ex = opts.exclude;
    this.negativePool = ex?.size ? Int32Array.from({ length: cat.size }, (_, i) => i).filter((i) => !ex.has(i)) : null;
    if (t) this.teacherTable = tf.tidy(() => catalogVectors(t.weights, t.cfg, t.catalog ?? cat));
  }

  /** Changes Adam's step size (e.g. a decay over epochs); the moments are kept. */
  setLearningRate(lr: number): void {
    (this.opt as unknown as { learningRate: number }).learningRate = lr;
  }

  /** Re-seeds the dropout and sampling stream (per epoch, so a resumed run repeats exactly). */
  reseed(seed: number): void {
    this.rand = rng(seed);
  }

  /** One Adam step on next-item prediction at every position of the given sequences. Returns the loss. */
  step(seqs: readonly Sequence[]): number {
    const cfg = this.cfg;
    // Inputs are events 0..n-2, targets 1..n-1.
    const inputs = seqs.map((s) => ({
      items: s.items.subarray(0, -1),
      events: s.events.subarray(0, -1),
      ts: s.ts ? s.ts.subarray(0, -1) : null,
    }));
    const now = seqs.map((s) => (s.ts ? s.ts[s.ts.length - 1]! : null));
    const batch = makeBatch(inputs, cfg.features.maxLen, now);
    const positions: number[] = [];
    const targets: number[] = [];
    const prefixes: Int32Array[] = [];
    const owners: [Sequence, number][] = [];
    seqs.forEach((s, b) => {
      const n = Math.min(cfg.features.maxLen, s.items.length - 1);
      for (let i = 0; i < n; i++) {
        positions.push(b * batch.L + batch.L - n + i);
        targets.push(s.items[s.items.length - n + i]!);
        prefixes.push(s.items.subarray(0, s.items.length - n + i));
        owners.push([s, s.items.length - n + i]);
      }
    });
    const memory = this.opts.teacher?.memory;
    const M = this.opts.teacher?.extra ?? 0;
    const near = memory ? prefixes.map((p) => memory.neighbours(p)) : null;
    const pos = tf.tensor1d(positions, 'int32');
    let tgt = Int32Array.from(targets);
    // Sampled softmax: each position scores its own target against K shared uniform negatives, as in
    // SASRec/eSASRec. Other positions' targets are NOT used as negatives: they are drawn by popularity,
    // and without a logQ correction they teach the model to push popular items down.
    // Only the batch's items and the sampled ones need vectors: `sub` maps them to a compact table.
    let sampled: Sampled | null = null;
    let sub: Int32Array | null = null;
    if (this.opts.negatives > 0 && this.opts.perPosition) {
      // K negatives per position: they cover most of the catalog, so score against its full table.
      const K = this.opts.negatives;
      const neg = new Int32Array(targets.length * K);
      const hits = new Float32Array(targets.length * K);
      targets.forEach((t, p) => {
        for (let k = 0; k < K; k++) {
          const n = this.drawNegative();
          neg[p * K + k] = n;
          if (n === t) hits[p * K + k] = -1e9;
        }
      });
      sampled = { pos: Int32Array.from(targets), neg, K, perPosition: true, hits, ...this.extras(targets, near, M, (i) => i) };
      tgt = new Int32Array(targets.length);
    } else if (this.opts.negatives > 0) {
      const local = new Map<number, number>();
      const at = (i: number) => {
        let j = local.get(i);
        if (j === undefined) local.set(i, (j = local.size));
        return j;
      };
      const K = this.opts.negatives;
      const negs = Array.from({ length: K }, () => this.drawNegative());
      const hits = new Float32Array(targets.length * K);
      targets.forEach((t, p) => negs.forEach((n, k) => n === t && (hits[p * K + k] = -1e9)));
      sampled = {
        pos: Int32Array.from(targets, at),
        neg: Int32Array.from(negs, at),
        K,
        perPosition: false,
        hits,
        ...this.extras(targets, near, M, at),
      };
      tgt = new Int32Array(targets.length);
      batch.items = Int32Array.from(batch.items, at);
      sub = Int32Array.from(local.keys());
    }
    const soft = this.teacherSoft(batch, pos, sampled, sub, near);
    const prior = this.opts.prior && sampled ? this.priorFeatures(owners, sampled, sub) : null;
    const dropout = makeDropout(this.opts.dropout, this.rand);
    const lossT = this.opt.minimize(
      () => {
        const table = sub ? subsetVectors(this.vars, cfg, this.cat, sub) : catalogVectors(this.vars, cfg, this.cat);
        const q = queries(this.vars, cfg, table, batch, dropout).reshape([-1, cfg.d]);
        let logits = outputLogits(tf.gather(q, pos) as tf.Tensor2D, table, sampled);
        if (prior) {
          const F = this.opts.prior!.names.length;
          const [P, C] = logits.shape;
          const x = tf.tensor2d(prior, [P * C, F]);
          logits = logits.add(mm(x, this.vars[PRIOR_WEIGHT]!.reshape([F, 1])).reshape([P, C]));
        }
        return softmaxCrossEntropy(logits, tgt, soft, this.opts.teacher?.alpha ?? 0);
      },
      true,
      Object.values(this.vars),
    )!;
    const loss = lossT.dataSync()[0]!;
    tf.dispose([lossT, pos]);
    return loss;
  }

  /** The prior's features [P * C * F] for the step's columns [own target | M extra | K negatives]. */
  private priorFeatures(owners: readonly [Sequence, number][], sampled: Sampled, sub: Int32Array | null): Float32Array {
    const prior = this.opts.prior!;
    const F = prior.names.length;
    const { M, K } = sampled;
    const C = 1 + M + K;
    const item = (r: number) => (sub ? sub[r]! : r);
    const out = new Float32Array(owners.length * C * F);
    const cols = new Int32Array(C);
    const shared = sampled.perPosition ? null : Int32Array.from(sampled.neg, item);
    owners.forEach(([seq, end], p) => {
      cols[0] = item(sampled.pos[p]!);
      for (let m = 0; m < M; m++) cols[1 + m] = item(sampled.extra[p * M + m]!);
      if (shared) cols.set(shared, 1 + M);
      else for (let k = 0; k < K; k++) cols[1 + M + k] = item(sampled.neg[p * K + k]!);
      prior.fill(seq, end, cols, out, p * C * F);
    });
    return out;
  }

  /** A uniformly drawn catalog item that may serve as a negative. */
  private drawNegative(): number {
    const pool = this.negativePool;
    return pool ? pool[Math.floor(this.rand() * pool.length)]! : Math.floor(this.rand() * this.cat.size);
  }

  /** The memory's top M neighbours of each prefix as extra columns (rows via `row`), the target and padding masked. */
  private extras(
    targets: readonly number[],
    near: Map<number, number>[] | null,
    M: number,
    row: (i: number) => number,
  ): Pick<Sampled, 'extra' | 'M' | 'extraMask'> {
    const P = targets.length;
    const extra = new Int32Array(P * M);
    const extraMask = new Float32Array(P * M).fill(-1e9);
    if (near && M > 0) {
      near.forEach((nb, p) => {
        const top = [...nb.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, M);
        top.forEach(([item], k) => {
          extra[p * M + k] = row(item);
          if (item !== targets[p]) extraMask[p * M + k] = 0;
        });
        // Padding columns point at the target's row (any valid row); they stay masked.
        for (let k = top.length; k < M; k++) extra[p * M + k] = row(targets[p]!);
      });
    }
    return { extra, M, extraMask };
  }

  /**
   * The teacher's distribution over the same columns as the student's logits: its transformer's logits,
   * plus beta * log(1 + count) from its memory, softened by the temperature.
   */
  private teacherSoft(
    batch: Batch,
    pos: tf.Tensor1D,
    sampled: Sampled | null,
    sub: Int32Array | null,
    near: Map<number, number>[] | null,
  ): Float32Array | null {
    const t = this.opts.teacher;
    if (!t || !this.teacherTable) return null;
    const logitsT = tf.tidy(() => {
      const table = sub ? tf.gather(this.teacherTable!, tf.tensor1d(sub, 'int32')) : this.teacherTable!;
      const q = tf.gather(queries(t.weights, t.cfg, table, batch).reshape([-1, t.cfg.d]), pos) as tf.Tensor2D;
      return outputLogits(q, table, sampled);
    });
    const [P, C] = logitsT.shape;
    const z = logitsT.dataSync() as Float32Array;
    logitsT.dispose();
    if (near && t.memory && sampled) {
      // Column c of position p holds a catalog item: map the step's rows back through `sub`.
      const item = (r: number) => (sub ? sub[r]! : r);
      const { M, K } = sampled;
      for (let p = 0; p < P; p++) {
        const nb = near[p]!;
        const add = (c: number, it: number) => {
          const n = nb.get(it);
          if (n) z[p * C + c]! += memoryLogit(t.memory!.beta, n);
        };
        add(0, item(sampled.pos[p]!));
        for (let m = 0; m < M; m++) add(1 + m, item(sampled.extra[p * M + m]!));
        for (let k = 0; k < K; k++) add(1 + M + k, item(sampled.neg[sampled.perPosition ? p * K + k : k]!));
      }
    }
    for (let p = 0; p < P; p++) {
      const o = p * C;
      let max = -Infinity;
      for (let c = 0; c < C; c++) max = Math.max(max, z[o + c]! / t.temperature);
      let sum = 0;
      for (let c = 0; c < C; c++) sum += z[o + c] = Math.exp(z[o + c]! / t.temperature - max);
      for (let c = 0; c < C; c++) z[o + c]! /= sum;
    }
    return z;
  }

  /** Current weights as plain arrays. */
  weights(): Record<string, Float32Array> {
    return Object.fromEntries(Object.entries(this.vars).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  }

  /** Optimizer state, for checkpoints. */
  async optimizerState(): Promise<{ name: string; data: Float32Array; shape: number[] }[]> {
    const ws = await this.opt.getWeights();
    return ws.map((w) => ({ name: w.name, data: w.tensor.dataSync() as Float32Array, shape: w.tensor.shape }));
  }

  async setOptimizerState(state: { name: string; data: Float32Array; shape: number[] }[]): Promise<void> {
    await this.opt.setWeights(state.map((s) => ({ name: s.name, tensor: tf.tensor(s.data, s.shape) })));
  }

  dispose(): void {
    tf.dispose(Object.values(this.vars));
    this.opt.dispose();
    this.teacherTable?.dispose();
  }
}
