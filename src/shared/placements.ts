/**
 * Placements: whole lists of recommendations drawn from the catalog (the shop's feed, or the items seen on
 * the site so far), computed in the worker. The request and its answer, as both threads see them.
 */
import { validateFilter, type Filter } from './rules.ts';
import type { ItemFeatures } from './types.ts';

export const PLACEMENTS = ['for-you', 'similar', 'recently-viewed', 'because-you-viewed'] as const;
/**
 * - `for-you`: the model's ranking of the catalog for this shopper (without a history: the catalog's order);
 * - `similar`: items like `itemId`, from that item alone (text and the model), the same for every shopper;
 * - `recently-viewed`: items this shopper opened or clicked, newest first (`itemId` left out);
 * - `because-you-viewed`: items like the ones this shopper viewed last (or like `itemId`), each with its reason.
 */
export type Placement = (typeof PLACEMENTS)[number];

export interface RecommendRequest {
  placement: Placement;
  /** The item the page is about: required for `similar`; left out of every placement. */
  itemId?: string;
  /** Most items returned. Default 8, at most 100. */
  limit?: number;
  /** Narrows this call, on top of the `rules` option's filter. */
  filter?: Filter;
}

/** Why a "because you viewed" item is there: the history item it is like. */
export interface Reason {
  itemId: string;
  title?: string;
}

/**
 * One recommended item: the catalog's own fields (a feed row as the shop wrote it, with `id` a string,
 * `price` a number and `available` a boolean), and for `because-you-viewed` the reason.
 */
export type Recommendation = ItemFeatures & { reason?: Reason; [field: string]: unknown };

/** How render() shows prices and resolves links: the page's base URL and language, and its currency option. */
export interface SlotOptions {
  base: string;
  lang: string;
  currency?: string;
  /** Origins images may load from besides the page's and the feed's (render()'s `imageOrigins`). */
  imageOrigins?: unknown;
}

export const MAX_LIMIT = 100;
/** A placement's `limit`: a whole number from 1 to MAX_LIMIT. */
export const isLimit = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 1 && (v as number) <= MAX_LIMIT;

/**
 * Checks a recommend() request and fills in the default limit.
 * @throws TypeError naming the field and what was expected
 */
export function validateRequest(r: unknown): Required<Omit<RecommendRequest, 'itemId'>> & { itemId?: string } {
  if (!r || typeof r !== 'object') throw new TypeError(`recommend(request): expected { placement, itemId?, limit?, filter? }`);
  const o = r as Record<string, unknown>;
  const fail = (field: string, expected: string): never => {
    throw new TypeError(`recommend: ${field} expected ${expected}, got ${JSON.stringify(o[field])}`);
  };
  if (!PLACEMENTS.includes(o['placement'] as Placement)) fail('placement', `one of ${PLACEMENTS.join(', ')}`);
  if (o['itemId'] !== undefined && (typeof o['itemId'] !== 'string' || !o['itemId'].trim())) fail('itemId', 'a non-blank string');
  if (o['placement'] === 'similar' && o['itemId'] === undefined) fail('itemId', 'an item id for the "similar" placement');
  const limit = o['limit'] ?? 8;
  if (!isLimit(limit)) fail('limit', `an integer from 1 to ${MAX_LIMIT}`);
  return {
    placement: o['placement'] as Placement,
    // Trimmed, as the grids', track()'s and the dataLayer's ids are.
    ...(o['itemId'] !== undefined && { itemId: (o['itemId'] as string).trim() }),
    limit: limit as number,
    filter: validateFilter(o['filter'], 'recommend: filter'),
  };
}
