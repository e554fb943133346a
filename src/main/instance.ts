/**
 * The page-side instance: wires the store, the tracker, the personalizer (grids), the ranker and the
 * worker engine together. Nothing here throws into the shop's page after init: failures keep the shop's
 * order, are logged once and reported through on('error').
 */
import { HISTORY_TYPES, isLabel } from '../shared/labels.ts';
import type { EngineInit } from '../shared/protocol.ts';
import { skipped } from '../shared/learning.ts';
import { openPageStore } from '../shared/store.ts';
import { EVENT_TYPES, type ExportData, type RecoEvent } from '../shared/types.ts';
import { storageMode } from '../tracker/consent.ts';
import { createTracker } from '../tracker/tracker.ts';
import { notReady, type RecoInstance } from './api.ts';
import { takeEarlyWorker } from './early-worker.ts';
import { createEngineClient } from './engine-client.ts';
import { dataLayerUse, pageDataLayer, writeArm } from './datalayer.ts';
import { createEmitter, type Listeners } from './events.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import { createHistory } from './history.ts';
import { resolveOptions, type BundledAssets, type RecoOptions, type ResolvedOptions } from './options.ts';
import { createPersonalizer } from './personalizer.ts';
import { byScore, createRanker, rankInput } from './ranker.ts';
import { createPageLearning } from './scheduler.ts';
import { defaultWorker, workerAt, type WorkerSource } from './worker-source.ts';

/** An instance as soon as it exists, and its initialization under way. */
export interface StartedInstance {
  /** Usable at once: track() records from the first moment, the other methods wait for `ready`. */
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

/**
 * @internal The instance at once, its initialization in `ready`. Clicks and track() calls made while storage
 * opens and the model loads are recorded (with their own time) and written once the store is open; rank(),
 * explain(), personalize(), train() and forget() wait for `ready`.
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
): StartedInstance {
  let opts: ResolvedOptions;
  try {
    opts = resolveOptions(options, scriptUrl, bundled);
  } catch (err) {
    takeEarlyWorker(null);
    throw err;
  }
  // Its listeners, observers and held grids go before this one touches the page (the rest of destroy() may finish later).
  void replaces?.destroy();
  const events = createEmitter(global);
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  const state = notReady(opts.consent, gpc, Math.random() < opts.holdout, null);
  const logged = new Set<string>();
  const log = (message: string, error = true): boolean => {
    if (logged.has(message)) return false;
    logged.add(message);
    (error ? console.error : console.warn)(`[reco] ${message}`);
    return true;
  };
  const fail = (err: Error): void => {
    state.lastError = `${err.name}: ${err.message}`;
    log(`${err.message}; the shop's own order is kept`);
    events.emit('error', err);
  };
  const debug = (msg: string): void => {
    if (opts.debug) console.info(`[reco] ${msg}`);
  };

  const mode = storageMode(opts.consent, opts.respectGpc);
  // With consent denied Reco does nothing, so it has no arm to report either.
  const dataLayer = mode === 'off' ? { read: false, write: false } : dataLayerUse(opts.dataLayer);
  if (dataLayer.write) writeArm(state.control);
  const antiFlicker = createAntiFlicker({ timeoutMs: opts.antiFlickerMs });
  // Rounds and history reads flush the tracker.
  const flush = async () => tracker?.flush();
  const learning = createPageLearning({ ...opts, stored: mode !== 'off', isReady: () => state.ready, flush, debug, onError: fail });
  // The worker (started when the script ran, when it is the same one) loads the model, and can answer from the
  // snapshot, while the page opens its store.
  const worker: WorkerSource = opts.startWorker ? defaultWorker(opts.startWorker, opts.workerUrl) : workerAt(opts.workerUrl);
  const early = takeEarlyWorker(mode === 'off' ? null : worker.url);
  const engine =
    mode === 'off'
      ? null
      : createEngineClient(
          worker,
          engineInit(opts, mode),
          debug,
          { onLearning: learning.update, onProgress: (p) => events.emit('progress', p) },
          early,
        );
  let engineFailed = false;
  // Nothing waits for the page's database to open: events queue in the store, and the worker reads its own connection.
  const opening = mode === 'off' ? null : openPageStore({ ...opts, memoryOnly: mode === 'memory', prune: false });
  // What it is expected to be until it is open (a fallback to memory shows then).
  state.storage = mode === 'off' ? 'off' : mode === 'memory' ? 'memory' : 'indexeddb';
  // Counted as soon as it is open: this page view's events are counted as they are recorded, and written later.
  void opening
    ?.then(async (s) => {
      state.storage = s.kind;
      if (s.fallbackReason) debug(`memory-only storage: ${s.fallbackReason}`);
      const stored = await s.count();
      if (!destroyed) state.events += stored;
    })
    .catch(fail);

  const history = createHistory(opening, opts.historyLength, () => tracker?.unwritten() ?? [], fail);
  /** Tells the worker the history changed: it prepares the next page view's snapshot (changes that come together, a click and the product view it opens, make one). */
  const sendChange = async () => engine?.changed(await history.request());
  const onEvent = (e: RecoEvent) => {
    state.events++;
    events.emit('event', e);
    if (isLabel(e.type)) learning.label();
    if (HISTORY_TYPES.includes(e.type)) sendChange().catch(fail);
  };
  // The tracker starts before the store is open, so a click or a track() at page load is kept.
  const tracker = opening && createTracker({ store: opening, journal: mode === 'persist', control: state.control, onEvent, onError: fail });

  let destroyed = false;
  /** The grids are tracked and ranked from the start: the worker reads the history, not the page's store. */
  const parts = (() => {
    const ranker = createRanker(engine, history, {
      active: () => !state.control && !engineFailed,
      ready: () => state.ready,
      onReply(r) {
        if (state.cache.snapshot !== null || r.source === 'none') return;
        state.cache = { ...state.cache, snapshot: r.source === 'snapshot' ? 'hit' : 'miss' };
        debug(r.source === 'snapshot' ? 'first ranking from the snapshot of the previous page view' : 'first ranking waited for the model');
      },
      onError: fail,
    });
    const grids = createPersonalizer(opts, {
      antiFlicker,
      tracker,
      active: !!engine && !state.control,
      score: ranker.score,
      remember: history.remember,
      onRanked: (e) => events.emit('ranked', e),
      onError: fail,
      warn: (message) => log(message, false),
    });
    return { history, ranker, grids };
  })();
  // The dataLayer is read once the grids are tracked (their impressions are the tracker's to count), by a module
  // loaded only on pages that read it: entries pushed meanwhile wait in the array.
  let stopReading: (() => void) | null = null;
  const layer = dataLayer.read && tracker ? pageDataLayer() : null;
  if (layer) {
    opts
      .loadDataLayerReader()
      .then(({ readDataLayer }) => {
        if (!destroyed)
          stopReading = readDataLayer({ layer, types: EVENT_TYPES, tracker: tracker!, remember: parts.history.remember, onError: fail });
      })
      .catch((err: Error) =>
        log(`could not load the dataLayer reader (reco.datalayer.mjs): ${err.message}; the shop's GA4 events are not recorded`),
      );
  }
  // The retention caps wait for the first rankings: pruning writes to the events the worker reads for them.
  void parts.grids
    .firstRankings()
    .then(async () => (destroyed ? undefined : (await opening)?.prune()))
    .catch(fail);

  /** `fn` once init has settled; `none` when the instance was destroyed meanwhile. */
  const after = async <T>(none: T, fn: (p: typeof parts) => Promise<T>): Promise<T> => {
    await ready;
    return destroyed ? none : fn(parts);
  };
  const nothing = (): ExportData => ({ exportedAt: new Date().toISOString(), events: [], items: [], meta: {} });

  const reco: RecoInstance = {
    track(type, itemId, extra) {
      try {
        tracker?.track(type, itemId, extra);
      } catch (err) {
        fail(err as Error);
      }
    },
    rank: (items) =>
      after(
        byScore(
          rankInput(
            items,
            () => undefined,
            () => {},
          ),
          null,
        ),
        (p) => p.ranker.rank(items),
      ),
    explain: (itemId) => after({ itemId, because: [] }, (p) => p.ranker.explain(itemId)),
    personalize: (root = document) => after(undefined, (p) => p.grids.personalize(root, true)),
    status: () => ({ ...state, lastRankMs: parts.grids.lastRankMs(), learning: learning.status(state.learning) }),
    train: () => after(skipped('the instance was destroyed'), () => learning.train()),
    async export() {
      await flush();
      // What is stored includes the next page view's snapshot: the one the latest change asked for is awaited.
      await engine?.settle().catch(() => {});
      const store = await opening;
      return store ? store.export() : nothing();
    },
    forget: () =>
      after(undefined, async () => {
        await flush();
        // The worker first, so that a learning round or a snapshot under way writes nothing after the store is cleared.
        const afterForget = state.ready ? await engine?.forget().catch(fail) : null;
        await (await opening)?.clear();
        state.events = 0;
        learning.update(afterForget ?? null);
      }),
    on: (type, fn) => events.on(type, fn, reco),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      parts.grids.destroy();
      stopReading?.();
      antiFlicker.destroy();
      tracker?.destroy();
      learning.destroy();
      await flush();
      engine?.terminate();
      (await opening)?.close();
      events.clear();
      state.ready = false;
    },
  };
  const ready = (async () => {
    const up = await engine?.status().catch((err: Error) => {
      engineFailed = true;
      fail(err);
    });
    if (destroyed) return;
    if (engine && up) {
      const cache = { ...up.cache, snapshot: state.cache.snapshot ?? up.cache.snapshot };
      Object.assign(state, { ready: true, backend: up.backend, backends: up.backends, cache, model: up.model });
      debug(`ready on ${up.backend}${up.learningError ? `; ${up.learningError}` : ''}`);
      learning.start(engine, up.learning);
      events.emit('ready', reco.status());
    }
    await parts.grids.firstRankings();
  })()
    .catch(fail)
    .then(() => reco);
  return { reco, ready };
}

/** What the worker needs: the model, the backends, and (with IndexedDB storage) where the shopper's events are. */
function engineInit(opts: ResolvedOptions, mode: 'persist' | 'memory'): EngineInit {
  const { modelUrl, modelFiles, backends, allowSoftwareGpu, historyLength, dbName, maxEvents, maxAgeDays } = opts;
  const { trainAfterEvents, trainIntervalMinutes } = opts;
  // A memory-only store is out of the worker's reach: the page sends its history with each request, and nothing is learned.
  const store = mode === 'memory' ? null : { dbName, maxEvents, maxAgeDays };
  return {
    modelUrl,
    modelFiles,
    backends,
    allowSoftwareGpu,
    historyLength,
    store,
    learning: store && { trainAfterEvents, trainIntervalMinutes },
  };
}
