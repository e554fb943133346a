/**
 * Reading the shop's GA4 dataLayer (the `dataLayer` option, see datalayer.ts): the shop's GA4 ecommerce pushes
 * (`dataLayer.push({ event, ecommerce: { items } })`, and gtag's `gtag('event', name, { items })`, which pushes its
 * arguments object) become history events without track().
 *
 * Loaded on demand, only on pages that read their dataLayer: the ES build imports it through bundler-assets.mjs
 * (dist/reco.datalayer.mjs), reco.js from next to the script, with the Matomo reader (matomo-read.ts). It and the
 * modules it imports import only types from the rest of Reco, so the chunk is one file.
 * https://developers.google.com/analytics/devguides/collection/ga4/ecommerce
 */
import type { EventType } from '../shared/types.ts';
import { firstPurchase, num, recordEcommerce, type Ecommerce, type EcommerceReader, type Entry } from './ecommerce-read.ts';

export { readMatomo } from './matomo-read.ts';

/** Entries already read, so a second init() on the same page does not read them again. */
const read = new WeakSet<object>();

/** What {@link readDataLayer} needs. */
export interface DataLayerReader extends EcommerceReader {
  /** The page's dataLayer (pageDataLayer() in datalayer.ts). */
  layer: unknown[];
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
        if (e.type === 'purchase' && !firstPurchase(e.params['transaction_id'], e.params['items'])) continue;
        recordEcommerce(e, tracker, o.remember);
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
