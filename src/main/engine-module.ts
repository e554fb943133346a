/**
 * Where the page gets the code that runs only once the engine is there: the engine client (engine-client.ts:
 * comlink, worker supervision) and placements (placements.ts: recommend(), filling render()'s cards). In the ES
 * module build it is part of the bundle; the script-tag build swaps this file for engine-module.script.ts
 * (vite.config.ts), which loads engine-chunk.ts from reco.engine.js next to reco.js, so that the page script stays
 * within its budget.
 */
import { createEngineClient, createLearningScheduler } from './engine-client.ts';
import { createPlacements } from './placements.ts';

/**
 * What the page uses of reco.engine.js (engine-chunk.ts): the client, the learning scheduler it needs once the
 * engine is ready, and placements.
 */
export interface EngineModule {
  createEngineClient: typeof createEngineClient;
  createLearningScheduler: typeof createLearningScheduler;
  createPlacements: typeof createPlacements;
}

/** The engine client module. @param _scriptUrl unused here: the module is bundled */
export const loadEngineModule = async (_scriptUrl: string): Promise<EngineModule> => ({
  createEngineClient,
  createLearningScheduler,
  createPlacements,
});
