/**
 * The page-side instance: wires the store, the tracker, the personalizer (grids), the ranker and the
 * worker engine together. Nothing here throws into the shop's page after init: failures keep the shop's
 * order, are logged once and reported through on('error').
 */
import { HISTORY_TYPES, isLabel, reranksUnseen } from '../shared/labels.ts';
import type { DownloadProgress } from '../shared/protocol.ts';
import { isPageLeft, StorageError } from '../shared/errors.ts';
import { skipped, type LearningState } from '../shared/learning.ts';
import { DEFAULTS } from '../shared/options.ts';
import { LOCAL_KEYS } from '../shared/local-keys.ts';
import type { PageStore, PageWrite, StoreOptions } from '../shared/store.ts';
import { EVENT_TYPES, type ItemFeatures, type RecoEvent } from '../shared/types.ts';
import type { MarkupFeatures } from './grid/discover.ts';
import { storageMode } from '../tracker/consent.ts';
import { checkTrackArguments, createTracker } from '../tracker/tracker.ts';
import { notReady, type RecoInstance, type RecoStatus } from './api.ts';
import type { EngineState } from './engine-client.ts';
import { lazyEngineClient } from './engine-lazy.ts';
import { loadEngineModule, type EngineModule } from './engine-module.ts';
import { dataLayerUse, isProductView, matomoQueue, pageDataLayer } from './datalayer.ts';
import { takeEarlyWorker } from './early-worker.ts';
import { openForgetChannel } from '../shared/forget-channel.ts';
import {
  clearLocalTraces,
  eraseEverything,
  finishForgetting,
  knownDatabases,
  noteForgetting,
  rememberDatabase,
  WAIT_MS,
  within,
} from './erase.ts';
import { createEmitter, type Listeners } from './events.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import type { ShopperHistory } from './history.ts';
import { resolveOptions, type BundledAssets, type RecoOptions, type ResolvedOptions } from './options.ts';
import { createPersonalizer, type Personalizer } from './personalizer.ts';
import { reserveCards } from './cards.ts';
import type { PagePlacements } from './placements.ts';
import { byScore, rankInput, type Ranker } from './ranker.ts';
import type { PageLearning, PageLearningOptions } from './scheduler.ts';
import { defaultWorker, startingNow, workerAt, type WorkerSource } from './worker-source.ts';

/** Why this page view stores nothing more: forget() was called (here, or heard from another tab); null until then. */
let forgot: string | null = null;
const FORGOT = 'forget() was called: nothing is stored for the rest of this page view';
/** What becomes of a page view's events when reco.engine.js, which brings the page's store, cannot load. */
const withoutStore = (mode: string): string =>
  mode === 'memory' ? 'nothing is stored' : "this page view's events wait in localStorage for a later one";
/** How long reco.engine.js may take to arrive (it is preloaded as reco.js runs) before the engine is down. */
const ENGINE_MODULE_MS = 20_000;
/** forget() before any init() (a privacy page): a later init() in this page view stores nothing either. */
export const forgetPageView = (): void => void (forgot ??= FORGOT);
/**
 * @internal How the last init() has a list a framework renders itself (useRanked, src/react.ts) held: as long as the
 * grids (its `antiFlickerMs`; never with 0), and also on a first visit when its rules or feed may move a list, as a grid.
 */
export let listHold = { ms: DEFAULTS.antiFlickerMs as number, byRules: false };
/** This page view's A/B arm (control: true), drawn by its first init(): a later one keeps it. */
let arm: boolean | undefined;

/** A dataLayer entry as the page glances at it: `{ event, ecommerce }`, or gtag's arguments `['event', name, params]`. */
type Pushed = { event?: unknown; ecommerce?: unknown; 1?: unknown } | null;
/** Universal Analytics' enhanced ecommerce actions that the dataLayer reader reads as history events (datalayer-read.ts). */
const UA_HISTORY_ACTIONS = ['detail', 'click', 'add', 'checkout', 'purchase'];
/** A push of a history event, in GA4's forms (`{ event }`, gtag's arguments) or in Universal Analytics' (`{ ecommerce: { detail } }`). */
const pushesHistory = (e: unknown): boolean => {
  const { event, ecommerce, 1: name } = (e ?? {}) as NonNullable<Pushed>;
  if ((HISTORY_TYPES as readonly unknown[]).includes(event ?? name)) return true;
  return !!ecommerce && typeof ecommerce === 'object' && UA_HISTORY_ACTIONS.some((action) => action in ecommerce);
};

/** An instance as soon as it exists, and its initialization under way. */
export interface StartedInstance {
  /** Usable at once: track() records from the first moment, status() says 'loading', the other methods wait for `ready`. */
  reco: RecoInstance;
  /** Resolves (never rejects) once the model is loaded or failed to load and the first grids are ranked. */
  ready: Promise<RecoInstance>;
}

/**
 * @internal Use Reco.init(). Validates the options, starts the worker, storage, the tracker and the
 * observers, and resolves once the first grids are ranked. `global` listeners (the global Reco.on()) also
 * hear events emitted during init.
 * @throws TypeError (as a rejection) naming the option when an option is invalid
 */
export async function createInstance(options: RecoOptions | undefined, scriptUrl: string, global: Listeners | null): Promise<RecoInstance> {
  return startInstance(options, scriptUrl, global).ready;
}

/** Why the last init() was refused (its invalid option, as `status().lastError` says it), for status() with no instance. */
export let refused: string | null = null;

/**
 * @internal The instance at once, its initialization in `ready`. Clicks and track() calls made while storage
 * opens and the model loads are recorded (with their own time) and written once the store is open; status()
 * answers at once (engine 'loading'); rank(), explain(), recommend(), render() (which reserves its cards' space at
 * once), setRules(), personalize(), train(), export() and forget() wait for `ready`.
 * @param replaces an instance this one replaces (a second init()): destroyed once the options are valid
 * @param bundled the worker and default model as the app's bundler placed them (the ES module build)
 * @throws TypeError naming the option when an option is invalid (then `replaces` is left running)
 */
export function startInstance(
  options: RecoOptions | undefined,
  scriptUrl: string,
  global: Listeners | null,
  replaces: RecoInstance | null = null,
  bundled?: BundledAssets,
  scriptConsent?: string,
): StartedInstance {
  let opts: ResolvedOptions;
  try {
    opts = resolveOptions(options, scriptUrl, bundled, scriptConsent);
  } catch (err) {
    takeEarlyWorker(null);
    refused = `${(err as Error).name}: ${(err as Error).message}`;
    throw err;
  }
  // Its listeners, observers and held grids go before this one touches the page (the rest of destroy() may finish later).
  void replaces?.destroy();
  const events = createEmitter(global);
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  // After forget() in this page view, as with consent denied: nothing stored, no worker (it would cache the model anew).
  const mode = forgot ? 'off' : storageMode(opts.consent, opts.respectGpc);
  const state: Omit<RecoStatus, 'lastRankMs' | 'learning' | 'skippedRows'> & Pick<RecoStatus, 'learning'> = {
    ...notReady(opts.consent, gpc, (arm ??= Math.random() < opts.holdout), null),
    engine: mode === 'off' ? 'off' : 'loading',
    storageReason: forgot ?? (mode === 'off' ? 'consent is denied: nothing is stored' : null),
  };
  const logged = new Set<string>();
  /** Logs an error once per instance. */
  const log = (message: string): void => {
    if (logged.has(message)) return;
    logged.add(message);
    console.error(`[reco] ${message}`);
  };
  /** Errors already reported: one failure heard through several paths (the engine going down, the call it failed) is reported once. */
  const reported = new WeakSet<Error>();
  /** destroy() was called (by the page, or by a later init() replacing this instance). */
  let destroyed = false;
  /** A grid of this page view was put in the shopper's order. */
  let rankedAny = false;
  const fail = (err: Error): void => {
    // What destroy() stops (the worker, the store's connection) fails the calls still under way: no failure of the shop's.
    if (destroyed) return;
    if (err instanceof Object) {
      if (reported.has(err)) return;
      reported.add(err);
    }
    state.lastError = `${err.name}: ${err.message}`;
    // A store that fails loses events, not the ranking: its message says what is lost. An invalid argument (a TypeError
    // naming the field, from the page or the worker) fails that call, not the grids; a broken feed concerns placements.
    // A grid already ranked (from the previous page view's snapshot, before the model failed to load) stays as it is.
    const kept =
      rankedAny && err.name === 'ModelError'
        ? "; grids not ranked yet keep the shop's own order (those ranked before, from the stored snapshot, stay so)"
        : "; the shop's own order is kept";
    // By name: a StorageError from reco.engine.js's store or from the worker is not an instance of this bundle's class.
    log(/^(Storage|Type|Catalog)Error$/.test(err.name) ? err.message : `${err.message}${kept}`);
    events.emit('error', err);
  };
  const debug = (msg: string): void => {
    if (opts.debug) console.info(`[reco] ${msg}`);
  };
  // A forget() an earlier page view did not finish (the shopper left at once) is finished before anything here opens
  // the database: the page's store, the worker's (whose history the first rankings come from) and export().
  const erasing = finishForgetting(opts.dbName).then((problems) => {
    for (const p of problems) fail(new StorageError(`forget() of an earlier page view: ${p}`));
  });
  /** Rows skipped as malformed, by the page's store and the worker's (each row once). */
  let workerSkipped: string[] = [];
  /** The open store (swapped for an empty memory one by forget()); null until it is open, or with consent denied. */
  let store: PageStore | null = null;
  const status = (): RecoStatus => ({
    ...state,
    lastRankMs: parts.grids.lastRankMs(),
    learning: learning?.status(state.learning) ?? state.learning,
    skippedRows: new Set([...(store?.skipped() ?? []), ...workerSkipped]).size,
  });

  // With consent denied Reco has no arm to report (writeArm comes with reco.engine.js, which it does not load), and reads
  // the dataLayer only to mark what the shop pushes meanwhile as read: a later init() with consent records none of it.
  const dataLayer = dataLayerUse(opts.dataLayer, opts.dataLayerName);
  // The dataLayer is read by a module loaded only on pages that read it: entries pushed meanwhile wait in the array.
  // The grids are tracked by then (their impressions are the tracker's to count), and their rankings wait for it to
  // have read what the shop pushed before (a product page's view_item). Without a tracker (consent denied) the reader
  // records nothing.
  // Matomo's queue (window._paq) is read by the same module; matomo.js takes the calls out of it as it loads, so what it
  // holds is copied now.
  const stopReading: (() => void)[] = [];
  const layer = dataLayer.read ? pageDataLayer(opts.dataLayerName) : null;
  const paq = (opts.matomo ?? (window as { _paq?: unknown })._paq != null) ? matomoQueue(() => (mayMove = true)) : null;
  const layerRead =
    (layer || paq) &&
    opts.loadDataLayerReader().then(
      ({ readDataLayer, readMatomo }) => {
        if (destroyed) return;
        const reader = { types: EVENT_TYPES, tracker, remember: (f: ItemFeatures[]) => parts.remember(f), onError: fail };
        if (layer) stopReading.push(readDataLayer({ ...reader, layer }));
        if (paq)
          stopReading.push(
            readMatomo({ ...reader, ...paq, cartKey: mode === 'persist' ? LOCAL_KEYS.matomoCart : null, stored: () => !forgotten }),
          );
      },
      (err: Error) =>
        log(
          `could not load the dataLayer reader (reco.datalayer.mjs): ${err.message}; the shop's ${[layer && 'GA4', paq && 'Matomo'].filter(Boolean).join(' and ')} events are not recorded`,
        ),
    );
  const antiFlicker = createAntiFlicker({ timeoutMs: opts.antiFlickerMs });
  // Rounds and history reads flush the tracker.
  const flush = async () => tracker?.flush();
  /** forget() ran (here or in another tab): nothing more is stored in this page view. */
  let forgotten = false;
  /**
   * On-device learning as the page drives it, from the moment the engine is ready: it comes with reco.engine.js
   * (scheduler.ts), so the page script does not carry it. Until then a round is skipped, as it would be anyway.
   */
  let learning: PageLearning | null = null;
  const learningOptions: PageLearningOptions = {
    ...opts,
    get stored() {
      return mode !== 'off' && !forgotten;
    },
    isReady: () => state.ready && !forgotten,
    flush,
    debug,
    onError: fail,
  };
  const onEngineState = (next: EngineState, reason: Error | null) => {
    if (destroyed) return; // its worker ended by destroy(): status() says so (below)
    if (next === 'down') {
      const was = state.ready;
      Object.assign(state, { ready: false, engine: 'down' });
      // A failure during init is reported once, by init itself (below).
      if (was && reason) fail(reason);
    } else if (next === 'restarting') {
      state.engine = 'restarting';
      // Replaced, not down: on record all the same (it was nowhere), not logged (a worker that cannot start at all
      // fails twice, and says so once, when it is down).
      if (reason) state.lastError = `${reason.name}: ${reason.message}; a new worker was started`;
    } else if (next === 'ready' && state.ready) state.engine = 'ready';
  };
  // The worker loads the model, and can answer from the snapshot, while the page opens its store. It was started
  // when the script ran (taken here when it is the same one), or starts now: its script downloads while the engine
  // client loads (reco.js loads that from reco.engine.js).
  const worker: WorkerSource = opts.startWorker ? defaultWorker(opts.startWorker, opts.workerUrl) : workerAt(opts.workerUrl);
  const early = takeEarlyWorker(mode === 'off' ? null : worker.url);
  const workers = mode === 'off' ? null : (early ?? startingNow(worker));
  const hooks = {
    onLearning: (s: LearningState | null) => learning?.update(s),
    onProgress: (p: DownloadProgress) => events.emit('progress', p),
    onError: fail,
    // The worker's writes, made with the page's connection (see EngineHooks.write).
    write: async (call: PageWrite, args: unknown[]) => {
      if (store?.kind !== 'indexeddb' || forgotten) return false;
      await (store[call] as (...a: unknown[]) => Promise<void>)(...args);
      return true;
    },
  };
  // reco.engine.js: a download of it that stalls fails after ENGINE_MODULE_MS, so that init(), forget() and destroy()
  // do not wait for it forever.
  const engineModule =
    workers &&
    erasing.then(() =>
      Promise.race([
        loadEngineModule(scriptUrl),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error(`it did not arrive within ${ENGINE_MODULE_MS / 1000} s`)), ENGINE_MODULE_MS),
        ),
      ]),
    );
  /** reco.engine.js once loaded (it brings the engine client: the engine's answers come after it). */
  let engineParts: EngineModule | null = null;
  void engineModule
    ?.then((m) => {
      engineParts = m;
      // The page view's arm, told once reco.engine.js is there (writeArm comes with it): once per page, whatever the number of init() calls.
      if (dataLayer.write) m.writeArm(state.control, opts.dataLayerName);
    })
    .catch(() => {});
  const engine =
    engineModule &&
    lazyEngineClient(engineModule, new URL('reco.engine.js', scriptUrl).href, (m) =>
      m.createEngineClient(workers, m.engineInit(opts, mode as 'persist' | 'memory'), debug, hooks, onEngineState),
    );
  /**
   * The page's store. Its code (and idb's) comes with reco.engine.js, out of the page script: null when that cannot
   * load (the engine client reports it), and then the tracker keeps the events in its journal for a later page view.
   */
  const openStore = (o: StoreOptions): Promise<PageStore | null> =>
    engineModule ? engineModule.then((m) => m.openPageStore(o)).catch(() => null) : Promise.resolve(null);
  // Nothing waits for the page's database to open: events queue in the tracker, and the worker reads its own
  // connection. The retention caps wait for the first rankings (below).
  const opening = mode === 'off' ? null : openStore({ ...opts, memoryOnly: mode === 'memory', prune: false });
  if (opening) state.storage = mode === 'memory' ? 'memory' : 'indexeddb';
  /** What status().events says: events stored (by any tab) plus this tab's not yet written. */
  const recount = async () => {
    const stored = await store?.count().catch(() => null);
    if (stored != null && !forgotten) state.events = stored + (tracker?.pending() ?? 0);
  };
  // What other tabs wrote meanwhile: counted as the shopper comes back to this one.
  const onVisible = () => document.visibilityState === 'visible' && void recount();
  document.addEventListener('visibilitychange', onVisible);
  /**
   * Reco ran here in an earlier page view: the tracker's session record, read before the tracker writes this one's.
   * True when there is no telling (localStorage refused by a browser setting that leaves IndexedDB on): a stored
   * history may be there.
   */
  const ranBefore = (): boolean => {
    try {
      return localStorage.getItem(LOCAL_KEYS.session) !== null;
    } catch {
      return true;
    }
  };
  /** The grids, once followed (below); an event before that comes before any ranking. */
  let personalizer: Personalizer | null = null;
  const onEvent = (e: RecoEvent) => {
    state.events++;
    events.emit('event', e);
    if (isLabel(e.type)) learning?.label();
    if (HISTORY_TYPES.includes(e.type) && !forgotten) {
      mayMove = true;
      sendChange().catch(fail);
      // Grids ranked before it and not seen yet are ranked with it (a product page's view_item an app tracks later).
      if (reranksUnseen(e.type)) personalizer?.historyChanged();
    }
  };
  /**
   * A ranking may move the grids: rules that order a grid by themselves (filter, boost, diversity: hiding what is out of
   * stock and leaving out recent purchases need a card out of stock or a history), a feed (it may say an item is out of
   * stock), or a history (Reco ran here in an earlier page view: the tracker's session record, read before the tracker
   * writes this one's; or an event in this one).
   */
  const byRules = Object.keys(opts.rules).some((rule) => rule !== 'hideUnavailable' && rule !== 'excludeRecent') || !!opts.catalogUrl;
  listHold = { ms: opts.antiFlickerMs, byRules };
  let mayMove =
    byRules ||
    ranBefore() ||
    // or the shop's ecommerce events pushed before init() (a product page's view_item, or Matomo's or Piwik PRO's view)
    !!layer?.some(pushesHistory) ||
    !!paq?.queued.some(([, call]) => isProductView(call));
  // The tracker starts before the store is open, so a click or a track() at page load is kept.
  const tracker =
    opening &&
    createTracker({
      store: opening,
      journal: mode === 'persist',
      control: state.control,
      onEvent,
      onError: fail,
      onWritten: () => void recount(),
    });
  // History and ranking read through this view, so that forget() can swap the store for an empty one under them.
  const storeView = new Proxy({} as PageStore, {
    get: (_, key: keyof PageStore) => {
      // Null only between the page's store opening and forget()'s memory store taking its place: a promise
      // resolving to this view then asks for `then`, which must be undefined, not a TypeError.
      const value = store?.[key];
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(store) : value;
    },
  });

  /**
   * Stops storing for the rest of the page view: pending events dropped, the store swapped for an empty memory one.
   * @returns the store it used, still open (forget() empties it before closing it); null when storing had stopped
   */
  const stopStoring = async (why: string): Promise<PageStore | null> => {
    if (forgotten) return null;
    forgotten = true;
    forgot = why;
    tracker?.forget();
    clearLocalTraces();
    const old = store;
    store = await openStore({ memoryOnly: true });
    Object.assign(state, { storage: 'off', storageReason: why, events: 0 });
    return old;
  };
  const channel = openForgetChannel(() => {
    // The worker hears the channel too, but not before it has started listening: told directly as well.
    void engine?.forget().catch(() => {});
    void stopStoring('forget() was called in another tab: nothing is stored for the rest of this page view').then((old) => {
      old?.close();
      // Its opening made the database, so after the other tab deleted it (before this one heard): deleted again.
      if (old?.madeDatabase) indexedDB.deleteDatabase(opts.dbName);
    });
  });

  /** Storage is open and the grids are tracked; null once destroyed. */
  const opened = (async () => {
    const real = await opening;
    // destroy() while it opened (reco.engine.js came late): it closes here.
    if (destroyed) {
      real?.close();
      return false;
    }
    // IndexedDB failed (not a choice: GPC and consent say nothing here): one warning, so that a shop whose shoppers
    // lose their history (a browser that refuses or breaks the database) hears of it, not only status().
    if (real?.fallbackReason && !forgotten)
      console.warn(`[reco] ${real.fallbackReason}: this page view's events stay in memory and are not kept after it`);
    // forget() (here or in another tab) while storage opened: this page view stores nothing (stopStoring() put a
    // memory store in place). An open that came after the deletion made the database anew, empty: deleted again.
    if (forgotten) {
      real?.close();
      if (real?.kind === 'indexeddb') indexedDB.deleteDatabase(opts.dbName);
    } else {
      store = real;
      if (real?.kind === 'indexeddb') rememberDatabase(opts.dbName);
      Object.assign(state, {
        storage: real?.kind ?? 'off',
        storageReason:
          real?.fallbackReason ??
          (!real && opening ? `the store comes with reco.engine.js, which could not load: ${withoutStore(mode)}` : null) ??
          (mode === 'memory' ? 'Global Privacy Control is on: events stay in memory for this page view' : state.storageReason),
      });
      // Not waited for past WAIT_MS: init() settles, and forget() and export() go on, whatever the database does.
      const stored = await within(real?.count().catch(fail), WAIT_MS);
      if (!forgotten && typeof stored === 'number') state.events += stored; // another tab's forget() meanwhile: nothing is stored
    }
    return !destroyed;
  })();

  /**
   * The page's side of the history, read by the engine's requests only: it comes with reco.engine.js (null without it).
   * It reads the store through the view once open (forget() swaps what is under it), meanwhile the one opening. The
   * ranker and placements below come from the same module: when they are made, it is there.
   */
  const history: Promise<ShopperHistory | null> = engineModule
    ? engineModule.then(
        (m) =>
          m.createHistory(
            opening && opening.then(() => storeView),
            opts.historyLength,
            () => tracker?.unwritten() ?? [],
            (items) => engine?.remember(items),
            fail,
          ),
        () => null,
      )
    : Promise.resolve(null);
  /** Tells the worker the history changed: it prepares the next page view's snapshot (changes that come together, a click and the product view it opens, make one). */
  async function sendChange(): Promise<void> {
    const h = await history;
    if (h) engine?.changed(await h.request());
  }
  /** The grids are tracked and ranked from the start: the worker reads the history, not the page's store. */
  const parts = (() => {
    // Loaded with the engine client (reco.engine.js in reco.js); null when there is none (consent denied) or it failed to load.
    /** Personalization runs: not the control group, the engine is not down, forget() was not called. */
    const active = () => !state.control && state.engine !== 'down' && !forgotten;
    const loaded = engineModule ?? Promise.reject(new Error('no engine'));
    const placements: Promise<PagePlacements | null> = loaded.then(
      async (m) =>
        m.createPlacements({
          engine,
          history: (await history)!,
          tracker,
          state,
          active,
          onError: fail,
          reserve: reserveCards,
        }),
      () => null,
    );
    // The ranker comes with the engine client too: without it nothing is ranked (every grid keeps its order). It ranks
    // once the shop's GA4 events pushed before init() are read.
    const ranker: Promise<Ranker | null> = loaded.then(
      async (m) => {
        await layerRead;
        return m.createRanker(engine, (await history)!, {
          active,
          ready: () => state.ready,
          rankFor: async (items, given) => (await placements)?.rankFor(items, given) ?? null,
          onReply(r) {
            if (r.skipped) workerSkipped = r.skipped;
            if (state.cache.snapshot !== null || r.source === 'none') return;
            // The engine client says which in the debug log (that text comes with reco.engine.js).
            state.cache = { ...state.cache, snapshot: r.source === 'snapshot' ? 'hit' : 'miss' };
          },
          onError: fail,
        });
      },
      () => null,
    );
    /**
     * Items' features as the engine reads them: prices as numbers, and what the page's JSON-LD adds (it comes with
     * reco.engine.js; without it there is no engine to read them, nor placements to show them).
     */
    const withPageData = async (features: MarkupFeatures[]) =>
      (await loaded.catch(() => null))?.itemFeatures(features, document, fail) ?? [];
    /**
     * Items the page shows teach the history their features and, without a feed, become the placements' catalog.
     * @param described only those the page's JSON-LD describes (a product page's own product): a bare id says nothing
     */
    const remember = (features: MarkupFeatures[], described?: boolean) =>
      void withPageData(features).then(async (all) => {
        if (described) all = all.filter((f) => f.title);
        (await history)?.remember(all);
        void placements.then((p) => p?.observe(all));
      });
    const grids = createPersonalizer(opts, {
      antiFlicker,
      tracker,
      active: !!engine && !state.control,
      arrange: async (items, ...grid) => (await ranker)?.arrange(await withPageData(items), ...grid) ?? null,
      remember,
      mayMove: (grid) => mayMove || grid.items.some((i) => i.features?.available === false),
      moves: () => engineParts,
      onRanked: (e) => ((rankedAny = true), events.emit('ranked', e)),
      onError: fail,
    });
    return { ranker, grids, placements, remember };
  })();
  personalizer = parts.grids;
  // The retention caps wait for the first rankings: pruning writes to the events the worker reads for them.
  void parts.grids
    .firstRankings()
    .then(async () => {
      await opened;
      if (!destroyed && !forgotten) await store?.prune();
    })
    // forget() (another tab's) closes the store under a prune under way: its next transaction fails, as it should. A
    // prune the page's going away aborted runs again on the next page view.
    .catch((err: Error) => void (forgotten || isPageLeft(err) || fail(err)));

  /** `fn` once init has settled; `none` when the instance was destroyed meanwhile. */
  const after = async <T>(none: T, fn: (p: typeof parts) => Promise<T>): Promise<T> => {
    await ready;
    return destroyed ? none : fn(parts);
  };

  const reco: RecoInstance = {
    track(type, itemId, extra) {
      try {
        checkTrackArguments(type, itemId, extra);
        tracker?.track(type, itemId, extra);
        // What the shopper looks at, as the product page's JSON-LD describes it: a first visit's history has its features.
        if (type === 'view_item' && tracker) parts.remember([{ id: itemId }], true);
      } catch (err) {
        fail(err as Error);
      }
    },
    // Not after init: the snapshot or the model's pass before TensorFlow.js answers before the model is loaded, so a
    // list the page renders itself (useRanked's) is ranked as soon as the grids are.
    rank: async (items, options) =>
      (!destroyed && (await (await parts.ranker)?.rank(items, options))) ||
      byScore(
        rankInput(items, () => undefined, fail), // fail() reports nothing once destroyed
        null,
      ),
    explain: (itemId) => after({ itemId, because: [] }, async (p) => (await p.placements)?.explain(itemId) ?? { itemId, because: [] }),
    recommend: (request) => after([], async (p) => (await p.placements)?.recommend(request) ?? []),
    render(container, options) {
      // The cards' space is reserved at once, before the model is ready, so nothing on the page moves later; not with
      // consent denied (no engine: nothing would fill them). A bad container or template is reported by placements'
      // render(), which reserves them again (and finds them made).
      try {
        if (engine) reserveCards(container, options);
      } catch {
        /* reported below */
      }
      return after([], async (p) => (await p.placements)?.render(container, options) ?? []);
    },
    setRules: (next) =>
      after(undefined, async (p) => {
        if (await (await p.placements)?.setRules(next)) {
          events.emit('rules', next); // useRanked's lists re-rank with them
          await p.grids.personalize(document, true);
        }
      }),
    personalize(root = document) {
      // A web component's shadow root is followed at once, before the model is ready: its grids are held and ranked as
      // the document's are on a page load, and its later renders are seen.
      const followed = !destroyed && root instanceof ShadowRoot ? parts.grids.follow(root) : null;
      return after(undefined, async (p) => {
        if (!(root instanceof Node && 'querySelectorAll' in root))
          return fail(new TypeError(`personalize(root): expected a document, an element or a shadow root, got ${JSON.stringify(root)}`));
        await (followed ?? p.grids.personalize(root, true));
      });
    },
    status,
    train: () =>
      after(skipped('the instance was destroyed'), async () =>
        learning ? learning.train() : skipped(learningOptions.stored ? 'the model is not loaded' : 'storage is off'),
      ),
    async export() {
      await erasing;
      await opened;
      // A database that runs no transaction (WebKit can leave one so) must not hold the export: it reads on its own.
      await within(flush(), WAIT_MS);
      // What is stored includes the next page view's snapshot: the one the latest change asked for is awaited.
      await engine?.settle().catch(() => {});
      const memory = store?.kind === 'memory' && !forgotten ? await store.export() : undefined;
      // The reads are in reco.engine.js (loaded here also when there is no engine, e.g. consent denied).
      const { readStored } = await (engineModule ?? loadEngineModule(scriptUrl));
      const data = await readStored(knownDatabases(opts.dbName), memory);
      for (const { database, reason } of data.unread)
        fail(new StorageError(`export(): "${database}" ${reason}: what it holds is missing from this export`));
      return data;
    },
    async forget() {
      // Read before the registry goes with the other localStorage keys, and noted in the call's own task: should the
      // shopper leave before the erasing is done, the next page view finishes it.
      const databases = knownDatabases(opts.dbName);
      noteForgetting(databases);
      // Whatever init's outcome (no worker, no model, consent denied), forget() erases once it has settled.
      await ready;
      // The other tabs first, so that they stop writing while this one erases.
      channel.tell();
      const live = await stopStoring(FORGOT);
      // The worker next, so that a learning round under way writes nothing after the store is cleared.
      const afterForget = state.ready ? await engine?.forget().catch(fail) : null;
      learning?.update(afterForget ?? null);
      // Emptied first, so that nothing is left should another page keep the database open past the deletion below (not
      // waited for past WAIT_MS: a database that runs no transaction must not stop the erasing).
      await within(
        live?.clear().catch(() => {}),
        WAIT_MS,
      );
      live?.close();
      const problems = await eraseEverything(databases);
      for (const p of problems) fail(new StorageError(p));
    },
    on: (type, fn) => events.on(type, fn, reco),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      Object.assign(state, { ready: false, engine: 'off', storage: 'off', storageReason: 'destroy() was called' });
      channel.close();
      document.removeEventListener('visibilitychange', onVisible);
      parts.grids.destroy();
      for (const stop of stopReading) stop();
      paq?.release();
      antiFlicker.destroy();
      tracker?.destroy();
      learning?.destroy();
      // Neither waited for past WAIT_MS: the store comes with reco.engine.js, whose download may stall (the journal
      // keeps what is not written; a store that opens later is closed as it opens, see opened).
      await within(flush(), WAIT_MS);
      engine?.terminate();
      (await within(opening ?? undefined, WAIT_MS))?.close();
      store?.close();
      events.clear();
    },
  };
  const ready = (async () => {
    const up = await engine?.status().catch(fail);
    // The engine answered, so its module has loaded: on-device learning comes with it.
    const loaded = up && (await engineModule);
    await opened;
    if (destroyed) return;
    if (engine && up && loaded) {
      const cache = { ...up.cache, snapshot: state.cache.snapshot ?? up.cache.snapshot };
      Object.assign(state, { ready: true, engine: 'ready', backend: up.backend, backends: up.backends, cache, model: up.model });
      workerSkipped = up.skipped ?? [];
      learning = loaded.createPageLearning(learningOptions);
      learning.start(engine, up.learning);
      events.emit('ready', reco.status());
    } else if (engine) {
      state.engine = 'down';
    }
    await parts.grids.firstRankings();
  })()
    .catch(fail)
    .then(() => reco);
  return { reco, ready };
}
