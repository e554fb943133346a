/**
 * One-off experiment 18: terms with a digit (sizes, shade numbers, model numbers) weighed a times in the newest 3
 * events' TF-IDF part of the shipped default (the trigram cosine as shipped). No logs, no word identities.
 *   npx tsx scripts/exp-numbers.ts --data DIR --users N --targets valid|test --a 0,0.25,0.5,1.5
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { termStats } from '../src/model/text.ts';
import { itemText, pairCatalog, pairPostings } from '../src/model/pair-features.ts';

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
// The catalog's term ids in pairCatalog's intern order (each item's words, then its title words), to tell numbers.
const termOf: string[] = [];
const seenTerm = new Set<string>();
for (const it of ds.items) {
  const t = itemText(it);
  for (const w of [...t.words, ...t.title]) {
    if (seenTerm.has(w)) continue;
    seenTerm.add(w);
    termOf.push(w);
  }
}
const numeric = termOf.map((w) => /\d/.test(w));
console.log(
  `${numeric.filter(Boolean).length} of ${termOf.length} terms have a digit, e.g. ${termOf
    .filter((w) => /\d/.test(w))
    .slice(0, 12)
    .join(' ')}`,
);
// a: the weight of a term with a digit (1: the shipped default)
const alphas = [1, ...(args.a ?? '0,0.25,0.5').split(',').map(Number)];

/** out[j] += w * (sum over a's words of mult(t) a_t j_t  +  GRAMS * gramsCos(a, j)). */
function add(a: number, w: number, mult: (t: number) => number, out: Float64Array): void {
  const r = cat.all;
  for (let e = r.offsets[a]!; e < r.offsets[a + 1]!; e++) {
    const t = r.ids[e]!;
    const row = post.all.row.get(t)!;
    const wa = w * r.weights[e]! * mult(t);
    for (let p = post.all.offsets[row]!; p < post.all.offsets[row + 1]!; p++) out[post.all.ids[p]!]! += wa * post.all.weights[p]!;
  }
  const g = cat.grams;
  for (let e = g.offsets[a]!; e < g.offsets[a + 1]!; e++) {
    const row = post.grams.row.get(g.ids[e]!)!;
    const wa = w * GRAMS * g.weights[e]!;
    for (let p = post.grams.offsets[row]!; p < post.grams.offsets[row + 1]!; p++) out[post.grams.ids[p]!]! += wa * post.grams.weights[p]!;
  }
}

const acc = alphas.map(() => [0, 0, 0]);
let nH = 0;
const t0 = Date.now();
const score = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  alphas.forEach((a, vi) => {
    score.fill(0);
    for (const [h, w] of lastItems(u.hist.items)) add(h, w, (t) => (numeric[t] ? a : 1), score);
    const s0 = score[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && score[j]! >= s0) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
}
const b = acc[0]!;
console.log(`${users.length} ${targets} users (${nH} HC/F), ${((Date.now() - t0) / 1000).toFixed(0)} s`);
alphas.forEach((a, vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${(a !== 1 ? `digits x${a}` : 'default').padEnd(22)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} | HC/F ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% ${((hr / b[1]! - 1) * 100).toFixed(1)}% HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
