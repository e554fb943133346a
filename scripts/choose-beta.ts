/**
 * Chooses the teacher memory's beta on validation targets (never the test ones): full-ranking NDCG@10 and
 * HR@10 of `model + beta * log(1 + co-occurrence count)` for each beta.
 *
 *   npx tsx scripts/choose-beta.ts --data ../shared/data/beauty --model runs/teacher/float [--users 8000] [--betas 0,1,2,3,4,6]
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { catalogVectors, memoryLogit, scoreCatalog } from '../src/model/train/trainer.ts';
import { cooccurrenceTable, neighbours } from './lib/baselines.ts';
import { loadDataset, makeCatalog, splitLeaveOneOut } from './lib/data.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import { readModel } from '../src/model/train/model-files.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    model: { type: 'string' },
    users: { type: 'string', default: '8000' },
    betas: { type: 'string', default: '0,1,2,3,4,6' },
  },
});
if (!a.data || !a.model) throw new Error('usage: npx tsx scripts/choose-beta.ts --data DIR --model DIR [--users N] [--betas 0,1,2]');
await setupTf();
const ds = loadDataset(a.data);
const split = splitLeaveOneOut(ds);
const N = ds.items.length;
const m = await readModel(a.model);
const cfg = m.manifest.config;
const cat = makeCatalog(ds.items, cfg.features, (i) => m.vocab?.get(ds.items[i]!.id) ?? 0);
const table = tf.tidy(() => catalogVectors(m.weights, cfg, cat));
const betas = a.betas.split(',').map(Number);
const co = cooccurrenceTable(split.train, N);
const users = split.valid.slice(0, Number(a.users));
const ranks = betas.map(() => [] as number[]);
for (let i = 0; i < users.length; i += 256) {
  const part = users.slice(i, i + 256);
  const s = scoreCatalog(
    m.weights,
    cfg,
    cat,
    part.map((u) => u.hist),
    undefined,
    table,
  );
  part.forEach((u, b) => {
    const row = s.subarray(b * N, (b + 1) * N);
    const nb = neighbours(co, u.hist.items);
    const seen = new Set(u.hist.items);
    betas.forEach((beta, k) => {
      const comb = Float32Array.from(row);
      for (const [j, c] of nb) comb[j]! += memoryLogit(beta, c);
      ranks[k]!.push(rankOf(comb, u.target, null, seen));
    });
  });
}
console.log(`${a.model} + co-occurrence memory, ${users.length} validation users, full ranking (history excluded):`);
betas.forEach((beta, k) => {
  const r = rankingMetrics(ranks[k]!);
  console.log(`beta ${String(beta).padEnd(4)} NDCG@10 ${r['NDCG@10'].toFixed(4)}  HR@10 ${r['HR@10'].toFixed(4)}`);
});
