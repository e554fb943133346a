// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ARM_EVENTS, dataLayerUse, pageDataLayer, writeArm } from '../../src/main/datalayer.ts';
import { readDataLayer } from '../../src/main/datalayer-read.ts';
import { LATE_GRID_MS } from '../../src/tracker/tracker.ts';
import { openStore } from '../../src/shared/store.ts';
import { EVENT_TYPES, type ItemFeatures, type RecoEvent } from '../../src/shared/types.ts';
import { createTracker, type Tracker } from '../../src/tracker/tracker.ts';

type Win = { dataLayer?: unknown[]; gtag?: (...args: unknown[]) => void };
const win = window as unknown as Win;

let tracker: Tracker;
let seen: RecoEvent[];
let remembered: ItemFeatures[];
let errors: Error[];
let stop: (() => void) | undefined;

const events = () =>
  seen.map((e) => `${e.type} ${e.itemId}${e.listId ? ` ${e.listId}` : ''}${e.position !== null ? ` #${e.position}` : ''}`);
const start = () =>
  (stop = readDataLayer({
    layer: pageDataLayer()!,
    types: EVENT_TYPES,
    tracker,
    remember: (f) => remembered.push(...f),
    onError: (e) => errors.push(e),
  }));

beforeEach(async () => {
  seen = [];
  remembered = [];
  errors = [];
  delete win.dataLayer;
  delete win.gtag;
  document.body.innerHTML = '';
  tracker = createTracker({ store: await openStore({ memoryOnly: true }), control: false, onEvent: (e) => seen.push(e) });
});
afterEach(() => {
  stop?.();
  tracker.destroy();
});

describe('reading GA4 ecommerce pushes', () => {
  it("records Tag Manager's form, one event per item, with its list, position, price, quantity and currency, and keeps the items' features", () => {
    win.dataLayer = [];
    start();
    win.dataLayer.push({ ecommerce: null }); // GA4's recommended reset push
    win.dataLayer.push({
      event: 'add_to_cart',
      ecommerce: {
        currency: 'EUR',
        value: 49.8,
        items: [
          {
            item_id: 'p1',
            item_name: 'Velvet Matte Lipstick',
            item_brand: 'Aurelle',
            item_category: 'Makeup',
            item_category2: 'Lips',
            price: 24.9,
            quantity: 2,
            item_list_id: 'related',
            index: 3,
          },
          { item_name: 'no id: skipped' },
        ],
      },
    });
    expect(events()).toEqual(['add_to_cart p1 related #3']);
    expect(seen[0]!.extra).toEqual({ price: 24.9, quantity: 2, currency: 'EUR' });
    expect(remembered).toEqual([{ id: 'p1', title: 'Velvet Matte Lipstick', brand: 'Aurelle', category: 'Makeup > Lips', price: 24.9 }]);
  });

  it("records gtag's form (gtag('event', name, params) pushes its arguments object)", () => {
    win.dataLayer = [];
    win.gtag = function () {
      // eslint-disable-next-line prefer-rest-params
      win.dataLayer!.push(arguments);
    };
    start();
    win.gtag('config', 'G-XXXX');
    win.gtag('event', 'purchase', { transaction_id: 'T1', currency: 'USD', items: [{ item_id: 'p1' }, { item_id: 'p2', quantity: 1 }] });
    win.gtag('event', 'page_view', { items: [{ item_id: 'p3' }] }); // not an ecommerce event Reco keeps
    expect(events()).toEqual(['purchase p1', 'purchase p2']);
    expect(seen[1]!.extra).toEqual({ quantity: 1, currency: 'USD', transaction_id: 'T1' });
  });

  it('reads what the page pushed before Reco loaded, once, also when a second init() reads again', () => {
    win.dataLayer = [{ event: 'gtm.js' }, { event: 'view_item', ecommerce: { items: [{ item_id: 'p9' }] } }];
    start();
    expect(events()).toEqual(['view_item p9']);
    stop!();
    start();
    expect(events()).toEqual(['view_item p9']);
  });

  it('stops reading once stopped, and restores push unless another tag wrapped it since', () => {
    win.dataLayer = [];
    const original = win.dataLayer.push;
    start();
    expect(win.dataLayer.push).not.toBe(original);
    stop!();
    expect(win.dataLayer.push).toBe(original);
    win.dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'p1' }] } });
    expect(events()).toEqual([]);
    // Tag Manager wraps push after Reco: stopping leaves its wrapper in place, and ours does nothing.
    start(); // (a new reader reads what is in the layer: p1)
    const ours = win.dataLayer.push;
    const gtm = function (this: unknown, ...a: unknown[]) {
      return ours.apply(this, a);
    };
    win.dataLayer.push = gtm;
    stop!();
    expect(win.dataLayer.push).toBe(gtm);
    expect(win.dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'p2' }] } })).toBe(win.dataLayer.length);
    expect(events()).toEqual(['view_item p1']);
  });

  it('a click the tracker recorded and the select_item the shop pushes for it are one event; impressions of tracked grid items are the tracker’s', async () => {
    document.body.innerHTML = '<div data-reco-grid="home"><a data-reco-id="p1"></a></div>';
    const el = document.querySelector('[data-reco-id]')!;
    tracker.observe([{ el, id: 'p1', listId: 'home', position: 0 }]);
    win.dataLayer = [];
    start();
    win.dataLayer.push({
      event: 'view_item_list',
      ecommerce: {
        item_list_id: 'home',
        items: [
          { item_id: 'p1', index: 0 },
          { item_id: 'p7', index: 1 },
        ],
      },
    });
    el.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    win.dataLayer.push({ event: 'select_item', ecommerce: { item_list_id: 'home', items: [{ item_id: 'p1', index: 0 }] } });
    await new Promise((r) => setTimeout(r, LATE_GRID_MS)); // the shop's impressions wait for Reco's grids (below)
    expect(events()).toEqual(['select_item p1 home #0', 'view_item_list p7 home #1']);
  });

  it('impressions of cards the shop appends and announces in the same task are the tracker’s, once it tracks them (a task later)', async () => {
    win.dataLayer = [];
    start();
    document.body.innerHTML = '<div data-reco-grid="more"><a data-reco-id="c"></a><a data-reco-id="d"></a></div>';
    const items = [...document.querySelectorAll('[data-reco-id]')].map((el, position) => ({
      el,
      id: el.getAttribute('data-reco-id')!,
      listId: 'more',
      position,
    }));
    win.dataLayer.push({ event: 'view_item_list', ecommerce: { item_list_id: 'listing', items: [{ item_id: 'c' }, { item_id: 'd' }] } });
    tracker.observe(items); // what the personalizer's MutationObserver callback does after this task's script
    await new Promise((r) => setTimeout(r, LATE_GRID_MS));
    expect(events()).toEqual([]); // d was never seen: before, both counted as the shop's
  });

  it('impressions the shop pushes before its app renders the grid (as its data arrives, or in <head>) are the tracker’s: it counts what is seen', async () => {
    win.dataLayer = [];
    start();
    win.dataLayer.push({ event: 'view_item_list', ecommerce: { item_list_id: 'home', items: [{ item_id: 'c', index: 0 }] } });
    await new Promise((r) => setTimeout(r, 300)); // the app renders its listing 300 ms later, below the fold
    document.body.innerHTML = '<div data-reco-grid="home"><a data-reco-id="c"></a></div>';
    tracker.observe([{ el: document.querySelector('[data-reco-id]')!, id: 'c', listId: 'home', position: 0 }]);
    await new Promise((r) => setTimeout(r, LATE_GRID_MS));
    expect(events()).toEqual([]); // before: an impression of a grid never in view, at the shop's index
  });

  it('the shop’s impressions of items no Reco grid shows are recorded at once when the page flushes (an export, the page going away)', async () => {
    win.dataLayer = [];
    start();
    win.dataLayer.push({ event: 'view_item_list', ecommerce: { item_list_id: 'carousel', items: [{ item_id: 'x', index: 2 }] } });
    await tracker.flush();
    expect(events()).toEqual(['view_item_list x carousel #2']);
  });

  it('the shop’s impressions of the items of a Reco grid a single-page app removed count (the grid no longer tracks them)', async () => {
    document.body.innerHTML = '<div data-reco-grid="home"><a data-reco-id="p1"></a></div>';
    tracker.observe([{ el: document.querySelector('[data-reco-id]')!, id: 'p1', listId: 'home', position: 0 }]);
    document.body.innerHTML = '<ul class="results"><li>p1</li></ul>'; // the next route
    win.dataLayer = [];
    start();
    win.dataLayer.push({ event: 'view_item_list', ecommerce: { item_list_id: 'search', items: [{ item_id: 'p1', index: 0 }] } });
    await new Promise((r) => setTimeout(r, LATE_GRID_MS));
    expect(events()).toEqual(['view_item_list p1 search #0']);
  });

  it('the same object pushed twice is two events (a payload the shop reuses for two adds); the backlog is read once', () => {
    const add = { event: 'add_to_cart', ecommerce: { items: [{ item_id: 'p1' }] } };
    win.dataLayer = [add];
    start();
    stop!();
    start(); // a second reader (a second init()) does not read the backlog again
    win.dataLayer.push(add);
    expect(events()).toEqual(['add_to_cart p1', 'add_to_cart p1']);
  });

  it('an add_to_cart reported by both track() and the dataLayer counts once; two adds from one source count twice', () => {
    win.dataLayer = [];
    start();
    tracker.track('add_to_cart', 'p1');
    win.dataLayer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'p1' }] } });
    win.dataLayer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'p2' }] } });
    win.dataLayer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: 'p2' }] } });
    expect(events()).toEqual(['add_to_cart p1', 'add_to_cart p2', 'add_to_cart p2']);
  });

  it("follows Consent Mode: what the shop pushes while gtag('consent') denies analytics_storage is not recorded, not even once it is granted", () => {
    const gtag = function (..._args: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      win.dataLayer!.push(arguments);
    };
    const add = (id: string) => win.dataLayer!.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: id }] } });
    win.dataLayer = [];
    gtag('consent', 'default', { ad_storage: 'denied', analytics_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied' });
    add('before-reco'); // pushed before Reco loaded, while denied
    start();
    add('banner-open');
    gtag('consent', 'update', { analytics_storage: 'granted', ad_storage: 'granted' }); // the shopper accepts
    add('accepted');
    gtag('consent', 'update', { analytics_storage: 'denied' }); // and withdraws
    add('withdrawn');
    expect(events()).toEqual(['add_to_cart accepted']);
    stop!();
    start(); // a second init(): the consent commands it finds apply in order, and what was denied stays unread
    add('after-second-init');
    expect(events()).toEqual(['add_to_cart accepted']);
    expect(remembered.map((f) => f.id)).toEqual(['accepted']);
  });

  it('Consent Mode: a default denied for some regions only counts (the page cannot tell the region); one granted everywhere records', () => {
    const gtag = function (..._args: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      win.dataLayer!.push(arguments);
    };
    win.dataLayer = [];
    gtag('consent', 'default', { analytics_storage: 'granted' });
    gtag('consent', 'default', { analytics_storage: 'denied', region: ['FR', 'DE'] });
    start();
    win.dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'p1' }] } });
    gtag('consent', 'update', { analytics_storage: 'granted' });
    win.dataLayer.push({ event: 'view_item', ecommerce: { items: [{ item_id: 'p2' }] } });
    expect(events()).toEqual(['view_item p2']);
  });

  it('a purchase is recorded once per transaction_id, as GA4 counts it (gtag and a Tag Manager push, a second init()); other transactions count', () => {
    win.dataLayer = [];
    const gtag = function (..._args: unknown[]) {
      // eslint-disable-next-line prefer-rest-params
      win.dataLayer!.push(arguments);
    };
    const items = [
      { item_id: 'p1', quantity: 1 },
      { item_id: 'p2', quantity: 2 },
    ];
    start();
    gtag('event', 'purchase', { transaction_id: 'T-1', currency: 'EUR', items });
    win.dataLayer.push({ ecommerce: null });
    win.dataLayer.push({ event: 'purchase', ecommerce: { transaction_id: 'T-1', currency: 'EUR', items } });
    stop!();
    start(); // a single-page app's next route starts Reco again, and its confirmation view pushes the purchase again
    win.dataLayer.push({ event: 'purchase', ecommerce: { transaction_id: 'T-1', items } });
    win.dataLayer.push({ event: 'purchase', ecommerce: { transaction_id: 'T-2', items: [{ item_id: 'p1' }] } });
    win.dataLayer.push({ event: 'purchase', ecommerce: { items: [{ item_id: 'p3' }] } }); // no transaction id: counted
    win.dataLayer.push({ event: 'purchase', ecommerce: { items: [{ item_id: 'p3' }] } });
    expect(events()).toEqual(['purchase p1', 'purchase p2', 'purchase p1', 'purchase p3', 'purchase p3']);
  });

  it('ignores what is not a GA4 ecommerce event, and never throws into the page', () => {
    win.dataLayer = [];
    start();
    const pushes: unknown[] = [
      null,
      42,
      'string',
      { event: 'add_to_cart' },
      { event: 'add_to_cart', ecommerce: { items: 'nope' } },
      { event: 'add_to_cart', ecommerce: { items: [null, 7, { item_id: {} }] } },
      { event: 'sign_up', ecommerce: { items: [{ item_id: 'p1' }] } },
    ];
    expect(() => win.dataLayer!.push(...pushes)).not.toThrow();
    expect(events()).toEqual([]);
    expect(errors).toEqual([]);
  });
});

describe('writing the arm', () => {
  it('pushes one event per page view, with the arm', () => {
    win.dataLayer = [];
    expect(writeArm(true)).toBe(true);
    expect(writeArm(false), 'a second init() on the same page keeps the arm written').toBe(true);
    expect(win.dataLayer).toEqual([{ event: ARM_EVENTS.control, reco_arm: 'control' }]);
    win.dataLayer = [];
    writeArm(false);
    expect(win.dataLayer).toEqual([{ event: 'reco_personalized', reco_arm: 'personalized' }]);
  });

  it('the option: both ways by default when the page has a dataLayer, else neither; true creates it', () => {
    expect(dataLayerUse(undefined)).toEqual({ read: false, write: false });
    win.dataLayer = [];
    expect(dataLayerUse(undefined)).toEqual({ read: true, write: true });
    expect(dataLayerUse('read')).toEqual({ read: true, write: false });
    expect(dataLayerUse('write')).toEqual({ read: false, write: true });
    expect(dataLayerUse(false)).toEqual({ read: false, write: false });
    delete win.dataLayer;
    writeArm(false);
    expect(win.dataLayer).toEqual([{ event: 'reco_personalized', reco_arm: 'personalized' }]);
  });
});

describe("Universal Analytics' forms (a Tag Manager or gtag.js setup from before GA4, which GA4 reads as its own events)", () => {
  it("records Tag Manager's enhanced ecommerce actions as the GA4 events they translate to, with the products' features", async () => {
    win.dataLayer = [];
    start();
    // A product page: its detail and the impressions of a related list, in one push.
    win.dataLayer.push({
      event: 'gtm.dom',
      ecommerce: {
        currencyCode: 'EUR',
        detail: {
          actionField: { list: 'search' },
          products: [
            { id: 'p1', name: 'Velvet Matte Lipstick', brand: 'Aurelle', category: 'Makeup/Lips', variant: 'Red', price: '24.90' },
          ],
        },
        impressions: [{ id: 'p2', name: 'Glass Gloss', list: 'related', position: 1 }],
      },
    });
    win.dataLayer.push({
      event: 'productClick',
      ecommerce: { click: { actionField: { list: 'related' }, products: [{ id: 'p2', position: 1 }] } },
    });
    win.dataLayer.push({
      event: 'addToCart',
      ecommerce: { currencyCode: 'EUR', add: { products: [{ id: 'p1', price: 24.9, quantity: 2 }] } },
    });
    win.dataLayer.push({ event: 'removeFromCart', ecommerce: { remove: { products: [{ id: 'p1', quantity: 1 }] } } });
    win.dataLayer.push({ event: 'checkout', ecommerce: { checkout: { actionField: { step: 1 }, products: [{ id: 'p1' }] } } });
    win.dataLayer.push({
      event: 'checkout',
      ecommerce: { checkout: { actionField: { step: 2, option: 'Visa' }, products: [{ id: 'p1' }] } },
    });
    const purchase = {
      event: 'transaction',
      ecommerce: { purchase: { actionField: { id: 'T-UA-1', revenue: '24.90' }, products: [{ id: 'p1', quantity: 1 }] } },
    };
    win.dataLayer.push(purchase, { ...purchase }); // a confirmation page that pushed it twice: one purchase, as GA4 counts it
    win.dataLayer.push({ event: 'promotionClick', ecommerce: { promoClick: { promotions: [{ id: 'summer' }] } } }); // not Reco's
    await new Promise((r) => setTimeout(r, LATE_GRID_MS)); // the shop's impressions wait for Reco's grids
    expect(events().sort()).toEqual(
      [
        'view_item p1 search',
        'view_item_list p2 related #0',
        'select_item p2 related #0',
        'add_to_cart p1',
        'remove_from_cart p1',
        'begin_checkout p1',
        'purchase p1',
      ].sort(),
    );
    expect(seen.find((e) => e.type === 'add_to_cart')!.extra).toEqual({ price: 24.9, quantity: 2, currency: 'EUR' });
    expect(seen.find((e) => e.type === 'purchase')!.extra).toEqual({ quantity: 1, transaction_id: 'T-UA-1' });
    expect(remembered.find((f) => f.id === 'p1')).toEqual({
      id: 'p1',
      title: 'Velvet Matte Lipstick',
      brand: 'Aurelle',
      category: 'Makeup > Lips',
      price: 24.9,
    });
    expect(errors).toEqual([]);
  });

  it("records gtag.js's items with Universal Analytics' field names (id, name, brand, category), and its product click (select_content)", () => {
    win.dataLayer = [];
    win.gtag = function () {
      // eslint-disable-next-line prefer-rest-params
      win.dataLayer!.push(arguments);
    };
    start();
    win.gtag('event', 'add_to_cart', {
      currency: 'USD',
      items: [{ id: 'p5', name: 'Argan Oil Shampoo', brand: 'Petal', category: 'Hair Care/Shampoo', price: 12, quantity: 1 }],
    });
    win.gtag('event', 'select_content', { content_type: 'product', items: [{ id: 'p6', list_name: 'home', list_position: 2 }] });
    win.gtag('event', 'select_content', { content_type: 'video', items: [{ id: 'v1' }] }); // not a product
    expect(events()).toEqual(['add_to_cart p5', 'select_item p6 home #1']);
    expect(remembered[0]).toEqual({ id: 'p5', title: 'Argan Oil Shampoo', brand: 'Petal', category: 'Hair Care > Shampoo', price: 12 });
  });

  it('a GA4 push keeps its own fields where an item has both names (an app that pushes both)', () => {
    win.dataLayer = [];
    start();
    win.dataLayer.push({
      event: 'view_item',
      ecommerce: { items: [{ item_id: 'SKU-1', id: 'legacy-1', item_name: 'New name', name: 'Old name' }] },
    });
    expect(events()).toEqual(['view_item SKU-1']);
    expect(remembered).toEqual([{ id: 'SKU-1', title: 'New name' }]);
  });
});
