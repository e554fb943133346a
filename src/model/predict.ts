/**
 * The model's forward pass for serving: item vectors, shopper vectors and scores. The worker ranks through
 * serving-cache.ts, which keeps the vectors these compute; explain.ts and on-device fine-tuning use the
 * batched forms (itemTable, shopperVectors); Node scripts and the e2e agreement test use scoreItems.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { HistoryEntry, ItemFeatures } from '../shared/types.ts';
import { featurizeItems } from './features.ts';
import type { LoadedModel } from './io.ts';
import { encode, headQuery, itemVectors, type Weights } from './scorer.ts';
import { historySequence, padSequences, recentSteps } from './sequence.ts';

/** Item vectors [n, d] for arbitrary items: text features plus id embedding when the id is known. */
export function itemMatrix(model: LoadedModel, items: readonly ItemFeatures[]): tf.Tensor2D {
  const cfg = model.manifest.config;
  const tokens = tf.tensor2d(featurizeItems(items, cfg.features), [items.length, cfg.features.tokensPerItem], 'int32');
  const ids = model.vocab
    ? tf.tensor1d(
        Int32Array.from(items, (it) => model.vocab!.get(it.id) ?? 0),
        'int32',
      )
    : null;
  return itemVectors(model.weights, cfg, tokens, ids);
}

/**
 * The shopper vector [1, d] (before the head) from the newest `maxLen` history entries, oldest first.
 * `now` (epoch ms) gives the gap after the newest event.
 */
export function shopperVector(model: LoadedModel, history: readonly HistoryEntry[], now: number): tf.Tensor2D {
  const cfg = model.manifest.config;
  const h = recentSteps(history, cfg.features.maxLen);
  const { L, events, gaps, valid } = padSequences([historySequence(h)], cfg.features.maxLen, [now]);
  const items = itemMatrix(
    model,
    h.map((e) => e.item),
  ).reshape([1, L, cfg.d]) as tf.Tensor3D;
  const out = encode(model.weights, cfg, {
    items,
    events: tf.tensor2d(events, [1, L], 'int32'),
    gaps: tf.tensor2d(gaps, [1, L], 'int32'),
    valid: tf.tensor2d(valid, [1, L]),
  });
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
    return itemMatrix(model, candidates)
      .matMul(q.reshape([-1, 1]))
      .reshape([-1]);
  });
  const out = (await scores.data()) as Float32Array;
  scores.dispose();
  return out;
}

/** Item vectors of distinct items by id: row `rows.get(id)` of `data` ([n, d], row-major). */
export interface ItemTable {
  rows: Map<string, number>;
  data: Float32Array;
}

/** Computes the vectors of these items (first features seen per id win) with the frozen model. */
export async function itemTable(model: LoadedModel, items: Iterable<ItemFeatures>): Promise<ItemTable> {
  const rows = new Map<string, number>();
  const list: ItemFeatures[] = [];
  for (const it of items) {
    if (!rows.has(it.id)) {
      rows.set(it.id, list.length);
      list.push(it);
    }
  }
  if (list.length === 0) return { rows, data: new Float32Array(0) };
  const t = tf.tidy(() => itemMatrix(model, list));
  const data = (await t.data()) as Float32Array;
  t.dispose();
  return { rows, data };
}

/**
 * Shopper vectors (before the head), one row of d values per history, computed in batches. The same
 * numbers as shopperVector() for each history alone: histories are left-padded and the padding masked.
 * @param now per history: the time of the prediction (gap after its newest event)
 * @param table vectors of every item in the histories
 */
export async function shopperVectors(
  model: LoadedModel,
  histories: readonly (readonly HistoryEntry[])[],
  now: readonly number[],
  table: ItemTable,
): Promise<Float32Array> {
  const cfg = model.manifest.config;
  const d = cfg.d;
  const out = new Float32Array(histories.length * d);
  const CHUNK = 64;
  for (let start = 0; start < histories.length; start += CHUNK) {
    const hs = histories.slice(start, start + CHUNK).map((h) => recentSteps(h, cfg.features.maxLen));
    const p = padSequences(hs.map(historySequence), cfg.features.maxLen, now.slice(start, start + CHUNK));
    const { B, L } = p;
    const items = new Float32Array(B * L * d);
    p.forEach((b, i, slot) => {
      const row = table.rows.get(hs[b]![i]!.item.id);
      if (row !== undefined) items.set(table.data.subarray(row * d, row * d + d), slot * d);
    });
    const last = tf.tidy(() => {
      const x = encode(model.weights, cfg, {
        items: tf.tensor3d(items, [B, L, d]),
        events: tf.tensor2d(p.events, [B, L], 'int32'),
        gaps: tf.tensor2d(p.gaps, [B, L], 'int32'),
        valid: tf.tensor2d(p.valid, [B, L]),
      });
      return x.slice([0, L - 1, 0], [B, 1, d]).reshape([B, d]);
    });
    out.set((await last.data()) as Float32Array, start * d);
    last.dispose();
  }
  return out;
}
