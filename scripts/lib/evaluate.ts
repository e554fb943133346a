/**
 * The evaluation protocol of ../shared/data/README.md, shared by the eval CLI and the tests:
 * leave-one-out test targets ranked against every item (history excluded) and against 99 sampled
 * negatives, plus a click-prediction view on the sampled candidates.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, Weights } from '../../src/model/scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { catalogVectors, scoreCatalog, type Catalog, type Sequence } from '../../src/model/train/trainer.ts';
import type { BatchScorer } from './baselines.ts';
import { pairCatalog, pairPostings } from '../../src/model/pair-features.ts';
import type { PairConfig } from '../../src/model/pair-scorer.ts';
import { termStats, type TermStats } from '../../src/model/text.ts';
import { scorePairCatalog } from '../../src/model/train/pair-trainer.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';
import type { LoadedModel } from '../../src/model/io.ts';
import { makeCatalog, type Dataset, type Split } from './data.ts';
import { plainCatalog, plainRows } from './hybrid.ts';
import { auc, rankOf, rankingMetrics, type RankingMetrics } from './metrics.ts';

export interface EvalUser {
  userIndex: number;
  hist: Sequence;
  target: number;
  /** Time of the target event (the prediction time, as in training), or null when the data has none. */
  now: number | null;
  /** Items the full ranking skips: everything in the history (the target itself is always ranked). */
  seen: Set<number>;
  /** Sampled candidates: items the user never interacted with, drawn uniformly without replacement. */
  negatives: Int32Array;
}

/**
 * Test users of a split (or, with `targets: 'valid'`, its validation targets: history = training part) with their fixed negatives. The same seed gives the same negatives, so every
 * model in one run (and in runs with the same seed and `limit`) ranks the same candidates.
 */
export function testUsers(
  ds: Dataset,
  split: Split,
  opts: { seed: number; negatives?: number; limit?: number; targets?: 'test' | 'valid' },
): EvalUser[] {
  const nItems = ds.items.length;
  const want = opts.negatives ?? 99;
  const r = rng(opts.seed);
  const all = opts.targets === 'valid' ? split.valid : split.test;
  const list = opts.limit != null ? all.slice(0, opts.limit) : all;
  return list.map((t) => {
    const seen = new Set(t.hist.items);
    const interacted = new Set(seen).add(t.target);
    const available = nItems - interacted.size;
    let negatives: Int32Array;
    if (available <= want || available < nItems / 4) {
      const pool: number[] = [];
      for (let i = 0; i < nItems; i++) if (!interacted.has(i)) pool.push(i);
      for (let i = 0; i < Math.min(want, pool.length); i++) {
        const j = i + Math.floor(r() * (pool.length - i));
        [pool[i], pool[j]] = [pool[j]!, pool[i]!];
      }
      negatives = Int32Array.from(pool.slice(0, Math.min(want, pool.length)));
    } else {
      const picked = new Set<number>();
      while (picked.size < want) {
        const i = Math.floor(r() * nItems);
        if (!interacted.has(i)) picked.add(i);
      }
      negatives = Int32Array.from(picked);
    }
    const now = ds.users[t.userIndex]!.seq.ts?.[t.hist.items.length] ?? null;
    return { userIndex: t.userIndex, hist: t.hist, target: t.target, now, seen, negatives };
  });
}

/** Per-user outcomes of one scorer; metrics for any subset of users come from these. */
export interface Outcomes {
  /** 0-based rank among all items, history excluded, ties against the target. */
  full: Int32Array;
  /** 0-based rank among target + negatives, ties against the target. */
  sampled: Int32Array;
  /** Per-user AUC of the target against its negatives (ties half). */
  auc: Float64Array;
  /** Candidates per user (target + negatives). */
  candidates: Int32Array;
}

/**
 * Scores the users in batches (grouped by history length, so each batch pads little) and ranks.
 * @param maxLen history length that matters for padding (the model's maxLen; Infinity for baselines)
 */
export function runScorer(
  scorer: BatchScorer,
  users: readonly EvalUser[],
  nItems: number,
  opts: { batch?: number; maxLen?: number } = {},
): Outcomes {
  const batch = opts.batch ?? 256;
  const maxLen = opts.maxLen ?? Infinity;
  const out: Outcomes = {
    full: new Int32Array(users.length),
    sampled: new Int32Array(users.length),
    auc: new Float64Array(users.length),
    candidates: new Int32Array(users.length),
  };
  const order = [...users.keys()].sort(
    (a, b) => Math.min(maxLen, users[a]!.hist.items.length) - Math.min(maxLen, users[b]!.hist.items.length),
  );
  for (let s = 0; s < order.length; s += batch) {
    const idx = order.slice(s, s + batch);
    const scores = scorer.score(
      idx.map((i) => users[i]!.hist),
      idx.map((i) => users[i]!.now),
    );
    idx.forEach((u, b) => {
      const user = users[u]!;
      const row = scores.subarray(b * nItems, (b + 1) * nItems);
      out.full[u] = rankOf(row, user.target, null, user.seen);
      out.sampled[u] = rankOf(row, user.target, user.negatives);
      out.auc[u] = auc(
        [row[user.target]!],
        Array.from(user.negatives, (i) => row[i]!),
      );
      out.candidates[u] = user.negatives.length + 1;
    });
  }
  return out;
}

/** Predicted "click" = among the top `top` of the user's candidates (ties against the target). */
export interface ClickMetrics {
  AUC: number;
  precision: number;
  recall: number;
  F1: number;
  threshold: string;
}

/** Metrics of one scorer over a subset of users (all when `which` is omitted). */
export function summarize(
  o: Outcomes,
  which?: readonly number[],
  top = 10,
): { full: RankingMetrics; sampled: RankingMetrics; click: ClickMetrics } {
  const ids = which ?? [...o.full.keys()];
  let tp = 0;
  let predicted = 0;
  let aucSum = 0;
  for (const u of ids) {
    if (o.sampled[u]! < top) tp++;
    predicted += Math.min(top, o.candidates[u]!);
    aucSum += o.auc[u]!;
  }
  const precision = predicted ? tp / predicted : 0;
  const recall = ids.length ? tp / ids.length : 0;
  return {
    full: rankingMetrics(ids.map((u) => o.full[u]!)),
    sampled: rankingMetrics(ids.map((u) => o.sampled[u]!)),
    click: {
      AUC: ids.length ? aucSum / ids.length : 0.5,
      precision,
      recall,
      F1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
      threshold: `top ${top} of the user's candidates (target + sampled negatives)`,
    },
  };
}

/**
 * A model as a batch scorer: the catalog table is computed once and reused for every batch.
 * Call `dispose()` when done.
 */
export function modelScorer(
  name: string,
  bytes: number,
  weights: Weights,
  cfg: ModelConfig,
  cat: Catalog,
): BatchScorer & { dispose(): void } {
  const table = tf.tidy(() => catalogVectors(weights, cfg, cat));
  return {
    name,
    bytes,
    score: (hists, now) => scoreCatalog(weights, cfg, cat, hists, now, table),
    dispose: () => table.dispose(),
  };
}

/**
 * The pair model as a batch scorer over a dataset's items. IDF comes from `stats` (default: the whole
 * catalog, as `npm run index` would ship it for this shop).
 */
export function pairModelScorer(
  name: string,
  bytes: number,
  weights: Weights,
  cfg: PairConfig,
  items: readonly ItemFeatures[],
  stats: TermStats = termStats(items),
): BatchScorer {
  const cat = pairCatalog(items, stats);
  const post = pairPostings(cat);
  return { name, bytes, score: (hists, now) => scorePairCatalog(weights, cfg, cat, post, hists, now) };
}

/**
 * A hybrid (format 4 to 6) as a batch scorer: its transformer's scores of the whole catalog, weighted, plus the
 * plain parts from its own shipped tables (scripts/lib/hybrid.ts), exactly as the worker combines them.
 * Call `dispose()` when done.
 */
export function hybridScorer(
  name: string,
  bytes: number,
  model: LoadedModel,
  items: readonly ItemFeatures[],
): BatchScorer & { dispose(): void } {
  const h = model.hybrid;
  if (!h) throw new Error(`${name}: not a hybrid (format 4 to 6) model`);
  const cat = makeCatalog(items, model.manifest.config.features, (i) => model.vocab?.get(items[i]!.id) ?? 0);
  const t = modelScorer(name, bytes, model.weights, model.manifest.config, cat);
  const pc = plainCatalog(items, h, h.config.last, h.config.knn?.last, h.config.transitions?.last);
  const w = h.config.weights;
  const n = items.length;
  const content = new Float64Array(n);
  const cooc = new Float64Array(n);
  const knn = new Float64Array(n);
  const transitions = new Float64Array(n);
  const wk = w.knn ?? 0;
  const wn = w.transitions ?? 0;
  return {
    name,
    bytes,
    score(hists, now) {
      const T = t.score(hists, now);
      const out = new Float64Array(T.length);
      hists.forEach((hist, b) => {
        plainRows(pc, hist.items, content, cooc, knn, transitions);
        const o = b * n;
        for (let j = 0; j < n; j++)
          out[o + j] =
            w.transformer * T[o + j]! + w.content * content[j]! + w.cooccurrence * cooc[j]! + wk * knn[j]! + wn * transitions[j]!;
      });
      return out;
    },
    dispose: () => t.dispose(),
  };
}
