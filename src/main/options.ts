/** The options of `Reco.init()` and their validation: every option, what it expects, checked in one table. */
import { BACKENDS, DEFAULTS, MAX_HISTORY_LENGTH, type Backend, type CommonOptions, type Consent } from '../shared/options.ts';
import { validateGridConfigs, type GridConfig } from './grid/discover.ts';

/** Options of `Reco.init()`; every one is optional and has a documented default. */
export interface RecoOptions extends Partial<CommonOptions> {
  /** URL of the model manifest. Default: `models/default/model.json` next to the SDK script. */
  modelUrl?: string;
  /** URL of the worker bundle. Default: `reco.worker.js` next to the SDK script. */
  workerUrl?: string;
  /** Grids in the shop's own markup, besides `[data-reco-grid]`. Default: none. */
  grids?: GridConfig[];
  /**
   * The shop's catalog feed for placements (`recommend()`, `render()`): JSON Lines or a JSON array of
   * `{ id, title, brand, category, price, url, image, availability }`, relative to the page. Fetched once by
   * the worker without cookies, kept in Cache Storage and fetched again when its ETag changes.
   * Default: none (placements draw from the items seen on the site so far).
   */
  catalogUrl?: string;
  /**
   * The page's GA4 `window.dataLayer`: `'read'` records the shop's GA4 ecommerce pushes (view_item, add_to_cart,
   * purchase, ... with their items) as history, so they need no track(); `'write'` pushes one event per page view
   * with the experiment arm (`reco_personalized` or `reco_control`, see `holdout`); `true` both, `false` neither.
   * Reco only reads and pushes to the page's own array. Default: both when the page has a `window.dataLayer`
   * when init() runs, else neither.
   */
  dataLayer?: boolean | 'read' | 'write';
  /**
   * The name of the page's data layer, where Tag Manager's snippet was given another one (its fifth argument, e.g.
   * `'shopLayer'`) or gtag.js's script URL has `&l=shopLayer`: Reco reads and writes `window[dataLayerName]`.
   * Default: `'dataLayer'`.
   */
  dataLayerName?: string;
  /**
   * The page's Matomo `window._paq`: `true` records the shop's Matomo ecommerce calls (setEcommerceView, the cart's
   * updates, orders) as history, so they need no track(); Reco only reads them. Default: when the page has a
   * `window._paq` when init() runs.
   */
  matomo?: boolean;
}

/**
 * Options after defaults are merged, the model's and the worker's URLs resolved against the script's (the feed's
 * is resolved against the page's when the worker is told); `dataLayer` is resolved when init() runs.
 */
export type ResolvedOptions = CommonOptions & {
  grids: GridConfig[];
  modelUrl: string;
  /** Where the model's other files are, when a bundler renamed them (see loadModel). */
  modelFiles: Record<string, string>;
  workerUrl: string;
  /** Starts the worker the app's bundler bundled; absent: the worker is started from `workerUrl`. */
  startWorker?: () => Worker;
  dataLayer?: RecoOptions['dataLayer'];
  dataLayerName: string;
  matomo?: boolean;
  /** Loads the dataLayer and Matomo readers (datalayer-read.ts): as the app's bundler placed them, or from next to the script. */
  loadDataLayerReader: () => Promise<typeof import('./datalayer-read.ts')>;
  catalogUrl?: string;
};

/** The worker, the default model and the dataLayer reader as the app's bundler placed them (src/bundler-assets.mjs); null in reco.js. */
export interface BundledAssets {
  startWorker: (() => Worker) | null;
  model: (() => { url: string; files: Record<string, string> } | null) | null;
  /** Loads datalayer-read.ts: where the bundler put it, or next to reco.js (`scriptUrl`). */
  loadDataLayerReader?: (scriptUrl: string) => Promise<typeof import('./datalayer-read.ts')>;
}

type Rule = [expected: string, ok: (v: unknown) => boolean];
const STRING: Rule = ['a non-blank string', (v) => typeof v === 'string' && v.trim() !== ''];
const BOOL: Rule = ['true or false', (v) => typeof v === 'boolean'];
/**
 * A URL, absolute or relative (one that does not parse would fail later, in the worker, without the option's name).
 * Any base tells whether it parses; each is resolved against its own base below.
 */
const URL_STRING: Rule = [
  'a URL',
  (v) => {
    try {
      return STRING[1](v) && !!new URL(v as string, 'https://example.invalid/');
    } catch {
      return false;
    }
  },
];
const range = (min: number, max: number): Rule => [`a number from ${min} to ${max}`, (v) => typeof v === 'number' && v >= min && v <= max];
/** Counts: whole numbers only (10.5 events cannot be kept). */
const count = (min: number, max: number): Rule => [
  `a whole number from ${min} to ${max}`,
  (v) => Number.isInteger(v) && range(min, max)[1](v),
];

/** The shopper's consent: the option's rule, and the script tag's `data-consent`'s. */
const CONSENT: Rule = ['"granted" or "denied"', (v) => v === 'granted' || v === 'denied'];

/** Every option and how it is checked, in the order checked; `grids` has its own validator. */
const RULES: Record<keyof RecoOptions, Rule | null> = {
  modelUrl: URL_STRING,
  workerUrl: URL_STRING,
  dbName: STRING,
  respectGpc: BOOL,
  allowSoftwareGpu: BOOL,
  autoPersonalize: BOOL,
  animate: BOOL,
  debug: BOOL,
  holdout: range(0, 1),
  antiFlickerMs: range(0, 10_000),
  maxEvents: count(10, 1e6),
  maxAgeDays: range(1, 3650),
  historyLength: count(1, MAX_HISTORY_LENGTH),
  trainAfterEvents: count(0, 1e6),
  trainIntervalMinutes: range(0, 1e6),
  consent: CONSENT,
  dataLayer: ['true, false, "read" or "write"', (v) => typeof v === 'boolean' || v === 'read' || v === 'write'],
  dataLayerName: [
    "the name of the page's data layer (a JavaScript identifier, as in Tag Manager's snippet)",
    (v) => typeof v === 'string' && /^[A-Za-z_$][\w$]*$/.test(v),
  ],
  matomo: BOOL,
  backends: [
    `a non-empty array of ${BACKENDS.join(', ')}`,
    (v) => Array.isArray(v) && v.length > 0 && v.every((x) => BACKENDS.includes(x as Backend)),
  ],
  catalogUrl: URL_STRING,
  searchWeight: range(0, 1),
  grids: null,
  rules: null,
};

/** A value as an error message shows it: NaN and Infinity as themselves (JSON would say null), functions by type. */
const shown = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? typeof v));

/**
 * Merges defaults and validates.
 * @param scriptUrl the SDK script's URL: the default model and worker are found next to it
 * @param bundled the worker and default model where the app's bundler put them; they win over `scriptUrl`
 * @param scriptConsent the script tag's `data-consent` (reco.js): the consent when `input` gives none
 * @throws TypeError naming the option and what was expected.
 */
export function resolveOptions(input: unknown, scriptUrl: string, bundled?: BundledAssets, scriptConsent?: string): ResolvedOptions {
  if (input != null && (typeof input !== 'object' || Array.isArray(input))) throw new TypeError('Reco.init(options): expected an object');
  const o = (input ?? {}) as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!Object.hasOwn(RULES, k)) throw new TypeError(`Reco.init: unknown option "${k}"`);
  for (const [k, rule] of Object.entries(RULES)) {
    if (rule && o[k] !== undefined && !rule[1](o[k]))
      throw new TypeError(`Reco.init: option "${k}" expected ${rule[0]}, got ${shown(o[k])}`);
  }
  const consent = (o['consent'] ?? scriptConsent ?? DEFAULTS.consent) as Consent;
  if (!CONSENT[1](consent))
    throw new TypeError(`Reco.init: the script tag's data-consent expected ${CONSENT[0]}, got ${shown(scriptConsent)}`);
  const model = o['modelUrl'] === undefined ? bundled?.model?.() : undefined;
  const at = (given: unknown, ours: string) => new URL((given as string | undefined) ?? ours, given ? document.baseURI : scriptUrl).href;
  return {
    ...DEFAULTS,
    dataLayerName: 'dataLayer',
    // An option passed as undefined keeps its default.
    ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)),
    consent,
    grids: validateGridConfigs(o['grids']),
    // The shop's own URLs are relative to the page, as fetch() reads them (and catalogUrl); the package's files are next
    // to the script, which may be on a CDN.
    modelUrl: at(o['modelUrl'], model?.url ?? 'models/default/model.json'),
    modelFiles: model?.files ?? {},
    workerUrl: at(o['workerUrl'], 'reco.worker.js'),
    ...(o['workerUrl'] === undefined && bundled?.startWorker ? { startWorker: bundled.startWorker } : {}),
    loadDataLayerReader: async () => {
      if (!bundled?.loadDataLayerReader) throw new Error('this build has no dataLayer reader');
      return bundled.loadDataLayerReader(scriptUrl);
    },
  } as ResolvedOptions;
}
