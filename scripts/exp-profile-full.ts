/**
 * One-off experiment 11: hubness reduction (CSLS, Conneau et al. 2018) on TF-IDF content similarity.
 * r_j = mean cosine of item j with its k nearest catalog items (catalog text only, no logs);
 * score_j = sum_k W_k cos(h_k, j) - beta * r_j (CSLS up to a constant per shopper).
 *   npx tsx scripts/exp-hub.ts --data DIR --users N --targets valid|test --k 10 --beta 0.1,0.2
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { textTokens, termStats, idf } from '../src/model/text.ts';
import type { ItemFeatures } from '../src/shared/types.ts';

const args: Record<string, string> = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : []))
    .filter((x) => x.length),
);
const ds = loadDataset(args.data ?? '../shared/data/beauty');
const split = splitLeaveOneOut(ds);
const users = testUsers(ds, split, {
  seed: 2020,
  targets: (args.targets as 'test' | 'valid') ?? 'valid',
  limit: Number(args.users ?? 6000),
});
const N = ds.items.length;
const stats = termStats(ds.items);
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));

function vector(it: ItemFeatures): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of [...textTokens(it.title ?? ''), ...textTokens(it.brand ?? ''), ...textTokens(it.category ?? '')])
    tf.set(t, (tf.get(t) ?? 0) + 1);
  const v = new Map<string, number>();
  let s = 0;
  for (const [t, c] of tf) {
    const x = (1 + Math.log(c)) * idf(stats, t);
    v.set(t, x);
    s += x * x;
  }
  const norm = Math.sqrt(s) || 1;
  for (const [t, x] of v) v.set(t, x / norm);
  return v;
}
const vecs = ds.items.map(vector);
const post = new Map<string, [number, number][]>();
vecs.forEach((v, i) => v.forEach((x, t) => (post.get(t) ?? post.set(t, []).get(t)!).push([i, x])));
const add = (a: number, w: number, out: Float64Array) => {
  for (const [t, x] of vecs[a]!) for (const [j, y] of post.get(t)!) out[j]! += w * x * y;
};

const levels = (c?: string) => (c ?? '').split(/\s*>\s*/).filter(Boolean);
const itemLevels = ds.items.map((it) => levels(it.category));
const cs = (args.c ?? '0.1,0.2,0.4').split(',').map(Number);
type Variant = [string, number, number];
const variants: Variant[] = [['tfidf', 0, 0]];
for (const c of cs) variants.push([`brand ${c}`, c, 0], [`path ${c}`, 0, c], [`brand+path ${c}`, c, c]);
const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const base = new Float64Array(N);
const prof = new Float64Array(N);
const brandShare = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  base.fill(0);
  for (const [a, w] of lastItems(u.hist.items)) add(a, w, base);
  // The whole history (newest 50): brand counts and category-prefix counts.
  const hist = Array.from(u.hist.items).slice(-50);
  const n = hist.length || 1;
  const brands = new Map<string, number>();
  const prefixes = new Map<string, number>();
  for (const h of hist) {
    const b = ds.items[h]!.brand;
    if (b) brands.set(b, (brands.get(b) ?? 0) + 1);
    const lv = itemLevels[h]!;
    for (let k = 1; k <= lv.length; k++) {
      const p = lv.slice(0, k).join('>') + '#' + k;
      prefixes.set(p, (prefixes.get(p) ?? 0) + 1);
    }
  }
  for (let j = 0; j < N; j++) {
    const b = ds.items[j]!.brand;
    brandShare[j] = b ? (brands.get(b) ?? 0) / n : 0;
    const lv = itemLevels[j]!;
    // Mean over history items of the shared path fraction = sum over k of count(prefix_k) / (|lv| n).
    let s2 = 0;
    for (let k = 1; k <= lv.length; k++) s2 += prefixes.get(lv.slice(0, k).join('>') + '#' + k) ?? 0;
    prof[j] = lv.length ? s2 / (lv.length * n) : 0;
  }
  variants.forEach(([, cb, cp], vi) => {
    const score = (j: number) => base[j]! + cb * brandShare[j]! + cp * prof[j]!;
    const t = score(u.target);
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && score(j) >= t) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
}
const b = acc[0]!;
console.log(`${users.length} ${args.targets ?? 'valid'} users (${nH} HC/F)`);
variants.forEach(([n], vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${n.padEnd(22)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} | HC/F ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% ${((hr / b[1]! - 1) * 100).toFixed(1)}% HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
