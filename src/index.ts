/**
 * Reco: re-orders a shop's product grids for each shopper, on the shopper's device.
 * No behaviour data leaves the browser.
 *
 * Script tag: `<script src="/reco.js"></script>` then `Reco.init()`; `window.Reco` also forwards
 * every method to the instance made by the last `init()`, so `Reco.status()` works in a console.
 */
import { watchInsertions } from './main/grid/unpainted.ts';
import { notReady, type Explanation, type RecoEventMap, type RecoInstance, type RecoStatus } from './main/api.ts';
import { startWorkerEarly } from './main/early-worker.ts';
import { loadEngineModule, preloadEngineModule } from './main/engine-module.ts';
import { defaultWorker } from './main/worker-source.ts';
import { subscribe, type Listeners } from './main/events.ts';
import { forgetWithoutInstance, knownDatabases } from './main/erase.ts';
import { forgetPageView, refused, startInstance } from './main/instance.ts';
import type { BundledAssets } from './main/options.ts';
import { bundledModel, loadDataLayerReader, onServer, startBundledWorker } from './bundler-assets.mjs';
import { skipped, type LearningDecision } from './shared/learning.ts';
import { DEFAULTS } from './shared/options.ts';
import type { RecoOptions } from './main/options.ts';
import type { Recommendation, RecommendRequest } from './shared/placements.ts';
import type { Rules } from './shared/rules.ts';
import type { RenderOptions } from './main/cards.ts';
import { byScore, rankInput, type RankOptions } from './main/ranker.ts';
import type { ExportData, ItemFeatures, PageEventType } from './shared/types.ts';

export type { RecoInstance, RecoStatus, RecoEventMap, RankedEvent, Explanation, CacheStatus, DownloadProgress } from './main/api.ts';
export type { LearningDecision, LearningStatus } from './shared/learning.ts';
export type { RecoOptions } from './main/options.ts';
export type { GridConfig } from './main/grid/discover.ts';
export type { Backend, BackendTried } from './shared/options.ts';
export type { EventType, ExportData, ItemFeatures, PageEventType, RecoEvent } from './shared/types.ts';
export type { RecoErrorName } from './shared/errors.ts';
export type { Placement, Reason, Recommendation, RecommendRequest } from './shared/placements.ts';
export type { Boost, Diversity, ExcludeRecent, Filter, Rules } from './shared/rules.ts';
export type { CatalogStatus } from './shared/protocol.ts';
export type { RenderOptions } from './main/cards.ts';
export type { GivenHistory, RankOptions } from './main/ranker.ts';
export { BACKENDS } from './shared/options.ts';

// Captured while the script runs: the worker and the model are found next to it. A classic script
// (reco.js) knows its URL from document.currentScript, a module (reco.mjs) from import.meta.url.
const SCRIPT_URL: string =
  (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.src) || import.meta.url || location.href;

// The consent the page was served with, on the script tag (`<script src="reco.js" data-consent="denied">`, from the
// shop's consent cookie): init()'s consent when init() gives none, and with "denied" nothing more is fetched before an
// init() grants it (neither the worker nor reco.engine.js). A module (reco.mjs) has no script tag: its app calls init().
const SCRIPT_CONSENT: string | undefined =
  (typeof document !== 'undefined' && (document.currentScript as HTMLScriptElement | null)?.dataset['consent']) || undefined;

// In the ES module build, the worker, the default model and the dataLayer reader as the app's bundler placed them; none in reco.js.
const BUNDLED: BundledAssets = { startWorker: startBundledWorker, model: bundledModel, loadDataLayerReader };

let current: RecoInstance | null = null;
/** The instance Reco.destroy() ended, until the next init(): status() reports it ('destroy() was called'). */
let ended: RecoInstance | null = null;
/** track() calls made before the first init(): replayed, in order, on the instance it makes. */
let early: ((reco: RecoInstance) => void)[] = [];
const EARLY_MAX = 100;
// Listeners of the global Reco.on(): every instance made by init() emits to them, from its first step,
// so a page that subscribes before init() hears init-time errors, 'ready' and the first 'ranked'.
const globalListeners: Listeners = new Map();

// The worker starts loading now, before the page calls init(): init() takes it (the same worker) or terminates it.
// The ES module build waits until the app's modules have run: an app whose bundler did not copy the worker calls
// init() with a `workerUrl` of its own, and the bundled one is then not requested (it would be a 404 in the console).
// reco.engine.js too (the script-tag build), preloaded: the grids' first rankings come through it.
if (typeof location !== 'undefined') {
  if (SCRIPT_CONSENT === undefined || SCRIPT_CONSENT === 'granted') {
    const startEarly = () => current || startWorkerEarly(defaultWorker(BUNDLED.startWorker, new URL('reco.worker.js', SCRIPT_URL).href));
    if (BUNDLED.startWorker) queueMicrotask(startEarly);
    else startEarly();
    preloadEngineModule(SCRIPT_URL);
  }
  watchInsertions(); // grids an app renders just before init() (see unpainted.ts)
}

/**
 * Starts Reco: opens storage, starts the worker, loads the model, personalizes the page's grids.
 * Resolves once the first grids are ranked; when something fails (no model, no worker, no storage)
 * it still resolves, the grids keep their order, and `status().lastError` says why. The functions below act
 * on this instance from the moment init() is called: track() records at once (also before storage is open), rank()
 * answers as soon as the worker can (as the grids' first rankings: the stored snapshot, or the default model's pass
 * before TensorFlow.js loads), the others wait for init to settle.
 * @param options see {@link RecoOptions}; every option has a documented default
 * @throws TypeError (as a rejection) naming the option when an option is invalid
 */
export async function init(options?: RecoOptions): Promise<RecoInstance> {
  // Server-side rendering: no page to personalize, no storage. Every method answers as before init() (the grids keep
  // their order), and status() says why; the browser's own init() starts Reco when the page hydrates.
  if (onServer) {
    const reason = 'Reco runs in the browser: init() was called where there is no document (server-side rendering), and started nothing';
    return {
      track: () => {},
      rank,
      recommend,
      render,
      setRules,
      personalize,
      status: () => notReady('granted', false, false, reason),
      train,
      explain,
      export: exportData,
      forget,
      on,
      destroy,
    };
  }
  const { reco, ready } = startInstance(options, SCRIPT_URL, globalListeners, current, BUNDLED, SCRIPT_CONSENT);
  current = reco;
  const queued = early;
  early = [];
  for (const call of queued) call(reco);
  return ready;
}

const NOT_STARTED = 'Reco.init() has not been called';

/**
 * Records a page-level event (GA4 name) on the current instance; before init() is called, it is kept (up to
 * 100) and recorded when init() starts. See RecoInstance.track.
 */
export const track = (type: PageEventType, itemId: string, extra?: Record<string, string | number | boolean>): void => {
  if (current) return current.track(type, itemId, extra);
  if (early.length < EARLY_MAX) early.push((reco) => reco.track(type, itemId, extra));
  else if (early.length === EARLY_MAX) console.warn('[reco] more than 100 track() calls before Reco.init(): the rest are dropped');
};
/**
 * Scores items for this shopper on the current instance (as soon as its worker can answer); see RecoInstance.rank. Without one,
 * the items in their order, each 0; bad input is logged, naming the field, as the instance reports it.
 */
export const rank = async (items: ReadonlyArray<string | ItemFeatures>, options?: RankOptions): Promise<{ id: string; score: number }[]> =>
  current?.rank(items, options) ??
  byScore(
    rankInput(
      items,
      () => undefined,
      (err) => console.error(`[reco] ${err.message}`),
    ),
    null,
  );
/** A placement from the catalog on the current instance (waiting for its init); see RecoInstance.recommend. [] before init(). */
export const recommend = async (request: RecommendRequest): Promise<Recommendation[]> => current?.recommend(request) ?? [];
/**
 * Fills a container from the shop's template with a placement; see RecoInstance.render. [] before init() (the async
 * snippet queues calls made before reco.js has loaded, init() first).
 */
export const render = async (container: Element | string, options: RenderOptions): Promise<Recommendation[]> =>
  current?.render(container, options) ?? [];
/** Replaces the merchandising rules of the current instance; see RecoInstance.setRules. */
export const setRules = async (rules: Rules): Promise<void> => current?.setRules(rules);
/**
 * Re-orders grids now on the current instance. Before init(), a web component's shadow root is kept and followed
 * once init() starts (the component rendered first); the document's grids are found by init() itself.
 */
export const personalize = async (root?: ParentNode): Promise<void> => {
  if (current) return current.personalize(root);
  if (root instanceof ShadowRoot) early.push((reco) => void reco.personalize(root));
};
/** Status of the current instance. */
export const status = (): RecoStatus => (current ?? ended)?.status() ?? notReady('granted', false, false, refused ?? NOT_STARTED);
/** Runs an on-device learning round now on the current instance; see RecoInstance.train. */
export const train = async (): Promise<LearningDecision> => current?.train() ?? skipped(NOT_STARTED);
/** The history items that most raised an item's score ("Because you viewed ..."); see RecoInstance.explain. */
export const explain = async (itemId: string): Promise<Explanation> => current?.explain(itemId) ?? { itemId, because: [] };
/**
 * Everything stored about this shopper on this origin (also importable as `export`); see RecoInstance.export. Before
 * init(), what the databases Reco used hold.
 */
export const exportData = async (): Promise<ExportData> =>
  current?.export() ?? (await loadEngineModule(SCRIPT_URL)).readStored(knownDatabases(DEFAULTS.dbName));
/**
 * Erases every trace Reco wrote on this origin; see RecoInstance.forget. Also without init() (a privacy page that
 * does not run Reco): the other tabs are told, every database, `reco:` key and `reco-` cache is erased, and what
 * could not be at once is logged.
 */
export const forget = async (): Promise<void> => {
  early = []; // track() calls waiting for init(): forgotten too
  if (current) return current.forget();
  forgetPageView();
  for (const problem of await forgetWithoutInstance()) console.error(`[reco] forget(): ${problem}`);
};
/** Removes the current instance's listeners, observers and worker. */
export const destroy = async (): Promise<void> => {
  const reco = current;
  ended = reco ?? ended;
  current = null;
  await reco?.destroy();
};
/**
 * Subscribes to 'ready', 'ranked', 'error', 'event' or 'progress' of the instance made by the last `init()`. May be called
 * before `init()`: the listener then also hears what happens during init (a model that fails to load, the first ranking).
 * @returns the unsubscribe function
 * @throws TypeError for an unknown event type
 */
export const on = <K extends keyof RecoEventMap>(type: K, fn: (detail: RecoEventMap[K]) => void): (() => void) =>
  subscribe(globalListeners, type, fn, current);
export { exportData as export };
