import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { termStats } from '../src/model/text.ts';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';
/**
 * One-off experiment 19: where the shipped default's NDCG@10 comes from (the target's relation to the newest 3 events),
 * and a same-brand bonus for shoppers whose history repeats brands ("loyal": beta x the share of consecutive history
 * pairs with the same known brand; "flat": beta for everyone), added for every item of a newest-3 event's brand
 * (weights 1, 1/2, 1/4). No logs, no word identities.
 *   npx tsx scripts/exp-loyal.ts --data DIR --users N --targets valid|test --b 0.05,0.1,0.2,0.4
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
const byBrand = new Map<string, number[]>();
brandOf.forEach((b, i) => b && b !== 'unknown' && byBrand.set(b, [...(byBrand.get(b) ?? []), i]));
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));
// variants: beta * loyalty * [brand(j) among last-3 brands, weighted]; loyalty = share of consecutive history pairs sharing a known brand
const betas = [0, ...(args.b ?? '0.1,0.2,0.4').split(',').map(Number)];
const modes = ['loyal', 'flat'];
const variants = [{ m: 'base', b: 0 }, ...modes.flatMap((m) => betas.slice(1).map((b) => ({ m, b })))];
const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const score = new Float64Array(N);
const s2 = new Float64Array(N);
const stat = { loyal: 0, loyalHit: 0, not: 0, notHit: 0 };
// Where the default's NDCG@10 comes from: the target's relation to the newest 3 events.
const leafOf = ds.items.map((it) => it.category ?? '');
const topOf = ds.items.map((it) => (it.category ?? '').split(' > ')[0]!);
const groups = new Map<string, { n: number; ndcg: number; hr: number; hr100: number }>();
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  score.fill(0);
  const last = lastItems(u.hist.items);
  for (const [h, w] of last) add(h, w, score);
  const hist = [...u.hist.items];
  let pairs = 0,
    same = 0;
  for (let i = 1; i < hist.length; i++) {
    const a = brandOf[hist[i - 1]!]!,
      b = brandOf[hist[i]!]!;
    if (a && b && a !== 'unknown' && b !== 'unknown') {
      pairs++;
      if (a === b) same++;
    }
  }
  const loyalty = pairs ? same / pairs : 0;
  const hit = last.some(([h]) => brandOf[h] && brandOf[h] === brandOf[u.target]);
  if (loyalty > 0) {
    stat.loyal++;
    if (hit) stat.loyalHit++;
  } else {
    stat.not++;
    if (hit) stat.notHit++;
  }
  variants.forEach((v, vi) => {
    s2.set(score);
    if (v.b > 0) {
      const k = v.m === 'loyal' ? loyalty : 1;
      if (k > 0) for (const [h, w] of last) for (const j of byBrand.get(brandOf[h]!) ?? []) s2[j]! += v.b * k * w;
    }
    const s0 = s2[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && s2[j]! >= s0) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    if (vi === 0) {
      const hs = last.map(([h]) => h);
      const t = u.target;
      const brand = !!brandOf[t] && brandOf[t] !== 'unknown' && hs.some((h) => brandOf[h] === brandOf[t]);
      const leaf = hs.some((h) => leafOf[h] === leafOf[t]);
      const key = brand
        ? leaf
          ? 'same brand, same leaf'
          : 'same brand, other leaf'
        : leaf
          ? 'other brand, same leaf'
          : hs.some((h) => topOf[h] === topOf[t])
            ? 'same top category only'
            : 'another top category';
      const gr = groups.get(key) ?? { n: 0, ndcg: 0, hr: 0, hr100: 0 };
      gr.n++;
      gr.ndcg += g;
      gr.hr += rank < 10 ? 1 : 0;
      gr.hr100 += rank < 100 ? 1 : 0;
      groups.set(key, gr);
    }
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
}
console.log(
  'the default (base) by how the target relates to the newest 3 events (brand: the same known brand as one of them; leaf: the same full category path):',
);
for (const [k, g] of [...groups].sort((a, b) => b[1].ndcg - a[1].ndcg))
  console.log(
    `  ${k.padEnd(24)} ${String(g.n).padStart(5)} users (${((g.n / users.length) * 100).toFixed(1)}%)  NDCG@10 ${(g.ndcg / g.n).toFixed(4)}  HR@10 ${(g.hr / g.n).toFixed(3)}  HR@100 ${(g.hr100 / g.n).toFixed(3)}  share of the NDCG ${((g.ndcg / acc[0]![0]!) * 100).toFixed(0)}%`,
  );
console.log(
  `loyal users ${stat.loyal} (target brand in last 3: ${(stat.loyalHit / stat.loyal).toFixed(3)}), others ${stat.not} (${(stat.notHit / stat.not).toFixed(3)})`,
);
const b = acc[0]!;
variants.forEach((v, vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${(v.m + ' ' + v.b).padEnd(14)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} HC/F ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% ${((hr / b[1]! - 1) * 100).toFixed(1)}% HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
