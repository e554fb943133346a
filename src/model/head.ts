/**
 * The scoring head as plain arrays, q = u + u·W + c, and the dot product that scores an item with it.
 * Serving (serving-cache.ts, explain.ts) and on-device fine-tuning (finetune.ts) run it in JS: d² + d
 * weights are a few loops, cheaper than a tfjs call on any backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Weights } from './scorer.ts';

/** The head's weights as plain arrays: `w` is d x d (row-major, as `head.w`), `c` has d values. */
export interface HeadArrays {
  w: Float32Array;
  c: Float32Array;
}

/** The shipped head of a loaded model, as arrays. */
export async function headArrays(weights: Weights): Promise<HeadArrays> {
  return { w: (await weights['head.w']!.data()) as Float32Array, c: (await weights['head.c']!.data()) as Float32Array };
}

/** Head arrays as the tensors scoreItems() takes for `head`. The caller disposes them. */
export function headTensors(head: HeadArrays): Weights {
  const d = head.c.length;
  return { 'head.w': tf.tensor2d(head.w, [d, d]), 'head.c': tf.tensor1d(head.c) };
}

/** Writes q = u + u·W + c for the shopper vector at `u[off .. off + d)` into `q`. */
export function queryInto(head: HeadArrays, u: Float32Array, off: number, q: Float32Array): void {
  const d = q.length;
  for (let k = 0; k < d; k++) q[k] = u[off + k]! + head.c[k]!;
  for (let j = 0; j < d; j++) {
    const uj = u[off + j]!;
    if (uj === 0) continue;
    const row = j * d;
    for (let k = 0; k < d; k++) q[k] += uj * head.w[row + k]!;
  }
}

/** The head's query q = u + u·W + c (what headQuery computes with tfjs) for the shopper vector at `u[off .. off + d)`. */
export function applyHead(head: HeadArrays, u: Float32Array, off = 0): Float32Array {
  const q = new Float32Array(head.c.length);
  queryInto(head, u, off, q);
  return q;
}

/** The dot product of `a[aOff .. aOff + d)` and `b[0 .. d)`. */
export function dot(a: Float32Array, b: Float32Array, d: number, aOff = 0): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[aOff + k]! * b[k]!;
  return s;
}
