/**
 * The page-side instance: wires the store, the tracker, the personalizer (grids), the ranker and the
 * worker engine together. Nothing here throws into the shop's page after init: failures keep the shop's
 * order, are logged once and reported through on('error').
 */
import { isLabel } from '../shared/labels.ts';
import type { EngineInit } from '../shared/protocol.ts';
import { openStore } from '../shared/store.ts';
import type { RecoEvent } from '../shared/types.ts';
import { storageMode } from '../tracker/consent.ts';
import { createTracker } from '../tracker/tracker.ts';
import { notReady, type RecoInstance } from './api.ts';
import { createEngineClient } from './engine-client.ts';
import { createEmitter, type Listeners } from './events.ts';
import { createAntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids } from './grid/discover.ts';
import { createHistory } from './history.ts';
import { resolveOptions, type RecoOptions, type ResolvedOptions } from './options.ts';
import { createPersonalizer } from './personalizer.ts';
import { createRanker } from './ranker.ts';
import { createPageLearning } from './scheduler.ts';

/**
 * @internal Use Reco.init(). Validates the options, starts storage, the worker and the observers, and
 * resolves once the first grids are ranked. `global` listeners (the global Reco.on()) also hear events
 * emitted during init.
 * @throws TypeError (as a rejection) naming the option when an option is invalid
 */
export async function createInstance(options: RecoOptions | undefined, scriptUrl: string, global: Listeners | null): Promise<RecoInstance> {
  const opts = resolveOptions(options, scriptUrl);
  const events = createEmitter(global);
  const gpc = (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true;
  let state = notReady(opts.consent, gpc, Math.random() < opts.holdout, null);
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
  const antiFlicker = createAntiFlicker({ timeoutMs: opts.antiFlickerMs });
  if (mode !== 'off' && !state.control && opts.autoPersonalize && opts.antiFlickerMs > 0) {
    for (const g of discoverGrids(document, opts.grids, fail)) antiFlicker.hold(g.container);
  }
  // Rounds and history reads flush the tracker (created below, before the model can be ready).
  const flush = async () => tracker?.flush();
  const learning = createPageLearning({ ...opts, stored: mode !== 'off', isReady: () => state.ready, flush, debug, onError: fail });
  // The worker starts loading the model while the page opens its store.
  const engine = mode === 'off' ? null : createEngineClient(opts.workerUrl, engineInit(opts, mode), debug, learning.update);
  const store = mode === 'off' ? null : await openStore({ ...opts, memoryOnly: mode === 'memory' });
  if (store?.fallbackReason) debug(`memory-only storage: ${store.fallbackReason}`);
  state = { ...state, storage: store?.kind ?? 'off', events: (await store?.count()) ?? 0 };
  const onEvent = (e: RecoEvent) => {
    state.events++;
    events.emit('event', e);
    if (isLabel(e.type)) learning.label();
  };
  const tracker = store && createTracker({ store, control: state.control, onEvent, onError: fail });
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

  let destroyed = false;
  const reco: RecoInstance = {
    track(type, itemId, extra) {
      try {
        tracker?.track(type, itemId, extra);
      } catch (err) {
        fail(err as Error);
      }
    },
    rank: ranker.rank,
    explain: ranker.explain,
    personalize: async (root = document) => grids.personalize(root, true),
    status: () => ({ ...state, lastRankMs: grids.lastRankMs(), learning: learning.status(state.learning) }),
    train: learning.train,
    async export() {
      await flush();
      return store ? store.export() : { exportedAt: new Date().toISOString(), events: [], items: [], meta: {} };
    },
    async forget() {
      await flush();
      // The worker first, so that a learning round under way writes nothing after the store is cleared.
      const after = state.ready ? await engine?.forget().catch(fail) : null;
      await store?.clear();
      state.events = 0;
      learning.update(after ?? null);
    },
    on: (type, fn) => events.on(type, fn, reco),
    async destroy() {
      if (destroyed) return;
      destroyed = true;
      grids.destroy();
      tracker?.destroy();
      learning.destroy();
      await flush();
      engine?.terminate();
      store?.close();
      events.clear();
      state.ready = false;
    },
  };

  const ready = await engine?.status().catch(fail);
  if (engine && ready) {
    state = { ...state, ready: true, backend: ready.backend, backends: ready.tried, model: ready.model };
    debug(`ready on ${ready.backend}${ready.learningError ? `; ${ready.learningError}` : ''}`);
    learning.start(engine, ready.learning);
    events.emit('ready', reco.status());
  }
  await grids.settle();
  return reco;
}

/** What the worker needs: the model, the backends, and (with IndexedDB storage) where the events to learn from are. */
function engineInit(opts: ResolvedOptions, mode: 'persist' | 'memory'): EngineInit {
  const { modelUrl, backends, dbName, maxEvents, maxAgeDays, trainAfterEvents, trainIntervalMinutes } = opts;
  // The worker learns from the events this page stores; a memory-only store is out of its reach.
  const learning = mode === 'memory' ? null : { dbName, maxEvents, maxAgeDays, trainAfterEvents, trainIntervalMinutes };
  return { modelUrl, backends, learning };
}
