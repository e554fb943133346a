/**
 * The serving path with memory: item vectors are kept by item (id and features), shopper vectors by
 * history (items, event types and gap buckets), so the grids of one page view, and items seen before,
 * cost no tfjs work; the head and the dot products run in plain JS (a few thousand multiply-adds).
 * Gives the same scores as scoreItems() (checked in test/model/serving-cache.test.ts), and writes the
 * serving snapshot the next page view starts from (snapshot.ts), with the same numbers.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { applyHead, dot, type HeadArrays } from './head.ts';
import type { LoadedModel } from './io.ts';
import { itemMatrix, shopperVector } from './predict.ts';
import { historySequence, padSequences, recentSteps } from './sequence.ts';
import { ALL_BUCKETS, bucketTimes, historyKey, itemKey, SNAPSHOT_FORMAT, type Snapshot } from './snapshot.ts';

/** Puts `value` under `key`, dropping the oldest entry beyond `cap` (a Map keeps insertion order). */
function remember<V>(cache: Map<string, V>, key: string, value: V, cap: number): void {
  cache.delete(key);
  cache.set(key, value);
  if (cache.size > cap) cache.delete(cache.keys().next().value!);
}

/** What {@link createServingCache} returns. */
export interface ServingCache {
  /** Scores of `candidates` for this history with this head; all 0 for an empty history (the shop's order). */
  score(history: readonly HistoryEntry[], candidates: readonly ItemFeatures[], now: number, head: HeadArrays): Promise<number[]>;
  /**
   * The snapshot of this (non-empty) history for the next page view: a query per gap bucket of `buckets` (default
   * all; the others NaN) with `head`, and the vectors of `items`. `meta` names the model and the head, as
   * snapshotScores() will check them.
   */
  snapshot(
    history: readonly HistoryEntry[],
    items: readonly ItemFeatures[],
    head: HeadArrays,
    meta: { model: string; head: string; weights?: string },
    buckets?: readonly number[],
  ): Promise<Snapshot>;
}

export function createServingCache(model: LoadedModel, caps = { items: 4096, shoppers: 32 }): ServingCache {
  const { d, features } = model.manifest.config;
  const items = new Map<string, Float32Array>();
  const shoppers = new Map<string, Float32Array>();

  async function itemVectors(list: readonly ItemFeatures[]): Promise<Float32Array[]> {
    // Taken before the new ones go in: a list longer than the cache pushes out vectors it needs itself.
    const found = list.map((it) => items.get(itemKey(it)));
    const missing = new Map<string, ItemFeatures>();
    for (const [k, it] of list.entries()) if (!found[k]) missing.set(itemKey(it), it);
    const computed = new Map<string, Float32Array>();
    if (missing.size) {
      const t = tf.tidy(() => itemMatrix(model, [...missing.values()]));
      const data = (await t.data()) as Float32Array;
      t.dispose();
      [...missing.keys()].forEach((key, r) => {
        computed.set(key, data.slice(r * d, r * d + d));
        remember(items, key, computed.get(key)!, caps.items);
      });
    }
    return list.map((it, k) => found[k] ?? computed.get(itemKey(it))!);
  }

  async function shopper(history: readonly HistoryEntry[], now: number): Promise<Float32Array> {
    const h = recentSteps(history, features.maxLen);
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

    async snapshot(history, list, head, meta, buckets = ALL_BUCKETS) {
      const times = bucketTimes(history[history.length - 1]!.ts);
      const queries = new Float32Array(times.length * d).fill(NaN);
      for (const b of buckets) queries.set(applyHead(head, await shopper(history, times[b]!)), b * d);
      const unique = [...new Map(list.map((it) => [itemKey(it), it])).values()];
      const vectors = await itemVectors(unique);
      const values = new Float32Array(unique.length * d);
      vectors.forEach((v, i) => values.set(v, i * d));
      return {
        format: SNAPSHOT_FORMAT,
        ...meta,
        maxLen: features.maxLen,
        history: historyKey(history, features.maxLen),
        items: unique.map(itemKey),
        kind: 'dot',
        d,
        queries,
        values,
        at: Date.now(),
      };
    },
  };
}
