/**
 * Serving: scores candidate items for one shopper's history. Used by the worker, by the Node
 * scripts that check the worker against Node, and by on-device fine-tuning.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { EVENT_INDEX, featurizeItems, gapBucket } from './features.ts';
import type { LoadedModel } from './io.ts';
import { encode, headQuery, itemVectors, type Weights } from './scorer.ts';

/** Item vectors [n, d] for arbitrary items: text features plus id embedding when the id is known. */
export function itemMatrix(model: LoadedModel, items: readonly ItemFeatures[]): tf.Tensor2D {
  const cfg = model.manifest.config;
  const tokens = tf.tensor2d(featurizeItems(items, cfg.features), [items.length, cfg.features.tokensPerItem], 'int32');
  const ids = model.vocab ? tf.tensor1d(Int32Array.from(items, (it) => model.vocab!.get(it.id) ?? 0), 'int32') : null;
  return itemVectors(model.weights, cfg, tokens, ids);
}

/**
 * The shopper vector [1, d] (before the head) from the newest `maxLen` history entries, oldest first.
 * `now` (epoch ms) gives the gap after the newest event.
 */
export function shopperVector(model: LoadedModel, history: readonly HistoryEntry[], now: number): tf.Tensor2D {
  const cfg = model.manifest.config;
  const h = history.slice(-cfg.features.maxLen);
  const L = h.length;
  const items = itemMatrix(model, h.map((e) => e.item)).reshape([1, L, cfg.d]) as tf.Tensor3D;
  const events = tf.tensor2d(Int32Array.from(h, (e) => EVENT_INDEX[e.type] ?? 0), [1, L], 'int32');
  const gaps = tf.tensor2d(Int32Array.from(h, (e, i) => gapBucket((i + 1 < L ? h[i + 1]!.ts : now) - e.ts)), [1, L], 'int32');
  const valid = tf.ones([1, L]) as tf.Tensor2D;
  const out = encode(model.weights, cfg, { items, events, gaps, valid });
  return out.slice([0, L - 1, 0], [1, 1, cfg.d]).reshape([1, cfg.d]) as tf.Tensor2D;
}

/**
 * Scores of `candidates` for this history (higher is better). With an empty history every score is 0,
 * which keeps the shop's own order. `head` replaces the shipped head weights (fine-tuned on device).
 */
export async function scoreItems(
  model: LoadedModel,
  history: readonly HistoryEntry[],
  candidates: readonly ItemFeatures[],
  now: number,
  head: Weights = model.weights,
): Promise<Float32Array> {
  if (history.length === 0 || candidates.length === 0) return new Float32Array(candidates.length);
  const scores = tf.tidy(() => {
    const q = headQuery(head, shopperVector(model, history, now));
    return itemMatrix(model, candidates).matMul(q.reshape([-1, 1])).reshape([-1]);
  });
  const out = (await scores.data()) as Float32Array;
  scores.dispose();
  return out;
}
