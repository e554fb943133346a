/**
 * Where the page gets the code that runs only once the engine is there: the engine client (engine-client.ts:
 * comlink, worker supervision) and placements (placements.ts: recommend(), filling render()'s cards). In the ES
 * module build it is part of the bundle; the script-tag build swaps this file for engine-module.script.ts
 * (vite.config.ts), which loads engine-chunk.ts from reco.engine.js next to reco.js, so that the page script stays
 * within its budget.
 */
import { createEngineClient, createPageLearning } from './engine-client.ts';
import { engineInit } from './engine-init.ts';
import { readStored } from './export.ts';
import { itemFeatures } from './grid/json-ld.ts';
import { keepPageOrder, reorderGrid } from './grid/reorder.ts';
import { writeArm } from './datalayer.ts';
import { createHistory } from './history.ts';
import { createPlacements } from './placements.ts';
import { createRanker } from './ranker.ts';
import { openPageStore } from '../shared/store.ts';

/**
 * What the page uses of reco.engine.js (engine-chunk.ts): the client and what it tells the worker at init(), on-device learning (driven once the engine is
 * ready), placements, what moves a grid's items (only ever by the engine's answers), the items' features (prices read as
 * numbers, the page's JSON-LD), the page's side of the shopper's history (only the engine's requests read it), and
 * export()'s reads.
 */
export interface EngineModule {
  createEngineClient: typeof createEngineClient;
  engineInit: typeof engineInit;
  createPageLearning: typeof createPageLearning;
  createPlacements: typeof createPlacements;
  createRanker: typeof createRanker;
  /** The page's side of the shopper's history: what the engine's requests carry, and the features of the items shown. */
  createHistory: typeof createHistory;
  reorderGrid: typeof reorderGrid;
  /** Says why a grid keeps the page's order (the page kept putting it back). */
  keepPageOrder: typeof keepPageOrder;
  /** The features of the items the page shows, as the engine reads them: prices as numbers, and what the page's JSON-LD adds. */
  itemFeatures: typeof itemFeatures;
  /** export()'s reading of the databases. */
  readStored: typeof readStored;
  /** Pushes the page view's arm event to the shop's dataLayer (the `dataLayer` option's write). */
  writeArm: typeof writeArm;
  /** The page's store (IndexedDB through idb, or memory): the tracker writes its events there. */
  openPageStore: typeof openPageStore;
}

/** In the ES module build the engine client is part of the bundle: nothing to preload. */
export const preloadEngineModule = (_scriptUrl: string): void => {};

/** The engine client module. @param _scriptUrl unused here: the module is bundled */
export const loadEngineModule = async (_scriptUrl: string): Promise<EngineModule> => ({
  createEngineClient,
  engineInit,
  createPageLearning,
  createPlacements,
  createRanker,
  createHistory,
  reorderGrid,
  keepPageOrder,
  itemFeatures,
  readStored,
  writeArm,
  openPageStore,
});
