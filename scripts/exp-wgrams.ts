/**
 * Experiments for the default model (issue 10 part 3): text-similarity variants against TF-IDF (newest 3
 * history items, weights 1, 1/2, 1/4, cosine of sublinear-tf x smoothed-idf title + brand + category words).
 * Each variant changes one thing: which fields and how (prefixed fields), tf (binary / sublinear), the
 * power of idf, the power applied to each cosine before pooling, or an added trigram / price term.
 * Full ranking, history excluded, ties against the target, no popularity tie-break.
 *
 *   npx tsx scripts/exp-default-text.ts --data ../shared/data/beauty --targets valid --users 3000
 */
import { parseArgs } from 'node:util';
import { heldOutItems, loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import { titleGrams } from '../src/model/pair-features.ts';
import { textTokens } from '../src/model/text.ts';
import type { ItemFeatures } from '../src/shared/types.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    targets: { type: 'string', default: 'valid' },
    users: { type: 'string', default: '3000' },
    skip: { type: 'string', default: '0' },
    only: { type: 'string' },
  },
});
const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const all = a.targets === 'test' ? split.test : split.valid;
const users = all.slice(Number(a.skip), Number(a.skip) + Number(a.users));
const held = heldOutItems(ds.items, ['Hair Care', 'Fragrance']);

interface Index {
  offsets: Int32Array;
  terms: Int32Array;
  weights: Float64Array;
  pOff: Int32Array;
  pItems: Int32Array;
  pW: Float64Array;
}
function build(terms: (it: ItemFeatures) => string[], tf: 'sub' | 'bin' | 'raw', idfPow: number, normalize = true): Index {
  const lists = ds.items.map(terms);
  const df = new Map<string, number>();
  for (const l of lists) for (const t of new Set(l)) df.set(t, (df.get(t) ?? 0) + 1);
  const ids = new Map<string, number>();
  const rows = lists.map((l) => {
    const c = new Map<string, number>();
    for (const t of l) c.set(t, (c.get(t) ?? 0) + 1);
    const r = [...c].map(([t, k]) => {
      const idf = Math.log((1 + n) / (1 + df.get(t)!)) + 1;
      const f = tf === 'bin' ? 1 : tf === 'sub' ? 1 + Math.log(k) : k;
      return [ids.get(t) ?? ids.set(t, ids.size).get(t)!, f * idf ** idfPow] as [number, number];
    });
    const norm = Math.hypot(...r.map((e) => e[1]));
    if (normalize && norm > 0) for (const e of r) e[1] /= norm;
    return r;
  });
  const offsets = new Int32Array(n + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const tArr = new Int32Array(offsets[n]!);
  const wArr = new Float64Array(tArr.length);
  rows.forEach((r, i) => r.forEach(([t, w], k) => ((tArr[offsets[i]! + k] = t), (wArr[offsets[i]! + k] = w))));
  const T = ids.size;
  const pOff = new Int32Array(T + 1);
  for (const t of tArr) pOff[t + 1]!++;
  for (let t = 0; t < T; t++) pOff[t + 1]! += pOff[t]!;
  const fill = pOff.slice(0, T);
  const pItems = new Int32Array(tArr.length);
  const pW = new Float64Array(tArr.length);
  for (let i = 0; i < n; i++)
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
      const at = fill[tArr[e]!]!++;
      pItems[at] = i;
      pW[at] = wArr[e]!;
    }
  return { offsets, terms: tArr, weights: wArr, pOff, pItems, pW };
}
function sims(ix: Index, a: number, out: Float64Array): void {
  out.fill(0);
  for (let e = ix.offsets[a]!; e < ix.offsets[a + 1]!; e++) {
    const t = ix.terms[e]!;
    const wa = ix.weights[e]!;
    for (let p = ix.pOff[t]!; p < ix.pOff[t + 1]!; p++) out[ix.pItems[p]!]! += wa * ix.pW[p]!;
  }
}
const title = (it: ItemFeatures) => textTokens(it.title ?? '');
const brandT = (it: ItemFeatures) => textTokens(it.brand ?? '');
const catT = (it: ItemFeatures) => textTokens(it.category ?? '');
const allT = (it: ItemFeatures) => [...title(it), ...brandT(it), ...catT(it)];
const pref = (it: ItemFeatures) => [...title(it), ...brandT(it).map((t) => `b:${t}`), ...catT(it).map((t) => `c:${t}`)];
const brand2 = (it: ItemFeatures) => [...title(it), ...brandT(it), ...brandT(it), ...catT(it)];
const noCat = (it: ItemFeatures) => [...title(it), ...brandT(it)];
const grams = (it: ItemFeatures) => Array.from(titleGrams(it.title ?? ''), String);
const bigrams = (it: ItemFeatures) => {
  const t = title(it);
  return [...allT(it), ...t.slice(1).map((w, i) => `${t[i]}_${w}`)];
};

const indices: Record<string, Index> = {};
const mk = (name: string, f: () => Index) => {
  const t0 = Date.now();
  indices[name] = f();
  process.stderr.write(`index ${name} ${Date.now() - t0} ms\n`);
};
mk('base', () => build(allT, 'sub', 1));
mk('idf1.5', () => build(allT, 'sub', 1.5));
mk('idf2', () => build(allT, 'sub', 2));
mk('idf0.5', () => build(allT, 'sub', 0.5));
mk('bin', () => build(allT, 'bin', 1));
mk('prefixed', () => build(pref, 'sub', 1));
mk('brand2', () => build(brand2, 'sub', 1));
mk('nocat', () => build(noCat, 'sub', 1));
mk('bigrams', () => build(bigrams, 'sub', 1));
mk('grams', () => build(grams, 'bin', 1));
mk('title', () => build(title, 'sub', 1));
mk('nocat-idf2', () => build(noCat, 'sub', 2));
mk('titlegrams', () => build((it) => [...title(it), ...grams(it).map((g) => `g:${g}`)], 'sub', 1));
// Trigrams weighted by the IDF of the title words they come from (the largest): no trigram statistics needed.
const wordDf = new Map<string, number>();
for (const it of ds.items) for (const t of new Set(allT(it))) wordDf.set(t, (wordDf.get(t) ?? 0) + 1);
const widf = (t: string) => Math.log((1 + n) / (1 + (wordDf.get(t) ?? 0))) + 1;
const gramsOf = (tok: string) => {
  const w = `#${tok}#`;
  const out: string[] = [];
  for (let i = 0; i + 3 <= w.length; i++) out.push(w.slice(i, i + 3));
  return out;
};
function buildW(f: (it: ItemFeatures) => Map<string, number>): Index {
  const ids = new Map<string, number>();
  const rows = ds.items.map((it) => {
    const r = [...f(it)].map(([t, w]) => [ids.get(t) ?? ids.set(t, ids.size).get(t)!, w] as [number, number]);
    const norm = Math.hypot(...r.map((e) => e[1]));
    if (norm > 0) for (const e of r) e[1] /= norm;
    return r;
  });
  const offsets = new Int32Array(n + 1);
  rows.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const tArr = new Int32Array(offsets[n]!);
  const wArr = new Float64Array(tArr.length);
  rows.forEach((r, i) => r.forEach(([t, w], k) => ((tArr[offsets[i]! + k] = t), (wArr[offsets[i]! + k] = w))));
  const T = ids.size;
  const pOff = new Int32Array(T + 1);
  for (const t of tArr) pOff[t + 1]!++;
  for (let t = 0; t < T; t++) pOff[t + 1]! += pOff[t]!;
  const fill = pOff.slice(0, T);
  const pItems = new Int32Array(tArr.length);
  const pW = new Float64Array(tArr.length);
  for (let i = 0; i < n; i++)
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
      const at = fill[tArr[e]!]!++;
      pItems[at] = i;
      pW[at] = wArr[e]!;
    }
  return { offsets, terms: tArr, weights: wArr, pOff, pItems, pW };
}
const wgrams = (pow: number, pool: 'max' | 'sum') => (it: ItemFeatures) => {
  const m = new Map<string, number>();
  for (const tok of title(it)) {
    const w = widf(tok) ** pow;
    for (const g of gramsOf(tok)) m.set(g, pool === 'max' ? Math.max(m.get(g) ?? 0, w) : (m.get(g) ?? 0) + w);
  }
  return m;
};
mk('wgrams max1', () => buildW(wgrams(1, 'max')));
mk('wgrams max2', () => buildW(wgrams(2, 'max')));
mk('wgrams sum1', () => buildW(wgrams(1, 'sum')));
const logPrice = Float64Array.from(ds.items, (it) => (it.price != null && it.price > 0 ? Math.log(it.price) : NaN));

interface Variant {
  name: string;
  score(s: (ix: string, k: number) => Float64Array, h: number[], out: Float64Array): void;
}
const W = [1, 0.5, 0.25];
const variants: Variant[] = [];
const sumOf = (ix: string, p: number) => (s: (ix: string, k: number) => Float64Array, h: number[], out: Float64Array) => {
  out.fill(0);
  for (let k = 0; k < h.length; k++) {
    const x = s(ix, k);
    for (let j = 0; j < n; j++) out[j]! += W[k]! * (p === 1 ? x[j]! : x[j]! ** p);
  }
};
for (const ix of Object.keys(indices).filter((x) => x !== 'grams')) variants.push({ name: `${ix} p1`, score: sumOf(ix, 1) });
for (const p of [0.5, 2, 3]) variants.push({ name: `base p${p}`, score: sumOf('base', p) });
for (const g of [0.1, 0.25, 0.5])
  variants.push({
    name: `base + ${g} grams`,
    score: (s, h, out) => {
      out.fill(0);
      for (let k = 0; k < h.length; k++) {
        const x = s('base', k);
        const y = s('grams', k);
        for (let j = 0; j < n; j++) out[j]! += W[k]! * (x[j]! + g * y[j]!);
      }
    },
  });
for (const g of [0.02, 0.05, 0.1])
  variants.push({
    name: `base - ${g} pricegap`,
    score: (s, h, out) => {
      out.fill(0);
      for (let k = 0; k < h.length; k++) {
        const x = s('base', k);
        const ph = logPrice[h[k]!]!;
        for (let j = 0; j < n; j++) {
          const pj = logPrice[j]!;
          const gap = Number.isNaN(ph) || Number.isNaN(pj) ? 0.5 : Math.min(1, Math.abs(pj - ph) / 3);
          out[j]! += W[k]! * (x[j]! - g * gap);
        }
      }
    },
  });

// Candidate priors from the catalog alone (no logs): how many catalog items share its brand, its leaf
// category, and its TF-IDF similarity to the catalog's centroid (how typical its words are).
const priors: Record<string, Float64Array> = {};
{
  const count = (key: (it: ItemFeatures) => string | null) => {
    const c = new Map<string, number>();
    const keys = ds.items.map(key);
    for (const k of keys) if (k) c.set(k, (c.get(k) ?? 0) + 1);
    return Float64Array.from(keys, (k) => (k ? Math.log(c.get(k)!) : 0));
  };
  priors['brandSize'] = count((it) => {
    const b = it.brand?.trim().toLowerCase();
    return b && b !== 'unknown' ? b : null;
  });
  priors['leafSize'] = count((it) => (it.category ? it.category.toLowerCase() : null));
  const ix = indices['base']!;
  const centroid = new Float64Array(ix.pOff.length);
  for (let e = 0; e < ix.terms.length; e++) centroid[ix.terms[e]!]! += ix.weights[e]!;
  priors['centroid'] = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let e = ix.offsets[i]!; e < ix.offsets[i + 1]!; e++) s += ix.weights[e]! * centroid[ix.terms[e]!]!;
    priors['centroid'][i] = s / n;
  }
  for (const [k, v] of Object.entries(priors)) {
    const max = v.reduce((m, x) => Math.max(m, x), 0) || 1;
    for (let i = 0; i < n; i++) v[i]! /= max;
    process.stderr.write(`prior ${k}: max ${max.toFixed(3)}\n`);
  }
}
for (const pr of Object.keys(priors))
  for (const lam of [0.01, 0.03, 0.1, 0.3])
    variants.push({
      name: `base + ${lam} ${pr}`,
      score: (s, h, out) => {
        sumOf('base', 1)(s, h, out);
        const P = priors[pr]!;
        for (let j = 0; j < n; j++) out[j]! += lam * P[j]!;
      },
    });
// Coverage (pair features coverCand / coverHist): IDF mass of the shared words over the candidate's (history item's) mass.
mk('idfmass', () => build(allT, 'bin', 0.5, false));
const mass = new Float64Array(n);
{
  const ix = indices['idfmass']!;
  for (let i = 0; i < n; i++) for (let e = ix.offsets[i]!; e < ix.offsets[i + 1]!; e++) mass[i]! += ix.weights[e]! ** 2;
}
for (const side of ['cand', 'hist'] as const)
  for (const lam of [0.1, 0.3, 1])
    variants.push({
      name: `base + ${lam} cover${side}`,
      score: (s, h, out) => {
        out.fill(0);
        for (let k = 0; k < h.length; k++) {
          const x = s('base', k);
          const y = s('idfmass', k);
          const mh = mass[h[k]!]!;
          for (let j = 0; j < n; j++) {
            const m = side === 'cand' ? mass[j]! : mh;
            out[j]! += W[k]! * (x[j]! + (m > 0 ? (lam * y[j]!) / m : 0));
          }
        }
      },
    });
for (const [g, b] of [
  [0.25, 0],
  [0.25, 0.1],
  [0.5, 0.1],
] as const)
  variants.push({
    name: `nocat + ${g} grams + ${b} brandSize`,
    score: (s, h, out) => {
      out.fill(0);
      for (let k = 0; k < h.length; k++) {
        const x = s('nocat', k);
        const y = s('grams', k);
        for (let j = 0; j < n; j++) out[j]! += W[k]! * (x[j]! + g * y[j]!);
      }
      const P = priors['brandSize']!;
      for (let j = 0; j < n; j++) out[j]! += b * P[j]!;
    },
  });
for (const base of ['nocat', 'title', 'nocat-idf2'])
  for (const g of [0.25, 0.5, 1])
    variants.push({
      name: `${base} + ${g} grams`,
      score: (s, h, out) => {
        out.fill(0);
        for (let k = 0; k < h.length; k++) {
          const x = s(base, k);
          const y = s('grams', k);
          for (let j = 0; j < n; j++) out[j]! += W[k]! * (x[j]! + g * y[j]!);
        }
      },
    });
// BM25 with the history item as the query (its distinct words, idf weights, scaled so the query's idf sums to 1)
// and the candidate as the document (k1 1.2, length normalization b): saturating tf instead of cosine's length division.
function bm25(b: number, k1 = 1.2): Index {
  const lists = ds.items.map(allT);
  const df = new Map<string, number>();
  for (const l of lists) for (const t of new Set(l)) df.set(t, (df.get(t) ?? 0) + 1);
  const avg = lists.reduce((x, l) => x + l.length, 0) / n;
  const ids = new Map<string, number>();
  const q: [number, number][][] = [];
  const d: [number, number][][] = [];
  lists.forEach((l) => {
    const c = new Map<string, number>();
    for (const t of l) c.set(t, (c.get(t) ?? 0) + 1);
    const idfs = [...c.keys()].map((t) => Math.log(1 + (n - df.get(t)! + 0.5) / (df.get(t)! + 0.5)));
    const sum = idfs.reduce((x, y) => x + y, 0) || 1;
    const keys = [...c.keys()].map((t) => ids.get(t) ?? ids.set(t, ids.size).get(t)!);
    q.push(keys.map((id, i) => [id, idfs[i]! / sum]));
    d.push([...c.values()].map((tf, i) => [keys[i]!, (tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * l.length) / avg))]));
  });
  const offsets = new Int32Array(n + 1);
  q.forEach((r, i) => (offsets[i + 1] = offsets[i]! + r.length));
  const tArr = new Int32Array(offsets[n]!);
  const wArr = new Float64Array(tArr.length);
  const dW = new Float64Array(tArr.length);
  q.forEach((r, i) => r.forEach(([t, w], k) => ((tArr[offsets[i]! + k] = t), (wArr[offsets[i]! + k] = w), (dW[offsets[i]! + k] = d[i]![k]![1]))));
  const T = ids.size;
  const pOff = new Int32Array(T + 1);
  for (const t of tArr) pOff[t + 1]!++;
  for (let t = 0; t < T; t++) pOff[t + 1]! += pOff[t]!;
  const fill = pOff.slice(0, T);
  const pItems = new Int32Array(tArr.length);
  const pW = new Float64Array(tArr.length);
  for (let i = 0; i < n; i++)
    for (let e = offsets[i]!; e < offsets[i + 1]!; e++) {
      const at = fill[tArr[e]!]!++;
      pItems[at] = i;
      pW[at] = dW[e]!;
    }
  return { offsets, terms: tArr, weights: wArr, pOff, pItems, pW };
}
for (const b of [0.25, 0.5, 0.75, 1]) {
  mk(`bm25 b${b}`, () => bm25(b));
  variants.push({ name: `bm25 b${b}`, score: sumOf(`bm25 b${b}`, 1) });
  variants.push({
    name: `bm25 b${b} + 0.5 grams`,
    score: (s, h, out) => {
      out.fill(0);
      for (let k = 0; k < h.length; k++) {
        const x = s(`bm25 b${b}`, k);
        const y = s('grams', k);
        for (let j = 0; j < n; j++) out[j]! += W[k]! * (x[j]! + 0.5 * y[j]!);
      }
    },
  });
}
// The pair feature "grams" itself: unweighted Jaccard of the titles' trigram sets (|A n B| / |A u B|).
mk('gramcount', () => build(grams, 'bin', 0, false));
const gramSize = Float64Array.from(ds.items, (it) => titleGrams(it.title ?? '').length);
for (const g of [0.25, 0.5, 1])
  variants.push({
    name: `base + ${g} jaccard`,
    score: (s, h, out) => {
      out.fill(0);
      for (let k = 0; k < h.length; k++) {
        const x = s('base', k);
        const y = s('gramcount', k);
        const gh = gramSize[h[k]!]!;
        for (let j = 0; j < n; j++) {
          const u = gh + gramSize[j]! - y[j]!;
          out[j]! += W[k]! * (x[j]! + (u > 0 ? (g * y[j]!) / u : 0));
        }
      }
    },
  });
for (const ix of ['wgrams max1', 'wgrams max2', 'wgrams sum1'])
  for (const g of [0.25, 0.375, 0.5, 0.75, 1])
    variants.push({
      name: `base + ${g} ${ix}`,
      score: (s, h, out) => {
        out.fill(0);
        for (let k = 0; k < h.length; k++) {
          const x = s('base', k);
          const y = s(ix, k);
          for (let j = 0; j < n; j++) out[j]! += W[k]! * (x[j]! + g * y[j]!);
        }
      },
    });
if (a.only) {
  const re = new RegExp(a.only);
  const keep = variants.filter((v, i) => i === 0 || re.test(v.name));
  variants.splice(0, variants.length, ...keep);
}
const ranks = variants.map(() => [] as number[]);
const cache = new Map<string, Float64Array>();
const out = new Float64Array(n);
const t0 = Date.now();
for (const [ui, u] of users.entries()) {
  const items = u.hist.items;
  const h = Array.from({ length: Math.min(3, items.length) }, (_, k) => items[items.length - 1 - k]!);
  cache.clear();
  const s = (ix: string, k: number) => {
    const key = `${ix}:${k}`;
    let x = cache.get(key);
    if (!x) {
      x = new Float64Array(n);
      sims(indices[ix]!, h[k]!, x);
      cache.set(key, x);
    }
    return x;
  };
  const seen = new Set(items);
  variants.forEach((v, vi) => {
    v.score(s, h, out);
    ranks[vi]!.push(rankOf(out, u.target, null, seen));
  });
  if (ui % 500 === 499) process.stderr.write(`${ui + 1} users, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
const inHeld = users.map((u) => held.has(u.target));
const fmt = (x: number) => x.toFixed(4);
console.log(`${a.targets} targets, users ${a.skip}..${Number(a.skip) + users.length} (${users.length}; ${inHeld.filter(Boolean).length} with target in Hair Care/Fragrance)`);
console.log('variant                        NDCG@10  HR@10 | HC/F NDCG  HR   | other NDCG  HR');
const base = rankingMetrics(ranks[0]!)['NDCG@10'];
variants.forEach((v, vi) => {
  const r = ranks[vi]!;
  const m = rankingMetrics(r);
  const mt = rankingMetrics(r.filter((_, i) => inHeld[i]));
  const mo = rankingMetrics(r.filter((_, i) => !inHeld[i]));
  console.log(
    `${v.name.padEnd(30)} ${fmt(m['NDCG@10'])} ${fmt(m['HR@10'])} | ${fmt(mt['NDCG@10'])} ${fmt(mt['HR@10'])} | ${fmt(mo['NDCG@10'])} ${fmt(mo['HR@10'])}  ${((m['NDCG@10'] / base - 1) * 100).toFixed(1)}%`,
  );
});
