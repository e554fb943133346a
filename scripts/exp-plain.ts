// Experiment (issue 10, shop-trained models on small catalogs): the hybrid's plain parts (content, co-occurrence,
// kNN, no transformer) on validation and test targets, with a popularity part beside them: all training counts, or
// RECENT=k counts of each training sequence's newest k items. npx tsx scripts/exp-plain.ts DIR
import { loadDataset, splitLeaveOneOut, catalogItems } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { buildHybridFiles, plainCatalog, plainRows } from './lib/hybrid.ts';
import { itemCounts } from './lib/baselines.ts';
import { rankingMetrics } from './lib/metrics.ts';
import { baselineRows, formatRows } from './lib/standing.ts';

const dir = process.argv[2]!;
const ds = loadDataset(dir);
const split = splitLeaveOneOut(ds);
const train = split.train.filter((s) => s.items.length >= 2);
const n = ds.items.length;
const seen = new Set<number>();
for (const s of train) for (const i of s.items) seen.add(i);
const vocab: number[] = [];
const idRow = new Int32Array(n);
for (let i = 0; i < n; i++) if (seen.has(i)) idRow[i] = vocab.push(i);
const cat = catalogItems(ds);
const tables = await buildHybridFiles(ds.items, train, (i) => idRow[i]!, vocab.length + 1, undefined, undefined, cat);
const pc = plainCatalog(ds.items, tables.tables, tables.config.last);
const test = testUsers(ds, split, { seed: 2020, negatives: 0 });
const valid = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' });
console.log(formatRows(baselineRows(ds.items, split.train, test, valid, cat).rows));
const recent = process.env.RECENT ? Number(process.env.RECENT) : 0;
const pop = itemCounts(recent ? split.train.map((s) => ({ ...s, items: s.items.slice(-recent) })) : split.train, n);
const lp = Float64Array.from(pop, (c) => Math.log1p(c));
const maxLp = Math.max(...lp);
const grid = (process.env.GRID ?? 'wide') === 'wide';
const points: [string, number, number, number, number][] = [];
for (const c of grid ? [0.5, 0.667, 1, 1.333] : [0.667, 1])
  for (const k of grid ? [0, 0.25, 0.5] : [0])
    for (const p of grid ? [0, 1e-6, 0.01, 0.02, 0.05] : [0, 1e-6, 0.02, 0.05, 0.1, 0.2, 0.4])
      points.push([`c ${c} knn ${k} pop ${p}`, 1, c, k, p]);
function ranks(users: typeof test) {
  const out = points.map(() => [] as number[]);
  const content = new Float64Array(n),
    cooc = new Float64Array(n),
    knn = new Float64Array(n),
    s = new Float64Array(n);
  for (const u of users) {
    plainRows(pc, u.hist.items, content, cooc, knn);
    points.forEach(([, wc, wo, wk, wp], g) => {
      for (let j = 0; j < n; j++) s[j] = wc * content[j]! + wo * cooc[j]! + wk * knn[j]! + (wp * lp[j]!) / maxLp;
      const t = s[u.target]!;
      let r = 0;
      for (let j = 0; j < n; j++) if (j !== u.target && !u.seen.has(j) && s[j]! >= t) r++;
      out[g]!.push(r);
    });
  }
  return out.map((r) => rankingMetrics(r));
}
const V = ranks(valid),
  T = ranks(test);
points.forEach(([name], g) =>
  console.log(
    `${name.padEnd(28)} valid ${V[g]!['NDCG@10'].toFixed(4)} ${V[g]!['HR@10'].toFixed(4)}  test ${T[g]!['NDCG@10'].toFixed(4)} ${T[g]!['HR@10'].toFixed(4)}`,
  ),
);
