/**
 * The shop's catalog feed (`catalogUrl`): fetched by the worker, kept in Cache Storage and revalidated by ETag,
 * read as JSON Lines or a JSON array of items. Apart from catalog.ts (placements' catalog), so that the worker's
 * host can start the load when the page calls init() without the catalog's text index.
 */
import { parsePrice } from '../shared/price.ts';
import type { ItemFeatures } from '../shared/types.ts';
import { fetchCached, type CacheOpener } from './asset-cache.ts';

/**
 * An item as the merchandising rules read it: the page's fields, and the feed's row for those the page does not give
 * (its tags, which a card cannot mark; the category of a card known by its id and link alone; availability).
 */
export function overFeed(it: ItemFeatures, row: ItemFeatures | undefined): ItemFeatures {
  if (!row) return it;
  const given = Object.fromEntries(Object.entries(it).filter(([, v]) => v !== undefined));
  return { ...row, ...given } as ItemFeatures;
}

/** The fields the rules read (filters, boosts, diversity, hideUnavailable). */
const RULE_FIELDS = ['available', 'category', 'brand', 'price', 'tags'] as const;

/**
 * The feed's values of the rule fields that the page leaves out of `it`, as `{ id, ... }`; null when it adds none.
 * What a serving snapshot keeps of the feed (src/model/snapshot.ts): the next page view's first arrangements come
 * before its feed has loaded.
 */
export function feedFieldsFor(it: ItemFeatures, row: ItemFeatures | undefined): ItemFeatures | null {
  const add = RULE_FIELDS.filter((f) => it[f] === undefined && row?.[f] !== undefined);
  return add.length ? (Object.fromEntries([['id', it.id], ...add.map((f) => [f, row![f]])]) as ItemFeatures) : null;
}

/** Feed rows read at most; the rest are ignored (and `status().catalog` says how many were). */
export const MAX_FEED_ITEMS = 20_000;
export const FEED_CACHE = 'reco-catalog';

/** A catalog item: the features Reco reads, and the feed row as the shop wrote it. */
export interface CatalogEntry {
  item: ItemFeatures;
  row: Record<string, unknown>;
}

export interface ParsedFeed {
  entries: CatalogEntry[];
  /** Rows without a usable id (or lines that are not JSON). */
  skipped: number;
  /** Rows past MAX_FEED_ITEMS. */
  ignored: number;
}

const text = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' && Number.isFinite(v) ? String(v) : undefined;

/** Symbols that name one currency; the dollar, the yen, the franc and "kr" name several, and say nothing here. */
const CURRENCY_SYMBOLS: Record<string, string> = { '€': 'EUR', '£': 'GBP', '₹': 'INR', '₩': 'KRW', '₺': 'TRY', '₪': 'ILS', zł: 'PLN' };

/** An ISO 4217 code the browser can format money in. */
function isCurrency(code: string): boolean {
  if (!/^[A-Z]{3}$/.test(code)) return false;
  try {
    return Intl.supportedValuesOf('currency').includes(code);
  } catch {
    return true; // a browser without the list: the code is well-formed
  }
}

/**
 * The currency a feed row gives its price in (ISO 4217): its `priceCurrency` (schema.org) or `currency`, the price
 * object's, else the code or unambiguous symbol written in the price ("24.90 USD" as Google Merchant feeds write it,
 * "€24.90"); undefined when the row does not say.
 */
export function priceCurrency(r: Record<string, unknown>): string | undefined {
  const p = r['price'];
  const nested = p && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : {};
  const given = text(r['priceCurrency'] ?? r['currency'] ?? nested['currency'] ?? nested['currencyCode'] ?? nested['priceCurrency']);
  if (given) return isCurrency(given.toUpperCase()) ? given.toUpperCase() : undefined;
  if (typeof p !== 'string') return undefined;
  const code = /(?:^|[^A-Za-z])([A-Z]{3})(?![A-Za-z])/.exec(p)?.[1];
  if (code && isCurrency(code)) return code;
  return Object.entries(CURRENCY_SYMBOLS).find(([symbol]) => p.includes(symbol))?.[1];
}

/** "in stock", "in_stock", "InStock", "https://schema.org/InStock", true → true; "out of stock", "SoldOut", "discontinued", false → false. */
export function availability(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = text(v)
    ?.toLowerCase()
    .replace(/^https?:\/\/schema\.org\//, '')
    .replace(/[\s_-]/g, '');
  if (!s) return undefined;
  // 0 as the page reads data-reco-available="0": a feed exported with a 0/1 column.
  if (['outofstock', 'soldout', 'discontinued', 'false', 'no', 'unavailable', '0'].includes(s)) return false;
  return true;
}

/**
 * One feed row as Reco reads it. Field names of the training format (`id, title, brand, category, price,
 * url, image, availability`), and the Google Merchant names `link` and `image_link`; `category` may be a path
 * string or an array of levels, `brand` a string or `{ name }`, `tags` an array or a comma-separated string.
 * @returns null for a row without an id
 */
export function readRow(row: unknown): CatalogEntry | null {
  if (!row || typeof row !== 'object' || Array.isArray(row)) return null;
  const r = row as Record<string, unknown>;
  const id = text(r['id']);
  if (!id) return null;
  const brand = r['brand'] && typeof r['brand'] === 'object' ? (r['brand'] as Record<string, unknown>)['name'] : r['brand'];
  // schema.org allows several images, or an ImageObject: the first one's URL.
  const image = [r['image'] ?? r['image_link']].flat()[0];
  const category = Array.isArray(r['category']) ? r['category'].map(text).filter(Boolean).join(' > ') : r['category'];
  const tags = Array.isArray(r['tags']) ? r['tags'] : typeof r['tags'] === 'string' ? r['tags'].split(',') : [];
  const fields: ItemFeatures = {
    id,
    title: text(r['title']),
    brand: text(brand),
    category: text(category),
    price: parsePrice(r['price']),
    url: text(r['url'] ?? r['link']),
    image: text(image && typeof image === 'object' ? (image as Record<string, unknown>)['url'] : image),
    available: availability(r['available'] ?? r['availability']),
    tags: tags.map(text).filter((t): t is string => !!t),
  };
  const item = Object.fromEntries(
    Object.entries(fields).filter(([k, v]) => v !== undefined && !(k === 'tags' && !tags.length)),
  ) as ItemFeatures;
  // The row as the feed has it, but for the fields read above: those come back as read, or not at all (a price of
  // "on request" is no number; a title that is an object is no text).
  const rest: Record<string, unknown> = { ...r, id };
  for (const k of Object.keys(fields)) if (k !== 'id') delete rest[k];
  // The price's currency, as schema.org names it, also where the feed wrote it into the price: render() shows it. A
  // priceCurrency that is no currency code (or of no price) is left out, as the fields above are.
  const currency = item.price !== undefined ? priceCurrency(r) : undefined;
  if (currency) rest['priceCurrency'] = currency;
  else delete rest['priceCurrency'];
  return { item, row: rest };
}

/**
 * Parses a feed: a JSON array (or an object with an `items` array), or JSON Lines. A bad row or line is
 * skipped and counted; a repeated id keeps its first row.
 * @throws Error when the text is neither
 */
export function parseFeed(body: string): ParsedFeed {
  const trimmed = body.trim();
  let rows: unknown[] | null = null;
  let skipped = 0;
  if (trimmed.startsWith('<'))
    throw new Error("expected JSON Lines or a JSON array of items, got an HTML page (a server's fallback for a missing file?)");
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    try {
      const json: unknown = JSON.parse(trimmed);
      rows = Array.isArray(json)
        ? json
        : Array.isArray((json as Record<string, unknown>)?.['items'])
          ? (json as { items: unknown[] }).items
          : null;
    } catch (err) {
      // A JSON array that does not parse is refused whole, where it fails: read as lines, most rows would be lost.
      if (trimmed.startsWith('[')) throw new Error(`the JSON array of items is not valid JSON (${(err as Error).message})`, { cause: err });
      rows = null; // JSON Lines also starts with "{"
    }
  }
  if (!rows) {
    rows = [];
    for (const line of trimmed.split(/\r?\n/)) {
      if (!line.trim()) continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        skipped++;
      }
    }
    if (!rows.length) throw new Error('expected JSON Lines (one item object per line) or a JSON array of items');
  }
  const seen = new Set<string>();
  const entries: CatalogEntry[] = [];
  // Up to MAX_FEED_ITEMS items: rows without an id and repeated ids do not count toward it.
  let read = 0;
  for (; read < rows.length && entries.length < MAX_FEED_ITEMS; read++) {
    const e = readRow(rows[read]);
    if (!e) skipped++;
    else if (!seen.has(e.item.id)) {
      seen.add(e.item.id);
      entries.push(e);
    }
  }
  return { entries, skipped, ignored: rows.length - read };
}

/** A feed fetched and parsed, with at least one item. */
export interface FetchedFeed extends ParsedFeed {
  /** The text came from Cache Storage (the server said 304, or could not be reached). */
  fromCache: boolean;
  /** Why the stored copy was used rather than the server's answer (see CachedText.stale). */
  stale?: string;
}

/**
 * Fetches (or reads from Cache Storage) and parses the feed at `url`.
 * @param storage the Cache Storage the feed is kept in (null: fetched only, e.g. after forget()); default: the global one
 * @throws Error when it cannot be fetched, does not parse, or has no item with an id
 */
export async function loadFeed(
  url: string,
  fetchFn: typeof fetch = fetch,
  storage?: () => CacheOpener | null | undefined,
): Promise<FetchedFeed> {
  const { text, fromCache, stale } = await fetchCached(url, FEED_CACHE, fetchFn, storage);
  const parsed = parseFeed(text);
  if (!parsed.entries.length) throw new Error(`${url}: no item with an id`);
  return { ...parsed, fromCache, ...(stale && { stale }) };
}
