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
const users = testUsers(ds, split, { seed: 2020, targets: (args.targets as 'test' | 'valid') ?? 'valid', limit: Number(args.users ?? 6000) });
const N = ds.items.length;
const stats = termStats(ds.items);
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));

function vector(it: ItemFeatures): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of [...textTokens(it.title ?? ''), ...textTokens(it.brand ?? ''), ...textTokens(it.category ?? '')]) tf.set(t, (tf.get(t) ?? 0) + 1);
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

const ks = (args.k ?? '10').split(',').map(Number);
const t0 = Date.now();
const hub = new Map<number, Float64Array>(ks.map((k) => [k, new Float64Array(N)]));
const row = new Float64Array(N);
for (let i = 0; i < N; i++) {
  row.fill(0);
  add(i, 1, row);
  row[i] = -1;
  const sorted = Array.from(row).sort((a, b) => b - a);
  for (const k of ks) {
    let s = 0;
    for (let q = 0; q < k; q++) s += sorted[q]!;
    hub.get(k)![i] = s / k;
  }
}
console.log(`hubness of ${N} items in ${((Date.now() - t0) / 1000).toFixed(0)} s`);

const betas = (args.beta ?? '-0.2,-0.1,0.1,0.2,0.4').split(',').map(Number);
const variants: [string, Float64Array | null, number][] = [['tfidf', null, 0]];
for (const k of ks) for (const b of betas) variants.push([`csls k${k} beta ${b}`, hub.get(k)!, b]);

const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const base = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  base.fill(0);
  for (const [a, w] of lastItems(u.hist.items)) add(a, w, base);
  variants.forEach(([, r, beta], vi) => {
    const score = (j: number) => base[j]! - (r ? beta * r[j]! : 0);
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
