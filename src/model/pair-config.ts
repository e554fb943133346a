/**
 * The pair model's configuration, weight layout and fresh weights (pair-scorer.ts), without TensorFlow.js: the
 * model files' checks (manifest.ts) and the worker's forward pass before tfjs loads (pair-plain.ts) read them.
 */
import { EVENT_KINDS, GAP_KINDS } from './sequence.ts';
import { PAIR_FEATURE_COUNT, PAIR_FEATURES } from './pair-features.ts';

export interface PairConfig {
  kind: 'pair';
  /** Pair features per (candidate, history item): PAIR_FEATURE_COUNT of the version that trained it. */
  features: number;
  /** Widths of the two hidden layers. */
  hidden: [number, number];
  /** Newest history events read. */
  maxLen: number;
}

export const PAIR_DEFAULTS: PairConfig = { kind: 'pair', features: PAIR_FEATURE_COUNT, hidden: [32, 16], maxLen: 16 };

/** Weight names and shapes, in file order. */
export function pairWeightShapes(cfg: PairConfig): [string, number[]][] {
  const [h1, h2] = cfg.hidden;
  return [
    ['pair.w1', [cfg.features, h1]],
    ['pair.b1', [h1]],
    ['ctx.event', [EVENT_KINDS, h1]],
    ['ctx.gap', [GAP_KINDS, h1]],
    ['ctx.pos', [cfg.maxLen, h1]],
    ['pair.w2', [h1, h2]],
    ['pair.b2', [h2]],
    ['pair.out', [h2, 2]],
    ['pair.outb', [2]],
    ['pool.v', [1]],
    ['skip.pos', [cfg.maxLen]],
    ['skip.feat', [cfg.features]],
  ];
}

/**
 * The content baseline a fresh model starts as, per pair: TF-IDF cosine + GRAMS_WEIGHT x title trigram cosine.
 * Chosen on Beauty's validation targets (0.25 to 1 tried; reports/default-model-attempts-5.txt).
 */
export const GRAMS_WEIGHT = 0.5;

/**
 * Fresh weights: the model starts as exactly the content baseline (skip.feat: TF-IDF cosine + GRAMS_WEIGHT x title
 * trigram cosine of each pair; skip.pos: the newest three history items weighted 1, 1/2, 1/4; the MLP's output
 * layer and pooling weight 0, so it adds nothing until trained); scaled Gaussian hidden layers, zero biases and
 * context tables.
 */
export function pairInitWeights(cfg: PairConfig, rand: () => number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of pairWeightShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(size);
    if (name === 'skip.pos') for (let i = 0; i < Math.min(3, size); i++) a[i] = 2 ** -i;
    else if (name === 'skip.feat') {
      a[PAIR_FEATURES.indexOf('cosAll')] = 1;
      a[PAIR_FEATURES.indexOf('gramsCos')] = GRAMS_WEIGHT;
    } else if (shape.length === 2 && !name.startsWith('ctx.') && name !== 'pair.out') {
      const std = Math.sqrt(2 / shape[0]!);
      for (let i = 0; i < size; i++) a[i] = std * gauss(rand);
    }
    out[name] = a;
  }
  return out;
}

function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-9);
  return Math.max(-2, Math.min(2, Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand())));
}
