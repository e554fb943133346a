/**
 * The options of `Reco.init()` and their defaults: one table, read by the page (validation, the instance),
 * the store and the worker. Validation lives with the page (src/main/options.ts).
 */

/** The tfjs backends the engine can run on, in the order tried by default. */
export const BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type Backend = (typeof BACKENDS)[number];

/** The shopper's consent to storing behaviour on the device. */
export type Consent = 'granted' | 'denied';

/** How to read one field of an item: a CSS selector (the text, or `content` attribute, of its first match inside the item) or a function of the item. */
export type FieldReader<T> = string | ((el: Element) => T | null | undefined);

/** How to find grids in markup the shop cannot change. Selectors or functions. */
export interface GridConfig {
  /** Selector of grid containers. */
  container: string;
  /** Selector of items inside a container (direct or nested). */
  item: string;
  id: FieldReader<string>;
  /** A fixed list id, or a function of the container. Default: `data-reco-grid`, the `id` attribute, or `grid-<n>` (n-th grid under root). */
  listId?: string | ((container: Element) => string);
  title?: FieldReader<string>;
  category?: FieldReader<string>;
  brand?: FieldReader<string>;
  price?: FieldReader<number | string>;
  /** Pinned items keep their place: a selector the item matches or contains, or a function. */
  pin?: string | ((el: Element) => boolean);
}

export interface RecoOptions {
  /** URL of the model manifest. Default: `models/default/model.json` next to the SDK script. */
  modelUrl?: string;
  /** URL of the worker bundle. Default: `reco.worker.js` next to the SDK script. */
  workerUrl?: string;
  /** tfjs backends to try, in order. Default: webgpu, webgl, wasm, cpu. */
  backends?: Backend[];
  /** 'denied' records nothing and does not personalize. Default: 'granted' (the shop's consent banner decides). */
  consent?: Consent;
  /** Honour Global Privacy Control: with `navigator.globalPrivacyControl`, keep events in memory only. Default: true. */
  respectGpc?: boolean;
  /** Grids in the shop's own markup, besides `[data-reco-grid]`. Default: none. */
  grids?: GridConfig[];
  /** Re-order grids at init and when new ones appear (MutationObserver). Default: true. */
  autoPersonalize?: boolean;
  /** Share of page views (0..1) left unpersonalized as a control group; recorded on events. Default: 0. */
  holdout?: number;
  /** Hide grids until ranked, at most this long (ms); 0 disables. Default: 400. */
  antiFlickerMs?: number;
  /** FLIP-animate moves (always off with prefers-reduced-motion). Default: true. */
  animate?: boolean;
  /** Stored events are capped at this count, oldest evicted first. Default: 5000. */
  maxEvents?: number;
  /** Stored events older than this many days are evicted. Default: 90. */
  maxAgeDays?: number;
  /** History events the model reads. Default: 50. */
  historyLength?: number;
  /** IndexedDB database name. Default: 'reco'. */
  dbName?: string;
  /** Log every step to the console. Default: false. */
  debug?: boolean;
  /**
   * On-device learning: a fine-tuning round of the scoring head starts (in the worker, when the page is
   * idle or hidden) once this many labelled events (clicks, add to cart, purchases) arrived since the
   * last round; 0 leaves rounds to `train()`. Default: 20.
   */
  trainAfterEvents?: number;
  /** At most one automatic learning round per this many minutes, across tabs. Default: 10. */
  trainIntervalMinutes?: number;
}

/** Options after defaults are merged, the URLs resolved against the script's. */
export type ResolvedOptions = Required<Omit<RecoOptions, 'modelUrl' | 'workerUrl'>> & { modelUrl: string; workerUrl: string };

/** Every option's default (the URLs' defaults depend on the script's URL: see resolveOptions). */
export const DEFAULTS = {
  backends: [...BACKENDS],
  consent: 'granted',
  respectGpc: true,
  grids: [],
  autoPersonalize: true,
  holdout: 0,
  antiFlickerMs: 400,
  animate: true,
  maxEvents: 5000,
  maxAgeDays: 90,
  historyLength: 50,
  dbName: 'reco',
  debug: false,
  trainAfterEvents: 20,
  trainIntervalMinutes: 10,
} satisfies Required<Omit<RecoOptions, 'modelUrl' | 'workerUrl'>>;
