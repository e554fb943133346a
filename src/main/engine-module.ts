/**
 * Where the page gets the engine client (engine-client.ts: comlink, worker supervision). In the ES module build it
 * is part of the bundle; the script-tag build swaps this file for engine-module.script.ts (vite.config.ts), which
 * loads it from reco.engine.js next to reco.js, so that the page script stays within its budget.
 */
import { createEngineClient, createPageLearning } from './engine-client.ts';

/** What the page uses of engine-client.ts: the client, and on-device learning, driven once the engine is ready. */
export interface EngineModule {
  createEngineClient: typeof createEngineClient;
  createPageLearning: typeof createPageLearning;
}

/** The engine client module. @param _scriptUrl unused here: the module is bundled */
export const loadEngineModule = async (_scriptUrl: string): Promise<EngineModule> => ({ createEngineClient, createPageLearning });
