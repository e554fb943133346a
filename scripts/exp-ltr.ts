/**
 * One-off experiment: a learned re-ranker over content-only features (pair features of the candidate against the
 * newest history items, their aggregates, candidate priors) on the top K of TF-IDF, trained listwise (softmax over
 * the K candidates) on Beauty's training sequences with Hair Care / Fragrance targets left out. Does a trained
 * combination of text signals pass TF-IDF by 10%?
 */
import { parseArgs } from 'node:util';
import { loadDataset, splitLeaveOneOut, heldOutItems } from './lib/data.ts';
import { contentIndex, addContentSimilarities, lastItems } from './lib/baselines.ts';
import { pairCatalog, pairFeaturesInto, PAIR_FEATURE_COUNT } from '../src/model/pair-features.ts';
import { termStats } from '../src/model/text.ts';
import { rankingMetrics } from './lib/metrics.ts';
import { rng } from '../src/model/rng.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: '../shared/data/beauty' },
    k: { type: 'string', default: '100' },
    lists: { type: 'string', default: '30000' },
    epochs: { type: 'string', default: '8' },
    hidden: { type: 'string', default: '16' },
    lr: { type: 'string', default: '0.003' },
    valid: { type: 'string', default: '6000' },
    test: { type: 'string', default: '5000' },
    minhist: { type: 'string', default: '1' },
  },
});
const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const K = Number(a.k);
const held = heldOutItems(ds.items, ['Hair Care', 'Fragrance']);
const ix = contentIndex(ds.items);
const cat = pairCatalog(ds.items, termStats(ds.items));
const P = PAIR_FEATURE_COUNT;
const titleLen = Float32Array.from(ds.items, (it) => (it.title ?? '').split(/\s+/).filter(Boolean).length);

const PER_POS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]; // cosAll, cosTitle, coverCand, coverHist, grams, sameBrand, otherBrand, catShared, sameTop, sameLeaf
const POS = 3;
const F = POS * PER_POS.length + 8 + 4 + 2;
console.log(`items ${n}, features ${F}, K ${K}`);

const pf = new Float32Array(P);
/** Top K of TF-IDF (history excluded) and their features; null when `target` is given and not among them. */
function list(hist: ArrayLike<number>, target: number | null): { cands: Int32Array; x: Float32Array; base: Float64Array; tpos: number } | null {
  const s = new Float64Array(n);
  const last = lastItems(hist);
  for (const [h, w] of last) addContentSimilarities(ix, h, w, s);
  const seen = new Set(Array.from(hist));
  if (target != null) {
    let above = 0;
    const st = s[target]!;
    for (let j = 0; j < n && above < K; j++) if (j !== target && !seen.has(j) && s[j]! > st) above++;
    if (above >= K) return null;
  }
  const order: number[] = [];
  for (let j = 0; j < n; j++) if (!seen.has(j) || j === target) order.push(j);
  // Partial sort: top K by score (ties: lower index first, as any stable order).
  order.sort((p, q) => s[q]! - s[p]!);
  const cands = Int32Array.from(order.slice(0, K));
  let tpos = -1;
  if (target != null) {
    tpos = cands.indexOf(target);
    if (tpos < 0) return null;
  }
  const newest = Array.from(hist).reverse().slice(0, 12);
  const x = new Float32Array(K * F);
  const base = new Float64Array(K);
  cands.forEach((c, r) => {
    const o = r * F;
    let maxCos = 0;
    let sumCos = 0;
    let maxGrams = 0;
    let brand = 0;
    let leaf = 0;
    let maxCat = 0;
    let top = 0;
    let cover = 0;
    newest.forEach((h, k) => {
      pairFeaturesInto(cat, h, c, pf, 0);
      if (k < POS) PER_POS.forEach((f, i) => (x[o + k * PER_POS.length + i] = pf[f]!));
      maxCos = Math.max(maxCos, pf[0]!);
      sumCos += pf[0]!;
      maxGrams = Math.max(maxGrams, pf[4]!);
      brand += pf[5]!;
      leaf += pf[9]!;
      maxCat = Math.max(maxCat, pf[7]!);
      top += pf[8]!;
      cover = Math.max(cover, pf[2]!);
    });
    const m = newest.length;
    let f = POS * PER_POS.length;
    x[o + f++] = maxCos;
    x[o + f++] = sumCos / m;
    x[o + f++] = maxGrams;
    x[o + f++] = brand / m;
    x[o + f++] = leaf / m;
    x[o + f++] = maxCat;
    x[o + f++] = top / m;
    x[o + f++] = cover;
    x[o + f++] = cat.brand[c]! >= 0 ? 1 : 0;
    x[o + f++] = cat.depth[c]! / 8;
    x[o + f++] = Math.min(titleLen[c]!, 40) / 20;
    x[o + f++] = Math.min(cat.idfMass[c]!, 100) / 50;
    x[o + f++] = s[c]!;
    x[o + f++] = Math.log2(r + 2) / 8;
    base[r] = s[c]!;
  });
  return { cands, x, base, tpos };
}

// Training lists: every position t >= 1 of each training sequence (its items before the valid target), targets
// outside the held-out categories; shuffled, capped.
const r0 = rng(7);
const examples: { hist: Int32Array; target: number }[] = [];
for (const s of split.train) {
  const items = s.items;
  for (let t = Number(a.minhist); t < items.length; t++) if (!held.has(items[t]!)) examples.push({ hist: items.subarray(Math.max(0, t - 50), t), target: items[t]! });
}
for (let i = examples.length - 1; i > 0; i--) {
  const j = Math.floor(r0() * (i + 1));
  [examples[i], examples[j]] = [examples[j]!, examples[i]!];
}
const maxLists = Number(a.lists);
const t0 = Date.now();
const train: { x: Float32Array; tpos: number }[] = [];
let tried = 0;
for (const e of examples) {
  if (train.length >= maxLists) break;
  tried++;
  const l = list(e.hist, e.target);
  if (l) train.push({ x: l.x, tpos: l.tpos });
}
console.log(`train lists ${train.length} of ${tried} examples tried (${examples.length} available), ${((Date.now() - t0) / 1000).toFixed(0)} s`);

// Feature standardization.
const mean = new Float64Array(F);
const sd = new Float64Array(F);
let cnt = 0;
for (const l of train.slice(0, 3000))
  for (let r = 0; r < K; r++) {
    cnt++;
    for (let f = 0; f < F; f++) mean[f] += l.x[r * F + f]!;
  }
for (let f = 0; f < F; f++) mean[f] /= cnt;
for (const l of train.slice(0, 3000)) for (let r = 0; r < K; r++) for (let f = 0; f < F; f++) sd[f] += (l.x[r * F + f]! - mean[f]!) ** 2;
for (let f = 0; f < F; f++) sd[f] = Math.sqrt(sd[f]! / cnt) || 1;
const norm = (x: Float32Array) => {
  for (let i = 0; i < x.length; i++) x[i] = (x[i]! - mean[i % F]!) / sd[i % F]!;
};
for (const l of train) norm(l.x);

// Model: score = v . relu(W x + b) + u . x (linear skip).
const H = Number(a.hidden);
const rr = rng(11);
const W = Float64Array.from({ length: H * F }, () => (rr() - 0.5) * 0.2);
const b = new Float64Array(H);
const v = new Float64Array(H);
const u = new Float64Array(F);
const params = [W, b, v, u];
const m1 = params.map((p) => new Float64Array(p.length));
const m2 = params.map((p) => new Float64Array(p.length));
let step = 0;
const lr = Number(a.lr);
function forward(x: Float32Array, r: number, hid: Float64Array): number {
  let s = 0;
  const o = r * F;
  for (let f = 0; f < F; f++) s += u[f]! * x[o + f]!;
  for (let h = 0; h < H; h++) {
    let z = b[h]!;
    for (let f = 0; f < F; f++) z += W[h * F + f]! * x[o + f]!;
    const y = z > 0 ? z : 0;
    hid[r * H + h] = y;
    s += v[h]! * y;
  }
  return s;
}
const hid = new Float64Array(K * H);
const scores = new Float64Array(K);
const grads = params.map((p) => new Float64Array(p.length));
const BATCH = 32;
for (let ep = 1; ep <= Number(a.epochs); ep++) {
  let loss = 0;
  for (let i = train.length - 1; i > 0; i--) {
    const j = Math.floor(r0() * (i + 1));
    [train[i], train[j]] = [train[j]!, train[i]!];
  }
  for (let bi = 0; bi < train.length; bi += BATCH) {
    grads.forEach((g) => g.fill(0));
    for (const l of train.slice(bi, bi + BATCH)) {
      let mx = -Infinity;
      for (let r = 0; r < K; r++) mx = Math.max(mx, (scores[r] = forward(l.x, r, hid)));
      let z = 0;
      for (let r = 0; r < K; r++) z += Math.exp(scores[r]! - mx);
      loss += -(scores[l.tpos]! - mx - Math.log(z));
      for (let r = 0; r < K; r++) {
        const g = Math.exp(scores[r]! - mx) / z - (r === l.tpos ? 1 : 0);
        if (Math.abs(g) < 1e-6) continue;
        const o = r * F;
        for (let f = 0; f < F; f++) grads[3]![f] += g * l.x[o + f]!;
        for (let h = 0; h < H; h++) {
          const y = hid[r * H + h]!;
          grads[2]![h] += g * y;
          if (y <= 0) continue;
          const gv = g * v[h]!;
          grads[1]![h] += gv;
          for (let f = 0; f < F; f++) grads[0]![h * F + f] += gv * l.x[o + f]!;
        }
      }
    }
    step++;
    params.forEach((p, k) => {
      const g = grads[k]!;
      for (let i = 0; i < p.length; i++) {
        const gi = g[i]! / BATCH + 1e-5 * p[i]!;
        m1[k]![i] = 0.9 * m1[k]![i]! + 0.1 * gi;
        m2[k]![i] = 0.999 * m2[k]![i]! + 0.001 * gi * gi;
        p[i] -= (lr * (m1[k]![i]! / (1 - 0.9 ** step))) / (Math.sqrt(m2[k]![i]! / (1 - 0.999 ** step)) + 1e-8);
      }
    });
  }
  console.log(`epoch ${ep}: loss ${(loss / train.length).toFixed(4)} (uniform ${Math.log(K).toFixed(4)}), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (ep % 2 === 0 || ep === Number(a.epochs)) evaluate('valid', Number(a.valid));
}
evaluate('test', Number(a.test));

function evaluate(which: 'valid' | 'test', count: number): void {
  const users = (which === 'valid' ? split.valid : split.test).slice(0, count);
  const ranks = { tfidf: [] as number[], ltr: [] as number[] };
  const heldRanks = { tfidf: [] as number[], ltr: [] as number[] };
  const hd = new Float64Array(K * H);
  for (const u0 of users) {
    const l = list(u0.hist.items, null)!;
    const at = l.cands.indexOf(u0.target);
    let rt: number;
    let rl: number;
    if (at < 0) {
      // Outside the top K: TF-IDF's own rank (ties against the target), for both.
      const s = new Float64Array(n);
      for (const [h, w] of lastItems(u0.hist.items)) addContentSimilarities(ix, h, w, s);
      const seen = new Set(Array.from(u0.hist.items));
      let r = 0;
      for (let j = 0; j < n; j++) if (j !== u0.target && !seen.has(j) && s[j]! >= s[u0.target]!) r++;
      rt = rl = Math.max(r, K);
    } else {
      rt = 0;
      for (let r = 0; r < K; r++) if (r !== at && l.base[r]! >= l.base[at]!) rt++;
      norm(l.x);
      for (let r = 0; r < K; r++) scores[r] = forward(l.x, r, hd);
      rl = 0;
      for (let r = 0; r < K; r++) if (r !== at && scores[r]! >= scores[at]!) rl++;
    }
    ranks.tfidf.push(rt);
    ranks.ltr.push(rl);
    if (held.has(u0.target)) {
      heldRanks.tfidf.push(rt);
      heldRanks.ltr.push(rl);
    }
  }
  const fmt = (r: number[]) => {
    const m = rankingMetrics(r);
    return `${m['NDCG@10'].toFixed(4)} ${m['HR@10'].toFixed(4)}`;
  };
  const gain = (x: number[], y: number[]) => ((rankingMetrics(y)['NDCG@10'] / rankingMetrics(x)['NDCG@10'] - 1) * 100).toFixed(1);
  console.log(
    `${which} ${users.length}: tfidf ${fmt(ranks.tfidf)} ltr ${fmt(ranks.ltr)} (${gain(ranks.tfidf, ranks.ltr)}%, HR ${((rankingMetrics(ranks.ltr)['HR@10'] / rankingMetrics(ranks.tfidf)['HR@10'] - 1) * 100).toFixed(1)}%) | HC/F ${heldRanks.tfidf.length}: tfidf ${fmt(heldRanks.tfidf)} ltr ${fmt(heldRanks.ltr)} (${gain(heldRanks.tfidf, heldRanks.ltr)}%)`,
  );
}
