import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { termStats } from '../src/model/text.ts';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';
/**
 * One-off experiment 20: a prior from the catalog's composition (no logs, no word identities): items of brands and
 * category leaves the shop stocks many of might be the ones shoppers open more. score = the shipped default's
 * (sum over the newest 3 of W_k (cosAll + 0.5 gramsCos)) + l * (brandPrior and/or leafPrior), each prior
 * ln(1 + items of that brand / leaf in the catalog), scaled to [0, 1].
 *   npx tsx scripts/exp-catalog-prior.ts --data DIR --users N --targets valid|test --l 1e-6,0.005,0.01,0.02,0.04
 */
const args: Record<string, string> = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : []))
    .filter((x) => x.length),
);
const ds = loadDataset(args.data ?? '../shared/data/beauty');
const split = splitLeaveOneOut(ds);
const users = testUsers(ds, split, { seed: 2020, targets: (args.targets as 'valid') ?? 'valid', limit: Number(args.users ?? 6000) });
const N = ds.items.length;
const cat = pairCatalog(ds.items, termStats(ds.items));
const post = pairPostings(cat);
function add(a: number, w: number, out: Float64Array): void {
  const r = cat.all;
  for (let e = r.offsets[a]!; e < r.offsets[a + 1]!; e++) {
    const row = post.all.row.get(r.ids[e]!)!;
    const wa = w * r.weights[e]!;
    for (let p = post.all.offsets[row]!; p < post.all.offsets[row + 1]!; p++) out[post.all.ids[p]!]! += wa * post.all.weights[p]!;
  }
  const g = cat.grams;
  for (let e = g.offsets[a]!; e < g.offsets[a + 1]!; e++) {
    const row = post.grams.row.get(g.ids[e]!)!;
    const wa = w * 0.5 * g.weights[e]!;
    for (let p = post.grams.offsets[row]!; p < post.grams.offsets[row + 1]!; p++) out[post.grams.ids[p]!]! += wa * post.grams.weights[p]!;
  }
}

const brandOf = ds.items.map((it) => (it.brand ?? '').toLowerCase().trim());
const leafOf = ds.items.map((it) => it.category ?? '');
const count = (keys: string[]) => {
  const m = new Map<string, number>();
  for (const k of keys) if (k && k !== 'unknown') m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};
const bc = count(brandOf),
  lc = count(leafOf);
const norm = (xs: number[]) => {
  const mx = Math.max(...xs);
  return xs.map((x) => x / mx);
};
const brandP = norm(brandOf.map((b) => Math.log1p(bc.get(b) ?? 0)));
const leafP = norm(leafOf.map((l) => Math.log1p(lc.get(l) ?? 0)));
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));
const lams = (args.l ?? '1e-6,0.005,0.01,0.02,0.04').split(',').map(Number);
const modes = (args.modes ?? 'brand,leaf,both').split(',');
const variants = [{ m: 'base', l: 0 }, ...modes.flatMap((m) => lams.map((l) => ({ m, l })))];
const byBrand = new Map<string, number[]>();
brandOf.forEach((b, i) => b && b !== 'unknown' && byBrand.set(b, [...(byBrand.get(b) ?? []), i]));
const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const score = new Float64Array(N);
const s2 = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  score.fill(0);
  const last = lastItems(u.hist.items);
  for (const [h, w] of last) add(h, w, score);
  variants.forEach((v, vi) => {
    s2.set(score);
    if (v.m === 'brand-other-leaf') {
      // items of a newest-3 event's brand in another category leaf (a complement of the same brand)
      for (const [h, w] of last) for (const j of byBrand.get(brandOf[h]!) ?? []) if (leafOf[j] !== leafOf[h]) s2[j]! += v.l * w;
    } else if (v.l > 0) for (let j = 0; j < N; j++) s2[j]! += v.l * ((v.m !== 'leaf' ? brandP[j]! : 0) + (v.m !== 'brand' ? leafP[j]! : 0));
    const s0 = s2[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && s2[j]! >= s0) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
}
const b = acc[0]!;
variants.forEach((v, vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${(v.m + ' ' + v.l).padEnd(14)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} HC/F ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% ${((hr / b[1]! - 1) * 100).toFixed(1)}% HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
