/**
 * One-off check: the content part of the content + co-occurrence blend (and so of the shop-trained hybrid) with the
 * default model's title trigram term: content(j) = sum_k W_k (cos(h_k, j) + g * gramsCos(h_k, j)), W = 1, 1/2, 1/4,
 * plus w * ln(1 + cooc(j)) / 3. (g, w) chosen on validation NDCG@10 from g in G x BLEND_GRID; test at that choice,
 * against the plain blend (g = 0, its w chosen the same way). Full ranking, history excluded.
 *   npx tsx scripts/exp-hybrid-grams.mts DATA [LIMIT]
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers, type EvalUser } from './lib/evaluate.ts';
import { itemCounts, cooccurrenceTable, contentIndex, addContentSimilarities, lastItems, neighbours, BLEND_GRID } from './lib/baselines.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';
import { termStats, itemTerms } from '../src/model/text.ts';
const [data, limit] = [process.argv[2]!, Number(process.argv[3] ?? 1e9)];
const G = [0, 0.25, 0.5, 0.75, 1];
const t0 = Date.now();
const ds = loadDataset(data);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const valid = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' }).slice(0, limit);
const test = testUsers(ds, split, { seed: 2020, negatives: 0 }).slice(0, limit);
const ix = contentIndex(ds.items);
const table = cooccurrenceTable(split.train, n);
const counts = itemCounts(split.train, n);
const max = counts.reduce((m, c) => Math.max(m, c), 0);
const tie = Float64Array.from(counts, (c) => (1e-9 * c) / (max + 1));
const cat = pairCatalog(ds.items, termStats(ds.items, itemTerms));
const post = pairPostings(cat);
function addGrams(h: number, w: number, out: Float64Array): void {
  const r = cat.grams;
  for (let e = r.offsets[h]!; e < r.offsets[h + 1]!; e++) {
    const row = post.grams.row.get(r.ids[e]!)!;
    const wh = w * r.weights[e]!;
    for (let p = post.grams.offsets[row]!; p < post.grams.offsets[row + 1]!; p++) out[post.grams.ids[p]!]! += wh * post.grams.weights[p]!;
  }
}
function ranks(users: readonly EvalUser[]): number[][][] {
  const out = G.map(() => BLEND_GRID.map(() => [] as number[]));
  const content = new Float64Array(n);
  const grams = new Float64Array(n);
  const row = new Float64Array(n);
  for (const u of users) {
    content.set(tie);
    grams.fill(0);
    for (const [a, w] of lastItems(u.hist.items)) {
      addContentSimilarities(ix, a, w, content);
      addGrams(a, w, grams);
    }
    const nb = [...neighbours(table, u.hist.items)];
    G.forEach((g, gi) =>
      BLEND_GRID.forEach((w, wi) => {
        for (let j = 0; j < n; j++) row[j] = content[j]! + g * grams[j]!;
        for (const [j, c] of nb) row[j]! += (w * Math.log1p(c)) / 3;
        out[gi]![wi]!.push(rankOf(row, u.target, null, u.seen));
      }),
    );
  }
  return out;
}
const v = ranks(valid);
const t = ranks(test);
const m = (r: number[]) => rankingMetrics(r);
console.log(`${data}: ${n} items, ${valid.length} valid / ${test.length} test users, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
let plain = { gi: 0, wi: 0, s: -1 };
let best = { gi: 0, wi: 0, s: -1 };
G.forEach((g, gi) => {
  let bw = { wi: 0, s: -1 };
  BLEND_GRID.forEach((_, wi) => {
    const s = m(v[gi]![wi]!)['NDCG@10'];
    if (s > bw.s) bw = { wi, s };
    if (s > best.s) best = { gi, wi, s };
    if (gi === 0 && s > plain.s) plain = { gi, wi, s };
  });
  const tt = m(t[gi]![bw.wi]!);
  console.log(
    `g ${g}: valid w ${BLEND_GRID[bw.wi]} NDCG@10 ${bw.s.toFixed(4)} | test NDCG@10 ${tt['NDCG@10'].toFixed(4)} HR@10 ${tt['HR@10'].toFixed(4)}`,
  );
});
const tp = m(t[plain.gi]![plain.wi]!);
const tb = m(t[best.gi]![best.wi]!);
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
console.log(
  `chosen on validation: g ${G[best.gi]} w ${BLEND_GRID[best.wi]}: test NDCG@10 ${tb['NDCG@10'].toFixed(4)} HR@10 ${tb['HR@10'].toFixed(4)} against the blend's ${tp['NDCG@10'].toFixed(4)} ${tp['HR@10'].toFixed(4)} (${pct(tb['NDCG@10'], tp['NDCG@10'])} / ${pct(tb['HR@10'], tp['HR@10'])})`,
);
