/**
 * The pair model without TensorFlow.js: its weights read from the model file into arrays, and its forward pass for
 * one shopper (pair-scorer.ts pairForwardParts, the same arithmetic in plain loops). The worker's host serves a page
 * view's first rankings with it while tfjs and a backend load: a grid of items the previous page view never ranked
 * (so its snapshot cannot answer) is ranked within its hold. Tests check it against the tfjs pass.
 */
import { ModelError } from '../shared/errors.ts';
import type { PairManifest } from './manifest.ts';
import type { PairConfig } from './pair-config.ts';
import type { PairForward } from './pair-predict.ts';

/** Named weights as flat arrays, row-major. */
export type PlainWeights = Record<string, Float32Array>;

/** One entry of a weights manifest (the TensorFlow.js format model.json uses). */
interface WeightSpec {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype?: string; min?: number; scale?: number };
}

/**
 * A model's weights file as arrays, as tfjs decodes it: float32, or quantized to float16, or to uint8 or uint16 with a
 * scale and a minimum (io.ts encodeModel). The pair model's early path reads all of it.
 * @throws ModelError naming the file, when the file is shorter than its manifest says or a weight's type is unknown
 */
export function decodePlainWeights(bin: ArrayBuffer, manifest: Pick<PairManifest, 'weightsManifest'>, url: string): PlainWeights {
  const rows = weightRows(bin, manifest, url);
  return Object.fromEntries(rows.names.map((name) => [name, rows.read(name, 0, rows.size(name))]));
}

/** Parts of a model's weights read from its file when asked, decoded as {@link decodePlainWeights} decodes them. */
export interface WeightRows {
  names: string[];
  /** How many numbers the weight holds; 0 for a weight the file does not have. */
  size(name: string): number;
  /** `count` numbers of the weight from number `start` (a row of an embedding table: `start` = row × width). */
  read(name: string, start: number, count: number): Float32Array;
}

/**
 * A model's weights file, read in parts: a two-tower model's early path needs a few rows of its embedding tables
 * (two-tower-plain.ts), not the whole table decoded.
 * @throws ModelError naming the file, when the file is shorter than its manifest says or a weight's type is unknown
 */
export function weightRows(bin: ArrayBuffer, manifest: Pick<PairManifest, 'weightsManifest'>, url: string): WeightRows {
  const view = new DataView(bin);
  const layout = new Map<string, { off: number; n: number; kind: string; bytes: number; q: WeightSpec['quantization'] }>();
  let off = 0;
  for (const spec of manifest.weightsManifest[0]!.weights as WeightSpec[]) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const kind = q?.dtype ?? spec.dtype ?? 'float32';
    const bytes = kind === 'uint8' ? 1 : kind === 'float16' || kind === 'uint16' ? 2 : kind === 'float32' ? 4 : 0;
    if (!bytes)
      throw new ModelError(
        `${url}: weight "${spec.name}" has the type ${JSON.stringify(kind)}, expected float32, float16, uint8 or uint16`,
      );
    if (off + n * bytes > bin.byteLength)
      throw new ModelError(`${url}: ${bin.byteLength} bytes, shorter than its manifest says (weight "${spec.name}")`);
    layout.set(spec.name, { off, n, kind, bytes, q });
    off += n * bytes;
  }
  return {
    names: [...layout.keys()],
    size: (name) => layout.get(name)?.n ?? 0,
    read(name, start, count) {
      const { off, kind, bytes, q } = layout.get(name)!;
      const a = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const at = off + (start + i) * bytes;
        if (kind === 'float32') a[i] = view.getFloat32(at, true);
        else if (kind === 'float16') a[i] = half(view.getUint16(at, true));
        else a[i] = (kind === 'uint8' ? view.getUint8(at) : view.getUint16(at, true)) * q!.scale! + q!.min!;
      }
      return a;
    },
  };
}

/** An IEEE 754 half-precision number. */
function half(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/**
 * The forward pass of pair-scorer.ts pairForwardParts for one shopper, on arrays: for each candidate and history slot
 * a two-layer MLP over the pair features (the slot's event, gap and position added to the first layer) gives a pair
 * score and an attention logit; the score is the attention-weighted pair score, plus `pool.v` times the log-sum-exp
 * of the logits, plus each slot's content score (skip.feat) weighted by its position (skip.pos).
 */
export function plainPairForward(w: PlainWeights, cfg: PairConfig): PairForward {
  const [h1, h2] = cfg.hidden;
  const F = cfg.features;
  const W1 = w['pair.w1']!;
  const W2 = w['pair.w2']!;
  const out = w['pair.out']!;
  const b2 = w['pair.b2']!;
  const outb = w['pair.outb']!;
  const skipFeat = w['skip.feat']!;
  const poolV = w['pool.v']![0]!;
  return async ({ x, events, gaps, pos, C, L }, withSlots) => {
    // Each slot's context, added to every candidate's first layer there.
    const ctx = new Float32Array(L * h1);
    for (let k = 0; k < L; k++)
      for (let j = 0; j < h1; j++)
        ctx[k * h1 + j] =
          w['ctx.event']![events[k]! * h1 + j]! + w['ctx.gap']![gaps[k]! * h1 + j]! + w['ctx.pos']![pos[k]! * h1 + j]! + w['pair.b1']![j]!;
    const base = new Float32Array(C);
    const pooled = new Float32Array(C * F);
    const share = withSlots ? new Float32Array(C * L) : null;
    const attention = withSlots ? new Float32Array(C * L) : null;
    const a1 = new Float64Array(h1);
    const a2 = new Float64Array(h2);
    const pairScore = new Float64Array(L);
    const logit = new Float64Array(L);
    const content = new Float64Array(L);
    for (let c = 0; c < C; c++) {
      for (let k = 0; k < L; k++) {
        const xo = (c * L + k) * F;
        for (let j = 0; j < h1; j++) {
          let s = ctx[k * h1 + j]!;
          for (let f = 0; f < F; f++) s += x[xo + f]! * W1[f * h1 + j]!;
          a1[j] = s > 0 ? s : 0;
        }
        for (let m = 0; m < h2; m++) {
          let s = b2[m]!;
          for (let j = 0; j < h1; j++) s += a1[j]! * W2[j * h2 + m]!;
          a2[m] = s > 0 ? s : 0;
        }
        let s = outb[0]!;
        let a = outb[1]!;
        for (let m = 0; m < h2; m++) {
          s += a2[m]! * out[m * 2]!;
          a += a2[m]! * out[m * 2 + 1]!;
        }
        let cs = 0;
        for (let f = 0; f < F; f++) cs += x[xo + f]! * skipFeat[f]!;
        pairScore[k] = s;
        logit[k] = a;
        content[k] = cs * w['skip.pos']![pos[k]!]!;
      }
      let max = -Infinity;
      for (let k = 0; k < L; k++) max = Math.max(max, logit[k]!);
      let sum = 0;
      for (let k = 0; k < L; k++) sum += Math.exp(logit[k]! - max);
      const pooling = (Math.log(sum) + max) * poolV;
      let score = pooling;
      for (let k = 0; k < L; k++) {
        const p = Math.exp(logit[k]! - max) / sum;
        score += p * pairScore[k]! + content[k]!;
        for (let f = 0; f < F; f++) pooled[c * F + f]! += p * x[(c * L + k) * F + f]!;
        if (share && attention) {
          share[c * L + k] = p * pairScore[k]! + content[k]! + p * pooling;
          attention[c * L + k] = p;
        }
      }
      base[c] = score;
    }
    return { base, pooled, ...(share && attention ? { share, attention } : {}) };
  };
}
