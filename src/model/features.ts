/**
 * The item featurizer, shared by the Node training scripts and the worker, so that training and serving
 * can never disagree (the event encoding is in sequence.ts). Pure functions, no tfjs.
 */
import type { ItemFeatures } from '../shared/types.ts';
import { CJK, textTokens } from './text.ts';

/** How items and events become integer inputs. Stored in the model manifest. */
export interface FeatureConfig {
  /** Hash buckets for title tokens, brand, category levels and price bucket. Bucket 0 is padding. */
  textBuckets: number;
  /** Tokens kept per item (title tokens first, then brand, categories, price). */
  tokensPerItem: number;
  /** Most recent events the shopper encoder reads. */
  maxLen: number;
  /** Known item ids (index + 1 is the id-embedding row; 0 means unknown, text only). Empty for text-only models. */
  idVocab: number;
}

const STOP = new Set(['and', 'the', 'for', 'with', 'of', 'in', 'to', 'a', 'an', 'by', 'on', 'oz', 'ml', 'fl', 'pack', 'count', 'new']);

/**
 * Lower-case word tokens of a title, as content similarity reads text (text.ts: accents folded on Latin letters,
 * "Lumière" → "lumiere"; Chinese, Japanese and Korean runs, which have no spaces, as character bigrams, a one-character
 * run kept as it is, voicing marks kept: ガス stays ガス); one-letter words, stop words and numbers dropped, since they
 * say little about taste. Until 2026-12-06 an unspaced Japanese title was one token, marks were stripped from every
 * script (ガス became カス) and one-character words (鍋) were dropped; Beauty's and the demo's titles give the same
 * tokens both ways, so the models trained on them are unchanged.
 */
export function tokenize(text: string): string[] {
  return textTokens(text).filter((t) => (CJK.test(t[0]!) || t.length >= 2) && !STOP.has(t) && !/^\d/.test(t));
}

/** FNV-1a, 32 bit: fast, stable across platforms, no dependency. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Splits "Makeup > Eyes | Mascara" and "Makeup/Eyes" into levels. */
export function categoryLevels(category: string | undefined): string[] {
  if (!category) return [];
  return category
    .split(/\s*[>|/]\s*/)
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s.length > 0 && s !== 'unknown');
}

/** Log-scale price bucket: one bucket per factor of about 1.5. */
export function priceBucket(price: number | undefined): number | null {
  if (price == null || !Number.isFinite(price) || price <= 0) return null;
  return Math.round(Math.log(price) / Math.log(1.5));
}

/** The feature strings of an item: category levels, brand, price bucket, then title words (truncation drops title words first). */
export function itemTokens(item: ItemFeatures): string[] {
  const toks: string[] = [];
  const levels = categoryLevels(item.category);
  let path = '';
  for (const level of levels) {
    path = path ? `${path}>${level}` : level;
    toks.push(`c:${path}`);
  }
  if (item.brand && item.brand.trim() && item.brand.toLowerCase() !== 'unknown') toks.push(`b:${item.brand.trim().toLowerCase()}`);
  const pb = priceBucket(item.price);
  if (pb != null) toks.push(`p:${pb}`);
  const seen = new Set<string>();
  for (const t of tokenize(item.title ?? '')) {
    if (!seen.has(t)) {
      seen.add(t);
      toks.push(`t:${t}`);
    }
  }
  return toks;
}

/**
 * Writes the item's hashed token buckets into `out` at `offset` (tokensPerItem slots, 0-padded).
 * Structured (category, brand, price) tokens come first so that they are always kept.
 */
export function featurizeInto(item: ItemFeatures, cfg: FeatureConfig, out: Int32Array, offset: number): void {
  const toks = itemTokens(item);
  const n = Math.min(toks.length, cfg.tokensPerItem);
  for (let i = 0; i < cfg.tokensPerItem; i++) {
    out[offset + i] = i < n ? 1 + (hash32(toks[i]!) % (cfg.textBuckets - 1)) : 0;
  }
}

/** Featurizes many items: an n x tokensPerItem Int32Array. */
export function featurizeItems(items: readonly ItemFeatures[], cfg: FeatureConfig): Int32Array {
  const out = new Int32Array(items.length * cfg.tokensPerItem);
  items.forEach((item, i) => featurizeInto(item, cfg, out, i * cfg.tokensPerItem));
  return out;
}
