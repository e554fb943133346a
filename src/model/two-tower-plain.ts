/**
 * A two-tower model's item vectors without TensorFlow.js (scorer.ts itemVectors, the same arithmetic in plain loops):
 * the mean of the item's hashed token embeddings, plus its id embedding when the model knows the id. They need
 * lookups only, no forward pass, so the worker scores items its snapshot lacks with the snapshot's query before tfjs
 * loads (src/worker/early-two-tower.ts). Tests check them against the tfjs pass.
 */
import type { ItemFeatures } from '../shared/types.ts';
import { featurizeItems } from './features.ts';
import type { ModelConfig } from './model-config.ts';
import type { WeightRows } from './pair-plain.ts';

/**
 * @param weights the model's weights file (pair-plain.ts weightRows): rows of `text.emb`, and of `id.emb` when it has one,
 *   are read as needed
 * @param vocab row of each known item id in `id.emb` (from 1), or null for a text-only model
 */
export function plainItemVectors(
  weights: WeightRows,
  cfg: ModelConfig,
  vocab: ReadonlyMap<string, number> | null,
  items: readonly ItemFeatures[],
): Float32Array[] {
  const { d } = cfg;
  const T = cfg.features.tokensPerItem;
  const ids = vocab && weights.size('id.emb') > 0;
  const tokens = featurizeItems(items, cfg.features);
  const text = new Map<number, Float32Array>();
  const rowOf = (token: number) => text.get(token) ?? text.set(token, weights.read('text.emb', token * d, d)).get(token)!;
  return items.map((it, i) => {
    const sum = new Float64Array(d);
    let count = 0;
    for (let t = 0; t < T; t++) {
      const token = tokens[i * T + t]!;
      // Padding (0) is masked, as in the tfjs pass: its row is not trusted to stay zero.
      if (token <= 0) continue;
      count++;
      const row = rowOf(token);
      for (let k = 0; k < d; k++) sum[k]! += row[k]!;
    }
    const v = new Float32Array(d);
    for (let k = 0; k < d; k++) v[k] = sum[k]! / Math.max(count, 1);
    const row = ids ? (vocab.get(it.id) ?? 0) : 0;
    if (row > 0) {
      const idRow = weights.read('id.emb', row * d, d);
      for (let k = 0; k < d; k++) v[k] = v[k]! + idRow[k]!;
    }
    return v;
  });
}
