/**
 * One-off check: co-occurrence smoothed through content neighbours, inside the blend, on small catalogs.
 *  A "follows-like": cooc'(h, j) = cooc(h, j) + l * sum_{i in topK content neighbours of h, i != h} cos(h, i) cooc(i, j)
 *     (what followed items like h), summed over the newest 3 with 1, 1/2, 1/4 as the blend does.
 *  B "like-follows": + c * sum_k W_k sum_i cooc(h_k, i) cos(i, j) / sum_i cooc(h_k, i) (content similarity to what
 *     followed h: the average follower's neighbours).
 * Weights chosen on validation NDCG@10 with the blend weight w from BLEND_GRID; test at that choice.
 *   npx tsx scripts/exp-smoothed-cooc.mts DATA [LIMIT]
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers, type EvalUser } from './lib/evaluate.ts';
import { itemCounts, cooccurrenceTable, contentIndex, addContentSimilarities, lastItems, BLEND_GRID } from './lib/baselines.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
const [data, limit] = [process.argv[2]!, Number(process.argv[3] ?? 1e9)];
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
const K = Number(process.env['K'] ?? 10);
const cosRow = new Map<number, Float64Array>();
function cosOf(h: number): Float64Array {
  let r = cosRow.get(h);
  if (!r) {
    r = new Float64Array(n);
    addContentSimilarities(ix, h, 1, r);
    cosRow.set(h, r);
  }
  return r;
}
function topK(h: number): [number, number][] {
  const r = cosOf(h);
  const out: [number, number][] = [];
  for (let i = 0; i < n; i++) if (i !== h && r[i]! > 0) out.push([i, r[i]!]);
  out.sort((a, b) => b[1] - a[1]);
  return out.slice(0, K);
}
const smoothed = new Map<number, Map<number, number>>();
function follows(h: number): Map<number, number> {
  let m = smoothed.get(h);
  if (!m) {
    m = new Map();
    for (const [i, s] of topK(h)) for (let e = table.offsets[i]!; e < table.offsets[i + 1]!; e++) m.set(table.cols[e]!, (m.get(table.cols[e]!) ?? 0) + s * table.vals[e]!);
    smoothed.set(h, m);
  }
  return m;
}
const likeRow = new Map<number, Float64Array>();
function likeFollows(h: number): Float64Array {
  let r = likeRow.get(h);
  if (!r) {
    r = new Float64Array(n);
    let tot = 0;
    for (let e = table.offsets[h]!; e < table.offsets[h + 1]!; e++) tot += table.vals[e]!;
    for (let e = table.offsets[h]!; e < table.offsets[h + 1]!; e++) addContentSimilarities(ix, table.cols[e]!, table.vals[e]! / tot, r);
    likeRow.set(h, r);
  }
  return r;
}
const L = [0, 0.1, 0.25, 0.5, 1];
const C = [0, 0.25, 0.5, 1];
type Cfg = { l: number; c: number; w: number };
const cfgs: Cfg[] = [];
for (const l of L) for (const c of C) for (const w of BLEND_GRID) cfgs.push({ l, c, w });
function ranks(users: readonly EvalUser[]): number[][] {
  const out = cfgs.map(() => [] as number[]);
  const content = new Float64Array(n);
  const like = new Float64Array(n);
  const row = new Float64Array(n);
  for (const u of users) {
    content.set(tie);
    like.fill(0);
    const plain = new Map<number, number>();
    const smooth = new Map<number, number>();
    for (const [a, w] of lastItems(u.hist.items)) {
      addContentSimilarities(ix, a, w, content);
      for (let e = table.offsets[a]!; e < table.offsets[a + 1]!; e++) plain.set(table.cols[e]!, (plain.get(table.cols[e]!) ?? 0) + w * table.vals[e]!);
      for (const [j, s] of follows(a)) smooth.set(j, (smooth.get(j) ?? 0) + w * s);
      const lf = likeFollows(a);
      for (let j = 0; j < n; j++) like[j]! += w * lf[j]!;
    }
    const keys = new Set([...plain.keys(), ...smooth.keys()]);
    cfgs.forEach((cfg, ci) => {
      for (let j = 0; j < n; j++) row[j] = content[j]! + cfg.c * like[j]!;
      for (const j of keys) row[j]! += (cfg.w * Math.log1p((plain.get(j) ?? 0) + cfg.l * (smooth.get(j) ?? 0))) / 3;
      out[ci]!.push(rankOf(row, u.target, null, u.seen));
    });
  }
  return out;
}
const v = ranks(valid);
const t = ranks(test);
const m = (r: number[]) => rankingMetrics(r);
console.log(`${data}: ${n} items, ${valid.length} valid / ${test.length} test users, K ${K}, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
function best(pred: (c: Cfg) => boolean) {
  let b = -1, s = -1;
  cfgs.forEach((c, i) => {
    if (!pred(c)) return;
    const x = m(v[i]!)['NDCG@10'];
    if (x > s) [b, s] = [i, x];
  });
  return b;
}
const base = best((c) => c.l === 0 && c.c === 0);
const tb = m(t[base]!);
const show = (name: string, i: number) => {
  const tt = m(t[i]!);
  console.log(`${name.padEnd(28)} l ${cfgs[i]!.l} c ${cfgs[i]!.c} w ${cfgs[i]!.w}: valid ${m(v[i]!)['NDCG@10'].toFixed(4)} | test NDCG@10 ${tt['NDCG@10'].toFixed(4)} HR@10 ${tt['HR@10'].toFixed(4)} (${pct(tt['NDCG@10'], tb['NDCG@10'])} / ${pct(tt['HR@10'], tb['HR@10'])})`);
};
show('blend', base);
for (const l of L.slice(1)) show(`follows-like l ${l}`, best((c) => c.l === l && c.c === 0));
for (const c of C.slice(1)) show(`like-follows c ${c}`, best((x) => x.l === 0 && x.c === c));
show('both, chosen', best(() => true));
