/**
 * The page-side instance: wires the store, the tracker, the personalizer (grids), the ranker and the
 * worker engine together. Nothing here throws into the shop's page after init: failures keep the shop's
 * order, are logged once and reported through on('error').
 */
import { isLabel } from '../shared/labels.ts';
import type { EngineInit } from '../shared/protocol.ts';
import { skipped } from '../shared/learning.ts';
import { openStore, type Store } from '../shared/store.ts';
import type { ExportData, RecoEvent } from '../shared/types.ts';
import { storageMode } from '../tracker/consent.ts';
import { createTracker } from '../tracker/tracker.ts';
import { notReady, type RecoInstance } from './api.ts';
import { createEngineClient } from './engine-client.ts';
import { dataLayerUse, readDataLayer, writeArm } from './datalayer.ts';
import { createEmitter, type Listeners } from './events.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids } from './grid/discover.ts';
import { createHistory } from './history.ts';
import { resolveOptions, type BundledAssets, type RecoOptions, type ResolvedOptions } from './options.ts';
import { createPersonalizer, trackedItems, type Personalizer } from './personalizer.ts';
import { byScore, createRanker, rankInput, type Ranker } from './ranker.ts';
import { createPageLearning } from './scheduler.ts';
import { workerAt, type WorkerSource } from './worker-source.ts';

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
  const opts = resolveOptions(options, scriptUrl, bundled);
  // Its listeners, observers and held grids go before this one touches the page (the rest of destroy() may finish later).
  void replaces?.destroy();
  const events = createEmitter(global);
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  const state = notReady(opts.consent, gpc, Math.random() < opts.holdout, null);
  const logged = new Set<string>();
  const fail = (err: Error): void => {
    state.lastError = `${err.name}: ${err.message}`;
    if (!logged.has(err.message)) console.error(`[reco] ${err.message}; the shop's own order is kept`);
    logged.add(err.message);
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
  // The worker starts loading the model while the page opens its store.
  const worker: WorkerSource = opts.startWorker
    ? { url: 'reco.worker.js (bundled by the app)', start: opts.startWorker }
    : workerAt(opts.workerUrl);
  const engine = mode === 'off' ? null : createEngineClient(worker, engineInit(opts, mode), debug, learning.update);
  const opening = mode === 'off' ? null : openStore({ ...opts, memoryOnly: mode === 'memory' });
  const onEvent = (e: RecoEvent) => {
    state.events++;
    events.emit('event', e);
    if (isLabel(e.type)) learning.label();
  };
  // The tracker starts before the store is open, so a click or a track() at page load is kept.
  const tracker = opening && createTracker({ store: opening, journal: mode === 'persist', control: state.control, onEvent, onError: fail });
  for (const g of tracker ? discoverGrids(document, opts.grids, fail) : []) {
    if (!state.control && opts.autoPersonalize && opts.antiFlickerMs > 0 && !g.trackOnly) antiFlicker.hold(g.container);
    tracker!.observe(trackedItems(g.listId, g.items));
  }

  let destroyed = false;
  let parts: { store: Store | null; ranker: Ranker; grids: Personalizer; stopReading: (() => void) | null } | null = null;
  /** Storage is open and the grids are tracked; null once destroyed. */
  const opened = (async () => {
    const store = await opening;
    if (store?.fallbackReason) debug(`memory-only storage: ${store.fallbackReason}`);
    state.storage = store?.kind ?? 'off';
    state.events += (await store?.count().catch(fail)) ?? 0;
    if (destroyed) return null;
    const history = createHistory(store, opts.historyLength, fail);
    const ranker = createRanker(engine, history, { flush, active: () => state.ready && !state.control, onError: fail });
    const grids = createPersonalizer(opts, {
      antiFlicker,
      tracker,
      isReady: () => state.ready,
      control: state.control,
      score: ranker.score,
      remember: history.remember,
      onRanked: (e) => events.emit('ranked', e),
      onError: fail,
    });
    // Read once the grids are tracked: their impressions are the tracker's to count.
    const stopReading = dataLayer.read && tracker ? readDataLayer({ tracker, remember: history.remember, onError: fail }) : null;
    return (parts = { store, ranker, grids, stopReading });
  })();

  /** `fn` once init has settled; `none` when the instance was destroyed meanwhile. */
  const after = async <T>(none: T, fn: (p: NonNullable<typeof parts>) => Promise<T>): Promise<T> => {
    await ready;
    return parts && !destroyed ? fn(parts) : none;
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
    status: () => ({ ...state, lastRankMs: parts?.grids.lastRankMs() ?? null, learning: learning.status(state.learning) }),
    train: () => after(skipped('the instance was destroyed'), () => learning.train()),
    async export() {
      const p = await opened;
      await flush();
      return p?.store ? p.store.export() : nothing();
    },
    forget: () =>
      after(undefined, async ({ store }) => {
        await flush();
        // The worker first, so that a learning round under way writes nothing after the store is cleared.
        const afterForget = state.ready ? await engine?.forget().catch(fail) : null;
        await store?.clear();
        state.events = 0;
        learning.update(afterForget ?? null);
      }),
    on: (type, fn) => events.on(type, fn, reco),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      parts?.grids.destroy();
      parts?.stopReading?.();
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
    const up = await engine?.status().catch(fail);
    const p = await opened;
    if (!p || destroyed) return;
    if (engine && up) {
      Object.assign(state, { ready: true, backend: up.backend, backends: up.tried, model: up.model });
      debug(`ready on ${up.backend}${up.learningError ? `; ${up.learningError}` : ''}`);
      learning.start(engine, up.learning);
      events.emit('ready', reco.status());
    }
    await p.grids.settle();
  })()
    .catch(fail)
    .then(() => reco);
  return { reco, ready };
}

/** What the worker needs: the model, the backends, and (with IndexedDB storage) where the events to learn from are. */
function engineInit(opts: ResolvedOptions, mode: 'persist' | 'memory'): EngineInit {
  const { modelUrl, modelFiles, backends, dbName, maxEvents, maxAgeDays, trainAfterEvents, trainIntervalMinutes } = opts;
  // The worker learns from the events this page stores; a memory-only store is out of its reach.
  const learning = mode === 'memory' ? null : { dbName, maxEvents, maxAgeDays, trainAfterEvents, trainIntervalMinutes };
  return { modelUrl, modelFiles, backends, learning };
}
