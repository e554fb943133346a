/**
 * One-off check (issue 10, round 25): signals the blend lacks, from the shop's own logs, at a coarser grain than items:
 *  pop   p * ln(1 + count_j) / ln(1 + max count)            (popularity, which the blend uses only to break ties)
 *  leaf  g * ln(1 + n * sum_k W_k P(leaf_j | leaf_hk) P(j | leaf_j))   (category-leaf transitions, backed off to items)
 *  brand b * ln(1 + n * sum_k W_k P(brand_j | brand_hk) P(j | brand_j))
 * P(B | A): pairs within 3 positions forward in the training sequences (as the co-occurrence table), add-one smoothed
 * over the groups; P(j | G) = (count_j + 1) / sum over G's items of (count + 1).
 *   npx tsx scripts/exp-backoff.mts DATA [LIMIT]
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
const popF = Float64Array.from(counts, (c) => Math.log1p(c) / Math.log1p(max));

function groups(key: (i: number) => string | undefined) {
  const ids = new Map<string, number>();
  const of = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    const k = key(i);
    if (!k) continue;
    if (!ids.has(k)) ids.set(k, ids.size);
    of[i] = ids.get(k)!;
  }
  const G = ids.size;
  const T = new Float64Array(G * G);
  for (const s of split.train) {
    const it = s.items;
    for (let a = 0; a < it.length; a++)
      for (let d = 1; d <= 3 && a + d < it.length; d++) {
        const ga = of[it[a]!]!, gb = of[it[a + d]!]!;
        if (ga >= 0 && gb >= 0) T[ga * G + gb]! += 1;
      }
  }
  for (let a = 0; a < G; a++) {
    let tot = 0;
    for (let b = 0; b < G; b++) tot += T[a * G + b]! + 1;
    for (let b = 0; b < G; b++) T[a * G + b] = (T[a * G + b]! + 1) / tot;
  }
  const gtot = new Float64Array(G);
  for (let i = 0; i < n; i++) if (of[i]! >= 0) gtot[of[i]!]! += counts[i]! + 1;
  const inG = Float64Array.from({ length: n }, (_, i) => (of[i]! >= 0 ? (counts[i]! + 1) / gtot[of[i]!]! : 0));
  return { of, T, G, inG };
}
const leaf = groups((i) => ds.items[i]!.category);
const brand = groups((i) => ds.items[i]!.brand?.toLowerCase());
console.log(`${leaf.G} leaves, ${brand.G} brands`);
function groupScore(g: ReturnType<typeof groups>, hist: [number, number][], out: Float64Array) {
  out.fill(0);
  for (let j = 0; j < n; j++) {
    const gj = g.of[j]!;
    if (gj < 0) continue;
    let s = 0;
    for (const [a, w] of hist) {
      const ga = g.of[a]!;
      if (ga >= 0) s += w * g.T[ga * g.G + gj]!;
    }
    out[j] = Math.log1p(n * s * g.inG[j]!);
  }
}
type Cfg = { w: number; p: number; g: number; b: number };
const P = [0, 0.05, 0.1, 0.2, 0.4];
const Gs = [0, 0.02, 0.05, 0.1, 0.2];
const cfgs: Cfg[] = [];
for (const w of BLEND_GRID) for (const p of P) for (const g of Gs) for (const b of Gs) if ([p, g, b].filter((x) => x > 0).length <= 1 || w >= 1) cfgs.push({ w, p, g, b });
function ranks(users: readonly EvalUser[]): Int32Array[] {
  const out = cfgs.map(() => new Int32Array(users.length));
  const content = new Float64Array(n);
  const co = new Float64Array(n);
  const lf = new Float64Array(n);
  const br = new Float64Array(n);
  const row = new Float64Array(n);
  users.forEach((u, ui) => {
    content.set(tie);
    co.fill(0);
    const hist = lastItems(u.hist.items);
    for (const [a, w] of hist) {
      addContentSimilarities(ix, a, w, content);
      for (let e = table.offsets[a]!; e < table.offsets[a + 1]!; e++) co[table.cols[e]!]! += w * table.vals[e]!;
    }
    for (let j = 0; j < n; j++) co[j] = Math.log1p(co[j]!) / 3;
    groupScore(leaf, hist, lf);
    groupScore(brand, hist, br);
    cfgs.forEach((c, ci) => {
      for (let j = 0; j < n; j++) row[j] = content[j]! + c.w * co[j]! + c.p * popF[j]! + c.g * lf[j]! + c.b * br[j]!;
      out[ci]![ui] = rankOf(row, u.target, null, u.seen);
    });
  });
  return out;
}
const v = ranks(valid);
const t = ranks(test);
const m = (r: Int32Array) => rankingMetrics(Array.from(r));
console.log(`${data}: ${n} items, ${valid.length} valid / ${test.length} test users, ${cfgs.length} configs, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
const pct = (a: number, b: number) => `${(((a - b) / b) * 100).toFixed(1)}%`;
const vm = v.map((r) => m(r)['NDCG@10']);
function best(pred: (c: Cfg) => boolean) {
  let b = -1, s = -1;
  cfgs.forEach((c, i) => {
    if (pred(c) && vm[i]! > s) [b, s] = [i, vm[i]!];
  });
  return b;
}
const base = best((c) => c.p === 0 && c.g === 0 && c.b === 0);
const tb = m(t[base]!);
const show = (name: string, i: number) => {
  const tt = m(t[i]!);
  const c = cfgs[i]!;
  console.log(`${name.padEnd(14)} w ${c.w} p ${c.p} g ${c.g} b ${c.b}: valid ${vm[i]!.toFixed(4)} | test NDCG@10 ${tt['NDCG@10'].toFixed(4)} HR@10 ${tt['HR@10'].toFixed(4)} (${pct(tt['NDCG@10'], tb['NDCG@10'])} / ${pct(tt['HR@10'], tb['HR@10'])})`);
};
show('blend', base);
for (const p of P.slice(1)) show(`pop ${p}`, best((c) => c.p === p && c.g === 0 && c.b === 0));
for (const g of Gs.slice(1)) show(`leaf ${g}`, best((c) => c.g === g && c.p === 0 && c.b === 0));
for (const b of Gs.slice(1)) show(`brand ${b}`, best((c) => c.b === b && c.p === 0 && c.g === 0));
show('all, chosen', best(() => true));
