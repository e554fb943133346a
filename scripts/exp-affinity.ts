import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { termStats } from '../src/model/text.ts';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';
/**
 * One-off experiment 21: affinities from the catalog's composition (no logs, no word identities). Brands whose items
 * sit in the same category leaves are alike (competitors, the same tier); leaves stocked by the same brands are related
 * (a brand's line across its leaves). score = the shipped default's (sum over the newest 3 of W_k (cosAll + 0.5
 * gramsCos)) + l * sum over the newest 3 of W_k * affinity, where affinity is
 *   brand: cosine of the two brands' leaf-count vectors (other brands only),
 *   leaf: cosine of the two leaves' brand-count vectors (other leaves only), or both.
 *   npx tsx scripts/exp-affinity.ts --data DIR --users N --targets valid|test --l 0.01,0.02,0.04,0.08
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
const known = (k: string) => !!k && k !== 'unknown';
// brand -> leaf -> count, and leaf -> brand -> count
const bl = new Map<string, Map<string, number>>();
const lb = new Map<string, Map<string, number>>();
ds.items.forEach((_, i) => {
  const b = brandOf[i]!, l = leafOf[i]!;
  if (!known(b) || !known(l)) return;
  const m1 = bl.get(b) ?? new Map(); m1.set(l, (m1.get(l) ?? 0) + 1); bl.set(b, m1);
  const m2 = lb.get(l) ?? new Map(); m2.set(b, (m2.get(b) ?? 0) + 1); lb.set(l, m2);
});
const normOf = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, x) => s + x * x, 0));
const cosine = (a: Map<string, number> | undefined, b: Map<string, number> | undefined) => {
  if (!a || !b) return 0;
  let dot = 0;
  for (const [k, x] of a) dot += x * (b.get(k) ?? 0);
  return dot ? dot / (normOf(a) * normOf(b)) : 0;
};
const brands = [...bl.keys()], leaves = [...lb.keys()];
const brandIdx = new Map(brands.map((b, i) => [b, i])), leafIdx = new Map(leaves.map((l, i) => [l, i]));
const itemBrand = brandOf.map((b) => brandIdx.get(b) ?? -1), itemLeaf = leafOf.map((l) => leafIdx.get(l) ?? -1);
const brandSimCache = new Map<number, Float64Array>(), leafSimCache = new Map<number, Float64Array>();
const brandSims = (b: number) => {
  let s = brandSimCache.get(b);
  if (!s) { s = new Float64Array(brands.length); const v = bl.get(brands[b]!); brands.forEach((o, k) => (s![k] = k === b ? 0 : cosine(v, bl.get(o)))); brandSimCache.set(b, s); }
  return s;
};
const leafSims = (l: number) => {
  let s = leafSimCache.get(l);
  if (!s) { s = new Float64Array(leaves.length); const v = lb.get(leaves[l]!); leaves.forEach((o, k) => (s![k] = k === l ? 0 : cosine(v, lb.get(o)))); leafSimCache.set(l, s); }
  return s;
};
console.error(`brands ${brands.length}, leaves ${leaves.length}`);
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));
const lams = (args.l ?? '0.01,0.02,0.04,0.08').split(',').map(Number);
const modes = (args.modes ?? 'brand,leaf,both').split(',');
const variants = [{ m: 'base', l: 0 }, ...modes.flatMap((m) => lams.map((l) => ({ m, l })))];
const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const score = new Float64Array(N);
const s2 = new Float64Array(N);
const bBonus = new Float64Array(N), lBonus = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  score.fill(0);
  const last = lastItems(u.hist.items);
  for (const [h, w] of last) add(h, w, score);
  bBonus.fill(0); lBonus.fill(0);
  for (const [h, w] of last) {
    const bh = itemBrand[h]!, lh = itemLeaf[h]!;
    const bs = bh >= 0 ? brandSims(bh) : null, ls = lh >= 0 ? leafSims(lh) : null;
    for (let j = 0; j < N; j++) {
      if (bs && itemBrand[j]! >= 0) bBonus[j]! += w * bs[itemBrand[j]!]!;
      if (ls && itemLeaf[j]! >= 0) lBonus[j]! += w * ls[itemLeaf[j]!]!;
    }
  }
  variants.forEach((v, vi) => {
    s2.set(score);
    if (v.l > 0) for (let j = 0; j < N; j++) s2[j]! += v.l * ((v.m !== 'leaf' ? bBonus[j]! : 0) + (v.m !== 'brand' ? lBonus[j]! : 0));
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
