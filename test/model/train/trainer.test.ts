import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurizeItems } from '../../../src/model/features.ts';
import { rng } from '../../../src/model/rng.ts';
import type { ModelConfig } from '../../../src/model/scorer.ts';
import { gapBucket } from '../../../src/model/sequence.ts';
import { makeBatch, Trainer, type Catalog, type Sequence } from '../../../src/model/train/trainer.ts';
import { setupTf } from '../../../src/model/train/setup-tf.ts';

const cfg: ModelConfig = { d: 8, blocks: 1, heads: 1, ffn: 16, features: { textBuckets: 64, tokensPerItem: 4, maxLen: 6, idVocab: 0 } };
// Two tastes of four items each: shoppers stay within theirs.
const items = Array.from({ length: 8 }, (_, i) => ({
  id: `p${i}`,
  title: `${i < 4 ? 'mascara lash' : 'shampoo curl'} ${i}`,
  category: i < 4 ? 'Eyes' : 'Hair',
}));
const catalog: Catalog = { tokens: featurizeItems(items, cfg.features), idRows: new Int32Array(items.length), size: items.length };
const seq = (ids: number[], t0 = 0): Sequence => ({
  items: Int32Array.from(ids),
  events: new Int32Array(ids.length).fill(2),
  ts: Float64Array.from(ids, (_, i) => t0 + i * 60_000),
});

beforeAll(async () => {
  await setupTf('wasm');
});

describe('makeBatch', () => {
  it('left-pads the newest maxLen events of each sequence, with catalog indices and gaps to the next event or to now', () => {
    const b = makeBatch([seq([1, 2]), seq([3, 4, 5, 6, 7, 0, 1, 2])], 6, [120_000 + 30_000, null]);
    expect([b.B, b.L]).toEqual([2, 6]);
    expect(Array.from(b.items)).toEqual([0, 0, 0, 0, 1, 2, 5, 6, 7, 0, 1, 2]);
    expect(Array.from(b.valid.slice(0, 6))).toEqual([0, 0, 0, 0, 1, 1]);
    expect(Array.from(b.gaps.slice(4, 6))).toEqual([gapBucket(60_000), gapBucket(90_000)]);
    expect(b.gaps[11]).toBe(0); // no prediction time: the newest gap is unknown
  });
});

describe('Trainer', () => {
  let trainer: Trainer;
  afterAll(() => trainer?.dispose());

  it('lowers the next-item loss on shoppers who stay within one taste', () => {
    trainer = new Trainer(cfg, catalog, { lr: 0.02, dropout: 0, negatives: 0, seed: 3 });
    const r = rng(5);
    const shopper = (taste: number) => seq(Array.from({ length: 5 }, () => taste * 4 + Math.floor(r() * 4)));
    const batch = Array.from({ length: 16 }, (_, i) => shopper(i % 2));
    const first = trainer.step(batch);
    let last = first;
    for (let s = 0; s < 30; s++) last = trainer.step(batch);
    expect(last).toBeLessThan(first * 0.8);
  });

  it('refuses a teacher memory without sampled negatives, and extra candidates without a memory, naming the flag', () => {
    const teacher = { weights: trainer.vars, cfg, temperature: 1, alpha: 0.5 };
    const memory = { beta: 1, neighbours: () => new Map<number, number>() };
    const base = { lr: 1e-2, dropout: 0, seed: 1 };
    expect(() => new Trainer(cfg, catalog, { ...base, negatives: 0, teacher: { ...teacher, memory } })).toThrow(/--negatives K/);
    expect(() => new Trainer(cfg, catalog, { ...base, negatives: 4, teacher: { ...teacher, extra: 2 } })).toThrow(/--memory-beta/);
  });
});
