/**
 * Evidence for on-device learning: replays real shoppers in time order through the SDK's learning code
 * (src/model/pair-finetune.ts for the pair model, src/model/finetune.ts for the others) and compares next-item
 * NDCG@10 with and without it.
 *
 *   npm run bench:learning -- --data ../shared/data/beauty [--model public/models/default]
 *     [--json FILE] [--users 400] [--every 5] [--grid 24] [--seed 7] [--full]
 *
 * Each step shows the shopper a grid of `--grid` items that holds the true next item (the others are
 * sampled from items the shopper never touches), ranks it with the shipped head and with the head in
 * use, and records NDCG@10 of the true item for both. The shopper then clicks it (select_item) and the
 * other items count as impressions of that list view, as the SDK's tracker stores them. After every
 * `--every` clicks a round runs, as the SDK schedules it; a head is used only once the guardrail
 * accepts it. Users are sampled equally from each history-length bucket; "overall" is the mean over
 * all sampled users, each user weighing the same. The pair model's round (the default's) needs 3 labelled
 * events with a history, the transformer's 8 (5 to train, 3 held out): with a hybrid, shoppers with fewer
 * than 10 events never get one. `--every` is 5, as the SDK's `trainAfterEvents`; a click every 2 minutes,
 * so the SDK's 10-minute `trainIntervalMinutes` holds no round back.
 * Negatives are uniform catalog items, as the bench grids are; a shop's real grids are harder.
 * The pair model (the default) reads the IDF of the whole catalog, as with a catalog index (npm run index).
 * A hybrid (format 4 to 6) is served as the worker serves it: its transformer's head learns, its tables stay.
 * `--full` also ranks each shopper's last item against the whole catalog with the head learned by then and with
 * the shipped one (as recommend()'s placements rank a feed): does a head chosen on grids lose there? Slow: two
 * scorings of every catalog item a shopper.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { finetune, type FinetuneResult } from '../src/model/finetune.ts';
import { headArrays, headTensors, type HeadArrays } from '../src/model/head.ts';
import { isPairModel, type AnyModel } from '../src/model/io.ts';
import { createHybridScorer } from '../src/model/hybrid-predict.ts';
import { finetunePair } from '../src/model/pair-finetune.ts';
import { shippedPairHead } from '../src/model/pair-predict.ts';
import { createPairScorer } from '../src/model/pair-scorer.ts';
import { scoreItems } from '../src/model/predict.ts';
import { termStats } from '../src/model/text.ts';
import { rng } from '../src/model/rng.ts';
import type { HistoryEntry, ItemFeatures, RecoEvent } from '../src/shared/types.ts';
import { loadDataset } from './lib/data.ts';
import { readAnyModel } from '../src/model/train/model-files.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const USAGE =
  'usage: npx tsx scripts/bench-learning.ts --data DIR [--model DIR] [--json FILE] [--users N] [--every K] [--grid N] [--seed S] [--full]';
const { values: a } = parseArgs({
  options: {
    data: { type: 'string' },
    model: { type: 'string', default: 'public/models/default' },
    json: { type: 'string' },
    users: { type: 'string', default: '400' },
    every: { type: 'string', default: '5' },
    grid: { type: 'string', default: '24' },
    seed: { type: 'string', default: '7' },
    full: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (a.help || !a.data) {
  console.log(USAGE);
  process.exit(a.help ? 0 : 1);
}
const posInt = (name: string, v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got ${v}`);
  return n;
};
const USERS = posInt('users', a.users);
const EVERY = posInt('every', a.every);
const GRID = posInt('grid', a.grid);
const SEED = posInt('seed', a.seed);
const BUCKETS = [
  { minEvents: 5, maxEvents: 9 },
  { minEvents: 10, maxEvents: 14 },
  { minEvents: 15, maxEvents: 24 },
  { minEvents: 25, maxEvents: Infinity },
];
const STEP_MS = 120_000;
/** --full: NDCG@10 of each shopper's last item against the whole catalog, with the shipped and the learned head. */
const full = { base: [] as number[], tuned: [] as number[] };

/** NDCG@10 of candidate 0 (ties count half, as in the shadow evaluation). */
function ndcgOfFirst(scores: ArrayLike<number>): number {
  let rank = 1;
  for (let i = 1; i < scores.length; i++) rank += scores[i]! > scores[0]! ? 1 : scores[i] === scores[0] ? 0.5 : 0;
  return rank <= 10 ? 1 / Math.log2(rank + 1) : 0;
}

interface UserResult {
  events: number;
  base: number;
  tuned: number;
  rounds: number;
  accepted: number;
}

/** What a replay needs of a model: its shipped head, scores under a head, and one fine-tuning round. */
interface Served {
  shipped: HeadArrays;
  score(history: HistoryEntry[], grid: ItemFeatures[], now: number, head: HeadArrays): Promise<ArrayLike<number>>;
  round(
    events: RecoEvent[],
    items: Map<string, ItemFeatures>,
    heads: { current: HeadArrays; shipped: HeadArrays },
  ): Promise<FinetuneResult>;
}

async function served(model: AnyModel, catalog: readonly ItemFeatures[]): Promise<Served> {
  if (isPairModel(model)) {
    const scorer = createPairScorer(model, termStats(catalog));
    return {
      shipped: shippedPairHead(),
      score: (h, g, now, head) => scorer.score(h, g, now, head),
      round: (events, items, heads) => finetunePair(scorer, events, items, heads),
    };
  }
  const shipped = await headArrays(model.weights);
  if (model.hybrid) {
    // The hybrid: its transformer's head learns inside the whole score; the tables stay as shipped.
    const scorer = createHybridScorer({ ...model, hybrid: model.hybrid });
    return {
      shipped,
      score: (h, g, now, head) => scorer.score(h, g, now, head),
      round: (events, items, heads) => finetune(model, events, items, heads, {}, scorer.offsets),
    };
  }
  return {
    shipped,
    async score(h, g, now, head) {
      const t = headTensors(head);
      const out = await scoreItems(model, h, g, now, t);
      tf.dispose(Object.values(t));
      return out;
    },
    round: (events, items, heads) => finetune(model, events, items, heads),
  };
}

async function main(): Promise<void> {
  const backend = await setupTf('wasm');
  const model = await readAnyModel(a.model);
  const ds = loadDataset(a.data!);
  const serve = await served(model, ds.items);
  const r = rng(SEED);

  const perBucket = Math.ceil(USERS / BUCKETS.length);
  const sample: number[] = [];
  for (const b of BUCKETS) {
    const pool = ds.users.flatMap((u, i) => (u.seq.items.length >= b.minEvents && u.seq.items.length <= b.maxEvents ? [i] : []));
    for (let k = 0; k < perBucket && pool.length > 0; k++) sample.push(pool.splice(Math.floor(r() * pool.length), 1)[0]!);
  }
  console.error(
    `bench-learning: ${sample.length} users of ${ds.name}, model ${model.manifest.id} ${model.manifest.version} on ${backend}, grid ${GRID}, a round every ${EVERY} clicks`,
  );

  const results: UserResult[] = [];
  const t0 = Date.now();
  for (const [done, u] of sample.entries()) {
    results.push(await replay(ds.users[u]!.seq.items, ds.items, serve, r));
    if ((done + 1) % 20 === 0 || done + 1 === sample.length) {
      const s = (Date.now() - t0) / 1000;
      process.stderr.write(
        `\r${done + 1}/${sample.length} users, ${s.toFixed(0)} s, ETA ${((s / (done + 1)) * (sample.length - done - 1)).toFixed(0)} s   `,
      );
    }
  }
  process.stderr.write('\n');
  if (a.full) {
    const m = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
    console.log(
      `\nwhole catalog, each shopper's last item, the ${full.base.length} shoppers with a learned head in use by then: NDCG@10 shipped head ${m(full.base).toFixed(4)}, learned ${m(full.tuned).toFixed(4)}`,
    );
  }

  const mean = (xs: number[]) => (xs.length ? xs.reduce((s, x) => s + x, 0) / xs.length : 0);
  const summary = (rs: UserResult[]) => ({
    users: rs.length,
    ndcg10Base: round(mean(rs.map((x) => x.base))),
    ndcg10Tuned: round(mean(rs.map((x) => x.tuned))),
    rounds: rs.reduce((s, x) => s + x.rounds, 0),
    accepted: rs.reduce((s, x) => s + x.accepted, 0),
  });
  const report = {
    data: ds.name,
    model: `${model.manifest.id}@${model.manifest.version}`,
    backend,
    grid: GRID,
    every: EVERY,
    seed: SEED,
    seconds: Math.round((Date.now() - t0) / 1000),
    overall: summary(results),
    buckets: BUCKETS.map((b) => ({
      minEvents: b.minEvents,
      maxEvents: b.maxEvents === Infinity ? null : b.maxEvents,
      ...summary(results.filter((x) => x.events >= b.minEvents && x.events <= b.maxEvents)),
    })),
  };
  const pct = (base: number, tuned: number) => (base > 0 ? `${(((tuned - base) / base) * 100).toFixed(1)}%` : '-');
  console.log('\nevents   users  NDCG@10 base  tuned   change  rounds accepted');
  for (const row of [
    ...report.buckets.map((b) => ({ ...b, name: `${b.minEvents}-${b.maxEvents ?? ''}` })),
    { ...report.overall, name: 'all' },
  ]) {
    console.log(
      `${row.name.padEnd(8)} ${String(row.users).padStart(5)}  ${row.ndcg10Base.toFixed(4).padStart(12)}  ${row.ndcg10Tuned.toFixed(4)}  ${pct(row.ndcg10Base, row.ndcg10Tuned).padStart(7)}  ${String(row.rounds).padStart(6)} ${String(row.accepted).padStart(8)}`,
    );
  }
  if (a.json) writeFileSync(a.json, JSON.stringify(report, null, 2) + '\n');
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** One shopper, step by step, as the SDK would see them. */
async function replay(seq: Int32Array, catalog: readonly ItemFeatures[], serve: Served, r: () => number): Promise<UserResult> {
  const shipped = serve.shipped;
  const own = new Set(seq);
  const events: RecoEvent[] = [];
  const cache = new Map<string, ItemFeatures>();
  const history: HistoryEntry[] = [];
  let current: HeadArrays | null = null;
  let lastHead: HeadArrays | null = null;
  const base: number[] = [];
  const tuned: number[] = [];
  let rounds = 0;
  let accepted = 0;
  let clicks = 0;
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let t = 0; t < seq.length; t++) {
    const now = t0 + t * STEP_MS;
    const grid: ItemFeatures[] = [catalog[seq[t]!]!];
    const inGrid = new Set([seq[t]!]);
    while (grid.length < GRID) {
      const i = Math.floor(r() * catalog.length);
      if (own.has(i) || inGrid.has(i)) continue;
      inGrid.add(i);
      grid.push(catalog[i]!);
    }
    if (t === seq.length - 1) lastHead = current; // the head in use for the last step (null: the shipped one)
    if (history.length > 0) {
      const b = await serve.score(history, grid, now, shipped);
      base.push(ndcgOfFirst(b));
      tuned.push(current ? ndcgOfFirst(await serve.score(history, grid, now, current)) : ndcgOfFirst(b));
    }
    // The grid as shown (shuffled), then the click on the true item.
    const shown = grid
      .map((it) => [r(), it] as const)
      .sort((x, y) => x[0] - y[0])
      .map(([, it]) => it);
    const pv = `pv${t}`;
    const base0 = { listId: 'grid', sessionId: 's', path: '/', control: false, pageViewId: pv };
    shown.forEach((it, position) => {
      cache.set(it.id, it);
      events.push({ id: `${pv}-i${position}`, type: 'view_item_list', itemId: it.id, position, ts: now, ...base0 });
    });
    const item = grid[0]!;
    events.push({ id: `${pv}-c`, type: 'select_item', itemId: item.id, position: shown.indexOf(item), ts: now + 1000, ...base0 });
    history.push({ item, type: 'select_item', ts: now + 1000 });
    if (++clicks % EVERY === 0 && t + 1 < seq.length) {
      rounds++;
      const res = await serve.round(events, cache, { current: current ?? shipped, shipped });
      if (res.accepted && res.head) {
        accepted++;
        current = res.head;
      }
    }
  }
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  if (a.full && lastHead && seq.length > 1) {
    // The last item against every catalog item the shopper never touched (as recommend()'s "for you" ranks a feed).
    const target = seq[seq.length - 1]!;
    const candidates = [catalog[target]!, ...catalog.filter((_, i) => !own.has(i))];
    const now = t0 + (seq.length - 1) * STEP_MS;
    full.base.push(ndcgOfFirst(await serve.score(history.slice(0, -1), candidates, now, shipped)));
    full.tuned.push(ndcgOfFirst(await serve.score(history.slice(0, -1), candidates, now, lastHead)));
  }
  return { events: seq.length, base: mean(base), tuned: mean(tuned), rounds, accepted };
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
