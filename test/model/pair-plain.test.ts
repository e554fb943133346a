/** The pair model without TensorFlow.js (the worker's first rankings while tfjs loads) gives tfjs's numbers. */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { CATALOG, T0 } from '../../fixtures/shopper.ts';
import { encodeModel, loadAnyModel, type LoadedPairModel, type PairManifest } from '../../src/model/io.ts';
import { decodePlainWeights, plainPairForward } from '../../src/model/pair-plain.ts';
import { createPairScorerWith, type PairArrays } from '../../src/model/pair-predict.ts';
import {
  createPairScorer,
  PAIR_DEFAULTS,
  pairInitWeights,
  pairWeightShapes,
  tfPairForward,
  type PairConfig,
} from '../../src/model/pair-scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';

const cfg: PairConfig = { ...PAIR_DEFAULTS, hidden: [8, 4], maxLen: 6 };

/** Weights with every part at work: random hidden layers, output layer, pooling weight, context tables and skip path. */
function busyWeights(seed: number): Record<string, Float32Array> {
  const r = rng(seed);
  const w = pairInitWeights(cfg, r);
  for (const [name, a] of Object.entries(w)) if (!name.startsWith('pair.w')) for (let i = 0; i < a.length; i++) a[i] = (r() - 0.5) * 2;
  return w;
}

const tensors = (w: Record<string, Float32Array>) => Object.fromEntries(pairWeightShapes(cfg).map(([k, s]) => [k, tf.tensor(w[k]!, s)]));

function closeTo(actual: Float32Array, expected: Float32Array, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const worst = Math.max(...Array.from(actual, (v, i) => Math.abs(v - expected[i]!) / Math.max(1, Math.abs(expected[i]!))));
  expect(worst, `${what}: largest relative difference`).toBeLessThan(1e-5);
}

beforeAll(async () => {
  await setupTf('wasm');
});

describe('the pair model without TensorFlow.js', () => {
  it('gives the scores, pooled features, slot shares and attention of the tfjs forward pass', async () => {
    const w = busyWeights(3);
    const r = rng(11);
    const C = 7;
    const L = 5;
    const input: PairArrays = {
      x: Float32Array.from({ length: C * L * cfg.features }, () => (r() < 0.3 ? 0 : r())),
      events: Int32Array.from({ length: L }, () => Math.floor(r() * 9)),
      gaps: Int32Array.from({ length: L }, () => Math.floor(r() * 8)),
      pos: Int32Array.from({ length: L }, (_, i) => L - 1 - i),
      C,
      L,
    };
    const plain = await plainPairForward(w, cfg)(input, true);
    const viaTf = await tfPairForward(tensors(w), cfg)(input, true);
    closeTo(plain.base, viaTf.base, 'scores');
    closeTo(plain.pooled, viaTf.pooled, 'pooled features');
    closeTo(plain.share!, viaTf.share!, 'slot shares');
    closeTo(plain.attention!, viaTf.attention!, 'attention');
    // A forward pass that ignored a part of the model would not be caught by identical inputs: the scores vary.
    expect(new Set(Array.from(plain.base, (v) => v.toFixed(4))).size).toBe(C);
  });

  it('scores a shopper like the tfjs scorer, for the shipped default model read from its files', async () => {
    const url = 'public/models/default/model.json';
    const files = (async (u: string) => new Response(readFileSync(u))) as unknown as typeof fetch;
    const loaded = (await loadAnyModel(url, files)) as LoadedPairModel;
    const manifest = JSON.parse(readFileSync(url, 'utf8')) as PairManifest;
    const weights = decodePlainWeights(readFileSync('public/models/default/weights.bin').buffer as ArrayBuffer, manifest, 'weights.bin');
    const history: HistoryEntry[] = [3, 8, 8, 15, 21].map((i, k) => ({
      item: CATALOG[i]!,
      type: k === 2 ? 'add_to_cart' : 'select_item',
      ts: T0 + k * 60_000,
    }));
    const candidates = CATALOG.slice(30, 60);
    const now = T0 + 3_600_000;
    const plain = await createPairScorerWith(manifest.config, plainPairForward(weights, manifest.config)).score(history, candidates, now);
    const viaTf = await createPairScorer(loaded).score(history, candidates, now);
    closeTo(plain, viaTf, 'scores');
    expect(plain.some((s) => s !== 0)).toBe(true);
  });

  it.each(['none', 'float16', 'uint8'] as const)('reads %s weights as tfjs decodes them', async (quant) => {
    const w = busyWeights(5);
    const { manifest, bin } = await encodeModel({ id: 't', version: '1', config: cfg }, w, null, { embeddings: quant, dense: quant });
    const plain = decodePlainWeights(bin, manifest as unknown as PairManifest, 'weights.bin');
    const viaTf = tf.io.decodeWeights(bin, manifest.weightsManifest[0]!.weights);
    for (const [name] of pairWeightShapes(cfg)) closeTo(plain[name]!, (await viaTf[name]!.data()) as Float32Array, name);
  });

  it('names the file when it is shorter than its manifest says', async () => {
    const { manifest, bin } = await encodeModel({ id: 't', version: '1', config: cfg }, busyWeights(1), null);
    expect(() => decodePlainWeights(bin.slice(0, 100), manifest as unknown as PairManifest, '/m/weights.bin')).toThrow(
      /^\/m\/weights\.bin: 100 bytes, shorter than its manifest says \(weight "pair\.w1"\)/,
    );
  });
});
