/**
 * One-off experiment, step 2: Universal Sentence Encoder item vectors (scripts/exp-use-embed.ts) added to the shipped
 * default model. Item vector L2-normalized (optionally the catalog mean removed first); score = default(j) + c * sum_k W_k cos(e(h_k), e(j)), W = 1, 1/2, 1/4 over the newest 3.
 */
import { readFileSync } from 'node:fs';
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { pairModelScorer, testUsers } from './lib/evaluate.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { isPairModel } from '../src/model/io.ts';
import { termStats } from '../src/model/text.ts';
import { lastItems } from './lib/baselines.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
await setupTf('wasm');

const args: Record<string, string> = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : []))
    .filter((x) => x.length),
);
const ds = loadDataset(args.data ?? '../shared/data/beauty');
const split = splitLeaveOneOut(ds);
const users = testUsers(ds, split, {
  seed: 2020,
  targets: (args.targets as 'test' | 'valid') ?? 'valid',
  limit: args.users ? Number(args.users) : undefined,
});
const N = ds.items.length;

const D = 512;
function load(file: string, center: boolean): Float32Array {
  const raw = readFileSync(file);
  const E = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  if (center) {
    const mean = new Float64Array(D);
    for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) mean[k]! += E[i * D + k]! / N;
    for (let i = 0; i < N; i++) for (let k = 0; k < D; k++) E[i * D + k]! -= mean[k]!;
  }
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < D; k++) s += E[i * D + k]! ** 2;
    const n = Math.sqrt(s) || 1;
    for (let k = 0; k < D; k++) E[i * D + k]! /= n;
  }
  return E;
}
const stats = termStats(ds.items);
const model = await readAnyModel('public/models/default');
if (!isPairModel(model)) throw new Error('default is not a pair model');
const base = pairModelScorer('default', model.bytes, model.weights, model.manifest.config, ds.items, stats);

// Base scores per user, kept (float32) so each variant only adds its term.
const hc = new Set<number>();
ds.items.forEach((it, i) => /^(Hair Care|Fragrance)/.test(it.category ?? '') && hc.add(i));
console.log(`${users.length} ${args.targets ?? 'valid'} users`);
const baseScores: Float32Array[] = [];
for (let s = 0; s < users.length; s += 64) {
  const b = users.slice(s, s + 64);
  const out = base.score(
    b.map((u) => u.hist),
    b.map((u) => u.now),
  );
  b.forEach((_, k) => baseScores.push(Float32Array.from(out.subarray(k * N, (k + 1) * N))));
}
const cs: number[] = String(args.c ?? '0.05,0.1,0.2,0.4')
  .split(',')
  .map(Number);
const E = load(args.vectors!, args.center === '1');
// per variant: [ndcg, hr, ndcgHCF]
const names = ['default', ...cs.map((c) => `+${c} use`), 'use only'];
const acc = names.map(() => [0, 0, 0]);
let nH = 0;
const row = new Float64Array(N);
const sim = new Float64Array(N);
users.forEach((u, ui) => {
  sim.fill(0);
  for (const [a, w] of lastItems(u.hist.items)) {
    const off = a * D;
    for (let j = 0; j < N; j++) {
      let s = 0;
      const o = j * D;
      for (let k = 0; k < D; k++) s += E[off + k]! * E[o + k]!;
      sim[j]! += w * s;
    }
  }
  const isH = hc.has(u.target);
  if (isH) nH++;
  names.forEach((_, vi) => {
    const c = vi === 0 ? 0 : vi <= cs.length ? cs[vi - 1]! : NaN;
    for (let j = 0; j < N; j++) row[j] = Number.isNaN(c) ? sim[j]! : baseScores[ui]![j]! + c * sim[j]!;
    const t = row[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && row[j]! >= t) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    acc[vi]![0]! += g;
    acc[vi]![1]! += rank < 10 ? 1 : 0;
    if (isH) acc[vi]![2]! += g;
  });
  if (ui % 1000 === 999) console.log(`[${ui + 1} users]`);
});
const b = acc[0]!;
names.forEach((n, vi) => {
  const [nd, hr, h] = acc[vi]!;
  console.log(
    `${n.padEnd(16)} NDCG@10 ${(nd / users.length).toFixed(4)} HR@10 ${(hr / users.length).toFixed(4)} | HC/F NDCG ${(h / nH).toFixed(4)} | ${((nd / b[0]! - 1) * 100).toFixed(1)}% NDCG ${((hr / b[1]! - 1) * 100).toFixed(1)}% HR HC/F ${((h / b[2]! - 1) * 100).toFixed(1)}%`,
  );
});
