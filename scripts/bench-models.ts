/**
 * Compute cost of one uncached ranking per shipped model, in Node on tfjs wasm (the worker's fallback
 * backend): a 50-event history and 48 candidates, the serving code the worker runs (src/model/predict.ts for
 * the transformers, src/model/pair-predict.ts for the pair model: pair features in JS, the network in tfjs;
 * a fresh scorer each run, so its IDF is that of the call's items, as in a worker's first ranking;
 * src/model/hybrid-predict.ts for a hybrid: a fresh scorer each run, nothing cached or tokenized yet).
 * Prints p50 ms and the ratio to the default model: read ratios, the machine is shared.
 *
 *   npx tsx scripts/bench-models.ts [--runs 40]
 */
import { readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { scoreItems } from '../src/model/predict.ts';
import { headArrays } from '../src/model/head.ts';
import { createHybridScorer, type HybridScorer } from '../src/model/hybrid-predict.ts';
import { isPairModel } from '../src/model/io.ts';
import { createPairScorer } from '../src/model/pair-scorer.ts';
import type { HistoryEntry, ItemFeatures } from '../src/shared/types.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const { values: a } = parseArgs({ options: { runs: { type: 'string', default: '40' } } });
const runs = Number(a.runs);
if (!Number.isInteger(runs) || runs < 3) throw new Error(`--runs: expected an integer of at least 3, got ${a.runs}`);
await setupTf('wasm');
const item = (i: number): ItemFeatures => ({
  id: String(1 + ((i * 7919) % 12000)),
  title: `Hydrating Serum Nr ${i} with Vitamin C`,
  brand: `Brand ${i % 30}`,
  category: 'Beauty > Skin Care > Face > Serums',
  price: 5 + (i % 60),
});
const t0 = Date.UTC(2026, 0, 1);
const history: HistoryEntry[] = Array.from({ length: 50 }, (_, i) => ({
  item: item(i),
  type: i % 5 === 0 ? 'add_to_cart' : 'select_item',
  ts: t0 + i * 60e3,
}));
const candidates = Array.from({ length: 48 }, (_, i) => item(100 + i));
const rows: [string, number][] = [];
for (const dir of readdirSync('public/models').sort()) {
  if (!existsSync(join('public/models', dir, 'model.json'))) continue;
  const model = await readAnyModel(join('public/models', dir));
  const times: number[] = [];
  const warm: number[] = [];
  /** A hybrid's transformer alone (predict.ts), timed beside it: what its plain parts add. */
  const alone: number[] = [];
  const hybrid = !isPairModel(model) && model.hybrid ? { ...model, hybrid: model.hybrid } : null;
  const head = hybrid ? await headArrays(model.weights) : null;
  const kept: { score(h: HistoryEntry[], c: ItemFeatures[], now: number): Promise<unknown> } | null = isPairModel(model)
    ? createPairScorer(model, model.index)
    : hybrid
      ? ((s: HybridScorer) => ({ score: (h: HistoryEntry[], c: ItemFeatures[], now: number) => s.score(h, c, now, head!) }))(
          createHybridScorer(hybrid),
        )
      : null;
  for (let r = 0; r < runs + 3; r++) {
    const start = performance.now();
    if (isPairModel(model)) await createPairScorer(model, model.index).score(history, candidates, t0 + 3600e3);
    else if (hybrid) await createHybridScorer(hybrid).score(history, candidates, t0 + 3600e3, head!);
    else await scoreItems(model, history, candidates, t0 + 3600e3);
    if (r >= 3) times.push(performance.now() - start);
    if (hybrid) {
      const t = performance.now();
      await scoreItems(hybrid, history, candidates, t0 + 3600e3);
      if (r >= 3) alone.push(performance.now() - t);
    }
    if (kept) {
      // The same scorer again: the pair model's items tokenized and compiled once (their IDF has not changed), a hybrid's
      // vectors cached (the worker's case when it ranks items again).
      const again = performance.now();
      await kept.score(history, candidates, t0 + 3600e3);
      if (r >= 3) warm.push(performance.now() - again);
    }
  }
  times.sort((x, y) => x - y);
  warm.sort((x, y) => x - y);
  alone.sort((x, y) => x - y);
  let what: string;
  if (isPairModel(model)) {
    const c = model.manifest.config;
    what = `pair model, ${c.hidden.join('x')}, reads ${c.maxLen} events`;
  } else {
    const c = model.manifest.config;
    what = `d=${c.d}, ${c.blocks} block${c.blocks > 1 ? 's' : ''}, ${model.vocab ? 'ids + text' : 'text only'}${model.hybrid ? ', hybrid' : ''}`;
  }
  rows.push([`${dir} (${what})`, times[Math.floor(times.length / 2)]!]);
  if (alone.length) rows.push([`${dir}: its transformer alone (predict.ts)`, alone[Math.floor(alone.length / 2)]!]);
  if (warm.length)
    rows.push([`${dir} again, ${hybrid ? 'its vectors cached' : 'its items already compiled'}`, warm[Math.floor(warm.length / 2)]!]);
}
const base = rows.find(([name]) => name.startsWith('default'))?.[1] ?? rows[0]![1];
console.log(`one uncached ranking, 50-event history, 48 candidates, tfjs wasm in Node, p50 of ${runs} runs:`);
for (const [name, ms] of rows) console.log(`${name.padEnd(52)} ${ms.toFixed(2).padStart(7)} ms   x${(ms / base).toFixed(2)} of default`);
