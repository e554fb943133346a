/**
 * One-off experiment 15: three ways of using the catalog's own text structure at ranking time, on top of the
 * shipped default's score (TF-IDF cosine + 0.5 title-trigram cosine, newest 3 weighted 1, 1/2, 1/4):
 *  - "prf m b": pseudo-relevance feedback (Rocchio): the top m items of the first pass (history excluded) vote
 *    with their own similarities, mean weighted by first-pass score, times b;
 *  - "rrf": reciprocal-rank fusion of the newest 3 items' lists (sum of W_k / (60 + rank)) instead of summed scores;
 *  - "dup t g": a history item's similarity above t counts (1 - g) as much (near-duplicates: other sizes, shades).
 * No logs, no word identities.
 *   npx tsx scripts/exp-prf.ts --data DIR --users N --targets valid|test
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { termStats } from '../src/model/text.ts';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';

const args: Record<string, string> = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : []))
    .filter((x) => x.length),
);
const ds = loadDataset(args.data ?? '../shared/data/beauty');
const split = splitLeaveOneOut(ds);
const targets = (args.targets as 'test' | 'valid') ?? 'valid';
const users = testUsers(ds, split, { seed: 2020, targets, limit: Number(args.users ?? 6000) });
const N = ds.items.length;
const cat = pairCatalog(ds.items, termStats(ds.items));
const post = pairPostings(cat);
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));
const GRAMS = 0.5;

/** out[j] += w * (cosAll(a, j) + GRAMS * gramsCos(a, j)); with `f`, the pair's similarity goes through f first. */
function sims(a: number, out: Float64Array): void {
  for (const [r, inv, k] of [[cat.all, post.all, 1], [cat.grams, post.grams, GRAMS]] as const) {
    for (let e = r.offsets[a]!; e < r.offsets[a + 1]!; e++) {
      const row = inv.row.get(r.ids[e]!)!;
      const wa = r.weights[e]! * k;
      for (let p = inv.offsets[row]!; p < inv.offsets[row + 1]!; p++) out[inv.ids[p]!]! += wa * inv.weights[p]!;
    }
  }
}

type Variant = { name: string; score: (u: { hist: number[]; seen: Set<number> }, per: Float64Array[], base: Float64Array) => Float64Array };
const W = [1, 1 / 2, 1 / 4];
const variants: Variant[] = [{ name: 'default', score: (_u, _p, base) => base }];
const tmp = new Float64Array(N);
for (const m of (args.m ?? '3,10').split(',').map(Number))
  for (const b of (args.b ?? '0.25,0.5,1').split(',').map(Number))
    variants.push({
      name: `prf m${m} b${b}`,
      score: (u, _p, base) => {
        const acc = expansion(u, base, m);
        const out = new Float64Array(N);
        for (let j = 0; j < N; j++) out[j] = base[j]! + b * acc[j]!;
        return out;
      },
    });
const memo = new Map<number, Float64Array>();
function expansion(u: { seen: Set<number> }, base: Float64Array, m: number): Float64Array {
  const hit = memo.get(m);
  if (hit) return hit;
        const top: [number, number][] = [];
        for (let j = 0; j < N; j++) {
          if (u.seen.has(j)) continue;
          const s = base[j]!;
          if (top.length < m || s > top[top.length - 1]![1]) {
            top.push([j, s]);
            top.sort((x, y) => y[1] - x[1]);
            if (top.length > m) top.pop();
          }
        }
        tmp.fill(0);
        const total = top.reduce((s, t) => s + t[1], 0) || 1;
        const acc = new Float64Array(N);
        for (const [t, s] of top) {
          tmp.fill(0);
          sims(t, tmp);
          for (let j = 0; j < N; j++) acc[j]! += (s / total) * tmp[j]!;
        }
  memo.set(m, acc);
  return acc;
}
variants.push({
  name: 'rrf 60',
  score: (_u, per) => {
    const out = new Float64Array(N);
    per.forEach((s, k) => {
      const order = Array.from({ length: N }, (_, j) => j).sort((x, y) => s[y]! - s[x]!);
      order.forEach((j, r) => (out[j]! += W[k]! / (60 + r)));
    });
    return out;
  },
});
for (const t of (args.t ?? '0.6,0.8').split(',').map(Number))
  for (const g of (args.g ?? '0.5,1').split(',').map(Number))
    variants.push({
      name: `dup t${t} g${g}`,
      score: (_u, per) => {
        const out = new Float64Array(N);
        per.forEach((s, k) => {
          for (let j = 0; j < N; j++) {
            const x = s[j]! / (1 + GRAMS);
            out[j]! += W[k]! * (x > t ? x - g * (x - t) : x);
          }
        });
        return out;
      },
    });

const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const t0 = Date.now();
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  const last = lastItems(u.hist.items);
  const per = last.map(([a]) => {
    const s = new Float64Array(N);
    sims(a, s);
    return s;
  });
  const base = new Float64Array(N);
  last.forEach(([, w], k) => per[k]!.forEach((x, j) => (base[j]! += w * x)));
  memo.clear();
  const ctx = { hist: Array.from(u.hist.items), seen: u.seen };
  variants.forEach((v, vi) => {
    const s = v.score(ctx, per, base);
    const t = s[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && s[j]! >= t) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
}
const b = acc[0]!;
console.log(`${users.length} ${targets} users (${nH} HC/F), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
variants.forEach(({ name }, vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${name.padEnd(22)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} | HC/F ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% ${((hr / b[1]! - 1) * 100).toFixed(1)}% HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
