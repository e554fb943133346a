/**
 * One-off experiment 12: a shopper profile (the share of the candidate's brand and categories in the whole history)
 * added to the default model's scores, on bench:learning's grids (same users, seed and grids; no fine-tuning).
 *   npx tsx scripts/exp-profile.ts --data DIR
 */
import { parseArgs } from 'node:util';
import { isPairModel } from '../src/model/io.ts';
import { createPairScorer } from '../src/model/pair-scorer.ts';
import { termStats } from '../src/model/text.ts';
import { rng } from '../src/model/rng.ts';
import type { HistoryEntry, ItemFeatures } from '../src/shared/types.ts';
import { loadDataset } from './lib/data.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const { values: a } = parseArgs({ options: { data: { type: 'string' }, users: { type: 'string', default: '400' } } });
const BUCKETS = [
  [5, 9],
  [10, 14],
  [15, 24],
  [25, Infinity],
];
const GRID = 24;
function ndcgOfFirst(scores: ArrayLike<number>): number {
  let rank = 1;
  for (let i = 1; i < scores.length; i++) rank += scores[i]! > scores[0]! ? 1 : scores[i] === scores[0] ? 0.5 : 0;
  return rank <= 10 ? 1 / Math.log2(rank + 1) : 0;
}
const levels = (c?: string) => (c ?? '').split(/\s*>\s*/).filter(Boolean);
/** Profile terms of a candidate against the whole history: brand share, top-level share, leaf share, path-prefix share. */
function profile(history: HistoryEntry[], it: ItemFeatures): number[] {
  const h = history.slice(-Number(process.env.PROFILE_LEN ?? 50));
  const n = h.length || 1;
  const lv = levels(it.category);
  let brand = 0,
    top = 0,
    leaf = 0,
    deep = 0;
  for (const e of h) {
    const el = levels(e.item.category);
    if (it.brand && e.item.brand === it.brand) brand++;
    if (lv[0] && el[0] === lv[0]) top++;
    if (lv.length && el.join('>') === lv.join('>')) leaf++;
    let k = 0;
    while (k < lv.length && el[k] === lv[k]) k++;
    deep += lv.length ? k / lv.length : 0;
  }
  return [brand / n, top / n, leaf / n, deep / n];
}

async function main() {
  await setupTf('wasm');
  const model = await readAnyModel('public/models/default');
  if (!isPairModel(model)) throw new Error('pair model expected');
  const ds = loadDataset(a.data!);
  const scorer = createPairScorer(model, termStats(ds.items));
  const r = rng(7);
  const perBucket = Math.ceil(Number(a.users) / BUCKETS.length);
  const sample: number[] = [];
  for (const [lo, hi] of BUCKETS) {
    const pool = ds.users.flatMap((u, i) => (u.seq.items.length >= lo! && u.seq.items.length <= hi! ? [i] : []));
    for (let k = 0; k < perBucket && pool.length > 0; k++) sample.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!);
  }
  const variants: [string, number[]][] = [['base', [0, 0, 0, 0, 0, 0]]];
  for (const c of [0.2, 0.4, 0.8]) {
    variants.push(
      [`brand+path ${c}`, [c, 0, 0, c, 0, 0]],
      [`pooled brand+cat ${c}`, [0, 0, 0, 0, c, c]],
      [`pooled brand ${c}`, [0, 0, 0, 0, c, 0]],
    );
  }
  const perUser: { events: number; nd: number[] }[] = [];
  for (const u of sample) {
    const seq = ds.users[u]!.seq.items;
    const own = new Set(seq);
    const history: HistoryEntry[] = [];
    const sums = variants.map(() => 0);
    let steps = 0;
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    for (let t = 0; t < seq.length; t++) {
      const now = t0 + t * 120_000;
      const grid: ItemFeatures[] = [ds.items[seq[t]!]!];
      const inGrid = new Set([seq[t]!]);
      while (grid.length < GRID) {
        const i = Math.floor(r() * ds.items.length);
        if (own.has(i) || inGrid.has(i)) continue;
        inGrid.add(i);
        grid.push(ds.items[i]!);
      }
      if (history.length > 0) {
        const parts = (await scorer.parts(history, grid, now))!;
        const b = parts.base;
        const F = 17;
        const prof = grid.map((it, j) => [...profile(history, it), parts.pooled[j * F + 5]!, parts.pooled[j * F + 7]!]);
        variants.forEach(([, w], vi) => {
          const s = Array.from(b, (x, j) => x + w.reduce((acc, wk, k) => acc + wk * prof[j]![k]!, 0));
          sums[vi]! += ndcgOfFirst(s);
        });
        steps++;
      }
      grid.forEach(() => r()); // the bench's shuffle
      history.push({ item: grid[0]!, type: 'select_item', ts: now + 1000 });
    }
    perUser.push({ events: seq.length, nd: sums.map((x) => x / Math.max(1, steps)) });
  }
  console.log(`${perUser.length} users, grid ${GRID}, default model, shipped head; gain over base per bucket`);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const header = BUCKETS.map(([lo, hi]) => `${lo}-${hi === Infinity ? '' : hi}`.padStart(14)).join('');
  console.log(`${'variant'.padEnd(18)}${header}`);
  variants.forEach(([name], vi) => {
    const cells = BUCKETS.map(([lo, hi]) => {
      const rs = perUser.filter((x) => x.events >= lo! && x.events <= hi!);
      const base = mean(rs.map((x) => x.nd[0]!));
      const v = mean(rs.map((x) => x.nd[vi]!));
      return `${v.toFixed(4)} ${(((v - base) / base) * 100).toFixed(1).padStart(5)}%`.padStart(14);
    });
    console.log(`${name.padEnd(18)}${cells.join('')}`);
  });
}
main();
