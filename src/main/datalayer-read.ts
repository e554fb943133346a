/**
 * Reading the shop's GA4 dataLayer (the `dataLayer` option, see datalayer.ts): the shop's GA4 ecommerce pushes
 * (`dataLayer.push({ event, ecommerce: { items } })`, and gtag's `gtag('event', name, { items })`, which pushes its
 * arguments object) become history events without track().
 *
 * Loaded on demand, only on pages that read their dataLayer: the ES build imports it through bundler-assets.mjs
 * (dist/reco.datalayer.mjs), reco.js from next to the script. It imports types only, so it is one file.
 * https://developers.google.com/analytics/devguides/collection/ga4/ecommerce
 */
import type { EventType, ItemFeatures } from '../shared/types.ts';
import type { Tracker } from '../tracker/tracker.ts';

type Entry = Record<string, unknown>;

/** Entries already read, so a second init() on the same page does not read them again. */
const read = new WeakSet<object>();
/**
 * Transactions whose purchase this page view recorded: GA4 counts a purchase once per `transaction_id` (a shop that
 * sends it both through gtag() and a Tag Manager push, a confirmation view a single-page app renders twice).
 */
const transactions = new Set<string>();

/** What {@link readDataLayer} needs. */
export interface DataLayerReader {
  /** The page's dataLayer (pageDataLayer() in datalayer.ts). */
  layer: unknown[];
  /** Reco's event types (EVENT_TYPES), passed in: this module imports nothing, so it loads as one small file. */
  types: readonly EventType[];
  /**
   * Null while consent is denied: what is in the dataLayer and what the shop pushes meanwhile is marked read and never
   * recorded, not by a later init()'s reader either.
   */
  tracker: Tracker | null;
  /** Keeps the features GA4 items carry (name, brand, category levels, price). */
  remember(features: ItemFeatures[]): void;
  onError(err: Error): void;
}

/**
 * Reads the GA4 ecommerce events already in the dataLayer, and those pushed from now on, into the shopper's
 * history. An impression (`view_item_list`) of an item that sits in a grid Reco tracks is left to the tracker,
 * which counts only what was really seen; any other event the tracker or track() recorded a moment before is
 * not counted twice (see Tracker.track).
 * @returns stops reading
 */
export function readDataLayer(o: DataLayerReader): () => void {
  const dl = o.layer;
  const consent = consentMode();
  /** `backlog`: an entry already in the dataLayer, read once whatever the number of readers; a push is a new event, also one repeating an object pushed before. */
  const take = (entry: unknown, backlog = false) => {
    try {
      if (!entry || typeof entry !== 'object') return;
      // Consent commands apply in the dataLayer's order, also those a reader before this one read (a second init()).
      consent.follow(entry);
      if (backlog && read.has(entry)) return;
      read.add(entry);
      const tracker = o.tracker;
      if (!tracker) return;
      // An event the shopper's consent denied when the shop pushed it is not recorded, not even once consent is granted.
      if (consent.denied()) return;
      for (const e of ecommerceEvents(entry, o.types)) {
        const transaction = e.type === 'purchase' ? str(e.params['transaction_id']) : undefined;
        if (transaction !== undefined) {
          if (transactions.has(transaction)) continue;
          transactions.add(transaction);
        }
        record(e, tracker, o);
      }
    } catch (err) {
      o.onError(err as Error);
    }
  };
  dl.forEach((entry) => take(entry, true));
  const push = dl.push;
  let reading = true;
  const hooked = function (this: unknown[], ...entries: unknown[]): number {
    const n = push.apply(this, entries);
    if (reading) entries.forEach((entry) => take(entry));
    return n;
  };
  dl.push = hooked;
  return () => {
    reading = false;
    // Google Tag Manager wraps push after us: then ours stays in its chain, doing nothing.
    if (dl.push === hooked) dl.push = push;
  };
}

/**
 * Google Consent Mode (v2) as the shop's consent banner sets it through the dataLayer: `gtag('consent', 'default' |
 * 'update', { analytics_storage, … })`, which pushes its arguments object. Reco reads the shop's GA4 analytics events,
 * so it follows `analytics_storage`: denied by the latest `update`, else by a `default`. A default for some regions
 * only (`region: ['FR', …]`) counts too: the page cannot tell the shopper's region, so a denial anywhere is kept.
 * https://developers.google.com/tag-platform/security/guides/consent
 */
function consentMode(): { follow(entry: object): void; denied(): boolean } {
  const defaults = new Map<string, unknown>();
  let update: unknown;
  return {
    follow(entry) {
      if (!(Array.isArray(entry) || Object.prototype.toString.call(entry) === '[object Arguments]')) return;
      const [command, kind, params] = Array.from(entry as ArrayLike<unknown>);
      if (command !== 'consent' || !params || typeof params !== 'object') return;
      const value = (params as Entry)['analytics_storage'];
      if (value !== 'granted' && value !== 'denied') return;
      if (kind === 'update') update = value;
      else if (kind === 'default') defaults.set(JSON.stringify((params as Entry)['region'] ?? null), value);
    },
    denied: () => (update ?? ([...defaults.values()].includes('denied') ? 'denied' : 'granted')) === 'denied',
  };
}

/** An ecommerce event as GA4 names it: its type, and GA4's parameters (`items`, `currency`, `transaction_id`, …). */
interface Ecommerce {
  type: EventType;
  params: Entry;
}

/**
 * The GA4 ecommerce events of Reco's event types in a push, from either push form, also from Universal Analytics'
 * forms (uaEvents); none for anything else.
 */
function ecommerceEvents(entry: object, types: readonly EventType[]): Ecommerce[] {
  let name: unknown;
  let params: unknown;
  if (Array.isArray(entry) || Object.prototype.toString.call(entry) === '[object Arguments]') {
    const args = entry as ArrayLike<unknown>;
    if (args[0] !== 'event') return [];
    [name, params] = [args[1], args[2]];
    // gtag.js for Universal Analytics measured a product click as select_content with content_type 'product'.
    if (name === 'select_content' && (params as Entry | undefined)?.['content_type'] === 'product') name = 'select_item';
  } else {
    ({ event: name, ecommerce: params } = entry as Entry);
    if (params && typeof params === 'object' && !Array.isArray((params as Entry)['items']))
      return uaEvents(params as Entry).filter((e) => types.includes(e.type));
  }
  if (!(types as readonly unknown[]).includes(name) || !params || typeof params !== 'object') return [];
  return [{ type: name as EventType, params: params as Entry }];
}

/**
 * Universal Analytics' enhanced ecommerce actions (Tag Manager's `ecommerce` object before GA4), as the GA4 events
 * Google translates them to when a GA4 tag reads such a push: a shop whose Tag Manager setup predates GA4 still pushes
 * `{ event: 'addToCart', ecommerce: { add: { products: [{ id, name, brand, category: 'Makeup/Lips' }] } } }`.
 * https://developers.google.com/analytics/devguides/migration/ecommerce/gtm-compatibility
 * (The page script knows those of them that are history events, to hold a product page's grid: UA_HISTORY_ACTIONS in
 * instance.ts.)
 */
const UA_ACTIONS: Record<string, EventType> = {
  impressions: 'view_item_list',
  click: 'select_item',
  detail: 'view_item',
  add: 'add_to_cart',
  remove: 'remove_from_cart',
  checkout: 'begin_checkout',
  purchase: 'purchase',
};

/** The GA4 events of a Universal Analytics `ecommerce` object (one push may hold several actions: a detail and its impressions). */
function uaEvents(ecommerce: Entry): Ecommerce[] {
  const currency = ecommerce['currencyCode'];
  return Object.entries(UA_ACTIONS).flatMap(([action, type]): Ecommerce[] => {
    const data = ecommerce[action];
    if (!data || typeof data !== 'object') return [];
    // Impressions are a list of products; every other action is { actionField, products }.
    if (Array.isArray(data)) return action === 'impressions' ? [{ type, params: { items: data, currency } }] : [];
    const { actionField, products } = data as Entry;
    const field = (actionField && typeof actionField === 'object' ? actionField : {}) as Entry;
    // Each step of the checkout pushes a checkout action: its first is where the checkout begins.
    if (action === 'checkout' && (num(field['step']) ?? 1) > 1) return [];
    const params: Entry = { items: products, currency, item_list_name: field['list'] };
    if (action === 'purchase') params['transaction_id'] = field['id'];
    return [{ type, params }];
  });
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/**
 * One Reco event per item of a GA4 event. An item's fields as GA4 names them, else as Universal Analytics did (`id`,
 * `name`, `brand`, `category` with its levels joined by "/", `list` or gtag.js's `list_name`, a 1-based `position` or
 * `list_position`), as GA4 reads both; items without an id are skipped: a name is not an id.
 */
function record({ type, params }: Ecommerce, tracker: Tracker, o: DataLayerReader): void {
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
      source: 'dataLayer',
      // An impression of an item in a grid Reco tracks is the tracker's (it counts only what was seen), also when the
      // app renders that grid a moment after its push.
      unlessTracked: type === 'view_item_list',
    });
  }
  if (features.length) o.remember(features);
}
