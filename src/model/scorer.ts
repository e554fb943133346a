/**
 * The scorer: a causal self-attention encoder over the shopper's last events gives a shopper vector;
 * a small, separate scoring head turns it into a query that is dotted with item vectors.
 * Item vectors come from hashed text tokens (so unseen items get one) plus an optional id embedding.
 *
 * One implementation for training (Node, wasm) and serving (worker, any backend): functions over a
 * plain map of named tensors, no tf.layers.
 */
import * as tf from '@tensorflow/tfjs-core';
// Types of the chained tensor methods; the runtime registration is imported by whoever sets tfjs up.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import type { ModelConfig } from './model-config.ts';

export { HEAD_WEIGHTS, initWeights, weightShapes, type ModelConfig } from './model-config.ts';

/** Named weights. During training these are tf.Variables. */
export type Weights = Record<string, tf.Tensor>;

/**
 * matMul whose gradient uses explicit transposes: on the wasm backend a transposed matMul is many
 * times slower than tf.transpose followed by a plain one, and training runs on wasm in Node.
 */
export const mm = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  const perm = a.rank === 3 ? [0, 2, 1] : [1, 0];
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [
      tf.matMul(dy as tf.Tensor2D, tf.transpose(saved[1]!, perm) as tf.Tensor2D),
      tf.matMul(tf.transpose(saved[0]!, perm) as tf.Tensor2D, dy as tf.Tensor2D),
    ],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Dense layer on the last axis of any rank. */
function dense(x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor {
  const shape = x.shape;
  const y = mm(x.reshape([-1, shape[shape.length - 1]!]), w);
  const out = b ? y.add(b) : y;
  return out.reshape([...shape.slice(0, -1), w.shape[1]!]);
}

function layerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return x
    .sub(mean)
    .mul(tf.rsqrt(variance.add(1e-5)))
    .mul(g)
    .add(b);
}

/** Dropout with a mask drawn in JS: faster than tf.randomUniform on wasm, and seedable. */
export type Dropout = (x: tf.Tensor) => tf.Tensor;
export function makeDropout(rate: number, rand: () => number): Dropout {
  if (rate <= 0) return (x) => x;
  const keep = 1 / (1 - rate);
  return (x) => {
    const m = new Float32Array(x.size);
    for (let i = 0; i < m.length; i++) m[i] = rand() < rate ? 0 : keep;
    return x.mul(tf.tensor(m, x.shape));
  };
}
const noDropout: Dropout = (x) => x;

/**
 * Item vectors: mean of the item's hashed token embeddings, plus its id embedding when known.
 * @param tokens int32 [n, tokensPerItem], 0 = padding
 * @param ids int32 [n] rows of the id table (0 = unknown), or null for text-only models
 */
export function itemVectors(w: Weights, cfg: ModelConfig, tokens: tf.Tensor2D, ids: tf.Tensor1D | null): tf.Tensor2D {
  const [n, t] = tokens.shape;
  let v = t > 0 ? textVectors(w, cfg, tokens) : (tf.zeros([n, cfg.d]) as tf.Tensor2D);
  if (ids && w['id.emb']) v = v.add(tf.gather(w['id.emb'], ids).mul(ids.greater(0).cast('float32').expandDims(1)));
  return v;
}

/** Mean of each item's hashed token embeddings [n, d]. */
function textVectors(w: Weights, cfg: ModelConfig, tokens: tf.Tensor2D): tf.Tensor2D {
  const [n, t] = tokens.shape;
  const emb = tf.gather(w['text.emb']!, tokens.reshape([-1])).reshape([n, t, cfg.d]);
  // Padding slots and unknown ids are masked rather than trusted to stay zero: row 0 does get gradients
  // through an unmasked sum, and uint8 quantization does not keep it at exactly 0.
  const mask = tokens.greater(0).cast('float32');
  const count = mask.sum(1, true).maximum(1);
  return emb.mul(mask.expandDims(2)).sum(1).div(count) as tf.Tensor2D;
}

export interface SequenceInput {
  /** [B, L, d] vectors of the history items, left-padded. */
  items: tf.Tensor3D;
  /** int32 [B, L] event kinds (EVENT_INDEX). */
  events: tf.Tensor2D;
  /** int32 [B, L] gap buckets: time from each event to the next one (or to now). */
  gaps: tf.Tensor2D;
  /** float32 [B, L]: 1 for real events, 0 for padding. */
  valid: tf.Tensor2D;
}

/**
 * Causal self-attention over the sequence; output [B, L, d], position i summarizing events 0..i.
 * Positions are counted from the newest event, so training and serving agree whatever the padding.
 */
export function encode(w: Weights, cfg: ModelConfig, input: SequenceInput, dropout: Dropout = noDropout): tf.Tensor3D {
  const [B, L] = input.valid.shape;
  const { d, heads } = cfg;
  const dh = d / heads;
  const posIdx = tf.tensor1d(
    Int32Array.from({ length: L }, (_, i) => Math.min(L - 1 - i, cfg.features.maxLen - 1)),
    'int32',
  );
  const valid3 = input.valid.expandDims(2);
  let x: tf.Tensor = (cfg.inputScale ? input.items.mul(cfg.inputScale) : input.items)
    .add(tf.gather(w['pos.emb']!, posIdx))
    .add(tf.gather(w['event.emb']!, input.events.reshape([-1])).reshape([B, L, d]))
    .add(tf.gather(w['gap.emb']!, input.gaps.reshape([-1])).reshape([B, L, d]));
  x = dropout(x).mul(valid3);

  // Mask: key j visible to query i when j <= i and j is a real event.
  const causal = tf.linalg.bandPart(tf.ones([L, L]), -1, 0);
  const mask = causal.expandDims(0).mul(input.valid.expandDims(1)); // [B, L, L]
  const bias = mask.sub(1).mul(1e9);

  for (let b = 0; b < cfg.blocks; b++) {
    const p = `block${b}.`;
    const a = layerNorm(x, w[`${p}ln1.g`]!, w[`${p}ln1.b`]!);
    const split = (t: tf.Tensor) =>
      t
        .reshape([B, L, heads, dh])
        .transpose([0, 2, 1, 3])
        .reshape([B * heads, L, dh]);
    const q = split(dense(a, w[`${p}wq`]!));
    const k = split(dense(a, w[`${p}wk`]!));
    const v = split(dense(a, w[`${p}wv`]!));
    let att = mm(q, k.transpose([0, 2, 1])).mul(1 / Math.sqrt(dh));
    att = att
      .reshape([B, heads, L, L])
      .add(bias.expandDims(1))
      .reshape([B * heads, L, L]);
    const ctx = mm(dropout(tf.softmax(att)), v)
      .reshape([B, heads, L, dh])
      .transpose([0, 2, 1, 3])
      .reshape([B, L, d]);
    x = x.add(dropout(dense(ctx, w[`${p}wo`]!)));
    const h = layerNorm(x, w[`${p}ln2.g`]!, w[`${p}ln2.b`]!);
    x = x.add(dropout(dense(tf.relu(dense(h, w[`${p}w1`]!, w[`${p}b1`]!)), w[`${p}w2`]!, w[`${p}b2`]!)));
    x = x.mul(valid3);
  }
  return layerNorm(x, w['out.ln.g']!, w['out.ln.b']!) as tf.Tensor3D;
}

/** The scoring head: query = u + u·W + c. Small on purpose: it is what the device fine-tunes. */
export function headQuery(head: Weights, u: tf.Tensor2D): tf.Tensor2D {
  return u.add(mm(u, head['head.w']!)).add(head['head.c']!) as tf.Tensor2D;
}
