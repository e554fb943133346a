/**
 * The shop's GA4 dataLayer, both ways (the `dataLayer` option). Read: the shop's GA4 ecommerce pushes become
 * history events without track() (datalayer-read.ts, loaded only on pages that read their dataLayer). Write: one
 * event per page view says which arm of the experiment the page view is in, so the shop's own analytics can
 * compare them. Reco only reads and pushes to the page's own array: nothing is sent anywhere. writeArm comes with
 * reco.engine.js (engine-chunk.ts), which the page loads with the engine: the page script keeps only what init() needs.
 * https://developers.google.com/analytics/devguides/collection/ga4/ecommerce
 */

/** The events written to the dataLayer, one per page view: personalized, or in the control group (`holdout`). */
export const ARM_EVENTS = { personalized: 'reco_personalized', control: 'reco_control' } as const;

/** What the `dataLayer` option resolves to: which ways Reco uses the page's dataLayer. */
export interface DataLayerUse {
  read: boolean;
  write: boolean;
}

type Layer = unknown[];

/** dataLayers that already got this page view's arm event, and the arm it said (true: control). */
const written = new WeakMap<Layer, boolean>();

/**
 * `true`, `'read'`, `'write'` or `false` (the option); undefined: both ways when the page has a dataLayer.
 * @param name the data layer's name in `window` (the `dataLayerName` option)
 * @throws nothing: the option was validated
 */
export function dataLayerUse(option: boolean | 'read' | 'write' | undefined, name = 'dataLayer'): DataLayerUse {
  const on = option ?? Array.isArray((window as unknown as Record<string, unknown>)[name]);
  return { read: on === true || on === 'read', write: on === true || on === 'write' };
}

/** The page's dataLayer (`window[name]`), created as Google's own snippets do when Reco was asked to use it and it is missing. */
export function pageDataLayer(name = 'dataLayer'): Layer | null {
  const w = window as unknown as Record<string, unknown>;
  w[name] ??= [];
  return Array.isArray(w[name]) ? w[name] : null;
}

/**
 * Pushes this page view's arm event, once per page whatever the number of init() calls.
 * @param name the data layer's name in `window` (the `dataLayerName` option)
 * @returns the page view's arm: `control`, or the one a first init() wrote, so that events and analytics agree
 */
export function writeArm(control: boolean, name = 'dataLayer'): boolean {
  const dl = pageDataLayer(name);
  if (!dl) return control;
  if (written.has(dl)) return written.get(dl)!;
  written.set(dl, control);
  dl.push({ event: control ? ARM_EVENTS.control : ARM_EVENTS.personalized, reco_arm: control ? 'control' : 'personalized' });
  return control;
}

/** A Matomo call of a product's view: Matomo's `setEcommerceView` with a SKU, or Piwik PRO's `ecommerceProductDetailView`. */
export const isProductView = (call: unknown): boolean =>
  Array.isArray(call) && ((call[0] === 'setEcommerceView' && !!call[1]) || call[0] === 'ecommerceProductDetailView');

/**
 * Matomo's `window._paq` as init() finds it (made as Matomo's snippet makes it, when the `matomo` option asks for it and
 * the page has none), with a copy of each call it holds and of each call pushed to it until the Matomo reader
 * (matomo-read.ts, loaded on demand) takes over: matomo.js may load first, and it takes each call's method name off as
 * it applies it, and replaces the array.
 * @param onProductView called for each product view pushed meanwhile (Matomo's snippet after Reco's init(), in <head>):
 *   the grids parsed after it are held for the ranking it makes
 */
export function matomoQueue(onProductView: () => void): {
  queue: unknown;
  queued: [call: unknown, copy: unknown][];
  release(): void;
} {
  const w = window as unknown as { _paq?: unknown };
  const queue = (w._paq ??= []);
  const copy = (call: unknown): [unknown, unknown] => [call, Array.isArray(call) ? [...call] : call];
  if (!Array.isArray(queue)) return { queue, queued: [], release() {} };
  const queued = queue.map(copy);
  const push = queue.push;
  const copying = function (this: unknown[], ...calls: unknown[]) {
    queued.push(...calls.map(copy));
    if (calls.some(isProductView)) onProductView();
    return push.apply(this, calls);
  };
  queue.push = copying;
  return {
    queue,
    queued,
    release: () => {
      // Another script may have wrapped push since: then ours stays in its chain.
      if (queue.push === copying) queue.push = push;
    },
  };
}
