/**
 * Serving a hybrid: the worker's scorer, fine-tuning inside the whole score, the engine and its first-view
 * snapshot; for a format 4 hybrid (content + co-occurrence), a format 5 one (+ item-kNN) and a format 6 one (+ transitions).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildHybridFiles } from '../../scripts/lib/hybrid.ts';
import { buildExamples, finetune } from '../../src/model/finetune.ts';
import { headArrays, headTensors, type HeadArrays } from '../../src/model/head.ts';
import { createHybridScorer } from '../../src/model/hybrid-predict.ts';
import { createPlainScorer, type HybridTables } from '../../src/model/hybrid.ts';
import { encodeModel, loadModel, type LoadedModel } from '../../src/model/io.ts';
import { scoreItems } from '../../src/model/predict.ts';
import { rng } from '../../src/model/rng.ts';
import { initWeights, type ModelConfig } from '../../src/model/scorer.ts';
import type { Sequence } from '../../src/model/train/trainer.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { GAP_EXAMPLES } from '../../src/model/sequence.ts';
import { snapshotScores } from '../../src/model/snapshot.ts';
import { createEngine } from '../../src/worker/engine.ts';
import { CATALOG, ITEMS, T0, shopper } from '../../fixtures/shopper.ts';

const N = CATALOG.length;
const cfg: ModelConfig = { d: 8, blocks: 1, heads: 1, ffn: 16, features: { textBuckets: 64, tokensPerItem: 8, maxLen: 20, idVocab: N } };
const variants = [
  {
    name: 'format 4: content + co-occurrence',
    format: 4,
    knnTop: 0,
    transitionTop: 0,
    weights: { transformer: 0.7, content: 1, cooccurrence: 0.5 },
  },
  {
    name: 'format 5: + item-kNN',
    format: 5,
    knnTop: 20,
    transitionTop: 0,
    weights: { transformer: 0.7, content: 1, cooccurrence: 0.5, knn: 1.5 },
  },
  {
    name: 'format 6: + transitions',
    format: 6,
    knnTop: 20,
    transitionTop: 20,
    weights: { transformer: 0.7, content: 1, cooccurrence: 0.5, knn: 1.5, transitions: 0.8 },
  },
];

/** Generated training sequences over the demo catalog: walks that mostly step to a near neighbour in catalog order. */
function sequences(count: number, seed: number): Sequence[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => {
    const items: number[] = [Math.floor(r() * N)];
    while (items.length < 6) items.push((items[items.length - 1]! + 1 + Math.floor(r() * 3)) % N);
    return { items: Int32Array.from(items), events: new Int32Array(items.length), ts: null };
  });
}

/** A tiny hybrid over the demo catalog as model files in memory (random transformer weights, real tables). */
async function hybridFiles(v: (typeof variants)[number]): Promise<Record<string, string | ArrayBuffer>> {
  const h = await buildHybridFiles(CATALOG, sequences(300, 5), (i) => i + 1, N + 1, 20, v.knnTop, CATALOG, v.transitionTop);
  const meta = { id: 'hybrid-test', version: '1', config: cfg, hybrid: { ...h.config, weights: v.weights } };
  const { manifest, bin, vocabJson } = await encodeModel(
    meta,
    initWeights(cfg, rng(3)),
    CATALOG.map((c) => c.id),
  );
  const files: Record<string, string | ArrayBuffer> = {
    'm/model.json': JSON.stringify(manifest),
    'm/weights.bin': bin,
    'm/vocab.json': vocabJson!,
  };
  for (const [name, data] of Object.entries(h.files)) files[`m/${name}`] = data.slice().buffer;
  return files;
}

function memFetch(files: Record<string, string | ArrayBuffer>): typeof fetch {
  return (async (url: string) => {
    const body = files[url];
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body, { status: 200 });
  }) as unknown as typeof fetch;
}

const history: HistoryEntry[] = [3, 4, 6, 40, 41].map((i, k) => ({ item: CATALOG[i]!, type: 'select_item', ts: T0 + k * 1000 }));
const candidates = CATALOG.slice(0, 30);
const now = T0 + 10_000;

describe.each(variants)('a hybrid of $name', (v) => {
  let files: Record<string, string | ArrayBuffer>;
  let model: LoadedModel & { hybrid: HybridTables };
  let shipped: HeadArrays;

  beforeAll(async () => {
    await setupTf('wasm');
    files = await hybridFiles(v);
    const m = await loadModel('m/model.json', memFetch(files));
    model = { ...m, hybrid: m.hybrid! };
    shipped = await headArrays(model.weights);
  });

  /** The hybrid's score composed independently: the transformer through predict.ts, weighted, plus the plain part. */
  async function composed(h: readonly HistoryEntry[], cands: typeof candidates, head: HeadArrays): Promise<number[]> {
    const ht = headTensors(head);
    const t = await scoreItems(model, h, cands, now, ht);
    tf.dispose(Object.values(ht));
    const p = createPlainScorer(model.hybrid).scores(
      h.map((e) => e.item),
      cands,
    );
    return Array.from(t, (x, j) => v.weights.transformer * x + p[j]!);
  }

  it('loads as the format it was written in', () => {
    expect(model.manifest.formatVersion).toBe(v.format);
    expect(model.hybrid.knn === undefined).toBe(v.knnTop === 0);
  });

  describe('createHybridScorer', () => {
    it('scores weights.transformer · (q · v) + the plain parts, as predict.ts and hybrid.ts compute them apart', async () => {
      const scorer = createHybridScorer(model);
      const served = await scorer.score(history, candidates, now, shipped);
      const expected = await composed(history, candidates, shipped);
      served.forEach((s, j) => expect(s).toBeCloseTo(expected[j]!, 4));
      // Both parts matter here: the plain part alone orders the candidates otherwise.
      const plain = createPlainScorer(model.hybrid).scores(
        history.map((e) => e.item),
        candidates,
      );
      expect(served.some((s, j) => Math.abs(s - plain[j]!) > 1e-3)).toBe(true);
      expect(new Set(served.map((s) => s.toFixed(4))).size).toBeGreaterThan(20);
      // The kNN part, where shipped, is part of it: these walks make the history's catalog neighbours similar.
      const parts = createPlainScorer(model.hybrid).parts(
        history.map((e) => e.item),
        candidates,
      );
      expect(parts.knn.some((x) => x > 0)).toBe(v.knnTop > 0);
      // An empty history keeps the shop's order.
      expect(await scorer.score([], candidates, now, shipped)).toEqual(candidates.map(() => 0));
    });
  });

  describe('a history of steps', () => {
    it('reads a product opened from its card (its click, then its page) as one step, in both parts, as its training data was read', async () => {
      const scorer = createHybridScorer(model);
      const opened = history.flatMap((e) => [{ ...e, type: 'select_item' as const, ts: e.ts - 1 }, e]);
      expect(await scorer.score(opened, candidates, now, shipped)).toEqual(await scorer.score(history, candidates, now, shipped));
    });
  });

  describe('finetune of a hybrid', () => {
    it('trains the head inside the whole score and measures the held-out events with the scores rank() serves', async () => {
      const scorer = createHybridScorer(model);
      const events = shopper(2, 'brand').events;
      const res = await finetune(model, events, ITEMS, { current: shipped, shipped }, {}, scorer.offsets);
      expect(res.head).not.toBeNull();
      const test = buildExamples(events, ITEMS, { maxLen: cfg.features.maxLen }).slice(-res.heldOut);
      let sum = 0;
      for (const ex of test) {
        const s = await scorer.score(ex.history, [ex.positive, ...ex.negatives], ex.ts, res.head!);
        let above = 0;
        for (let i = 1; i < s.length; i++) above += s[i]! > s[0]! ? 1 : s[i] === s[0] ? 0.5 : 0;
        sum += 1 - above / (s.length - 1);
      }
      expect(res.after).toBeCloseTo(sum / test.length, 4);
    });
  });

  describe('the engine serving a hybrid', () => {
    it('loads it with its tables and ranks, explains and learns with the hybrid score', async () => {
      const engine = createEngine({ fetch: memFetch(files) });
      await engine.init({ modelUrl: 'm/model.json', backends: ['wasm'] });
      const ranked = await engine.rank(history, candidates, now);
      const expected = await composed(history, candidates, shipped);
      ranked.forEach((s, j) => expect(s).toBeCloseTo(expected[j]!, 4));
      // Explanations, one per distinct history item: the transformer part's leave-one-out difference, weighted, plus the
      // item's share of the plain part (the shares add up to it, for every candidate).
      const because = await engine.explain(history, candidates[5]!, now);
      expect(because.map((b) => b.itemId).sort()).toEqual(history.map((h) => h.item.id).sort());
      const plain = createPlainScorer(model.hybrid);
      const items = history.map((e) => e.item);
      const whole = plain.scores(items, candidates);
      candidates.forEach((c, j) => expect(plain.shares(items, c).reduce((a, b) => a + b, 0)).toBeCloseTo(whole[j]!, 6));
      const shares = plain.shares(items, candidates[5]!);
      const top = because[0]!;
      const transformer = async (h: readonly HistoryEntry[]) => {
        const ht = headTensors(shipped);
        const [s] = await scoreItems(model, h, [candidates[5]!], now, ht);
        tf.dispose(Object.values(ht));
        return s!;
      };
      const share = history.reduce((sum, e, k) => sum + (e.item.id === top.itemId ? shares[k]! : 0), 0);
      const left = await transformer(history.filter((h) => h.item.id !== top.itemId));
      expect(top.weight).toBeCloseTo(v.weights.transformer * ((await transformer(history)) - left) + share, 4);
      // The first-view snapshot of this history answers with the scores rank() gives, in every gap bucket.
      const snapshot = await engine.snapshot(history, candidates);
      for (const gap of GAP_EXAMPLES) {
        const later = history[history.length - 1]!.ts + (gap < 0 ? gap : gap + 1);
        const answer = snapshotScores(snapshot, engine.serving(), history, candidates, later);
        if (!('scores' in answer)) throw new Error(answer.miss);
        const full = await engine.rank(history, candidates, later);
        answer.scores.forEach((s, j) => expect(s).toBeCloseTo(full[j]!, 6));
      }
      // A learning round trains the head against the hybrid's own score; an accepted head changes rank().
      const result = await engine.train(shopper(2, 'brand').events, CATALOG, {});
      expect(result.head).not.toBeNull();
      if (result.accepted) {
        const tuned = await engine.rank(history, candidates, now);
        const expectedTuned = await composed(history, candidates, result.head!);
        tuned.forEach((s, j) => expect(s).toBeCloseTo(expectedTuned[j]!, 4));
      }
    });
  });
});
