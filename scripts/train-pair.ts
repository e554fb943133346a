/**
 * Trains the pair model (src/model/pair-scorer.ts): the default model, which scores items of any catalog
 * from how they relate to the shopper's history, never from their ids or words.
 *
 *   npm run train:pair -- --data ../shared/data/beauty --extra-data .cache/sim --hold-out "Hair Care,Fragrance" \
 *     --out public/models/default --id default
 *
 * Every dataset trains on its leave-one-out training part (each user's last two events stay out), with
 * the items of the --hold-out top-level categories removed from the sequences, the negatives and the IDF
 * (the transfer view of `npm run eval -- --transfer` evaluates on them). Validation: full-ranking NDCG@10
 * on the first dataset's validation targets outside the held-out categories. Keeps the best epoch.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pairCatalog, pairPostings } from '../src/model/pair-features.ts';
import { GRAMS_WEIGHT, PAIR_DEFAULTS, type PairConfig } from '../src/model/pair-scorer.ts';
import { termStats } from '../src/model/text.ts';
import { writeModel } from '../src/model/train/model-files.ts';
import { pairData, PairTrainer, scorePairCatalog, type PairData } from '../src/model/train/pair-trainer.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';
import type { Sequence } from '../src/model/train/trainer.ts';
import { dropItems } from './lib/baselines.ts';
import { heldOutItems, loadDataset, splitLeaveOneOut, type Dataset } from './lib/data.ts';
import { rankOf, rankingMetrics } from './lib/metrics.ts';
import * as tf from '@tensorflow/tfjs-core';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    'extra-data': { type: 'string', multiple: true },
    'hold-out': { type: 'string', default: '' },
    out: { type: 'string' },
    id: { type: 'string', default: 'default' },
    epochs: { type: 'string', default: '50' },
    minutes: { type: 'string', default: '0' },
    patience: { type: 'string', default: '4' },
    lr: { type: 'string', default: '0.001' },
    positions: { type: 'string', default: '128' },
    negatives: { type: 'string', default: '32,32,0' },
    top: { type: 'string', default: '100' },
    hidden: { type: 'string', default: '24,12' },
    'max-len': { type: 'string', default: '12' },
    'valid-users': { type: 'string', default: '1000' },
    seed: { type: 'string', default: '42' },
    quiet: { type: 'boolean', default: false },
  },
});

function num(name: keyof typeof a): number {
  const v = Number(a[name]);
  if (a[name] === undefined || !Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${JSON.stringify(a[name])}`);
  return v;
}

function ints(name: keyof typeof a, n: number): number[] {
  const v = String(a[name]).split(',').map(Number);
  if (v.length !== n || !v.every((x) => Number.isInteger(x) && x >= 0))
    throw new Error(`--${name}: expected ${n} comma-separated whole numbers, got ${JSON.stringify(a[name])}`);
  return v;
}

function log(msg: string): void {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${msg}`);
}

async function main(): Promise<void> {
  if (!a.data || !a.out) throw new Error('usage: npm run train:pair -- --data DIR [--extra-data DIR] [--hold-out "Cat,Cat"] --out DIR');
  const backend = await setupTf();
  const seed = num('seed');
  const holdOut = a['hold-out']!.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const [h1, h2] = ints('hidden', 2) as [number, number];
  const [uniform, near, samePath] = ints('negatives', 3) as [number, number, number];
  const cfg: PairConfig = { ...PAIR_DEFAULTS, hidden: [h1, h2], maxLen: num('max-len') };

  const data: PairData[] = [];
  let valid: { ds: Dataset; users: { hist: Sequence; target: number }[]; held: Set<number>; d: PairData } | null = null;
  for (const dir of [a.data, ...(a['extra-data'] ?? [])]) {
    const ds = loadDataset(dir);
    const split = splitLeaveOneOut(ds);
    const held = heldOutItems(ds.items, holdOut);
    const seqs = split.train.map((s) => dropItems(s, held)).filter((s) => s.items.length >= 2);
    const allowed = Int32Array.from(ds.items.keys()).filter((i) => !held.has(i));
    // IDF from the catalog without the held-out items: their words stay unseen.
    const cat = pairCatalog(ds.items, termStats(ds.items.filter((_, i) => !held.has(i))));
    const t0 = Date.now();
    const d = pairData(ds.name, cat, pairPostings(cat), seqs, allowed);
    data.push(d);
    log(
      `${dir}: ${ds.users.length} users, ${ds.items.length} items (${held.size} held out: ${holdOut.join(', ') || 'none'}), ${seqs.length} training sequences (prepared in ${((Date.now() - t0) / 1000).toFixed(0)} s)`,
    );
    if (!valid) {
      const users = split.valid
        .filter((v) => !held.has(v.target))
        .map((v) => ({ hist: dropItems(v.hist, held), target: v.target }))
        .filter((v) => v.hist.items.length > 0)
        .slice(0, num('valid-users'));
      valid = { ds, users, held, d };
    }
  }
  const trainer = new PairTrainer(cfg, data, {
    lr: num('lr'),
    uniform,
    near,
    samePath,
    top: num('top'),
    positions: num('positions'),
    seed,
  });
  const params = Object.values(trainer.vars).reduce((s, v) => s + v.size, 0);
  log(
    `pair model: ${cfg.features} features, hidden ${cfg.hidden.join('x')}, maxLen ${cfg.maxLen}, ${params} parameters; ${trainer.size} training positions; negatives ${uniform} uniform + ${near} from the TF-IDF top ${a.top} + ${samePath} same category; backend ${backend}`,
  );

  const v = valid!;
  const post = v.d.post;
  const validate = (): number => {
    const ranks: number[] = [];
    const w = trainer.vars;
    for (let i = 0; i < v.users.length; i += 32) {
      const part = v.users.slice(i, i + 32);
      const scores = scorePairCatalog(
        w,
        cfg,
        v.d.cat,
        post,
        part.map((u) => u.hist),
        part.map(() => null),
      );
      part.forEach((u, b) => {
        const row = scores.subarray(b * v.d.cat.n, (b + 1) * v.d.cat.n);
        for (const h of v.held) row[h] = -Infinity;
        ranks.push(rankOf(row, u.target, null, new Set(u.hist.items)));
      });
    }
    return rankingMetrics(ranks)['NDCG@10'];
  };

  const P = num('positions');
  const epochs = num('epochs');
  const budget = num('minutes') * 60e3;
  const t0 = Date.now();
  // The untrained model is the content baseline (pair-scorer.ts pairInitWeights): training keeps it unless an epoch beats it.
  const ndcg0 = validate();
  let best = { ndcg: ndcg0, epoch: -1, weights: trainer.weights() };
  log(
    `untrained (the content baseline through the skip path: TF-IDF + ${GRAMS_WEIGHT} x title trigram cosine): valid NDCG@10 ${ndcg0.toFixed(4)} on ${v.users.length} users`,
  );
  for (let epoch = 0; epoch < epochs; epoch++) {
    trainer.reseed(seed * 1000 + epoch);
    const order = trainer.epochOrder();
    const te = Date.now();
    let loss = 0;
    let steps = 0;
    for (let s = 0; s + P <= order.length; s += P) {
      loss += trainer.step(order.subarray(s, s + P));
      steps++;
      if (!a.quiet && steps % 20 === 0)
        process.stderr.write(
          `\repoch ${epoch + 1}: ${steps}/${Math.floor(order.length / P)} loss ${(loss / steps).toFixed(4)} ${((Date.now() - te) / 1000).toFixed(0)} s   `,
        );
      if (budget && Date.now() - t0 > budget) break;
    }
    if (!a.quiet) process.stderr.write('\n');
    const tv = Date.now();
    const ndcg = validate();
    const improved = ndcg > best.ndcg;
    if (improved) best = { ndcg, epoch, weights: trainer.weights() };
    log(
      `epoch ${epoch + 1}: loss ${(loss / steps).toFixed(4)} (${steps} steps, ${((tv - te) / 1000).toFixed(0)} s), valid NDCG@10 ${ndcg.toFixed(4)} on ${v.users.length} users${improved ? ' (best)' : ''} (${((Date.now() - tv) / 1000).toFixed(0)} s), total ${((Date.now() - t0) / 60e3).toFixed(1)} min`,
    );
    if (epoch - best.epoch >= num('patience')) {
      log(`stopping: no improvement for ${a.patience} epochs`);
      break;
    }
    if (budget && Date.now() - t0 > budget) {
      log(`stopping: time budget of ${a.minutes} min reached`);
      break;
    }
  }
  const meta = {
    id: a.id!,
    version: new Date().toISOString().slice(0, 10).replaceAll('-', '') + '.' + (best.epoch + 1),
    config: cfg,
    training: {
      data: data[0]!.name,
      extraData: a['extra-data'] ?? [],
      heldOut: holdOut,
      epochs: best.epoch + 1,
      minutes: Number(((Date.now() - t0) / 60e3).toFixed(1)),
      seed,
      lr: num('lr'),
      positions: P,
      negatives: { uniform, near, samePath, top: num('top') },
      validNdcg10: Number(best.ndcg.toFixed(4)),
      validUsers: v.users.length,
    },
  };
  const { bytes } = await writeModel(a.out, meta, best.weights, null, { embeddings: 'none', dense: 'none' });
  log(`saved ${join(a.out, 'model.json')} (${bytes} bytes of weights), best epoch ${best.epoch + 1}`);
  trainer.dispose();
  tf.disposeVariables();
}

main().catch((err: Error) => {
  console.error(`train:pair: ${err.message}`);
  process.exit(1);
});
