/**
 * The shop's GA4 dataLayer, both ways (the `dataLayer` option). Read: the shop's GA4 ecommerce pushes
 * (`dataLayer.push({ event, ecommerce: { items } })`, and gtag's `gtag('event', name, { items })`, which pushes
 * its arguments object) become history events without track(). Write: one event per page view says which arm of
 * the experiment the page view is in, so the shop's own analytics can compare them. Reco only reads and
 * pushes to the page's own array: nothing is sent anywhere.
 * https://developers.google.com/analytics/devguides/collection/ga4/ecommerce
 */
import { EVENT_TYPES, type EventType, type ItemFeatures } from '../shared/types.ts';
import type { Tracker } from '../tracker/tracker.ts';

/** The events written to the dataLayer, one per page view: personalized, or in the control group (`holdout`). */
export const ARM_EVENTS = { personalized: 'reco_personalized', control: 'reco_control' } as const;

/** What the `dataLayer` option resolves to: which ways Reco uses the page's dataLayer. */
export interface DataLayerUse {
  read: boolean;
  write: boolean;
}

type Entry = Record<string, unknown>;
type Layer = unknown[];

/** Entries already read, so a second init() on the same page does not read them again. */
const read = new WeakSet<object>();
/** dataLayers that already got this page view's arm event. */
const written = new WeakSet<Layer>();

/**
 * `true`, `'read'`, `'write'` or `false` (the option); undefined: both ways when the page has a dataLayer.
 * @throws nothing: the option was validated
 */
export function dataLayerUse(option: boolean | 'read' | 'write' | undefined): DataLayerUse {
  const on = option ?? Array.isArray((window as { dataLayer?: unknown }).dataLayer);
  return { read: on === true || on === 'read', write: on === true || on === 'write' };
}

/** The page's dataLayer, created as Google's own snippets do when Reco was asked to use it and it is missing. */
function layer(): Layer | null {
  const w = window as { dataLayer?: unknown };
  w.dataLayer ??= [];
  return Array.isArray(w.dataLayer) ? w.dataLayer : null;
}

/** Pushes this page view's arm event (once per page, whatever the number of init() calls). */
export function writeArm(control: boolean): void {
  const dl = layer();
  if (!dl || written.has(dl)) return;
  written.add(dl);
  dl.push({ event: control ? ARM_EVENTS.control : ARM_EVENTS.personalized, reco_arm: control ? 'control' : 'personalized' });
}

/** What {@link readDataLayer} needs. */
export interface DataLayerReader {
  tracker: Tracker;
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
  const dl = layer();
  if (!dl) return () => {};
  const take = (entry: unknown) => {
    try {
      if (!entry || typeof entry !== 'object' || read.has(entry)) return;
      read.add(entry);
      const e = ecommerceEvent(entry);
      if (e) record(e, o);
    } catch (err) {
      o.onError(err as Error);
    }
  };
  dl.forEach(take);
  const push = dl.push;
  let reading = true;
  const hooked = function (this: Layer, ...entries: unknown[]): number {
    const n = push.apply(this, entries);
    if (reading) entries.forEach(take);
    return n;
  };
  dl.push = hooked;
  return () => {
    reading = false;
    // Google Tag Manager wraps push after us: then ours stays in its chain, doing nothing.
    if (dl.push === hooked) dl.push = push;
  };
}

/** A GA4 ecommerce event of Reco's event types, from either push form; null for anything else. */
function ecommerceEvent(entry: object): { type: EventType; params: Entry } | null {
  let name: unknown;
  let params: unknown;
  if (Array.isArray(entry) || Object.prototype.toString.call(entry) === '[object Arguments]') {
    const args = entry as ArrayLike<unknown>;
    if (args[0] !== 'event') return null;
    [name, params] = [args[1], args[2]];
  } else {
    ({ event: name, ecommerce: params } = entry as Entry);
  }
  if (!(EVENT_TYPES as readonly unknown[]).includes(name) || !params || typeof params !== 'object') return null;
  return { type: name as EventType, params: params as Entry };
}

const str = (v: unknown): string | undefined =>
  typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? String(v) : undefined;
const num = (v: unknown): number | undefined => {
  const n = typeof v === 'string' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) ? n : undefined;
};

/** One Reco event per item of a GA4 event (items without `item_id` are skipped: a name is not an id). */
function record({ type, params }: { type: EventType; params: Entry }, o: DataLayerReader): void {
  const items = Array.isArray(params['items']) ? (params['items'] as unknown[]) : [];
  const features: ItemFeatures[] = [];
  for (const raw of items) {
    if (!raw || typeof raw !== 'object') continue;
    const item = raw as Entry;
    const id = str(item['item_id']);
    if (!id) continue;
    const f: ItemFeatures = { id };
    const title = str(item['item_name']);
    const brand = str(item['item_brand']);
    const category = ['item_category', 'item_category2', 'item_category3', 'item_category4', 'item_category5']
      .map((k) => str(item[k]))
      .filter(Boolean)
      .join(' > ');
    const price = num(item['price']);
    if (title) f.title = title;
    if (brand) f.brand = brand;
    if (category) f.category = category;
    if (price !== undefined) f.price = price;
    features.push(f);
    if (type === 'view_item_list' && o.tracker.watching(id)) continue;
    const extra: Record<string, string | number> = {};
    const quantity = num(item['quantity']);
    const currency = str(params['currency']);
    const transaction = str(params['transaction_id']);
    if (price !== undefined) extra['price'] = price;
    if (quantity !== undefined) extra['quantity'] = quantity;
    if (currency) extra['currency'] = currency;
    if (transaction) extra['transaction_id'] = transaction;
    const index = num(item['index']);
    o.tracker.track(type, id, extra, {
      listId:
        str(item['item_list_id']) ?? str(params['item_list_id']) ?? str(item['item_list_name']) ?? str(params['item_list_name']) ?? null,
      position: index !== undefined && Number.isInteger(index) && index >= 0 ? index : null,
      source: 'dataLayer',
    });
  }
  if (features.length) o.remember(features);
}
