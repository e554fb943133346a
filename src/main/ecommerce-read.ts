/**
 * What the analytics readers share (datalayer-read.ts, GA4 and Universal Analytics; matomo-read.ts, Matomo): an
 * ecommerce event as GA4 names it, recorded as one Reco event per item. Types only from the rest of Reco, as the
 * readers: the chunk they make is one file.
 */
import type { EventType, ItemFeatures } from '../shared/types.ts';
import type { Tracker } from '../tracker/tracker.ts';

export type Entry = Record<string, unknown>;

/** What a reader needs. */
export interface EcommerceReader {
  /** Reco's event types (EVENT_TYPES), passed in: the readers import no code of Reco's, so they load as one small file. */
  types: readonly EventType[];
  /**
   * Null while consent is denied: what the shop pushed before and pushes meanwhile is marked read and never recorded,
   * not by a later init()'s reader either.
   */
  tracker: Tracker | null;
  /** Keeps the features the shop's items carry (name, brand, category levels, price). */
  remember(features: ItemFeatures[]): void;
  onError(err: Error): void;
}

/** An ecommerce event as GA4 names it: its type, and GA4's parameters (`items`, `currency`, `transaction_id`, …). */
export interface Ecommerce {
  type: EventType;
  params: Entry;
}

/**
 * Transactions whose purchase this page view recorded: GA4 counts a purchase once per `transaction_id` (a shop that
 * sends it both through gtag() and a Tag Manager push, a confirmation view a single-page app renders twice), and a shop
 * that tells both GA4 and Matomo of an order has it recorded once.
 */
const transactions = new Set<string>();

/**
 * Whether a purchase of this transaction is the first this page view records (one without an id always is). One
 * without items records nothing and claims nothing: a shop that tells one analytics tool of an order's revenue only and
 * another of its items has the items recorded.
 */
export function firstPurchase(id: unknown, items: unknown): boolean {
  const transaction = str(id);
  if (transaction === undefined || !Array.isArray(items) || !items.length) return true;
  if (transactions.has(transaction)) return false;
  transactions.add(transaction);
  return true;
}

export const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
export const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/**
 * One Reco event per item of a GA4 event. An item's fields as GA4 names them, else as Universal Analytics did (`id`,
 * `name`, `brand`, `category` with its levels joined by "/", `list` or gtag.js's `list_name`, a 1-based `position` or
 * `list_position`), as GA4 reads both; items without an id are skipped: a name is not an id.
 */
export function recordEcommerce(
  { type, params }: Ecommerce,
  tracker: Tracker,
  remember: EcommerceReader['remember'],
  source: 'dataLayer' | 'matomo' = 'dataLayer',
): void {
  const items = Array.isArray(params['items']) ? (params['items'] as unknown[]) : [];
  const features: ItemFeatures[] = [];
  for (const raw of items) {
    if (!raw || typeof raw !== 'object') continue;
    const item = raw as Entry;
    const id = str(item['item_id']) ?? str(item['id']);
    if (!id) continue;
    const f: ItemFeatures = { id };
    const title = str(item['item_name']) ?? str(item['name']);
    const brand = str(item['item_brand']) ?? str(item['brand']);
    const levels = ['item_category', 'item_category2', 'item_category3', 'item_category4', 'item_category5'].map((k) => str(item[k]));
    const category = (levels.some(Boolean) ? levels : (str(item['category'])?.split('/') ?? []).map((level) => level.trim()))
      .filter(Boolean)
      .join(' > ');
    const price = num(item['price']);
    if (title) f.title = title;
    if (brand) f.brand = brand;
    if (category) f.category = category;
    if (price !== undefined) f.price = price;
    features.push(f);
    const extra: Record<string, string | number> = {};
    const quantity = num(item['quantity']);
    const currency = str(params['currency']);
    const transaction = str(params['transaction_id']);
    if (price !== undefined) extra['price'] = price;
    if (quantity !== undefined) extra['quantity'] = quantity;
    if (currency) extra['currency'] = currency;
    if (transaction) extra['transaction_id'] = transaction;
    const uaPosition = num(item['position']) ?? num(item['list_position']);
    const index = num(item['index']) ?? (uaPosition !== undefined ? uaPosition - 1 : undefined);
    tracker.track(type, id, extra, {
      listId:
        str(item['item_list_id']) ??
        str(params['item_list_id']) ??
        str(item['item_list_name']) ??
        str(params['item_list_name']) ??
        str(item['list']) ??
        str(item['list_name']) ??
        null,
      position: index !== undefined && Number.isInteger(index) && index >= 0 ? index : null,
      source,
      // An impression of an item in a grid Reco tracks is the tracker's (it counts only what was seen), also when the
      // app renders that grid a moment after its push.
      unlessTracked: type === 'view_item_list',
    });
  }
  if (features.length) remember(features);
}
