import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../src/model/scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { scoreCatalog, Trainer, type Catalog, type Sequence } from '../../src/model/train/trainer.ts';
import { popularityScorer } from '../../scripts/lib/baselines.ts';
import { loadDataset, makeCatalog, splitLeaveOneOut, type Dataset, type Split } from '../../scripts/lib/data.ts';
import { modelScorer, runScorer, summarize, testUsers, type EvalUser } from '../../scripts/lib/evaluate.ts';
import { readModel, writeModel } from '../../src/model/train/model-files.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { writeTinyDataset } from './tiny-data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-train-'));
let ds: Dataset;
let split: Split;
let cfg: ModelConfig;
let cat: Catalog;
let vocab: string[];
let trainer: Trainer;
let users: EvalUser[];
const losses: number[] = [];
const EPOCHS = 8;

beforeAll(async () => {
  await setupTf('wasm');
  writeTinyDataset(join(root, 'data'), { users: 200, seed: 1 });
  ds = loadDataset(join(root, 'data'));
  split = splitLeaveOneOut(ds);
  const seen = new Set(split.train.flatMap((s) => Array.from(s.items)));
  const idRow = new Int32Array(ds.items.length);
  vocab = [];
  ds.items.forEach((item, i) => {
    if (seen.has(i)) idRow[i] = vocab.push(item.id);
  });
  cfg = { d: 16, blocks: 1, heads: 1, ffn: 32, features: { textBuckets: 256, tokensPerItem: 8, maxLen: 20, idVocab: vocab.length } };
  cat = makeCatalog(ds.items, cfg.features, (i) => idRow[i]!);
  trainer = new Trainer(cfg, cat, { lr: 1e-2, dropout: 0, negatives: 0, seed: 7 });
  const order = rng(11);
  for (let e = 0; e < EPOCHS; e++) {
    const seqs = [...split.train].sort(() => order() - 0.5);
    let sum = 0;
    let steps = 0;
    for (let b = 0; b < seqs.length; b += 32) {
      sum += trainer.step(seqs.slice(b, b + 32));
      steps++;
    }
    losses.push(sum / steps);
  }
  users = testUsers(ds, split, { seed: 5 });
});

afterAll(() => {
  trainer?.dispose();
  rmSync(root, { recursive: true, force: true });
});

const scores = (w: Parameters<typeof scoreCatalog>[0], c: ModelConfig, hists: readonly Sequence[]) => scoreCatalog(w, c, cat, hists);

describe('training on a tiny shop where each shopper stays in one category', () => {
  it('lowers the loss', () => {
    expect(losses).toHaveLength(EPOCHS);
    expect(losses[EPOCHS - 1]!).toBeLessThan(losses[0]! - 0.3);
  });

  it('beats popularity on held-out full-ranking NDCG@10', () => {
    const model = modelScorer('tiny', 0, trainer.vars, cfg, cat);
    const m = summarize(runScorer(model, users, ds.items.length, { maxLen: cfg.features.maxLen })).full;
    model.dispose();
    const pop = summarize(runScorer(popularityScorer(split.train, ds.items.length), users, ds.items.length)).full;
    expect(m.n).toBe(200);
    expect(m['NDCG@10']).toBeGreaterThan(pop['NDCG@10'] + 0.1);
    expect(m['HR@10']).toBeGreaterThan(pop['HR@10']);
  });

  it('does not leak tensors when scoring', () => {
    const before = tf.memory().numTensors;
    scores(
      trainer.vars,
      cfg,
      users.slice(0, 8).map((u) => u.hist),
    );
    const model = modelScorer('tiny', 0, trainer.vars, cfg, cat);
    runScorer(model, users.slice(0, 40), ds.items.length);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('export and load', () => {
  const meta = () => ({ id: 'tiny', version: '1', config: cfg });
  const hists = () => users.slice(0, 64).map((u) => u.hist);

  it('gives identical scores after a float32 round trip', async () => {
    const bytes = (await writeModel(join(root, 'float'), meta(), trainer.weights(), vocab, { embeddings: 'none', dense: 'none' })).bytes;
    const loaded = await readModel(join(root, 'float'));
    expect(loaded.bytes).toBe(bytes);
    expect(loaded.manifest.config).toEqual(cfg);
    // The vocabulary maps dataset items back to the same id rows.
    expect(Array.from(makeCatalog(ds.items, cfg.features, (i) => loaded.vocab!.get(ds.items[i]!.id) ?? 0).idRows)).toEqual(
      Array.from(cat.idRows),
    );
    const a = scores(trainer.vars, cfg, hists());
    const b = scores(loaded.weights, loaded.manifest.config, hists());
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThanOrEqual(1e-6);
    tf.dispose(Object.values(loaded.weights));
  });

  it('stays close with uint8 embeddings and float16 dense weights, in under a third of the bytes', async () => {
    const floatBytes = (await readModel(join(root, 'float'))).bytes;
    const q = await writeModel(join(root, 'quant'), meta(), trainer.weights(), vocab, { embeddings: 'uint8', dense: 'float16' });
    const loaded = await readModel(join(root, 'quant'));
    const embParams = Object.entries(trainer.vars)
      .filter(([k]) => k.endsWith('.emb'))
      .reduce((s, [, v]) => s + v.size, 0);
    const allParams = Object.values(trainer.vars).reduce((s, v) => s + v.size, 0);
    expect(floatBytes).toBe(4 * allParams);
    expect(q.bytes).toBe(embParams + 2 * (allParams - embParams));
    expect(q.bytes).toBeLessThan(floatBytes / 3);
    const a = scores(trainer.vars, cfg, hists());
    const b = scores(loaded.weights, cfg, hists());
    // Tolerance: 2% of the spread of the float scores, and the same top item for at least 90% of users.
    const spread = Math.max(...a) - Math.min(...a);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i]! - b[i]!));
    expect(maxDiff).toBeLessThan(0.02 * spread);
    const N = ds.items.length;
    const top = (s: Float32Array, u: number) => s.subarray(u * N, (u + 1) * N).reduce((best, v, i, row) => (v > row[best]! ? i : best), 0);
    let same = 0;
    for (let u = 0; u < 64; u++) if (top(a, u) === top(b, u)) same++;
    expect(same).toBeGreaterThanOrEqual(58);
    tf.dispose(Object.values(loaded.weights));
  });
});

describe('knowledge distillation', () => {
  // A text-only student, with and without the trained model above as its teacher; same seed and steps.
  function student(teacher: boolean): Trainer {
    const sCfg: ModelConfig = { d: 8, blocks: 1, heads: 1, ffn: 16, features: { ...cfg.features, idVocab: 0 } };
    const t = new Trainer(sCfg, cat, {
      lr: 1e-2,
      dropout: 0,
      negatives: 16,
      seed: 3,
      teacher: teacher ? { weights: trainer.vars, cfg, temperature: 1, alpha: 0.9 } : undefined,
    });
    for (let e = 0; e < 3; e++) for (let b = 0; b < split.train.length; b += 32) t.step(split.train.slice(b, b + 32));
    return t;
  }

  it('pulls the student toward the teacher: its top picks agree with the teacher more often', () => {
    const hists = users.slice(0, 100).map((u) => u.hist);
    const n = ds.items.length;
    const top = (s: Float32Array, u: number) => {
      let best = 0;
      for (let i = 1; i < n; i++) if (s[u * n + i]! > s[u * n + best]!) best = i;
      return best;
    };
    const teacherScores = scores(trainer.vars, cfg, hists);
    const agreement = (t: Trainer) => {
      const s = scores(t.vars, t.cfg, hists);
      return hists.filter((_, u) => top(s, u) === top(teacherScores, u)).length / hists.length;
    };
    const plain = student(false);
    const distilled = student(true);
    const [a, b] = [agreement(plain), agreement(distilled)];
    plain.dispose();
    distilled.dispose();
    expect(b).toBeGreaterThan(a);
  });

  it("passes on what the teacher memory knows: a student distilled with it ranks the memory's pick higher", () => {
    // A memory that says one item (from another category than most histories) always comes next.
    const pick = 35;
    const memory = { beta: 2, neighbours: () => new Map([[pick, 50]]) };
    const distill = (withMemory: boolean) => {
      const sCfg: ModelConfig = { d: 8, blocks: 1, heads: 1, ffn: 16, features: { ...cfg.features, idVocab: 0 } };
      const t = new Trainer(sCfg, cat, {
        lr: 1e-2,
        dropout: 0,
        negatives: 8,
        seed: 3,
        teacher: { weights: trainer.vars, cfg, temperature: 1, alpha: 0.9, ...(withMemory ? { memory, extra: 4 } : {}) },
      });
      for (let e = 0; e < 3; e++) for (let b = 0; b < split.train.length; b += 32) t.step(split.train.slice(b, b + 32));
      return t;
    };
    const hists = users
      .slice(0, 100)
      .map((u) => u.hist)
      .filter((h) => !h.items.includes(pick));
    const n = ds.items.length;
    const meanRank = (t: Trainer) => {
      const s = scores(t.vars, t.cfg, hists);
      let sum = 0;
      hists.forEach((_, u) => {
        for (let i = 0; i < n; i++) if (s[u * n + i]! > s[u * n + pick]!) sum++;
      });
      return sum / hists.length;
    };
    const plain = distill(false);
    const withMem = distill(true);
    const [a, b] = [meanRank(plain), meanRank(withMem)];
    plain.dispose();
    withMem.dispose();
    expect(b).toBeLessThan(3);
    expect(b).toBeLessThan(a / 3);
  });
});

describe('model variants', () => {
  it('an ids-only model (no text tokens) with input scaling trains and beats popularity', () => {
    const vCfg: ModelConfig = { ...cfg, inputScale: 4, features: { ...cfg.features, tokensPerItem: 0, textBuckets: 2 } };
    const vCat = makeCatalog(ds.items, vCfg.features, (i) => cat.idRows[i]!);
    const t = new Trainer(vCfg, vCat, { lr: 1e-2, dropout: 0, negatives: 0, seed: 7 });
    for (let e = 0; e < EPOCHS; e++) for (let b = 0; b < split.train.length; b += 32) t.step(split.train.slice(b, b + 32));
    const model = modelScorer('ids', 0, t.vars, vCfg, vCat);
    const ndcg = summarize(runScorer(model, users, ds.items.length)).full['NDCG@10'];
    const pop = summarize(runScorer(popularityScorer(split.train, ds.items.length), users, ds.items.length)).full['NDCG@10'];
    model.dispose();
    t.dispose();
    expect(ndcg).toBeGreaterThan(pop);
  });
});

describe('sampled softmax with negatives per position', () => {
  it('trains too: the loss falls', () => {
    const t = new Trainer(cfg, cat, { lr: 1e-2, dropout: 0, negatives: 8, perPosition: true, seed: 5 });
    const epochLoss = () => {
      let sum = 0;
      let steps = 0;
      for (let b = 0; b < split.train.length; b += 32) {
        sum += t.step(split.train.slice(b, b + 32));
        steps++;
      }
      return sum / steps;
    };
    const first = epochLoss();
    epochLoss();
    const third = epochLoss();
    t.dispose();
    expect(third).toBeLessThan(first * 0.9);
  });
});
