/**
 * What the worker is told at init(), from the page's options. Part of reco.engine.js in the script-tag build
 * (engine-chunk.ts): only the engine client, which comes with it, sends it.
 */
import type { EngineInit } from '../shared/protocol.ts';
import type { ResolvedOptions } from './options.ts';
import { pageRoute } from './route.ts';

/**
 * What the worker needs: the model, the backends, (with IndexedDB storage) where the shopper's events are, the
 * catalog feed, the merchandising rules, the search blend's weight, and this page view's address and how it was reached.
 */
export function engineInit(opts: ResolvedOptions, mode: 'persist' | 'memory'): EngineInit {
  const { modelUrl, modelFiles, backends, allowSoftwareGpu, historyLength, dbName, maxEvents, maxAgeDays } = opts;
  const { trainAfterEvents, trainIntervalMinutes, catalogUrl } = opts;
  // A memory-only store is out of the worker's reach: the page sends its history with each request, and nothing is learned.
  const store = mode === 'memory' ? null : { dbName, maxEvents, maxAgeDays };
  // The feed's URL is relative to the page.
  const catalog = { url: catalogUrl ? new URL(catalogUrl, document.baseURI).href : null, dbName: store?.dbName ?? null };
  return {
    modelUrl,
    modelFiles,
    backends,
    allowSoftwareGpu,
    historyLength,
    store,
    learning: store && { trainAfterEvents, trainIntervalMinutes },
    catalog,
    rules: opts.rules,
    searchWeight: opts.searchWeight,
    page: pageRoute(),
  };
}
