/** The pair model end to end on tiny data: serving agrees with training's catalog scorer, training learns, fine-tuning learns a brand. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, T0, shopper } from '../../fixtures/shopper.ts';
import { dropItems } from '../../scripts/lib/baselines.ts';
import { loadDataset, splitLeaveOneOut } from '../../scripts/lib/data.ts';
import { rankOf, rankingMetrics } from '../../scripts/lib/metrics.ts';
import type { LoadedPairModel } from '../../src/model/io.ts';
import { finetunePair } from '../../src/model/pair-finetune.ts';
import { pairCatalog, pairPostings, PAIR_FEATURES } from '../../src/model/pair-features.ts';
import { explainPairScore, shippedPairHead } from '../../src/model/pair-predict.ts';
import { createPairScorer, PAIR_DEFAULTS, pairInitWeights, pairWeightShapes, type PairConfig } from '../../src/model/pair-scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { termStats } from '../../src/model/text.ts';
import { pairData, PairTrainer, scorePairCatalog } from '../../src/model/train/pair-trainer.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { writeTinyDataset } from '../scripts/tiny-data.ts';

const cfg: PairConfig = { ...PAIR_DEFAULTS, hidden: [8, 4], maxLen: 6 };
const root = mkdtempSync(join(tmpdir(), 'reco-pair-'));

function model(weights: Record<string, Float32Array>): LoadedPairModel {
  const manifest = {
    format: 'reco-scorer',
    formatVersion: 3,
    id: 't',
    version: '1',
    config: cfg,
    vocab: null,
    sha256: '',
    weightsManifest: [],
  };
  const w = Object.fromEntries(pairWeightShapes(cfg).map(([k, s]) => [k, tf.tensor(weights[k]!, s)]));
  return { manifest: manifest as unknown as LoadedPairModel['manifest'], weights: w, vocab: null, index: null };
}

beforeAll(async () => {
  await setupTf('wasm');
  writeTinyDataset(root, { users: 200, seed: 4, loyal: 'brand' });
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('pair model', () => {
  it('serves the same scores as the catalog scorer training and eval use, for items it never saw', async () => {
    const m = model(pairInitWeights(cfg, rng(5)));
    const items = CATALOG.slice(0, 30);
    const stats = termStats(items);
    const scorer = createPairScorer({ ...m, index: stats }, stats);
    const history: HistoryEntry[] = items
      .slice(0, 4)
      .map((item, i) => ({ item, type: i === 3 ? 'add_to_cart' : 'select_item', ts: T0 + i * 90_000 }));
    const now = T0 + 3_600_000;
    const served = await scorer.score(history, items, now);
    const cat = pairCatalog(items, stats);
    const seq = {
      items: Int32Array.from([0, 1, 2, 3]),
      events: Int32Array.from([2, 2, 2, 5]),
      ts: Float64Array.from(history, (h) => h.ts),
    };
    const batch = scorePairCatalog(m.weights, cfg, cat, pairPostings(cat), [seq], [now]);
    items.forEach((_, c) => expect(served[c]).toBeCloseTo(batch[c]!, 5));
    expect(new Set(Array.from(served, (s) => s.toFixed(4))).size).toBeGreaterThan(20);
    // An empty history keeps the shop's order.
    expect(Array.from(await scorer.score([], items, now))).toEqual(items.map(() => 0));
  });

  it("reads a shopper's steps, not their events: each product opened from its card (its click, then its page) is one of the newest items the model weighs, as in training", async () => {
    const m = model(pairInitWeights(cfg, rng(5)));
    const items = CATALOG.slice(0, 30);
    const stats = termStats(items);
    const scorer = createPairScorer({ ...m, index: stats }, stats);
    const now = T0 + 3_600_000;
    const opened = items.slice(0, 3).flatMap((item, i) => [
      { item, type: 'select_item' as const, ts: T0 + i * 60_000 },
      { item, type: 'view_item' as const, ts: T0 + i * 60_000 + 5_000 },
    ]);
    const steps = opened.filter((e) => e.type === 'view_item');
    const served = Array.from(await scorer.score(opened, items, now));
    expect(served).toEqual(Array.from(await scorer.score(steps, items, now)));
    // The first of the three products counts: read event by event, the newest three events were the last product's
    // click and page and the second's page.
    expect(served).not.toEqual(Array.from(await scorer.score(steps.slice(1), items, now)));
  });

  it("explains by each history item's share of the score: they add up to it, and similar items viewed one after another each count", async () => {
    // The MLP and its attention switched on (the shipped default has them at 0), and a head that reads the pooled features.
    const weights = pairInitWeights(cfg, rng(5));
    weights['pair.out'] = Float32Array.from(weights['pair.out']!, (_, i) => Math.sin(i + 1) / 2);
    weights['pool.v'] = Float32Array.of(0.3);
    const scorer = createPairScorer(model(weights));
    const item = (id: string, title: string, brand: string, category: string) => ({ id, title, brand, category });
    const phones = ['Studio Over-Ear Headphones', 'Wireless In-Ear Headphones', 'Noise Cancelling Headphones', 'Sport Headphones'];
    const history: HistoryEntry[] = [
      item('lamp', 'Brass Desk Lamp', 'Lumen', 'Home > Lighting'),
      ...phones.map((title, i) => item(`hp${i}`, title, 'Sonar', 'Electronics > Audio > Headphones')),
      item('hp1', phones[1]!, 'Sonar', 'Electronics > Audio > Headphones'), // viewed again
    ].map((it, i) => ({ item: it, type: 'view_item', ts: T0 + i * 60_000 }));
    const candidate = item('hp9', 'Travel Headphones', 'Sonar', 'Electronics > Audio > Headphones');
    scorer.observe([...history.map((e) => e.item), candidate, ...CATALOG]);
    const now = T0 + 3_600_000;
    const head = { w: Float32Array.from({ length: shippedPairHead().w.length }, (_, f) => (f % 3) / 10), c: Float32Array.of(0.2) };
    const [score] = await scorer.score(history, [candidate], now, head);
    const shares = await scorer.shares(history, candidate, now, head);
    expect(shares).toHaveLength(history.length);
    expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(score!, 4);
    const because = await explainPairScore(scorer, history, candidate, now, head);
    expect(because.reduce((a, b) => a + b.weight, 0)).toBeCloseTo(score!, 4);
    expect(because.map((b) => b.itemId).sort()).toEqual(['hp0', 'hp1', 'hp2', 'hp3', 'lamp']);

    // The content baseline alone (the shipped default): the newest three entries weigh 1, 1/2, 1/4, and the headphones
    // among them are the reasons, the one viewed twice first; the lamp and the oldest headphones count for nothing.
    const plain = createPairScorer(model(pairInitWeights(cfg, rng(5))));
    plain.observe([...history.map((e) => e.item), candidate, ...CATALOG]);
    const plainBecause = await explainPairScore(plain, history, candidate, now, shippedPairHead());
    expect(plainBecause.filter((b) => b.weight > 0).map((b) => b.itemId)).toEqual(['hp1', 'hp3', 'hp2']);
    expect(plainBecause.find((b) => b.itemId === 'lamp')!.weight).toBe(0);
  });

  it('counts the items it has seen for IDF when no catalog index ships, each id once', async () => {
    const scorer = createPairScorer(model(pairInitWeights(cfg, rng(5))));
    expect(scorer.idf()).toEqual({ source: 'seen', items: 0 });
    const history: HistoryEntry[] = [{ item: CATALOG[0]!, type: 'select_item', ts: T0 }];
    await scorer.score(history, CATALOG.slice(0, 10), T0);
    await scorer.score(history, CATALOG.slice(5, 12), T0);
    expect(scorer.idf()).toEqual({ source: 'seen', items: 12 });
  });

  it('compiles an item once while the IDF stays, and again when new items change it: one grid after another scores as a new scorer does', async () => {
    const weights = pairInitWeights(cfg, rng(5));
    weights['pair.out'] = Float32Array.from(weights['pair.out']!, (_, i) => Math.sin(i + 1) / 2);
    weights['pool.v'] = Float32Array.of(0.3);
    const history: HistoryEntry[] = CATALOG.slice(40, 46).map((item, i) => ({ item, type: 'select_item', ts: T0 + i * 60_000 }));
    const [first, second] = [CATALOG.slice(0, 24), CATALOG.slice(20, 60)];
    const now = T0 + 3_600_000;
    // The seen-items IDF: the second grid brings items the first did not, so every word's IDF changes.
    const kept = createPairScorer(model(weights));
    const before = await kept.score(history, first, now);
    await kept.score(history, second, now);
    const after = await kept.score(history, first, now);
    const fresh = createPairScorer(model(weights));
    fresh.observe([...history.map((e) => e.item), ...first, ...second]);
    const expected = await fresh.score(history, first, now);
    first.forEach((_, c) => expect(after[c]).toBeCloseTo(expected[c]!, 6));
    expect(Array.from(after).some((s, c) => Math.abs(s - before[c]!) > 1e-4)).toBe(true);
    // A catalog index: the same scores call after call.
    const stats = termStats(CATALOG);
    const indexed = createPairScorer({ ...model(weights), index: stats }, stats);
    const once = await indexed.score(history, first, now);
    await indexed.score(history, second, now);
    expect(Array.from(await indexed.score(history, first, now))).toEqual(Array.from(once));
  });

  it('learns from tiny sequences what the content baseline it starts from misses: these shoppers keep to a brand', () => {
    const ds = loadDataset(root);
    const split = splitLeaveOneOut(ds);
    const cat = pairCatalog(ds.items, termStats(ds.items));
    const post = pairPostings(cat);
    const data = pairData('tiny', cat, post, split.train, Int32Array.from(ds.items.keys()));
    const trainer = new PairTrainer(cfg, [data], { lr: 0.01, uniform: 8, near: 4, samePath: 4, top: 10, positions: 32, seed: 1 });
    const hr = () => {
      const users = split.valid.slice(0, 60);
      const s = scorePairCatalog(
        trainer.vars,
        cfg,
        cat,
        post,
        users.map((u) => dropItems(u.hist, new Set())),
        users.map(() => null),
      );
      return rankingMetrics(users.map((u, b) => rankOf(s.subarray(b * cat.n, (b + 1) * cat.n), u.target, null, new Set(u.hist.items))));
    };
    const before = hr();
    const order = trainer.epochOrder();
    for (let s = 0; s < 40; s++) trainer.step(order.subarray((s * 32) % (order.length - 32), ((s * 32) % (order.length - 32)) + 32));
    // Each shopper keeps to one brand across categories (10 items); the untrained model is the TF-IDF baseline,
    // which ranks the same category's items (two shared category words) above the brand's (one shared word).
    const after = hr();
    expect(before['HR@10']).toBeLessThan(0.75);
    expect(after['HR@10']).toBeGreaterThan(0.9);
    trainer.dispose();
  }, 60_000);

  it('tunes its head to a shopper who always clicks one brand, and mostly keeps the shipped one for a random clicker', async () => {
    const scorer = createPairScorer(model(pairInitWeights(cfg, rng(5))));
    scorer.observe(CATALOG);
    const heads = { current: shippedPairHead(), shipped: shippedPairHead() };
    const items = new Map(CATALOG.map((it) => [it.id, it]));
    const brand = await finetunePair(scorer, shopper(2, 'brand').events, items, heads);
    expect(brand.accepted, brand.reason).toBe(true);
    expect(brand.after).toBeGreaterThan(brand.before);
    expect(brand.head!.w[PAIR_FEATURES.indexOf('sameBrand')]).toBeGreaterThan(0);
    expect(brand.reason).toMatch(/^accepted: brand and category 0\.[248], words [0-9.]+: mean AUC/);
    // Run again from the head it chose: the same weights are no better than themselves.
    const again = await finetunePair(scorer, shopper(2, 'brand').events, items, { current: brand.head!, shipped: heads.shipped });
    expect(again.accepted, again.reason).toBe(false);
    // From that head, a shopper whose clicks the shipped head ranks better goes back to it, and the round says so.
    const back = await finetunePair(scorer, shopper(8, 'random').events, items, { current: brand.head!, shipped: heads.shipped });
    expect(back.accepted, back.reason).toBe(true);
    expect(Array.from(back.head!.w)).toEqual(Array.from(heads.shipped.w));
    expect(back.reason).toMatch(/^accepted: back to the shipped weights \(brand and category 0, words 0\): mean AUC/);
    // 16 weightings tried on the same clicks: by chance one ranks a random clicker's a little better than the shipped
    // head; no better than chance, it is not used (4 of these 6 shoppers).
    const random = [];
    for (let seed = 1; seed <= 6; seed++) random.push(await finetunePair(scorer, shopper(seed, 'random').events, items, heads));
    const kept = random.filter((r) => !r.accepted);
    expect(kept.length).toBeGreaterThanOrEqual(4);
    for (const r of kept) expect(r.reason).toMatch(/^rejected: the best weights \(.*\) are not clearly above chance: mean AUC 0\.[45]/);
  }, 60_000);

  it('needs 3 labelled steps with a history for a round', async () => {
    const scorer = createPairScorer(model(pairInitWeights(cfg, rng(5))));
    const heads = { current: shippedPairHead(), shipped: shippedPairHead() };
    const items = new Map(CATALOG.map((it) => [it.id, it]));
    const events = shopper(2, 'brand', 3).events; // 3 clicks: the first has no history
    const few = await finetunePair(scorer, events, items, heads);
    expect(few).toMatchObject({ accepted: false, head: null, examples: 2, reason: 'skipped: 2 labelled steps with a history, 3 needed' });
    const enough = await finetunePair(scorer, shopper(2, 'brand', 4).events, items, heads);
    expect(enough.examples).toBe(3);
    expect(enough.head).not.toBeNull();
  });
});
