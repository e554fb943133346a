/**
 * The model files' format without TensorFlow.js: the manifest (model.json) and its checks, the catalog index, and
 * writing a model (encodeModel). io.ts loads a model into tensors; the worker reads a pair model's weights before
 * tfjs loads (pair-plain.ts) and checks its manifest here.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { ModelError } from '../shared/errors.ts';
import { checkHybridConfig, type HybridConfig, type HybridTables } from './hybrid.ts';
import { weightShapes, type ModelConfig } from './model-config.ts';
import { pairWeightShapes, type PairConfig } from './pair-config.ts';
import { PAIR_FEATURE_COUNT } from './pair-features.ts';
import type { Weights } from './scorer.ts';
import { sha256Hex } from './sha256.ts';
import type { TermStats } from './text.ts';

export const FORMAT = 'reco-scorer';
/**
 * Newest format version this code reads and writes. 2 adds `config.inputScale`; a model without it is
 * still written as 1, so older SDKs keep loading it, and they reject a 2 instead of mis-scoring it.
 * 3 is the pair model (`config.kind: "pair"`, pair-scorer.ts): SDKs before it reject it by its version.
 * 4 is the hybrid (hybrid.ts): a transformer of format 2 plus `hybrid` (combiner weights and two tables, each
 * with its SHA-256); an SDK before it says "formatVersion: expected 1 to 3, got 4" instead of serving the
 * transformer without the parts it was trained to add to.
 * 5 is the hybrid with a third plain part, item-kNN (`hybrid.knn`, a third table): an SDK before it rejects it
 * rather than serve it without that part; a format 4 hybrid (no kNN table) loads and scores as before.
 * 6 is the hybrid with a transition part (`hybrid.transitions`, a linear model of the next item; with or without
 * the kNN table): an SDK before it rejects it, as above.
 */
export const FORMAT_VERSION = 6;
export const PAIR_FORMAT_VERSION = 3;
export const HYBRID_FORMAT_VERSION = 4;
export const KNN_HYBRID_FORMAT_VERSION = 5;
export const TRANSITION_HYBRID_FORMAT_VERSION = 6;

export interface ModelManifest {
  format: typeof FORMAT;
  formatVersion: number;
  /** Model id, e.g. "default" or "beauty-student". */
  id: string;
  /** Model version (date-based). Learned heads are keyed by it. */
  version: string;
  config: ModelConfig;
  /** File with the known item ids (index i = id row i + 1), when config.features.idVocab > 0. */
  vocab: string | null;
  /** SHA-256 (hex) of weights.bin, checked on load. */
  sha256: string;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  /** Metrics the model reached, as measured by the eval script. */
  metrics?: Record<string, unknown>;
  training?: Record<string, unknown>;
  /** Format 4: the hybrid's combiner weights and tables (hybrid.ts). */
  hybrid?: HybridConfig;
}

export interface LoadedModel {
  manifest: ModelManifest;
  weights: Weights;
  /** Item id → id-table row (1-based), or null for text-only models. */
  vocab: Map<string, number> | null;
  /** A hybrid's tables (format 4 or 5), loaded and checked; absent for a plain transformer. */
  hybrid?: HybridTables;
}

/** The pair model's manifest (format 3): the same fields with a PairConfig, never a vocabulary. */
export interface PairManifest extends Omit<ModelManifest, 'config' | 'vocab'> {
  config: PairConfig;
  vocab: null;
  /** File with the document frequencies of the shop's catalog (`npm run index`), when the model ships one. */
  index?: string | null;
  /** SHA-256 of the index file (hex): checked, and what a stored copy is kept by (written by `npm run index`). */
  indexSha256?: string;
}

export interface LoadedPairModel {
  manifest: PairManifest;
  weights: Weights;
  vocab: null;
  /** The catalog's document frequencies from the manifest's `index` file, or null (IDF of the items seen). */
  index: TermStats | null;
}

/** The file `npm run index` writes: document frequencies of a shop's catalog. */
export interface CatalogIndex {
  format: 'reco-catalog-index';
  version: 1;
  /** Items counted. */
  docs: number;
  /** Term → number of items that contain it (terms of src/model/text.ts itemTerms). */
  df: Record<string, number>;
}

/**
 * A model's item vocabulary (vocab.json: the known item ids, id i at row i + 1 of the id table) checked against the
 * manifest's `idVocab`, with each id's row.
 * @throws ModelError naming the file
 */
export function parseVocab(raw: unknown, idVocab: number, url: string): { ids: string[]; vocab: Map<string, number> } {
  if (!Array.isArray(raw) || raw.length !== idVocab) throw new ModelError(`${url}: expected ${idVocab} item ids`);
  const ids = raw.map(String);
  return { ids, vocab: new Map(ids.map((id, i) => [id, i + 1])) };
}

/** Checks a parsed index file; its message names the field. */
export function parseCatalogIndex(o: unknown, url: string): TermStats {
  const x = o as Partial<CatalogIndex> | null;
  const fail = (what: string): never => {
    throw new ModelError(`catalog index ${url}: ${what}`);
  };
  if (!x || typeof x !== 'object') fail('expected a JSON object');
  if (x!.format !== 'reco-catalog-index' || x!.version !== 1)
    fail(`format: expected "reco-catalog-index" version 1, got ${JSON.stringify(x!.format)} ${JSON.stringify(x!.version)}`);
  if (!(Number.isInteger(x!.docs) && x!.docs! > 0)) fail(`docs: expected a positive integer, got ${JSON.stringify(x!.docs)}`);
  if (!x!.df || typeof x!.df !== 'object') fail('df: expected an object of term counts');
  const df = new Map<string, number>();
  for (const [t, n] of Object.entries(x!.df!)) {
    if (!(Number.isInteger(n) && n > 0 && n <= x!.docs!))
      fail(`df["${t}"]: expected a whole number from 1 to docs, got ${JSON.stringify(n)}`);
    df.set(t, n);
  }
  return { docs: x!.docs!, df };
}

/** Either kind of model, as the engine and the scripts load it. */
export type AnyModel = LoadedModel | LoadedPairModel;

export function isPairModel(m: AnyModel): m is LoadedPairModel {
  return (m.manifest.config as { kind?: string }).kind === 'pair';
}

/** Weight names and shapes of either kind of config, in file order. */
export function shapesOf(config: ModelConfig | PairConfig): [string, number[]][] {
  return (config as { kind?: string }).kind === 'pair' ? pairWeightShapes(config as PairConfig) : weightShapes(config as ModelConfig);
}

export type Quantization = 'none' | 'float16' | 'uint8';

/** Serializes weights. Embedding tables take `embeddings` quantization, the rest `dense`. */
export async function encodeModel(
  meta: Omit<ModelManifest, 'format' | 'formatVersion' | 'sha256' | 'weightsManifest' | 'vocab' | 'config'> & {
    config: ModelConfig | PairConfig;
  },
  weights: Record<string, Float32Array>,
  vocab: readonly string[] | null,
  quant: { embeddings: Quantization; dense: Quantization } = { embeddings: 'none', dense: 'none' },
): Promise<{ manifest: ModelManifest; bin: ArrayBuffer; vocabJson: string | null }> {
  const entries: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const [name, shape] of shapesOf(meta.config)) {
    const data = weights[name];
    if (!data) throw new ModelError(`weights: missing "${name}"`);
    const q = name.endsWith('.emb') ? quant.embeddings : quant.dense;
    const entry: tf.io.WeightsManifestEntry = { name, shape, dtype: 'float32' };
    if (q === 'uint8') {
      let min = Infinity;
      let max = -Infinity;
      for (const v of data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      const scale = max > min ? (max - min) / 255 : 1;
      const out = new Uint8Array(data.length);
      for (let i = 0; i < data.length; i++) out[i] = Math.round((data[i]! - min) / scale);
      entry.quantization = { dtype: 'uint8', min, scale };
      parts.push(out);
    } else if (q === 'float16') {
      entry.quantization = { dtype: 'float16' };
      parts.push(new Uint8Array(toFloat16(data).buffer));
    } else {
      parts.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    }
    entries.push(entry);
  }
  const total = parts.reduce((s, p) => s + p.byteLength, 0);
  const bin = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    bin.set(p, off);
    off += p.byteLength;
  }
  const pair = (meta.config as { kind?: string }).kind === 'pair';
  const manifest = {
    format: FORMAT,
    formatVersion: pair
      ? PAIR_FORMAT_VERSION
      : meta.hybrid
        ? meta.hybrid.transitions
          ? TRANSITION_HYBRID_FORMAT_VERSION
          : meta.hybrid.knn
            ? KNN_HYBRID_FORMAT_VERSION
            : HYBRID_FORMAT_VERSION
        : (meta.config as ModelConfig).inputScale !== undefined
          ? 2
          : 1,
    ...meta,
    vocab: vocab ? 'vocab.json' : null,
    sha256: await sha256Hex(bin.buffer),
    weightsManifest: [{ paths: ['weights.bin'], weights: entries }],
  } as ModelManifest;
  return { manifest, bin: bin.buffer, vocabJson: vocab ? JSON.stringify(vocab) : null };
}

function toFloat16(src: Float32Array): Uint16Array {
  const out = new Uint16Array(src.length);
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  for (let i = 0; i < src.length; i++) {
    f[0] = src[i]!;
    const x = u[0]!;
    const sign = (x >>> 16) & 0x8000;
    const exp = ((x >>> 23) & 0xff) - 127 + 15;
    const mant = x & 0x7fffff;
    if (exp <= 0)
      out[i] = sign; // flush tiny values to zero
    else if (exp >= 31) out[i] = sign | 0x7c00;
    // Added, not or-ed: rounding can carry out of the mantissa into the exponent.
    else out[i] = sign | Math.min(0x7bff, (exp << 10) + ((mant + 0x1000) >>> 13));
  }
  return out;
}

/** Checks a parsed model.json of either kind and says exactly what is wrong. */
export function validateAnyManifest(m: unknown, url: string): ModelManifest | PairManifest {
  const fail = (what: string): never => {
    throw new ModelError(`model manifest ${url}: ${what}`);
  };
  if (!m || typeof m !== 'object') fail('expected a JSON object');
  const o = m as Partial<ModelManifest>;
  if (o.format !== FORMAT) fail(`format: expected "${FORMAT}", got ${JSON.stringify(o.format)}`);
  if (!(Number.isInteger(o.formatVersion) && o.formatVersion! >= 1 && o.formatVersion! <= FORMAT_VERSION))
    fail(`formatVersion: expected 1 to ${FORMAT_VERSION}, got ${JSON.stringify(o.formatVersion)}`);
  if (typeof o.id !== 'string' || typeof o.version !== 'string') fail('id and version: expected strings');
  if (o.formatVersion === PAIR_FORMAT_VERSION) return validatePair(o as unknown as Partial<PairManifest>, fail);
  const c = o.config;
  if (!c || typeof c.d !== 'number' || typeof c.blocks !== 'number' || !c.features)
    fail('config: expected { d, blocks, heads, ffn, features }');
  if (c!.inputScale !== undefined && (o.formatVersion! < 2 || typeof c!.inputScale !== 'number' || !(c!.inputScale > 0))) {
    fail(`config.inputScale: expected a positive number in a format 2 manifest, got ${JSON.stringify(c!.inputScale)}`);
  }
  const hybridFormats = [HYBRID_FORMAT_VERSION, KNN_HYBRID_FORMAT_VERSION, TRANSITION_HYBRID_FORMAT_VERSION];
  if (hybridFormats.includes(o.formatVersion!)) {
    if (!o.vocab || !(c!.features.idVocab > 0))
      fail(`vocab: a hybrid (format ${o.formatVersion}) needs the item-id vocabulary its tables are keyed by`);
    const h = checkHybridConfig(o.hybrid, c!.features.idVocab, fail, o.formatVersion);
    if (o.formatVersion === HYBRID_FORMAT_VERSION && h.knn !== undefined)
      fail(`hybrid.knn: only format ${KNN_HYBRID_FORMAT_VERSION} manifests have it, this one is format ${HYBRID_FORMAT_VERSION}`);
    if (o.formatVersion === KNN_HYBRID_FORMAT_VERSION && h.knn === undefined)
      fail(`hybrid.knn: a format ${KNN_HYBRID_FORMAT_VERSION} manifest needs its kNN table ({ file, sha256, rows, pairs, top, last })`);
    if (o.formatVersion !== TRANSITION_HYBRID_FORMAT_VERSION && h.transitions !== undefined)
      fail(`hybrid.transitions: only format ${TRANSITION_HYBRID_FORMAT_VERSION} manifests have it, this one is format ${o.formatVersion}`);
    if (o.formatVersion === TRANSITION_HYBRID_FORMAT_VERSION && h.transitions === undefined)
      fail(
        `hybrid.transitions: a format ${TRANSITION_HYBRID_FORMAT_VERSION} manifest needs its transition table ({ file, sha256, rows, pairs, top, last })`,
      );
  } else if (o.hybrid !== undefined)
    fail(`hybrid: only format ${hybridFormats.join(', ')} manifests have it, this one is format ${o.formatVersion}`);
  checkGroup(o, weightShapes(c!), fail);
  return o as ModelManifest;
}

function checkGroup(o: Partial<ModelManifest | PairManifest>, expected: [string, number[]][], fail: (what: string) => never): void {
  if (typeof o.sha256 !== 'string') fail('sha256: expected a hex string');
  if (!Array.isArray(o.weightsManifest) || o.weightsManifest.length !== 1) fail('weightsManifest: expected one group');
  const group = o.weightsManifest![0]!;
  if (!Array.isArray(group?.paths) || typeof group.paths[0] !== 'string' || !Array.isArray(group.weights))
    fail('weightsManifest: expected { paths: [file], weights: [...] }');
  if (!group.weights.every((w) => w && typeof w.name === 'string' && Array.isArray(w.shape)))
    fail('weightsManifest: every weight needs a name and a shape');
  const names = group.weights.map((w) => `${w.name}:${w.shape.join('x')}`).join(',');
  if (names !== expected.map(([n, s]) => `${n}:${s.join('x')}`).join(',')) fail('weightsManifest: weights do not match the config');
}

function validatePair(o: Partial<PairManifest>, fail: (what: string) => never): PairManifest {
  const c = o.config;
  if (!c || c.kind !== 'pair')
    fail(`config.kind: expected "pair" in a format ${PAIR_FORMAT_VERSION} manifest, got ${JSON.stringify(c?.kind)}`);
  if (c!.features !== PAIR_FEATURE_COUNT)
    fail(`config.features: this SDK computes ${PAIR_FEATURE_COUNT} pair features, the model reads ${JSON.stringify(c!.features)}`);
  const [h1, h2] = Array.isArray(c!.hidden) ? c!.hidden : [];
  if (!(Number.isInteger(h1) && h1! > 0 && Number.isInteger(h2) && h2! > 0))
    fail(`config.hidden: expected two positive integers, got ${JSON.stringify(c!.hidden)}`);
  if (!(Number.isInteger(c!.maxLen) && c!.maxLen > 0)) fail(`config.maxLen: expected a positive integer, got ${JSON.stringify(c!.maxLen)}`);
  if (o.vocab != null) fail('vocab: a pair model has no item vocabulary (expected null)');
  if (o.index != null && typeof o.index !== 'string') fail(`index: expected a file name or null, got ${JSON.stringify(o.index)}`);
  if (o.indexSha256 !== undefined && !(typeof o.indexSha256 === 'string' && /^[0-9a-f]{64}$/.test(o.indexSha256)))
    fail(`indexSha256: expected 64 hex digits, got ${JSON.stringify(o.indexSha256)}`);
  checkGroup(o, pairWeightShapes(c!), fail);
  return o as PairManifest;
}

/** Checks a transformer manifest (formats 1 and 2); a pair manifest is an error that says so. */
export function validateManifest(m: unknown, url: string): ModelManifest {
  const v = validateAnyManifest(m, url);
  if (v.formatVersion === PAIR_FORMAT_VERSION)
    throw new ModelError(`model manifest ${url}: a pair model (format ${PAIR_FORMAT_VERSION}), expected a transformer scorer here`);
  return v as ModelManifest;
}
