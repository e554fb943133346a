/**
 * The script-tag build's engine-module.ts (vite.config.ts swaps it in): the engine client is loaded, as an ES module,
 * from reco.engine.js next to reco.js (same origin, or a CDN with CORS, as the worker). instance.ts starts the
 * worker meanwhile, so the worker's download does not wait for it.
 */
import type { EngineModule } from './engine-module.ts';

/**
 * The engine client module, from reco.engine.js next to the script at `scriptUrl`. When it cannot load, it is asked
 * for once more under a URL of its own: WebKit remembers a module that failed to load for the rest of the tab's life
 * (later page views get the failure without a request, even after the file is back), so a file missing for a moment
 * would leave Reco off on every page after it. The error names the file in every browser (WebKit's own says only
 * "Importing a module script failed.").
 */
export const loadEngineModule = (scriptUrl: string): Promise<EngineModule> => {
  const url = new URL('reco.engine.js', scriptUrl).href;
  const load = (href: string) => import(/* @vite-ignore */ href) as Promise<EngineModule>;
  return load(url)
    .catch(() => load(`${url}?retry=${Date.now()}`))
    .catch((err: unknown) => {
      const reason = err instanceof Error ? err.message : String(err);
      throw reason.includes(url) ? err : new TypeError(`${reason} (${url})`);
    });
};

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
