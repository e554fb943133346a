/**
 * One-off check: "similar items" from the current item alone (eval:placements' first table), TF-IDF cosine
 * against variants that weigh the category path more than the brand:
 *  cat c      cos + c * shared leading category levels / the anchor's depth
 *  brand1     the brand's words counted once (title words equal to a brand word dropped from the title)
 *   npx tsx scripts/exp-similar.mts DATA [USERS]
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers, type EvalUser } from './lib/evaluate.ts';
import { contentIndex } from '../src/model/content.ts';
import { textTokens } from '../src/model/text.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
const [data, limit] = [process.argv[2]!, Number(process.argv[3] ?? 3000)];
const ds = loadDataset(data);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const valid = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' }).slice(0, limit);
const test = testUsers(ds, split, { seed: 2020, negatives: 0 }).slice(0, limit);
const ix = contentIndex(ds.items);
const ix1 = contentIndex(
  ds.items.map((it) => {
    const b = new Set(textTokens(it.brand ?? ''));
    return { ...it, title: textTokens(it.title ?? '').filter((t) => !b.has(t)).join(' ') };
  }),
);
const levels = ds.items.map((it) => (it.category ?? '').split(/[>|/]/).map((s) => s.trim().toLowerCase()).filter(Boolean));
function catShared(a: number, j: number): number {
  const A = levels[a]!, B = levels[j]!;
  if (!A.length) return 0;
  let k = 0;
  while (k < A.length && k < B.length && A[k] === B[k]) k++;
  return k / A.length;
}
const C = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 1];
function run(users: readonly EvalUser[]) {
  const res: Record<string, number[]> = {};
  const row = new Float64Array(n);
  for (const u of users) {
    const a = u.hist.items[u.hist.items.length - 1]!;
    for (const [name, index] of [['tfidf', ix], ['brand1', ix1]] as const) {
      const cos = index.cosines(index.vector(a));
      for (const c of C) {
        for (let j = 0; j < n; j++) row[j] = cos[j]! + (c ? c * catShared(a, j) : 0);
        (res[`${name} cat ${c}`] ??= []).push(rankOf(row, u.target, null, u.seen));
      }
    }
  }
  return Object.fromEntries(Object.entries(res).map(([k, r]) => [k, rankingMetrics(r)]));
}
const v = run(valid), t = run(test);
for (const k of Object.keys(v)) console.log(`${k.padEnd(18)} valid NDCG@10 ${v[k]!['NDCG@10'].toFixed(4)} HR@10 ${v[k]!['HR@10'].toFixed(4)} | test NDCG@10 ${t[k]!['NDCG@10'].toFixed(4)} HR@10 ${t[k]!['HR@10'].toFixed(4)}`);
