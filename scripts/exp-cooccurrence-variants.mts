/**
 * One-off check: variants of the co-occurrence table inside the content + co-occurrence blend, each with the blend's
 * weight chosen again on validation targets (BLEND_GRID), then test NDCG@10 at that weight (full ranking, history
 * excluded). "bwd l": C = forward + l x backward pairs; "window k decay d": a pair j - i positions apart counts
 * d^(j-i-1), up to k apart; "lift a": each count times (max count / count of the followed item)^a (x10).
 *   npx tsx scripts/exp-cooccurrence-variants.mts DATA
 */
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers } from './lib/evaluate.ts';
import { itemCounts, chooseBlendWeight, cooccurrenceTable, contentIndex, type CooccurrenceTable } from './lib/baselines.ts';
const [data, limit] = [process.argv[2]!, Number(process.argv[3] ?? 1e9)];
const ds = loadDataset(data);
const split = splitLeaveOneOut(ds);
const n = ds.items.length;
const valid = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' }).slice(0, limit);
const test = testUsers(ds, split, { seed: 2020, negatives: 0 }).slice(0, limit);
const ix = contentIndex(ds.items);
const fwd = cooccurrenceTable(split.train, n);
const both = cooccurrenceTable(split.train, n, { ...fwd.opts, symmetric: true });
function mix(l: number): CooccurrenceTable {
  // both = fwd + bwd, so fwd + l * bwd = (1 - l) * fwd + l * both, row by row
  const rows: Map<number, number>[] = [];
  for (let a = 0; a < n; a++) {
    const m = new Map<number, number>();
    for (let e = both.offsets[a]!; e < both.offsets[a + 1]!; e++) m.set(both.cols[e]!, l * both.vals[e]!);
    for (let e = fwd.offsets[a]!; e < fwd.offsets[a + 1]!; e++) m.set(fwd.cols[e]!, (m.get(fwd.cols[e]!) ?? 0) + (1 - l) * fwd.vals[e]!);
    rows.push(m);
  }
  const offsets = new Int32Array(n + 1);
  const cols: number[] = [],
    vals: number[] = [];
  rows.forEach((m, a) => {
    for (const [c, v] of [...m].sort((x, y) => x[0] - y[0]))
      if (v > 0) {
        cols.push(c);
        vals.push(v);
      }
    offsets[a + 1] = cols.length;
  });
  return { n, offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals), opts: fwd.opts };
}
function decayed(win: number, d: number): CooccurrenceTable {
  const rows: Map<number, number>[] = Array.from({ length: n }, () => new Map());
  for (const q of split.train)
    for (let i = 0; i < q.items.length; i++)
      for (let j = i + 1; j <= i + win && j < q.items.length; j++) {
        const a = q.items[i]!,
          b = q.items[j]!;
        if (a !== b) rows[a]!.set(b, (rows[a]!.get(b) ?? 0) + d ** (j - i - 1));
      }
  const offsets = new Int32Array(n + 1);
  const cols: number[] = [],
    vals: number[] = [];
  rows.forEach((m, a) => {
    for (const [c, v] of [...m].sort((x, y) => x[0] - y[0])) {
      cols.push(c);
      vals.push(v);
    }
    offsets[a + 1] = cols.length;
  });
  return { n, offsets, cols: Int32Array.from(cols), vals: Float32Array.from(vals), opts: fwd.opts };
}
const cnt = itemCounts(split.train, n);
function lifted(alpha: number): CooccurrenceTable {
  const vals = Float32Array.from(fwd.vals);
  const m = cnt.reduce((a, b) => Math.max(a, b), 0);
  for (let e = 0; e < vals.length; e++) vals[e] = ((vals[e]! * (m / Math.max(1, cnt[fwd.cols[e]!]!)) ** alpha) / m ** alpha) * 10; // scaled so that the most popular item's counts stay x10
  return { ...fwd, vals };
}
for (const l of [0, 0.25, 0.5, 1]) {
  const table = l === 0 ? fwd : mix(l);
  const v = chooseBlendWeight(ds.items, split.train, valid, { index: ix, table });
  const t = chooseBlendWeight(ds.items, split.train, test, { index: ix, table }, [v.weight]);
  console.log(`bwd ${l}: valid w ${v.weight} NDCG@10 ${v.validNdcg10.toFixed(4)} | test at that w ${t.validNdcg10.toFixed(4)}`);
}
for (const [win, d] of [
  [3, 0.7],
  [3, 0.5],
  [5, 1],
  [5, 0.7],
  [5, 0.5],
  [8, 0.6],
] as const) {
  const table = decayed(win, d);
  const v = chooseBlendWeight(ds.items, split.train, valid, { index: ix, table });
  const t = chooseBlendWeight(ds.items, split.train, test, { index: ix, table }, [v.weight]);
  console.log(
    `window ${win} decay ${d}: valid w ${v.weight} NDCG@10 ${v.validNdcg10.toFixed(4)} | test at that w ${t.validNdcg10.toFixed(4)}`,
  );
}
for (const al of [0.1, 0.25, 0.5]) {
  const table = lifted(al);
  const v = chooseBlendWeight(ds.items, split.train, valid, { index: ix, table });
  const t = chooseBlendWeight(ds.items, split.train, test, { index: ix, table }, [v.weight]);
  console.log(`lift ${al}: valid w ${v.weight} NDCG@10 ${v.validNdcg10.toFixed(4)} | test at that w ${t.validNdcg10.toFixed(4)}`);
}
