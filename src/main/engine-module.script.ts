/**
 * The script-tag build's engine-module.ts (vite.config.ts swaps it in): the engine client is loaded, as an ES module,
 * from reco.engine.js next to reco.js (same origin, or a CDN with CORS, as the worker). instance.ts starts the
 * worker meanwhile, so the worker's download does not wait for it.
 */
import type { EngineModule } from './engine-module.ts';

let loading: Promise<EngineModule> | undefined;

/**
 * The engine client module, from reco.engine.js next to the script at `scriptUrl`: loaded once, from the moment the
 * script runs (index.ts), since a page's first rankings wait for it.
 */
export const loadEngineModule = (scriptUrl: string): Promise<EngineModule> =>
  (loading ??= import(/* @vite-ignore */ new URL('reco.engine.js', scriptUrl).href) as Promise<EngineModule>);
