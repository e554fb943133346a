/**
 * Experiment 20 (one-off): a closed-form linear item-item part (EASE, Steck 2019; an item-transition variant after
 * SLIST, Choi et al. 2021) beside the hybrid's plain parts, on a small shop's export. Transformer off.
 *   npx tsx scripts/exp-linear.ts --data .cache/beauty-tab [--lambdas 20,100,500] [--valid-users N]
 */
import { parseArgs } from 'node:util';
import { buildHybridFiles, plainCatalog, plainRows } from './lib/hybrid.ts';
import { catalogItems, loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers, type EvalUser } from './lib/evaluate.ts';
import { rankingMetrics } from './lib/metrics.ts';
import type { Sequence } from '../src/model/train/trainer.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    lambdas: { type: 'string', default: '10,50,200,1000' },
    'valid-users': { type: 'string', default: '100000' },
    window: { type: 'string', default: '3' },
    gamma: { type: 'string', default: '0.5' },
    kinds: { type: 'string', default: 'ease,trans' },
    top: { type: 'string', default: '20' },
    'knn-last': { type: 'string', default: '0.7^k' },
    metric: { type: 'string', default: 'ndcg10' },
    cut: { type: 'string', default: '10' },
  },
});

const t0 = Date.now();
const log = (s: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${s}`);

function invertInPlace(A: Float64Array, n: number): void {
  for (let k = 0; k < n; k++) {
    const rk = k * n;
    const p = A[rk + k]!;
    A[rk + k] = 1;
    for (let j = 0; j < n; j++) A[rk + j]! /= p;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = A[ri + k]!;
      if (f === 0) continue;
      A[ri + k] = 0;
      for (let j = 0; j < n; j++) A[ri + j]! -= f * A[rk + j]!;
    }
  }
}

/** Dense rows B[h] (n x n) of the linear model. */
function ease(seqs: readonly Sequence[], n: number, lambda: number): Float64Array {
  const G = new Float64Array(n * n);
  for (const s of seqs) {
    const u = [...new Set(s.items)];
    for (const x of u) for (const y of u) G[x * n + y]! += 1;
  }
  for (let i = 0; i < n; i++) G[i * n + i]! += lambda;
  invertInPlace(G, n);
  const B = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) B[i * n + j] = -G[i * n + j]! / G[j * n + j]!;
  return B;
}

function transition(seqs: readonly Sequence[], n: number, lambda: number, window: number, gamma: number): Float64Array {
  const G = new Float64Array(n * n);
  const C = new Float64Array(n * n);
  for (const s of seqs) {
    for (let t = 1; t < s.items.length; t++) {
      const x = new Map<number, number>();
      for (let d = 1; d <= window && t - d >= 0; d++) {
        const it = s.items[t - d]!;
        x.set(it, (x.get(it) ?? 0) + gamma ** (d - 1));
      }
      const y = s.items[t]!;
      for (const [i, vi] of x) {
        for (const [j, vj] of x) G[i * n + j]! += vi * vj;
        if (i !== y) C[i * n + y]! += vi;
      }
    }
  }
  for (let i = 0; i < n; i++) G[i * n + i]! += lambda;
  invertInPlace(G, n);
  // B = P C, C sparse by rows
  const cRows: [number, number][][] = Array.from({ length: n }, () => []);
  for (let k = 0; k < n; k++) for (let j = 0; j < n; j++) if (C[k * n + j]) cRows[k]!.push([j, C[k * n + j]!]);
  const B = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let k = 0; k < n; k++) {
      const p = G[ri + k]!;
      if (p === 0) continue;
      for (const [j, c] of cRows[k]!) B[ri + j]! += p * c;
    }
    B[ri + i] = 0;
  }
  return B;
}

/** Keeps each row's top `top` positive entries, scaled so that the mean row maximum is 1. */
function pruned(B: Float64Array, n: number, top: number): { j: Int32Array; v: Float64Array }[] {
  const rows: { j: Int32Array; v: Float64Array }[] = [];
  let sumMax = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const row: [number, number][] = [];
    for (let j = 0; j < n; j++) if (B[i * n + j]! > 0) row.push([j, B[i * n + j]!]);
    row.sort((x, y) => y[1] - x[1]);
    const kept = row.slice(0, top);
    if (kept.length) {
      sumMax += kept[0]![1];
      count++;
    }
    rows.push({ j: Int32Array.from(kept, (e) => e[0]), v: Float64Array.from(kept, (e) => e[1]) });
  }
  const scale = count ? count / sumMax : 1;
  for (const r of rows) for (let k = 0; k < r.v.length; k++) r.v[k]! *= scale;
  return rows;
}

const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const train = split.train.filter((s) => s.items.length >= 2);
const n = ds.items.length;
const testEval = testUsers(ds, split, { seed: 2020, negatives: 0 });
const validEval = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' }).slice(0, Number(a['valid-users']));
const seenTrain = new Set<number>();
for (const s of train) for (const i of s.items) seenTrain.add(i);
const vocabRow = new Int32Array(n);
let rows = 0;
for (let i = 0; i < n; i++) if (seenTrain.has(i)) vocabRow[i] = ++rows;
const tables = await buildHybridFiles(ds.items, train, (i) => vocabRow[i]!, rows + 1, undefined, undefined, catalogItems(ds));
const pcLast3 = plainCatalog(ds.items, tables.tables, tables.config.last);
log(`${a.data}: ${n} items, ${train.length} training sequences, ${validEval.length} valid / ${testEval.length} test users`);

const LASTS: Record<string, number[]> = {
  last3: [1, 0.5, 0.25],
  '0.7^k': Array.from({ length: 50 }, (_, k) => 0.7 ** k),
};

interface Parts {
  content: Float64Array;
  cooc: Float64Array;
  knn: Float64Array;
}
function partsOf(users: readonly EvalUser[], knnLast: number[]): Parts[] {
  const pc = plainCatalog(ds.items, tables.tables, tables.config.last, knnLast);
  return users.map((u) => {
    const p = { content: new Float64Array(n), cooc: new Float64Array(n), knn: new Float64Array(n) };
    plainRows(pc, u.hist.items, p.content, p.cooc, p.knn);
    return p;
  });
}
function linOf(users: readonly EvalUser[], R: { j: Int32Array; v: Float64Array }[], last: number[]): Float64Array[] {
  return users.map((u) => {
    const s = new Float64Array(n);
    const h = u.hist.items;
    for (let k = 0; k < last.length && k < h.length; k++) {
      const r = R[h[h.length - 1 - k]!]!;
      for (let e = 0; e < r.j.length; e++) s[r.j[e]!]! += last[k]! * r.v[e]!;
    }
    return s;
  });
}

const COOC = [0, 0.5, 1, 1.5, 2, 3, 4, 6].map((w) => w / 3);
const KNN = [0, 0.25, 0.5, 1];
const LIN = [0, 0.25, 0.5, 1, 2];
type Point = [number, number, number];

function rankOf(u: EvalUser, p: Parts, lin: Float64Array | null, w: Point): number {
  const [wo, wk, wl] = w;
  const f = (j: number) => p.content[j]! + wo * p.cooc[j]! + wk * p.knn[j]! + (lin ? wl * lin[j]! : 0) + 1e-12 * 0;
  const target = f(u.target);
  let rank = 0;
  const cap = CUT + 1 + u.seen.size;
  for (let j = 0; j < n && rank < cap; j++) if (f(j) >= target) rank++;
  if (rank >= cap) return CUT;
  for (const h of u.seen) if (h !== u.target && f(h) >= target) rank--;
  return rank - 1;
}
function metricsAt(users: readonly EvalUser[], parts: Parts[], lins: Float64Array[] | null, w: Point) {
  return rankingMetrics(users.map((u, i) => rankOf(u, parts[i]!, lins ? lins[i]! : null, w)));
}
const CUT = Number(a.cut);
function chooseMetric(ranks: number[]): number {
  if (a.metric === 'ndcg10') return rankingMetrics(ranks)['NDCG@10'];
  let s = 0;
  for (const r of ranks) if (r < CUT) s += a.metric === 'mrr' ? 1 / (r + 1) : 1 / Math.log2(r + 2);
  return s / ranks.length;
}
function choose(users: readonly EvalUser[], parts: Parts[], lins: Float64Array[] | null, knnOn: boolean): { w: Point; ndcg: number } {
  let best: { w: Point; ndcg: number } = { w: [0, 0, 0], ndcg: -1 };
  for (const wo of COOC)
    for (const wk of knnOn ? KNN : [0])
      for (const wl of lins ? LIN : [0]) {
        const m = chooseMetric(users.map((u, i) => rankOf(u, parts[i]!, lins ? lins[i]! : null, [wo, wk, wl])));
        if (m > best.ndcg) best = { w: [wo, wk, wl], ndcg: m };
      }
  return best;
}
const fmt = (m: { 'NDCG@10': number; 'HR@10': number }) => `NDCG@10 ${m['NDCG@10']!.toFixed(4)} HR@10 ${m['HR@10']!.toFixed(4)}`;

// Parts of the shipped hybrid (kNN with its two history-weight choices), valid and test.
const vParts: Record<string, Parts[]> = {};
const tParts: Record<string, Parts[]> = {};
for (const [name, last] of Object.entries(LASTS)) {
  vParts[name] = partsOf(validEval, last);
  tParts[name] = partsOf(testEval, last);
}
log('parts ready');
void pcLast3;
function report(label: string, lv: Float64Array[] | null, lt: Float64Array[] | null, knnOn: boolean) {
  let best = { name: '', w: [0, 0, 0] as Point, ndcg: -1 };
  for (const name of knnOn ? [knnName] : ['last3']) {
    const c = choose(validEval, vParts[name]!, lv, knnOn);
    if (c.ndcg > best.ndcg) best = { name, ...c };
  }
  const test = metricsAt(testEval, tParts[best.name]!, lt, best.w);
  log(
    `${label.padEnd(40)} valid NDCG@10 ${best.ndcg.toFixed(4)} (kNN last ${best.name}, w ${best.w.map((x) => +x.toFixed(3)).join('/')}) | test ${fmt(test)}`,
  );
}
let knnName = 'last3';
report('blend (content + co-occurrence)', null, null, false);
for (const name of Object.keys(LASTS)) {
  knnName = name;
  report(`hybrid plain (+ item-kNN ${name})`, null, null, true);
}
knnName = a['knn-last']!;
const top = Number(a.top);
for (const kind of a.kinds!.split(','))
  for (const lambda of a.lambdas!.split(',').map(Number)) {
    const t1 = Date.now();
    const B = kind === 'ease' ? ease(train, n, lambda) : transition(train, n, lambda, Number(a.window), Number(a.gamma));
    const R = pruned(B, n, top);
    log(`${kind} lambda ${lambda}: solved in ${((Date.now() - t1) / 1000).toFixed(0)} s`);
    for (const [lname, last] of Object.entries(LASTS)) {
      const lv = linOf(validEval, R, last);
      const lt = linOf(testEval, R, last);
      report(`${kind} ${lambda} alone-ish (lin ${lname}), no kNN`, lv, lt, false);
      report(`${kind} ${lambda} (lin ${lname}) + kNN`, lv, lt, true);
    }
  }
