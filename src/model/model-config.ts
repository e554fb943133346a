/**
 * The transformer scorer's configuration and weight layout (scorer.ts), without TensorFlow.js: the model files'
 * checks (manifest.ts) read them where tfjs is not loaded.
 */
import type { FeatureConfig } from './features.ts';
import { EVENT_KINDS, GAP_KINDS } from './sequence.ts';

export interface ModelConfig {
  /** Width of every vector. */
  d: number;
  blocks: number;
  heads: number;
  /** Hidden width of the feed-forward layers. */
  ffn: number;
  /** Multiplier of the item vectors at the encoder input (SASRec uses sqrt(d)); default 1. */
  inputScale?: number;
  features: FeatureConfig;
}

/** Names of the scoring head's weights: the part fine-tuned on the device. */
export const HEAD_WEIGHTS = ['head.w', 'head.c'] as const;

/** Shapes of every weight, in a fixed order (the order of the weights file). */
export function weightShapes(cfg: ModelConfig): [string, number[]][] {
  const { d, ffn } = cfg;
  const f = cfg.features;
  const shapes: [string, number[]][] = [['text.emb', [f.textBuckets, d]]];
  if (f.idVocab > 0) shapes.push(['id.emb', [f.idVocab + 1, d]]);
  shapes.push(['pos.emb', [f.maxLen, d]], ['event.emb', [EVENT_KINDS, d]], ['gap.emb', [GAP_KINDS, d]]);
  for (let b = 0; b < cfg.blocks; b++) {
    const p = `block${b}.`;
    shapes.push(
      [`${p}ln1.g`, [d]],
      [`${p}ln1.b`, [d]],
      [`${p}wq`, [d, d]],
      [`${p}wk`, [d, d]],
      [`${p}wv`, [d, d]],
      [`${p}wo`, [d, d]],
      [`${p}ln2.g`, [d]],
      [`${p}ln2.b`, [d]],
      [`${p}w1`, [d, ffn]],
      [`${p}b1`, [ffn]],
      [`${p}w2`, [ffn, d]],
      [`${p}b2`, [d]],
    );
  }
  shapes.push(['out.ln.g', [d]], ['out.ln.b', [d]], ['head.w', [d, d]], ['head.c', [d]]);
  return shapes;
}

/** Fresh weights: truncated-normal-ish init, LayerNorm gains 1, head starts as the identity map. */
export function initWeights(cfg: ModelConfig, rand: () => number): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of weightShapes(cfg)) {
    const size = shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(size);
    if (name.endsWith('.g')) a.fill(1);
    else if (shape.length === 2 && !name.startsWith('head.')) {
      const std = name.endsWith('.emb') ? 0.05 : Math.sqrt(1 / shape[0]!);
      for (let i = 0; i < size; i++) a[i] = std * gauss(rand);
      // Row 0 of the text and id tables is padding / "unknown"; itemVectors masks it, zero keeps files tidy.
      if (name === 'text.emb' || name === 'id.emb') a.fill(0, 0, shape[1]);
    }
    out[name] = a;
  }
  return out;
}

function gauss(rand: () => number): number {
  const u = Math.max(rand(), 1e-9);
  const v = rand();
  return Math.max(-2, Math.min(2, Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)));
}
