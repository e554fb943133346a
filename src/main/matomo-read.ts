/**
 * Reading the shop's Matomo ecommerce calls (the `matomo` option): Matomo is the analytics many privacy-first shops
 * host themselves. What a shop already tells Matomo becomes history without track():
 * - `_paq.push(['setEcommerceView', sku, name, category, price])` on a product page: a `view_item` (a category page's,
 *   without a SKU, is not a product view);
 * - `addEcommerceItem`, `removeEcommerceItem`, `clearEcommerceCart`, then `trackEcommerceCartUpdate`: Matomo's docs ask
 *   a shop to add every item of the cart before each update, so an update says what the cart holds, not what changed.
 *   Reco compares it with the cart the last update left (kept on the device, across page views: `reco:matomo-cart`)
 *   and records each item whose quantity grew as an `add_to_cart`, each that went or shrank as a `remove_from_cart`;
 * - `trackEcommerceOrder(orderId, …)`: a `purchase` of each item of the cart, once per order id (Matomo empties its
 *   cart after an order, and so does Reco's copy).
 * A category given as an array (Matomo takes up to 5) is read as levels, in their order. Piwik PRO's tracker reads the
 * same `_paq`, and its own ecommerce calls are read too: `ecommerceProductDetailView`, `ecommerceAddToCart`,
 * `ecommerceRemoveFromCart` (each with its products, `{ sku, name, category, price, quantity, brand }`) and
 * `ecommerceOrder` (once per `orderId`); its `ecommerceCartUpdate` (the cart's state after an add or a removal it
 * already told) is not needed.
 * (Piwik PRO's forms as its own npm packages push them: `@piwikpro/react-piwik-pro`'s eCommerce calls, e.g.
 * `ecommerceOrder(products, paymentInformation)`, push `['ecommerceOrder', products, { orderId, grandTotal, … }]`.)
 *
 * Consent as the shop asks Matomo for it: after `requireConsent`, nothing is recorded until `setConsentGiven` or
 * `rememberConsentGiven` (or Matomo's cookie of a consent remembered in an earlier page view), nor after
 * `forgetConsentGiven` or `optUserOut` (or the cookie either leaves).
 *
 * matomo.js applies the calls queued in `_paq` as it loads, taking each call's method name off as it does, and then
 * replaces the array with an object whose `push` applies a call at once. So the page script copies the queue as
 * `init()` runs, and each call pushed to it until this reader has loaded (`queued`), and this reader reads each call
 * pushed later before Matomo applies it, on the array and then on the object that replaces it.
 * https://developer.matomo.org/guides/tracking-javascript-guide#ecommerce-tracking
 * https://developer.matomo.org/guides/tracking-consent
 */
import { firstPurchase, num, recordEcommerce, str, type EcommerceReader, type Entry } from './ecommerce-read.ts';

/** What {@link readMatomo} needs. */
export interface MatomoReader extends EcommerceReader {
  /**
   * The calls it held then and those pushed to it since, each with a copy made then (matomo.js may have taken the method
   * names off since).
   */
  queued: [call: unknown, copy: unknown][];
  /** Stops copying the calls pushed to the queue: the reader reads them from now on. */
  release(): void;
  /** The localStorage key of the cart the shop's last cart update left; null: the cart is kept for this page view only. */
  cartKey: string | null;
  /** False once nothing more may be stored in this page view (after forget()). */
  stored(): boolean;
}

/** One line of the cart: its item as the shop described it, and its quantity. */
type Line = { item: Entry; quantity: number };

/** Calls already read, so that a second init() on the same page does not read them again. */
const read = new WeakSet<object>();

/**
 * Reads the Matomo ecommerce calls queued when init() ran, and those pushed from now on, into the shopper's history.
 * @returns stops reading
 */
export function readMatomo(o: MatomoReader): () => void {
  const w = window as unknown as { _paq?: unknown };
  const consent = matomoConsent();
  /** Matomo's cart in this page view, as the shop's addEcommerceItem and removeEcommerceItem calls make it. */
  const cart = new Map<string, Line>();
  /** Quantities by SKU as the last cart update or order left them, when the cart is not kept in localStorage. */
  let lastCart: Record<string, number> = {};
  const sent = {
    get(): Record<string, number> {
      if (!o.cartKey || !o.stored()) return lastCart;
      try {
        const kept: unknown = JSON.parse(localStorage.getItem(o.cartKey) ?? '{}');
        return kept && typeof kept === 'object' ? (kept as Record<string, number>) : {};
      } catch {
        return lastCart; // localStorage refused, or not JSON: this page view's own
      }
    },
    set(quantities: Record<string, number>) {
      lastCart = quantities;
      if (!o.cartKey || !o.stored()) return;
      try {
        localStorage.setItem(o.cartKey, JSON.stringify(quantities));
      } catch {
        // localStorage refused or full: the cart is this page view's
      }
    },
  };

  const take = (call: unknown, copy: unknown = call) => {
    try {
      if (!Array.isArray(copy) || typeof copy[0] !== 'string') return; // a function call, or not a call
      const [method, ...args] = copy as [string, ...unknown[]];
      // Consent calls apply in the queue's order, also those a reader before this one read (a second init()).
      consent.follow(method);
      if (call && typeof call === 'object') {
        if (read.has(call)) return;
        read.add(call);
      }
      const tracker = o.tracker;
      if (!tracker || consent.denied()) return;
      const record = (type: 'view_item' | 'add_to_cart' | 'remove_from_cart' | 'purchase', items: Entry[], params: Entry = {}) => {
        if (items.length && o.types.includes(type))
          recordEcommerce({ type, params: { ...params, items } }, tracker, (f) => o.remember(f), 'matomo');
      };
      switch (method) {
        case 'setEcommerceView': {
          const item = matomoItem(args);
          if (item) record('view_item', [item]);
          break;
        }
        case 'addEcommerceItem': {
          const item = matomoItem(args);
          if (item) cart.set(item['item_id'] as string, { item, quantity: num(args[4]) ?? 1 });
          break;
        }
        case 'removeEcommerceItem': {
          const sku = str(args[0]);
          if (sku !== undefined) cart.delete(sku);
          break;
        }
        case 'clearEcommerceCart':
          cart.clear();
          break;
        case 'trackEcommerceCartUpdate': {
          if (args[0] === undefined) break; // Matomo sends no update without its grand total
          const before = sent.get();
          const added: Entry[] = [];
          const removed: Entry[] = [];
          for (const [sku, { item, quantity }] of cart) {
            const more = quantity - (num(before[sku]) ?? 0);
            if (more > 0) added.push({ ...item, quantity: more });
            else if (more < 0) removed.push({ ...item, quantity: -more });
          }
          for (const [sku, quantity] of Object.entries(before))
            if (!cart.has(sku) && (num(quantity) ?? 0) > 0) removed.push({ item_id: sku, quantity: num(quantity) });
          record('add_to_cart', added);
          record('remove_from_cart', removed);
          sent.set(Object.fromEntries([...cart].map(([sku, line]) => [sku, line.quantity])));
          break;
        }
        // Piwik PRO's ecommerce calls (its tracker reads the same _paq): each event explicit, its products as objects.
        case 'ecommerceProductDetailView':
          record('view_item', piwikProItems(args[0]), currency(args[1]));
          break;
        case 'ecommerceAddToCart':
          record('add_to_cart', piwikProItems(args[0]), currency(args[1]));
          break;
        case 'ecommerceRemoveFromCart':
          record('remove_from_cart', piwikProItems(args[0]), currency(args[1]));
          break;
        case 'ecommerceOrder': {
          const order = str((args[1] as Entry | undefined)?.['orderId']);
          const items = piwikProItems(args[0]);
          if (order !== undefined && firstPurchase(order, items))
            record('purchase', items, { ...currency(args[2]), transaction_id: order });
          break;
        }
        case 'trackEcommerceOrder': {
          const order = str(args[0]);
          if (order === undefined) break; // Matomo records no order without an id
          const items = [...cart.values()].map(({ item, quantity }) => ({ ...item, quantity }));
          if (firstPurchase(order, items)) record('purchase', items, { transaction_id: order });
          cart.clear();
          sent.set({});
          break;
        }
      }
    } catch (err) {
      o.onError(err as Error);
    }
  };
  o.release();
  for (const [call, copy] of o.queued) take(call, copy);

  let reading = true;
  const hooks: { target: { push: unknown }; push: unknown; hooked: unknown }[] = [];
  /** Reads each call pushed to `window._paq` from now on, before Matomo applies it; again once matomo.js replaces it. */
  const follow = () => {
    const paq = w._paq as { push?: unknown } | undefined;
    if (!reading || !paq || typeof paq !== 'object' || typeof paq.push !== 'function') return;
    if (hooks.some((h) => h.target === paq)) return;
    const push = paq.push as (...calls: unknown[]) => unknown;
    const hooked = function (this: unknown, ...calls: unknown[]): unknown {
      if (reading) for (const call of calls) take(call, copyOf(call));
      return push.apply(this, calls);
    };
    paq.push = hooked;
    hooks.push({ target: paq as { push: unknown }, push, hooked });
    // Still the queue: matomo.js has not loaded. It applies this call with the others, then replaces the queue by its
    // own object, in the same task: a microtask later, that object is followed too.
    if (Array.isArray(paq)) push.call(paq, [() => queueMicrotask(follow)]);
  };
  follow();
  return () => {
    reading = false;
    // Another script may have wrapped push after us: then ours stays in its chain, doing nothing.
    for (const h of hooks) if (h.target.push === h.hooked) h.target.push = h.push;
  };
}

/** A call's arguments as they are now: matomo.js takes the method name off a call it applies. */
const copyOf = (call: unknown): unknown => (Array.isArray(call) ? [...call] : call);

/** An item from Matomo's arguments (sku, name, category or up to 5 of them, price), in GA4's names; null without a SKU. */
function matomoItem([sku, name, category, price]: unknown[]): Entry | null {
  const id = str(sku);
  if (id === undefined) return null;
  const levels = (Array.isArray(category) ? category : [category]).map(str).filter((c): c is string => c !== undefined);
  const item: Entry = { item_id: id, item_name: name, price };
  levels.slice(0, 5).forEach((level, i) => (item[i ? `item_category${i + 1}` : 'item_category'] = level));
  return item;
}

/**
 * Piwik PRO's products (`{ sku, name, category, price, quantity, brand, variant }`, a category as in Matomo's calls) in
 * GA4's names; those without a SKU are skipped.
 */
function piwikProItems(products: unknown): Entry[] {
  return (Array.isArray(products) ? products : []).flatMap((p: unknown) => {
    if (!p || typeof p !== 'object') return [];
    const { sku, name, category, price, quantity, brand } = p as Entry;
    const item = matomoItem([sku, name, category, price]);
    return item ? [{ ...item, item_brand: brand, quantity }] : [];
  });
}

/** The currency of Piwik PRO's settings argument (`{ currencyCode }`), as GA4's parameter. */
const currency = (settings: unknown): Entry =>
  settings && typeof settings === 'object' ? { currency: (settings as Entry)['currencyCode'] } : {};

/** The cookies Matomo keeps a shopper's consent in: given (rememberConsentGiven), and withdrawn or opted out. */
const CONSENT_COOKIE = /(?:^|;\s*)mtm_consent=/;
const CONSENT_REMOVED_COOKIE = /(?:^|;\s*)mtm_consent_removed=/;

/**
 * Consent as the shop asks Matomo for it (see the module's comment). Matomo's optUserOut is its forgetConsentGiven, and
 * forgetUserOptOut its setConsentGiven; a consent withdrawn leaves its cookie, and Matomo asks for consent again.
 */
function matomoConsent(): { follow(method: string): void; denied(): boolean } {
  let cookies = '';
  try {
    cookies = document.cookie;
  } catch {
    // cookies refused (a sandboxed frame): no consent remembered
  }
  let given = CONSENT_COOKIE.test(cookies);
  let required = CONSENT_REMOVED_COOKIE.test(cookies);
  return {
    follow(method) {
      if (method === 'requireConsent') required = true;
      else if (method === 'setConsentGiven' || method === 'rememberConsentGiven' || method === 'forgetUserOptOut') given = true;
      else if (method === 'forgetConsentGiven' || method === 'optUserOut') [given, required] = [false, true];
    },
    denied: () => required && !given,
  };
}
