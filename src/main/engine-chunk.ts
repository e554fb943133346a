/**
 * What reco.engine.js holds (`vite build --mode engine`): the page's code that runs only once the engine is there,
 * preloaded by reco.js as it runs and imported at init() (engine-module.script.ts, index.ts). See engine-module.ts.
 */
export { createEngineClient, createPageLearning } from './engine-client.ts';
export { createPlacements } from './placements.ts';
export { keepPageOrder, reorderGrid } from './grid/reorder.ts';
export { itemFeatures } from './grid/json-ld.ts';
export { createRanker } from './ranker.ts';
export { createHistory } from './history.ts';
export { engineInit } from './engine-init.ts';
export { readStored } from './export.ts';
export { writeArm } from './datalayer.ts';
export { openPageStore } from '../shared/store.ts';
