/**
 * Experiments for the default model (issue 10 part 3): linear scorers over the pair features' catalog-
 * independent parts, pooled over the newest history items, against TF-IDF (newest 3, weights 1, 1/2, 1/4).
 * Full ranking, history excluded, ties against the target, no popularity tie-break (the default model has
 * no shop logs). Prints NDCG@10 / HR@10 on all users and on those whose target is in Hair Care or Fragrance.
 *
 *   npx tsx scripts/exp-default-linear.ts --data ../shared/data/beauty --targets valid --users 3000 [--grid small|full]
 *
 * score(j) = sum_k d^k * (cos(h_k, j) + b * sameBrand + c * catShared + e * sameLeaf + t * cosTitle), k < L newest
 * (pool "sum"), or max_k of the same terms (pool "max").
 */
import { parseArgs } from 'node:util';
import { addContentSimilarities, contentIndex, contentIndexWith } from './lib/baselines.ts';
import { heldOutItems, loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import { categoryPath, MAX_DEPTH } from '../src/model/pair-features.ts';
import { termStats, textTokens } from '../src/model/text.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    targets: { type: 'string', default: 'valid' },
    users: { type: 'string', default: '3000' },
    skip: { type: 'string', default: '0' },
    grid: { type: 'string', default: 'small' },
  },
});
const ds = loadDataset(a.data!);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const all = a.targets === 'test' ? split.test : split.valid;
const users = all.slice(Number(a.skip), Number(a.skip) + Number(a.users));
const held = heldOutItems(ds.items, ['Hair Care', 'Fragrance']);
const ix = contentIndex(ds.items);
const stats = termStats(ds.items);
const tix = contentIndexWith(ds.items, (it) => textTokens(it.title ?? ''), stats);
const brand = new Int32Array(n).fill(-1);
const path = new Int32Array(n * MAX_DEPTH).fill(-1);
const depth = new Int32Array(n);
{
  const bm = new Map<string, number>();
  const pm = new Map<string, number>();
  ds.items.forEach((it, i) => {
    const b = it.brand?.trim().toLowerCase();
    if (b && b !== 'unknown') brand[i] = bm.get(b) ?? bm.set(b, bm.size).get(b)!;
    const p = categoryPath(it.category);
    depth[i] = p.length;
    p.forEach((s, k) => (path[i * MAX_DEPTH + k] = pm.get(s) ?? pm.set(s, pm.size).get(s)!));
  });
}

interface Variant {
  name: string;
  L: number;
  d: number;
  pool: 'sum' | 'max';
  b: number;
  c: number;
  e: number;
  t: number;
}
const variants: Variant[] = [];
const V = (name: string, v: Omit<Variant, 'name'>) => variants.push({ name, ...v });
V('tfidf (L3 d.5)', { L: 3, d: 0.5, pool: 'sum', b: 0, c: 0, e: 0, t: 0 });
const Ls = a.grid === 'full' ? [3, 6, 12] : [6, 12];
const ds_ = [0.5, 0.6, 0.7, 0.8, 0.9];
for (const L of Ls) for (const d of ds_) V(`cos L${L} d${d}`, { L, d, pool: 'sum', b: 0, c: 0, e: 0, t: 0 });
for (const d of [0.5, 0.7]) V(`max L12 d${d}`, { L: 12, d, pool: 'max', b: 0, c: 0, e: 0, t: 0 });
const extra = a.grid === 'full' ? [0.7, 0.8] : [0.7];
for (const d of extra) {
  for (const b of [0, 0.05, 0.1, 0.2])
    for (const c of [0, 0.05, 0.1, 0.2])
      for (const e of [0, 0.05, 0.1])
        for (const t of [0, 0.3]) if (b + c + e + t > 0) V(`L12 d${d} b${b} c${c} e${e} t${t}`, { L: 12, d, pool: 'sum', b, c, e, t });
}

// Per user: features of the newest 12 history items against all items, then every variant.
const ranks = variants.map(() => [] as number[]);
const F = 5; // cos, brand, catShared, leaf, title
const feats = new Float64Array(12 * F * n);
const score = new Float64Array(n);
const t0 = Date.now();
for (const [ui, u] of users.entries()) {
  const h = u.hist.items;
  const L = Math.min(12, h.length);
  feats.fill(0, 0, L * F * n);
  for (let k = 0; k < L; k++) {
    const it = h[h.length - 1 - k]!;
    const o = k * F * n;
    addContentSimilarities(ix, it, 1, feats, o);
    addContentSimilarities(tix, it, 1, feats, o + 4 * n);
    const bh = brand[it]!;
    const dh = depth[it]!;
    for (let j = 0; j < n; j++) {
      if (bh >= 0 && brand[j] === bh) feats[o + n + j] = 1;
      const dj = depth[j]!;
      if (dh > 0 && dj > 0) {
        let common = 0;
        while (common < dh && common < dj && path[it * MAX_DEPTH + common] === path[j * MAX_DEPTH + common]) common++;
        feats[o + 2 * n + j] = common / Math.max(dh, dj);
        feats[o + 3 * n + j] = dh === dj && common === dh ? 1 : 0;
      }
    }
  }
  const seen = new Set(h);
  // Pooled sums per (L, d): F arrays each.
  const pooled = new Map<string, Float64Array>();
  const pool = (Lv: number, d: number): Float64Array => {
    const key = `${Lv}:${d}`;
    let P = pooled.get(key);
    if (!P) {
      P = new Float64Array(F * n);
      for (let k = 0; k < Math.min(L, Lv); k++) {
        const w = d ** k;
        const o = k * F * n;
        for (let x = 0; x < F * n; x++) P[x]! += w * feats[o + x]!;
      }
      pooled.set(key, P);
    }
    return P;
  };
  variants.forEach((v, vi) => {
    if (v.pool === 'sum') {
      const P = pool(v.L, v.d);
      for (let j = 0; j < n; j++) score[j] = P[j]! + v.b * P[n + j]! + v.c * P[2 * n + j]! + v.e * P[3 * n + j]! + v.t * P[4 * n + j]!;
    } else {
      score.fill(0);
      for (let k = 0; k < Math.min(L, v.L); k++) {
        const w = v.d ** k;
        const o = k * F * n;
        for (let j = 0; j < n; j++) {
          const s =
            w *
            (feats[o + j]! +
              v.b * feats[o + n + j]! +
              v.c * feats[o + 2 * n + j]! +
              v.e * feats[o + 3 * n + j]! +
              v.t * feats[o + 4 * n + j]!);
          if (s > score[j]!) score[j] = s;
        }
      }
    }
    ranks[vi]!.push(rankOf(score, u.target, null, seen));
  });
  if (ui % 500 === 499) process.stderr.write(`${ui + 1} users, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
}
const inHeld = users.map((u) => held.has(u.target));
const fmt = (x: number) => x.toFixed(4);
const rows = variants.map((v, vi) => {
  const r = ranks[vi]!;
  const m = rankingMetrics(r);
  const mt = rankingMetrics(r.filter((_, i) => inHeld[i]));
  const mo = rankingMetrics(r.filter((_, i) => !inHeld[i]));
  return { v, m, mt, mo };
});
const nt = inHeld.filter(Boolean).length;
console.log(
  `${a.targets} targets, users ${a.skip}..${Number(a.skip) + users.length} (${users.length}; ${nt} with target in Hair Care/Fragrance)`,
);
console.log('variant                                  NDCG@10  HR@10 | HC/F NDCG  HR   | other NDCG  HR');
const base = rows[0]!;
for (const { v, m, mt, mo } of rows)
  console.log(
    `${v.name.padEnd(40)} ${fmt(m['NDCG@10'])} ${fmt(m['HR@10'])} | ${fmt(mt['NDCG@10'])} ${fmt(mt['HR@10'])} | ${fmt(mo['NDCG@10'])} ${fmt(mo['HR@10'])}  ${(
      (m['NDCG@10'] / base.m['NDCG@10'] - 1) *
      100
    ).toFixed(1)}%`,
  );
