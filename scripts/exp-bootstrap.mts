import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { testUsers, runScorer, hybridScorer } from './lib/evaluate.ts';
import { baselineSpecs, chooseBlendWeight, contentIndex, cooccurrenceTable } from './lib/baselines.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import type { LoadedModel } from '../src/model/io.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
import { rng } from '../src/model/rng.ts';
await setupTf();
const [data, dir] = process.argv.slice(2) as [string, string];
const ds = loadDataset(data);
const split = splitLeaveOneOut(ds);
const N = ds.items.length;
const test = testUsers(ds, split, { seed: 2020, negatives: 0 });
const valid = testUsers(ds, split, { seed: 2020, negatives: 0, targets: 'valid' });
const any = (await readAnyModel(dir)) as LoadedModel & { bytes: number };
const index = contentIndex(ds.items);
const table = cooccurrenceTable(split.train, N);
const blendW = chooseBlendWeight(ds.items, split.train, valid, { index, table }).weight;
const blendSpec = baselineSpecs(ds.items, blendW).find((b) => b.name.startsWith('tf-idf +'))!;
const ndcg = (r: number) => (r < 10 ? 1 / Math.log2(r + 2) : 0);
const hit = (r: number) => (r < 10 ? 1 : 0);
for (const [name, users] of [
  ['valid', valid],
  ['test', test],
] as const) {
  const h = runScorer(hybridScorer(dir, any.bytes, any, ds.items), users, N, { maxLen: any.manifest.config.features.maxLen }).full;
  const b = runScorer(blendSpec.make(split.train, { index, table }), users, N).full;
  const n = users.length;
  for (const [m, f] of [
    ['NDCG@10', ndcg],
    ['HR@10', hit],
  ] as const) {
    const dh = Array.from(h, f),
      db = Array.from(b, f);
    const mh = dh.reduce((s, x) => s + x, 0) / n,
      mb = db.reduce((s, x) => s + x, 0) / n;
    const r = rng(7);
    const boots: number[] = [];
    for (let k = 0; k < 2000; k++) {
      let sh = 0,
        sb = 0;
      for (let i = 0; i < n; i++) {
        const j = Math.floor(r() * n);
        sh += dh[j]!;
        sb += db[j]!;
      }
      boots.push(sh / sb - 1);
    }
    boots.sort((x, y) => x - y);
    console.log(
      `${name} ${m}: hybrid ${mh.toFixed(4)} blend ${mb.toFixed(4)} rel ${((mh / mb - 1) * 100).toFixed(1)}% 95% CI [${(boots[50]! * 100).toFixed(1)}%, ${(boots[1949]! * 100).toFixed(1)}%]`,
    );
  }
}
