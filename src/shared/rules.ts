/**
 * Merchandising rules: what a shop may say about which items Reco shows and how it orders them, for grids
 * and placements alike. The types, their defaults and their validation live here (the page checks them in
 * `Reco.init()`); the worker applies them (src/model/arrange.ts).
 */
import { HISTORY_TYPES } from './labels.ts';
import type { EventType } from './types.ts';

/** Which items may be shown at all. Every given field must hold. */
export interface Filter {
  /** Inclusive price range; an item without a price passes. */
  price?: { min?: number; max?: number };
  /** Category paths (or their first levels) to keep: "Makeup" keeps "Makeup > Lips > Lipstick". Case-insensitive. */
  category?: string | string[];
  /** Brands to keep. Case-insensitive. */
  brand?: string | string[];
}

/**
 * Raises (positive weight) or lowers (negative weight: "bury") the items with this brand, in this category
 * (path prefix) or with this tag. The weight counts in standard deviations of the list's scores: 1 moves an
 * item about as far as one standard deviation of personalization does.
 */
export interface Boost {
  brand?: string;
  category?: string;
  tag?: string;
  weight: number;
}

/**
 * Diversity: at most `max` items of one brand (or category) among the first `within` places, or a
 * maximal-marginal-relevance blend where `mmr` (0..1) is the share of relevance against novelty (1: relevance only).
 */
export type Diversity = { by: 'brand' | 'category'; max: number; within: number } | { mmr: number };

/** Never recommend what the shopper just bought: items with one of these events within this many days. */
export interface ExcludeRecent {
  types: EventType[];
  days: number;
}

export interface Rules {
  /** Items outside the filter are never recommended; in a grid they move behind every item kept. */
  filter?: Filter;
  /** Leave out items marked unavailable (`data-reco-available="false"`, or the feed's availability). Default: true. */
  hideUnavailable?: boolean;
  boost?: Boost[];
  diversity?: Diversity | null;
  /** Default: purchases within 30 days. `false`: off. */
  excludeRecent?: ExcludeRecent | false;
}

/** Rules after defaults are merged. */
export type ResolvedRules = Required<Rules>;

export const DEFAULT_RULES: ResolvedRules = {
  filter: {},
  hideUnavailable: true,
  boost: [],
  diversity: null,
  excludeRecent: { types: ['purchase'], days: 30 },
};

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isStr = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isInt = (v: unknown, min: number): v is number => Number.isInteger(v) && (v as number) >= min;

/**
 * Checks a filter (the `rules.filter` option, or `recommend({ filter })`).
 * @param at the field's name in messages, e.g. "rules.filter"
 * @throws TypeError naming the field and what was expected
 */
export function validateFilter(f: unknown, at: string): Filter {
  const fail = (field: string, expected: string): never => {
    throw new TypeError(`${at}${field}: expected ${expected}, got ${JSON.stringify(f && (f as Record<string, unknown>)[field.slice(1)])}`);
  };
  if (f === undefined) return {};
  if (!f || typeof f !== 'object' || Array.isArray(f)) throw new TypeError(`${at}: expected an object with price, category or brand`);
  const o = f as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!['price', 'category', 'brand'].includes(k)) fail(`.${k}`, 'no such field (price, category, brand)');
  const p = o['price'] as Record<string, unknown> | undefined;
  if (p !== undefined && (!p || typeof p !== 'object' || ![p['min'], p['max']].every((v) => v === undefined || isNum(v))))
    fail('.price', '{ min?, max? } numbers');
  if (isNum(p?.['min']) && isNum(p?.['max']) && p['min'] > p['max'])
    fail('.price', 'min at most max (a range no price is in filters out everything)');
  for (const k of ['category', 'brand'])
    if (o[k] !== undefined && !(isStr(o[k]) || (Array.isArray(o[k]) && o[k].length > 0 && (o[k] as unknown[]).every(isStr))))
      fail(`.${k}`, 'a string or a non-empty list of strings (an empty list leaves out every item)');
  return { ...o };
}

/**
 * Checks the `rules` option and merges the defaults.
 * @throws TypeError naming the field, e.g. `rules.boost[1].weight: expected a number`
 */
export function validateRules(r: unknown): ResolvedRules {
  if (r === undefined) return DEFAULT_RULES;
  if (!r || typeof r !== 'object' || Array.isArray(r)) throw new TypeError('rules: expected an object');
  const o = r as Record<string, unknown>;
  const fail = (field: string, expected: string, got: unknown): never => {
    throw new TypeError(`rules.${field}: expected ${expected}, got ${JSON.stringify(got)}`);
  };
  for (const k of Object.keys(o)) if (!(k in DEFAULT_RULES)) fail(k, `one of ${Object.keys(DEFAULT_RULES).join(', ')}`, k);
  const out = { ...DEFAULT_RULES, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as ResolvedRules;
  out.filter = validateFilter(o['filter'], 'rules.filter');
  if (typeof out.hideUnavailable !== 'boolean') fail('hideUnavailable', 'true or false', out.hideUnavailable);
  if (!Array.isArray(out.boost)) fail('boost', 'an array of { brand | category | tag, weight }', out.boost);
  out.boost.forEach((b, i) => {
    const keys = b && typeof b === 'object' ? Object.keys(b).filter((k) => k !== 'weight') : [];
    if (
      keys.length !== 1 ||
      !['brand', 'category', 'tag'].includes(keys[0]!) ||
      !isStr((b as unknown as Record<string, unknown>)[keys[0]!])
    )
      fail(`boost[${i}]`, 'one of brand, category or tag (a string) and a weight', b);
    if (!isNum(b.weight)) fail(`boost[${i}].weight`, 'a number', b.weight);
  });
  const d = out.diversity as Record<string, unknown> | null;
  if (d !== null) {
    if (!d || typeof d !== 'object') fail('diversity', '{ by, max, within } or { mmr }', d);
    else if ('mmr' in d) {
      if (!(isNum(d['mmr']) && d['mmr'] >= 0 && d['mmr'] <= 1)) fail('diversity.mmr', 'a number from 0 to 1', d['mmr']);
    } else {
      if (d['by'] !== 'brand' && d['by'] !== 'category') fail('diversity.by', '"brand" or "category"', d['by']);
      if (!isInt(d['max'], 1)) fail('diversity.max', 'an integer of at least 1', d['max']);
      if (!isInt(d['within'], 1)) fail('diversity.within', 'an integer of at least 1', d['within']);
    }
  }
  const x = out.excludeRecent as Record<string, unknown> | false;
  if (x !== false) {
    if (!x || typeof x !== 'object') fail('excludeRecent', '{ types, days } or false', x);
    else {
      // Only what the history holds: impressions and removals from the cart are not in it, so such a rule did nothing.
      if (!Array.isArray(x['types']) || !x['types'].every((t) => HISTORY_TYPES.includes(t)))
        fail('excludeRecent.types', `an array of ${HISTORY_TYPES.join(', ')}`, x['types']);
      if (!(isNum(x['days']) && x['days'] >= 0)) fail('excludeRecent.days', 'a number of days (0 or more)', x['days']);
    }
  }
  return out;
}
