/**
 * On-device fine-tuning of the scoring head on one shopper's own events, guarded against drift.
 *
 * Examples come from stored events: each labelled event (click, add to cart, purchase) is a positive,
 * ranked against the impressions of the same list view that were not chosen plus sampled catalog items;
 * its input is the history strictly before it. The encoder stays frozen, so shopper and item vectors
 * are computed once per round with tfjs (any backend); only the head (q = u + u·W + c) trains. The
 * head has d² + d weights, so its loss and gradient are a few plain loops in JS, the same on every
 * backend, where a tfjs training step would first compile shaders (seconds on a software WebGPU adapter).
 *
 * Guardrail (on-device fine-tuning can drift; Mobile Taobao's label-correction paper, DCCL/MetaPatch
 * KDD 2021): L2 toward the shipped head, and a shadow evaluation on the newest examples, held out
 * from training. The candidate is accepted only when it ranks them better than the head in use and than
 * chance, by a margin of one standard error, so that a head fitted to noise rarely gets in.
 */
import type { RoundResult } from '../shared/learning.ts';
import type { HistoryEntry, ItemFeatures, RecoEvent } from '../shared/types.ts';
import { HISTORY_TYPES, LABEL_WEIGHTS, withoutRepeatedPurchases } from '../shared/labels.ts';
import { anchoredAdam } from './adam.ts';
import { dot, queryInto, type HeadArrays } from './head.ts';
import type { LoadedModel } from './io.ts';
import { itemTable, shopperVectors, type ItemTable } from './predict.ts';
import { rng } from './rng.ts';
import { recentSteps } from './sequence.ts';

export interface FinetuneOptions {
  /** Catalog items sampled from the item cache as extra negatives per example. Default 20. */
  negatives?: number;
  /** Share of the newest examples held out for the shadow evaluation. Default 0.2. */
  holdout?: number;
  /** Fewest held-out examples for a decision; with fewer the round is skipped. Default 3. */
  minHeldOut?: number;
  /** Fewest training examples; with fewer the round is skipped. Default 5. */
  minTrain?: number;
  /** Newest labelled events used. Default 500. */
  maxExamples?: number;
  /** Strength of the L2 pull toward the shipped head. Default 0.05. */
  l2?: number;
  /** Adam learning rate. Default 0.01. */
  lr?: number;
  /** Full-batch Adam steps at most. Default 200. */
  steps?: number;
  /** Wall-clock budget of the training steps (ms); training stops early when it is spent. Default 3000. */
  budgetMs?: number;
  /** Seed of the negative sampling. Default 1. */
  seed?: number;
  /**
   * The candidate must beat the current head, and chance (AUC 0.5), by at least this many standard errors
   * of its per-example held-out results: with a few held-out events, a head fitted to random clicks often
   * passes a plain "at least as good" (margin 0), and rarely a margin of 1. Default 1.
   */
  margin?: number;
}

const DEFAULTS: Required<FinetuneOptions> = {
  negatives: 20,
  holdout: 0.2,
  minHeldOut: 3,
  minTrain: 5,
  maxExamples: 500,
  l2: 0.05,
  lr: 0.01,
  steps: 200,
  budgetMs: 3000,
  seed: 1,
  margin: 1,
};

/** What a round decided, with its numbers (see RoundResult), the Adam steps it ran and the head it trained. */
export interface FinetuneResult extends RoundResult {
  steps: number;
  /** The trained candidate (whether accepted or not); null when the round was skipped. */
  head: HeadArrays | null;
}

/** One labelled step turned into a ranking example. */
export interface Example {
  eventId: string;
  ts: number;
  /** Label strength (LABEL_WEIGHTS): the strongest label of its step. */
  weight: number;
  /** The shopper's history before the example's step, as steps (recentSteps), oldest first, at most `maxLen` of them. */
  history: HistoryEntry[];
  positive: ItemFeatures;
  /** Impressions of the same list view that were not chosen, then sampled catalog items. */
  negatives: ItemFeatures[];
}

/**
 * Turns stored events into examples, oldest first: one for each labelled step (a click on a card, and the add to cart
 * or purchase of that item that follow it, are one example of the strongest label). The history of an example holds
 * only events with an earlier timestamp, before its step, so nothing from the event itself or its future leaks into
 * its input.
 * @param events stored events in any order
 * @param items the item feature cache; its items are also the pool for sampled negatives
 */
export function buildExamples(
  events: readonly RecoEvent[],
  items: ReadonlyMap<string, ItemFeatures>,
  opts: { negatives?: number; maxLen?: number; maxExamples?: number; seed?: number } = {},
): Example[] {
  const K = opts.negatives ?? DEFAULTS.negatives;
  const maxLen = opts.maxLen ?? 50;
  const rand = rng(opts.seed ?? DEFAULTS.seed);
  // A purchase reported again (its confirmation page reloaded) is one label, and one history event.
  const sorted = withoutRepeatedPurchases(
    events
      .map((e, i) => [e, i] as const)
      .sort((a, b) => a[0].ts - b[0].ts || a[1] - b[1])
      .map(([e]) => e),
  );
  const feat = (id: string): ItemFeatures => items.get(id) ?? { id };
  const shown = new Map<string, Set<string>>();
  const chosen = new Map<string, Set<string>>();
  const listKey = (e: RecoEvent) => (e.listId == null ? null : `${e.pageViewId}\u0000${e.listId}`);
  for (const e of sorted) {
    const key = listKey(e);
    const into = e.type === 'view_item_list' ? shown : LABEL_WEIGHTS[e.type] !== undefined ? chosen : null;
    if (key === null || !into) continue;
    if (!into.has(key)) into.set(key, new Set());
    into.get(key)!.add(e.itemId);
  }
  const pool = [...items.keys()];
  const out: Example[] = [];
  const history: HistoryEntry[] = [];
  // The step the shopper is on (src/model/sequence.ts: consecutive events of one item) and its example, if it has one.
  let step = null as { itemId: string; example: Example | null } | null;
  let next = 0;
  for (const e of sorted) {
    while (next < sorted.length && sorted[next]!.ts < e.ts) {
      const h = sorted[next++]!;
      if (!HISTORY_TYPES.includes(h.type)) continue;
      history.push({ item: feat(h.itemId), type: h.type, ts: h.ts });
      if (step?.itemId !== h.itemId) step = { itemId: h.itemId, example: null };
    }
    const weight = LABEL_WEIGHTS[e.type];
    if (weight === undefined) continue;
    // A label of the item the shopper is on (the add to cart on the page its click opened) is no new choice: it is one
    // step with that click, as the models read a history, so one example: the step's strongest label, from the steps
    // before it. As its own example it was "the item just viewed, chosen again", which every head ranks first.
    let before: readonly HistoryEntry[] = history;
    if (step?.itemId === e.itemId) {
      if (step.example) {
        step.example.weight = Math.max(step.example.weight, weight);
        continue;
      }
      let start = history.length;
      while (start > 0 && history[start - 1]!.item.id === e.itemId) start--;
      before = history.slice(0, start);
    }
    if (before.length === 0) continue;
    const key = listKey(e);
    const taken = new Set([e.itemId, ...(key ? (chosen.get(key) ?? []) : [])]);
    const negatives: ItemFeatures[] = [];
    for (const id of key ? (shown.get(key) ?? []) : []) {
      if (!taken.has(id)) {
        taken.add(id);
        negatives.push(feat(id));
      }
    }
    for (let tries = 0, n = 0; n < K && tries < K * 4 && pool.length > 0; tries++) {
      const id = pool[Math.floor(rand() * pool.length)]!;
      if (taken.has(id)) continue;
      taken.add(id);
      negatives.push(feat(id));
      n++;
    }
    const example = { eventId: e.id, ts: e.ts, weight, history: recentSteps(before, maxLen), positive: feat(e.itemId), negatives };
    out.push(example);
    step = { itemId: e.itemId, example };
  }
  return out.slice(-(opts.maxExamples ?? DEFAULTS.maxExamples));
}

/**
 * Examples as arrays: shopper vectors, candidate rows (positive first, -1 = padding), weights. A hybrid's
 * score is `scale · (q · v) + offset`: its plain parts do not depend on the head, so they are computed once.
 */
interface Prepared {
  d: number;
  C: number;
  u: Float32Array;
  cand: Int32Array;
  weight: Float32Array;
  table: ItemTable;
  scale: number;
  /** [E * C] the plain parts of each candidate's score (hybrid), or null. */
  offset: Float32Array | null;
}

/** What a hybrid adds to the transformer's score (hybrid.ts): its weight and the plain parts of candidates for a history. */
export interface HeadOffsets {
  scale: number;
  plain(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[]): ArrayLike<number>;
}

async function prepare(model: LoadedModel, examples: readonly Example[], hybrid?: HeadOffsets): Promise<Prepared> {
  const d = model.manifest.config.d;
  const all = examples.flatMap((ex) => [ex.positive, ...ex.negatives, ...ex.history.map((h) => h.item)]);
  const table = await itemTable(model, all);
  const u = await shopperVectors(
    model,
    examples.map((ex) => ex.history),
    examples.map((ex) => ex.ts),
    table,
  );
  const C = Math.max(1, ...examples.map((ex) => 1 + ex.negatives.length));
  const cand = new Int32Array(examples.length * C).fill(-1);
  examples.forEach((ex, e) => [ex.positive, ...ex.negatives].forEach((it, i) => (cand[e * C + i] = table.rows.get(it.id)!)));
  let offset: Float32Array | null = null;
  if (hybrid) {
    offset = new Float32Array(examples.length * C);
    examples.forEach((ex, e) => offset!.set(hybrid.plain(ex.history, [ex.positive, ...ex.negatives]), e * C));
  }
  return { d, C, u, cand, weight: Float32Array.from(examples, (ex) => ex.weight), table, scale: hybrid?.scale ?? 1, offset };
}

/** Candidate `i` of example `e` under the query `q`: the transformer's q · v, or the hybrid's whole score. */
function candidateScore(p: Prepared, q: Float32Array, e: number, i: number): number {
  const s = dot(p.table.data, q, p.d, p.cand[e * p.C + i]! * p.d);
  return p.offset ? p.scale * s + p.offset[e * p.C + i]! : s;
}

/**
 * Per example, the share of its candidates ranked below the positive (AUC; ties count half). Smoother
 * than NDCG@10 over a few dozen candidates, so a handful of held-out events can tell a gain from noise.
 */
function auc(head: HeadArrays, p: Prepared, which: readonly number[]): Float64Array {
  const { d, C, u, cand } = p;
  const q = new Float32Array(d);
  const out = new Float64Array(which.length);
  which.forEach((e, x) => {
    queryInto(head, u, e * d, q);
    const s0 = candidateScore(p, q, e, 0);
    let above = 0;
    let n = 0;
    for (; n + 1 < C && cand[e * C + n + 1]! >= 0; n++) {
      const s = candidateScore(p, q, e, n + 1);
      above += s > s0 ? 1 : s === s0 ? 0.5 : 0;
    }
    out[x] = n ? 1 - above / n : 1;
  });
  return out;
}

/**
 * Weighted softmax cross-entropy of the positive among its candidates, plus l2·‖head − anchor‖²,
 * minimized with full-batch Adam starting at the anchor. Yields to the event loop every ~20 ms so the worker
 * keeps answering rank() calls during a round.
 */
async function trainHead(
  anchor: HeadArrays,
  p: Prepared,
  which: readonly number[],
  o: Required<FinetuneOptions>,
  deadline: number,
): Promise<{ head: HeadArrays; steps: number }> {
  const { d, C, u, cand, weight, table } = p;
  const adam = anchoredAdam(anchor, o);
  const { head, grads } = adam;
  const totalWeight = which.reduce((s, e) => s + weight[e]!, 0);
  const q = new Float32Array(d);
  const g = new Float32Array(d);
  const scores = new Float32Array(C);
  while (adam.steps < o.steps && performance.now() < deadline) {
    const [gw, gc] = grads;
    for (const e of which) {
      queryInto(head, u, e * d, q);
      let n = 0;
      let max = -Infinity;
      for (; n < C && cand[e * C + n]! >= 0; n++) {
        scores[n] = candidateScore(p, q, e, n);
        if (scores[n]! > max) max = scores[n]!;
      }
      let z = 0;
      for (let i = 0; i < n; i++) z += scores[i] = Math.exp(scores[i]! - max);
      // dCE/dq = Σ_i (p_i − y_i) · scale · v_i, with the positive at i = 0.
      g.fill(0);
      for (let i = 0; i < n; i++) {
        const coef = (scores[i]! / z - (i === 0 ? 1 : 0)) * p.scale;
        const off = cand[e * C + i]! * d;
        for (let k = 0; k < d; k++) g[k] += coef * table.data[off + k]!;
      }
      const scale = weight[e]! / totalWeight;
      for (let k = 0; k < d; k++) gc[k] += scale * g[k]!;
      for (let j = 0; j < d; j++) {
        const uj = scale * u[e * d + j]!;
        if (uj === 0) continue;
        for (let k = 0; k < d; k++) gw[j * d + k] += uj * g[k]!;
      }
    }
    await adam.step();
  }
  return { head, steps: adam.steps };
}

/**
 * One fine-tuning round: builds examples, trains a candidate head from the shipped one on all but the
 * newest examples, and compares it with the current head on those newest ones.
 * @param model the loaded model (its encoder and item featurizer stay frozen)
 * @param events the shopper's stored events
 * @param items the item feature cache (history features and the negative pool)
 * @param heads `current`: the head in use; `shipped`: the model's own head (start point and L2 anchor)
 * @param hybrid a hybrid's weight on the transformer and its plain parts: the head then trains, and is judged,
 *   inside the hybrid's whole score (the plain parts stay as shipped)
 * @returns the decision and its numbers; never throws for too little data (the round is 'skipped')
 */
export async function finetune(
  model: LoadedModel,
  events: readonly RecoEvent[],
  items: ReadonlyMap<string, ItemFeatures>,
  heads: { current: HeadArrays; shipped: HeadArrays },
  options: FinetuneOptions = {},
  hybrid?: HeadOffsets,
): Promise<FinetuneResult> {
  return fineTuneRound(
    { maxLen: model.manifest.config.features.maxLen, prepare: (ex) => prepare(model, ex, hybrid), train: trainHead, auc },
    events,
    items,
    heads,
    options,
  );
}

/** What a kind of model supplies to a fine-tuning round: its frozen part computed once, the head's training and its held-out AUC. */
export interface HeadLearner<P> {
  /** History entries the model reads. */
  maxLen: number;
  prepare(examples: readonly Example[]): Promise<P>;
  train(
    anchor: HeadArrays,
    p: P,
    which: readonly number[],
    o: Required<FinetuneOptions>,
    deadline: number,
  ): Promise<{ head: HeadArrays; steps: number }>;
  /** Per example, the share of its candidates ranked below the positive (ties half). */
  auc(head: HeadArrays, p: P, which: readonly number[]): Float64Array;
}

/** One round for any kind of model: the examples, the held-out split and the guarded decision are the same for all. */
export async function fineTuneRound<P>(
  learner: HeadLearner<P>,
  events: readonly RecoEvent[],
  items: ReadonlyMap<string, ItemFeatures>,
  heads: { current: HeadArrays; shipped: HeadArrays },
  options: FinetuneOptions = {},
): Promise<FinetuneResult> {
  const t0 = performance.now();
  const o: Required<FinetuneOptions> = { ...DEFAULTS };
  for (const [k, v] of Object.entries(options)) if (v !== undefined) Object.assign(o, { [k]: v });
  const examples = buildExamples(events, items, {
    negatives: o.negatives,
    maxLen: learner.maxLen,
    maxExamples: o.maxExamples,
    seed: o.seed,
  });
  const n = examples.length;
  const heldOut = Math.max(o.minHeldOut, Math.ceil(n * o.holdout));
  const skipped = (reason: string): FinetuneResult => ({
    accepted: false,
    reason,
    before: 0,
    after: 0,
    examples: n,
    heldOut: 0,
    steps: 0,
    ms: Math.round(performance.now() - t0),
    head: null,
  });
  if (n - heldOut < o.minTrain) return skipped(`skipped: ${n} labelled steps with a history, ${o.minTrain + o.minHeldOut} needed`);
  const p = await learner.prepare(examples);
  const train = Array.from({ length: n - heldOut }, (_, i) => i);
  const test = Array.from({ length: heldOut }, (_, i) => n - heldOut + i);
  const { head, steps } = await learner.train(heads.shipped, p, train, o, performance.now() + o.budgetMs);
  const b = learner.auc(heads.current, p, test);
  const a = learner.auc(head, p, test);
  const mean = (x: Float64Array) => x.reduce((s, v) => s + v, 0) / x.length;
  const before = mean(b);
  const after = mean(a);
  // Paired test on the same held-out examples, and a test against chance (AUC 0.5): a head fitted to
  // noise is about as good as the current one and as chance, and is kept out by both margins.
  const se = (x: Float64Array) => {
    const m = mean(x);
    return Math.sqrt(x.reduce((s, v) => s + (v - m) ** 2, 0) / Math.max(1, x.length - 1) / x.length);
  };
  const gain = a.map((v, i) => v - b[i]!);
  const g = mean(gain);
  // A real gain: a head that only ties the current one (a degenerate batch: every held-out AUC 1) is no better.
  const better = g > 0 && g >= o.margin * se(gain);
  const aboveChance = after - 0.5 >= o.margin * se(a);
  const accepted = better && aboveChance;
  const fmt = (x: number) => x.toFixed(3);
  const what = `held-out AUC ${fmt(after)} vs ${fmt(before)} of the current head over ${heldOut} steps`;
  return {
    accepted,
    reason: accepted
      ? `accepted: ${what}`
      : `rejected: ${what}${!aboveChance ? ', not clearly above chance' : after >= before ? ', a gain within noise' : ''}`,
    before,
    after,
    examples: n,
    heldOut,
    steps,
    ms: Math.round(performance.now() - t0),
    head,
  };
}
