/**
 * The serving path with memory: item vectors are kept by item (id and features), shopper vectors by
 * history (items, event types and gap buckets), so the grids of one page view, and items seen before,
 * cost no tfjs work; the head and the dot products run in plain JS (a few thousand multiply-adds).
 * Gives the same scores as scoreItems() (checked in test/model/serving-cache.test.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { applyHead, dot, type HeadArrays } from './head.ts';
import type { LoadedModel } from './io.ts';
import { itemMatrix, shopperVector } from './predict.ts';
import { historySequence, padSequences } from './sequence.ts';

// Memoized per object: a catalog's items are the same objects on every call (5,000 keys cost milliseconds).
const keys = new WeakMap<ItemFeatures, string>();
const itemKey = (it: ItemFeatures) => {
  let k = keys.get(it);
  if (k === undefined) keys.set(it, (k = JSON.stringify([it.id, it.title, it.brand, it.category, it.price])));
  return k;
};

/** Puts `value` under `key`, dropping the oldest entry beyond `cap` (a Map keeps insertion order). */
function remember<V>(cache: Map<string, V>, key: string, value: V, cap: number): void {
  cache.set(key, value);
  if (cache.size > cap) cache.delete(cache.keys().next().value!);
}

/** What {@link createServingCache} returns. */
export interface ServingCache {
  /** Scores of `candidates` for this history with this head; all 0 for an empty history (the shop's order). */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number, head: HeadArrays): Promise<number[]>;
}

export function createServingCache(model: LoadedModel, caps = { items: 4096, shoppers: 16 }): ServingCache {
  const { d, features } = model.manifest.config;
  const items = new Map<string, Float32Array>();
  const shoppers = new Map<string, Float32Array>();

  async function itemVectors(list: readonly ItemFeatures[]): Promise<Float32Array[]> {
    const missing = new Map<string, ItemFeatures>();
    for (const it of list) if (!items.has(itemKey(it))) missing.set(itemKey(it), it);
    if (missing.size) {
      const t = tf.tidy(() => itemMatrix(model, [...missing.values()]));
      const data = (await t.data()) as Float32Array;
      t.dispose();
      [...missing.keys()].forEach((k, r) => remember(items, k, data.slice(r * d, r * d + d), caps.items));
    }
    return list.map((it) => items.get(itemKey(it)) ?? new Float32Array(d));
  }

  async function shopper(history: readonly HistoryEntry[], now: number): Promise<Float32Array> {
    const h = history.slice(-features.maxLen);
    const { gaps } = padSequences([historySequence(h)], features.maxLen, [now]);
    const key = JSON.stringify(h.map((e, i) => [itemKey(e.item), e.type, gaps[i]]));
    let u = shoppers.get(key);
    if (!u) {
      const t = tf.tidy(() => shopperVector(model, h, now));
      u = (await t.data()) as Float32Array;
      t.dispose();
      remember(shoppers, key, u, caps.shoppers);
    }
    return u;
  }

  return {
    async score(history, candidates, now, head) {
      if (history.length === 0) return candidates.map(() => 0);
      const q = applyHead(head, await shopper(history, now));
      const vectors = await itemVectors(candidates);
      const out = new Array<number>(vectors.length);
      for (let i = 0; i < vectors.length; i++) out[i] = dot(vectors[i]!, q, d);
      return out;
    },
  };
}
