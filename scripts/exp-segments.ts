/**
 * One-off experiment 10: TF-IDF with title words after the first comma (shade names, sizes, variants) weighted down.
 *   npx tsx scripts/exp-segments.ts --data DIR --users N --targets valid|test
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { lastItems } from './lib/baselines.ts';
import { textTokens, termStats, idf, itemTerms } from '../src/model/text.ts';
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

/** Weighted terms of an item: title words of the first segment (before `sep`), brand and category 1; the rest `w`. */
function weighted(it: ItemFeatures, w: number, sep: RegExp): Map<string, number> {
  const title = it.title ?? '';
  const cut = title.search(sep);
  const head = textTokens(cut < 0 ? title : title.slice(0, cut));
  const tail = cut < 0 ? [] : textTokens(title.slice(cut));
  const tf = new Map<string, number>();
  const fieldW = new Map<string, number>();
  for (const t of [...head, ...textTokens(it.brand ?? ''), ...textTokens(it.category ?? '')]) {
    tf.set(t, (tf.get(t) ?? 0) + 1);
    fieldW.set(t, 1);
  }
  for (const t of tail) {
    tf.set(t, (tf.get(t) ?? 0) + 1);
    if (!fieldW.has(t)) fieldW.set(t, w);
  }
  const v = new Map<string, number>();
  let s = 0;
  for (const [t, c] of tf) {
    const x = (1 + Math.log(c)) * idf(stats, t) * fieldW.get(t)!;
    v.set(t, x);
    s += x * x;
  }
  const norm = Math.sqrt(s) || 1;
  for (const [t, x] of v) v.set(t, x / norm);
  return v;
}

function index(vecs: Map<string, number>[]) {
  const post = new Map<string, [number, number][]>();
  vecs.forEach((v, i) => v.forEach((x, t) => (post.get(t) ?? post.set(t, []).get(t)!).push([i, x])));
  return (a: number, w: number, out: Float64Array) => {
    for (const [t, x] of vecs[a]!) for (const [j, y] of post.get(t)!) out[j]! += w * x * y;
  };
}

const variants: [string, (a: number, w: number, out: Float64Array) => void][] = [];
// Check: plain TF-IDF the same way (all words weight 1).
variants.push(['tfidf', index(ds.items.map((it) => weighted(it, 1, /$^/)))]);
for (const sep of [/,/, /[,(\-–|]/]) for (const w of (args.w ?? '0.5,0.25,0').split(',').map(Number)) variants.push([`seg ${sep.source} w${w}`, index(ds.items.map((it) => weighted(it, w, sep)))]);
void itemTerms;

const acc = variants.map(() => [0, 0, 0]);
let nH = 0;
const row = new Float64Array(N);
for (const u of users) {
  const isH = hc.has(u.target);
  if (isH) nH++;
  variants.forEach(([, add], vi) => {
    row.fill(0);
    for (const [a, w] of lastItems(u.hist.items)) add(a, w, row);
    const t = row[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && row[j]! >= t) rank++;
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
