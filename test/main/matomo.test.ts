// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { matomoQueue } from '../../src/main/datalayer.ts';
import { readDataLayer, readMatomo } from '../../src/main/datalayer-read.ts';
import { LOCAL_KEYS } from '../../src/shared/local-keys.ts';
import { openStore } from '../../src/shared/store.ts';
import { EVENT_TYPES, type ItemFeatures, type RecoEvent } from '../../src/shared/types.ts';
import { createTracker, type Tracker } from '../../src/tracker/tracker.ts';

type Call = unknown[] | (() => void);
type Win = { _paq?: Call[] | { push(...calls: Call[]): unknown } };
const win = window as unknown as Win;

let tracker: Tracker | null;
let seen: RecoEvent[];
let remembered: ItemFeatures[];
let errors: Error[];
let stops: (() => void)[];
let stored: boolean;

const events = () => seen.map((e) => `${e.type} ${e.itemId}${e.extra?.['quantity'] !== undefined ? ` x${e.extra['quantity']}` : ''}`);
/** A reader as init() starts one: the queue copied first, the reader (a module loaded on demand) a moment later. */
const start = (cartKey: string | null = LOCAL_KEYS.matomoCart, queued = matomoQueue(() => {})) => {
  stops.push(
    readMatomo({
      ...queued,
      types: EVENT_TYPES,
      tracker,
      remember: (f) => remembered.push(...f),
      onError: (e) => errors.push(e),
      cartKey,
      stored: () => stored,
    }),
  );
};
const paq = () => win._paq as { push(...calls: Call[]): unknown };
/** A new page view: the shopper's history stays; the page's Matomo state and Reco's readers do not. */
const nextPageView = () => {
  for (const stop of stops.splice(0)) stop();
  win._paq = [];
};

/**
 * What matomo.js does with `_paq` as it loads (its source: the tracker's bootstrap): it applies each queued call, its
 * method name taken off with shift(), a function called as it is, then replaces the array by an object whose push applies
 * each call at once. `applied` lists the calls as Matomo saw them.
 */
function loadMatomo(applied: string[]): void {
  const apply = (...calls: Call[]) => {
    for (const call of calls) {
      if (typeof call === 'function') continue;
      const f = (call as unknown[]).shift();
      if (typeof f === 'function') (f as (...a: unknown[]) => void)(...(call as unknown[]));
      else applied.push(`${String(f)}(${(call as unknown[]).map((a) => JSON.stringify(a)).join(', ')})`);
    }
  };
  for (const call of win._paq as Call[]) apply(call);
  win._paq = { push: apply };
}

beforeEach(async () => {
  seen = [];
  remembered = [];
  errors = [];
  stops = [];
  stored = true;
  delete win._paq;
  localStorage.clear();
  document.cookie = 'mtm_consent=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  document.cookie = 'mtm_consent_removed=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
  tracker = createTracker({ store: await openStore({ memoryOnly: true }), control: false, onEvent: (e) => seen.push(e) });
});
afterEach(() => {
  for (const stop of stops) stop();
  tracker?.destroy();
  expect(errors).toEqual([]);
});

describe("reading Matomo's ecommerce calls", () => {
  it("records a product page's setEcommerceView queued before Reco loaded, with the product's features; a category page's is no product view", () => {
    win._paq = [
      ['setEcommerceView', 'sku-1', 'Velvet Matte Lipstick', ['Makeup', 'Lips'], 24.9],
      ['trackPageView'],
      ['setEcommerceView', false, false, 'Makeup'],
    ];
    start();
    expect(events()).toEqual(['view_item sku-1']);
    expect(seen[0]!.extra).toEqual({ price: 24.9 });
    expect(remembered).toEqual([{ id: 'sku-1', title: 'Velvet Matte Lipstick', category: 'Makeup > Lips', price: 24.9 }]);
  });

  it('reads the calls Matomo applies and those pushed after matomo.js replaced the queue, each before Matomo takes its method name off', () => {
    win._paq = [['setEcommerceView', 'sku-1', 'Lipstick', 'Makeup', 10]];
    const queued = matomoQueue(() => {});
    paq().push(['setSiteId', '1']); // between init() and the reader
    start(LOCAL_KEYS.matomoCart, queued);
    const applied: string[] = [];
    loadMatomo(applied);
    return Promise.resolve().then(() => {
      paq().push(['addEcommerceItem', 'sku-2', 'Mascara', 'Makeup', 12, 1], ['trackEcommerceCartUpdate', 12]);
      expect(events()).toEqual(['view_item sku-1', 'add_to_cart sku-2 x1']);
      // Matomo saw every call as the shop made it.
      expect(applied).toEqual([
        'setEcommerceView("sku-1", "Lipstick", "Makeup", 10)',
        'setSiteId("1")',
        'addEcommerceItem("sku-2", "Mascara", "Makeup", 12, 1)',
        'trackEcommerceCartUpdate(12)',
      ]);
    });
  });

  it('matomo.js loading between init() and the reader: the calls pushed meanwhile were copied as they came, and Matomo still got them', () => {
    win._paq = [];
    const queued = matomoQueue(() => {}); // init(): Reco's script and init() before Matomo's snippet
    paq().push(['setEcommerceView', 'sku-1', 'Lipstick', 'Makeup', 10], ['trackPageView']); // Matomo's snippet
    const applied: string[] = [];
    loadMatomo(applied); // matomo.js, cached, before the reader's module has loaded
    paq().push(['addEcommerceItem', 'sku-2', 'Mascara', 'Makeup', 12, 1]); // on Matomo's object, before the reader: not seen
    start(LOCAL_KEYS.matomoCart, queued);
    paq().push(['addEcommerceItem', 'sku-3', 'Serum', 'Skin care', 30, 1], ['trackEcommerceCartUpdate', 30]);
    expect(events()).toEqual(['view_item sku-1', 'add_to_cart sku-3 x1']);
    expect(applied).toEqual([
      'setEcommerceView("sku-1", "Lipstick", "Makeup", 10)',
      'trackPageView()',
      'addEcommerceItem("sku-2", "Mascara", "Makeup", 12, 1)',
      'addEcommerceItem("sku-3", "Serum", "Skin care", 30, 1)',
      'trackEcommerceCartUpdate(30)',
    ]);
  });

  it('a queue matomo.js already replaced when init() ran: what the shop pushes from then on is read', () => {
    const applied: string[] = [];
    win._paq = [];
    loadMatomo(applied);
    start();
    paq().push(['setEcommerceView', 'sku-3', 'Serum', 'Skin care', 30]);
    expect(events()).toEqual(['view_item sku-3']);
    expect(applied).toEqual(['setEcommerceView("sku-3", "Serum", "Skin care", 30)']);
  });

  it("records what a cart update changed, as Matomo's docs ask a shop to send it (every item of the cart again), across page views", () => {
    win._paq = [];
    start();
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 1], ['trackEcommerceCartUpdate', 10]);
    expect(events()).toEqual(['add_to_cart a x1']);

    nextPageView(); // the shop adds the cart's items again, then the new one
    start();
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 1]);
    paq().push(['addEcommerceItem', 'b', 'Mascara', 'Makeup', 12, 2]);
    paq().push(['trackEcommerceCartUpdate', 34]);
    expect(events()).toEqual(['add_to_cart a x1', 'add_to_cart b x2']);

    nextPageView(); // one more lipstick, and the mascara taken out
    start();
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 2], ['trackEcommerceCartUpdate', 20]);
    expect(events().slice(2)).toEqual(['add_to_cart a x1', 'remove_from_cart b x2']);

    paq().push(['removeEcommerceItem', 'a'], ['trackEcommerceCartUpdate', 0]);
    expect(events().slice(4)).toEqual(['remove_from_cart a x2']);
    expect(JSON.parse(localStorage.getItem(LOCAL_KEYS.matomoCart)!)).toEqual({});
  });

  it('records an order as a purchase of each item of the cart, once per order id, and starts an empty cart', () => {
    win._paq = [];
    start();
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 2], ['addEcommerceItem', 'b', 'Mascara', 'Makeup', 12]);
    paq().push(['trackEcommerceCartUpdate', 32]);
    paq().push(['trackEcommerceOrder', 'order-7', 32]);
    expect(events()).toEqual(['add_to_cart a x2', 'add_to_cart b x1', 'purchase a x2', 'purchase b x1']);
    expect(seen[2]!.extra).toEqual({ price: 10, quantity: 2, transaction_id: 'order-7' });
    // The confirmation page sent again (a reload): the same order is not bought twice.
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 2], ['trackEcommerceOrder', 'order-7', 20]);
    expect(events()).toHaveLength(4);
    paq().push(['addEcommerceItem', 'c', 'Serum', 'Skin care', 30], ['trackEcommerceCartUpdate', 30]);
    expect(events().slice(4)).toEqual(['add_to_cart c x1']);
  });

  it('without a place to keep the cart (memory-only, or after forget()), compares with the cart of this page view only', () => {
    win._paq = [];
    localStorage.setItem(LOCAL_KEYS.matomoCart, JSON.stringify({ a: 1 }));
    start(null);
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 1], ['trackEcommerceCartUpdate', 10]);
    paq().push(['addEcommerceItem', 'b', 'Mascara', 'Makeup', 12, 1], ['trackEcommerceCartUpdate', 22]);
    expect(events()).toEqual(['add_to_cart a x1', 'add_to_cart b x1']);
    nextPageView();
    stored = false; // forget() ran in this page view
    localStorage.removeItem(LOCAL_KEYS.matomoCart);
    start();
    paq().push(['addEcommerceItem', 'c', 'Serum', 'Skin care', 30, 1], ['trackEcommerceCartUpdate', 30]);
    expect(events().slice(2)).toEqual(['add_to_cart c x1']);
    expect(localStorage.getItem(LOCAL_KEYS.matomoCart)).toBeNull();
  });

  it("follows the consent the shop asks Matomo for: nothing before it is given, nor after it is withdrawn; a consent Matomo's cookie remembers counts", () => {
    win._paq = [['requireConsent'], ['setEcommerceView', 'sku-1', 'Lipstick', 'Makeup', 10]];
    start();
    expect(events()).toEqual([]);
    paq().push(['setConsentGiven'], ['setEcommerceView', 'sku-2', 'Mascara', 'Makeup', 12]);
    paq().push(['forgetConsentGiven'], ['setEcommerceView', 'sku-3', 'Serum', 'Skin care', 30]);
    expect(events()).toEqual(['view_item sku-2']);

    // A second init() in the same page view (a single-page app's route) follows the consent calls the first one read.
    nextPageView();
    win._paq = [['requireConsent']];
    start();
    for (const stop of stops.splice(0)) stop();
    start();
    paq().push(['setEcommerceView', 'sku-9', 'Cleanser', 'Skin care', 8]);
    expect(events()).toEqual(['view_item sku-2']);

    nextPageView();
    document.cookie = 'mtm_consent=1700000000000';
    win._paq = [['requireConsent'], ['setEcommerceView', 'sku-4', 'Toner', 'Skin care', 9]];
    start();
    expect(events()).toEqual(['view_item sku-2', 'view_item sku-4']);

    nextPageView(); // opted out in an earlier page view: Matomo's cookie says so, even without requireConsent on this page
    document.cookie = 'mtm_consent=; expires=Thu, 01 Jan 1970 00:00:00 GMT';
    document.cookie = 'mtm_consent_removed=1700000000000';
    win._paq = [['setEcommerceView', 'sku-5', 'Brush', 'Tools', 5]];
    start();
    expect(events()).toHaveLength(2);
  });

  it('with consent denied to Reco (no tracker), marks what it reads as read: a later init() with consent records none of it', () => {
    win._paq = [['setEcommerceView', 'sku-1', 'Lipstick', 'Makeup', 10]];
    const denied = tracker;
    tracker = null;
    start();
    tracker = denied;
    for (const stop of stops.splice(0)) stop();
    start();
    expect(events()).toEqual([]);
  });

  it('reads each queued call once, also when a second init() copies the queue again; stops reading once stopped, restoring push', () => {
    win._paq = [['setEcommerceView', 'sku-1', 'Lipstick', 'Makeup', 10]];
    const original = (win._paq as Call[]).push;
    start();
    expect(paq().push).not.toBe(original);
    for (const stop of stops.splice(0)) stop();
    expect(paq().push).toBe(original);
    paq().push(['setEcommerceView', 'sku-2', 'Mascara', 'Makeup', 12]);
    expect(events()).toEqual(['view_item sku-1']);
    start(); // the queue now also holds sku-2, pushed while no reader was on: the new reader's init() copied it
    expect(events()).toEqual(['view_item sku-1', 'view_item sku-2']);
  });

  it('an event the shop tells both GA4 and Matomo, or also reports with track(), a moment apart, is recorded once; an order once by its id', () => {
    const layer: unknown[] = [];
    stops.push(readDataLayer({ layer, types: EVENT_TYPES, tracker, remember: () => {}, onError: (e) => errors.push(e) }));
    win._paq = [];
    start();
    layer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'a', quantity: 1 }] } });
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 1], ['trackEcommerceCartUpdate', 10]);
    tracker!.track('add_to_cart', 'a');
    paq().push(['trackEcommerceOrder', 'T1', 10]);
    layer.push({ event: 'purchase', ecommerce: { transaction_id: 'T1', items: [{ item_id: 'a', quantity: 1 }] } });
    expect(events()).toEqual(['add_to_cart a x1', 'purchase a x1']);
  });

  it("reads Piwik PRO's ecommerce calls on the same _paq: product views, adds and removals as told, orders once per id", () => {
    win._paq = [
      ['ecommerceProductDetailView', [{ sku: 'p1', name: 'Lipstick', category: ['Makeup', 'Lips'], price: 10, brand: 'Aurelle' }]],
    ];
    start();
    paq().push([
      'ecommerceAddToCart',
      [{ sku: 'p1', name: 'Lipstick', price: 10, quantity: 2 }, { name: 'no SKU' }],
      { currencyCode: 'EUR' },
    ]);
    paq().push(['ecommerceCartUpdate', [{ sku: 'p1', quantity: 2 }], 20]); // the cart's state: the add was told already
    paq().push(['ecommerceRemoveFromCart', [{ sku: 'p1', quantity: 1 }]]);
    const order = { orderId: 'o-1', grandTotal: 10 };
    paq().push(['ecommerceOrder', [{ sku: 'p1', quantity: 1, price: 10 }], order, { currencyCode: 'EUR' }]);
    paq().push(['ecommerceOrder', [{ sku: 'p1', quantity: 1, price: 10 }], order]);
    expect(events()).toEqual(['view_item p1', 'add_to_cart p1 x2', 'remove_from_cart p1 x1', 'purchase p1 x1']);
    expect(seen[1]!.extra).toEqual({ price: 10, quantity: 2, currency: 'EUR' });
    expect(seen[3]!.extra).toEqual({ price: 10, quantity: 1, currency: 'EUR', transaction_id: 'o-1' });
    expect(remembered[0]).toEqual({ id: 'p1', title: 'Lipstick', brand: 'Aurelle', category: 'Makeup > Lips', price: 10 });
  });

  it("an order told to one tool with its revenue only and to the other with its items: the items' purchase is recorded", () => {
    const layer: unknown[] = [];
    stops.push(readDataLayer({ layer, types: EVENT_TYPES, tracker, remember: () => {}, onError: (e) => errors.push(e) }));
    win._paq = [];
    start();
    layer.push({ event: 'purchase', ecommerce: { transaction_id: 'T2', value: 10 } }); // GA4: revenue only
    paq().push(['addEcommerceItem', 'a', 'Lipstick', 'Makeup', 10, 1], ['trackEcommerceOrder', 'T2', 10]);
    paq().push(['trackEcommerceOrder', 'T3', 5]); // Matomo: an order with an empty cart
    layer.push({ event: 'purchase', ecommerce: { transaction_id: 'T3', items: [{ item_id: 'b', quantity: 1 }] } });
    expect(events()).toEqual(['purchase a x1', 'purchase b x1']);
  });

  it('leaves calls it does not know and malformed ones to Matomo, reporting nothing', () => {
    win._paq = [];
    start();
    paq().push(['trackEvent', 'Video', 'Play'], ['addEcommerceItem'], ['setEcommerceView', ''], 'not a call' as never, [42]);
    paq().push(['trackEcommerceCartUpdate'], ['trackEcommerceOrder', '', 10]);
    expect(events()).toEqual([]);
  });
});
