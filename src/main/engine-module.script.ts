/**
 * The script-tag build's engine-module.ts (vite.config.ts swaps it in): the engine client is loaded, as an ES module,
 * from reco.engine.js next to reco.js (same origin, or a CDN with CORS, as the worker). instance.ts starts the
 * worker meanwhile, so the worker's download does not wait for it.
 */
import type { EngineModule } from './engine-module.ts';

/** The engine client module, from reco.engine.js next to the script at `scriptUrl`. */
export const loadEngineModule = (scriptUrl: string): Promise<EngineModule> =>
  import(/* @vite-ignore */ new URL('reco.engine.js', scriptUrl).href) as Promise<EngineModule>;

/**
 * Asks the browser to fetch and compile reco.engine.js now, as the script runs (index.ts), so that init()'s import
 * finds it ready: a page's first rankings come through it. A hint (`<link rel="modulepreload">`), not the import
 * itself: init() still imports, and reports a module that cannot load.
 */
export function preloadEngineModule(scriptUrl: string): void {
  const link = document.createElement('link');
  link.rel = 'modulepreload';
  link.href = new URL('reco.engine.js', scriptUrl).href;
  document.head?.append(link);
}
