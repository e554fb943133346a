/**
 * The script-tag build's stand-in for bundler-assets.mjs (vite.config.ts swaps it in): no bundler will see
 * reco.js, so the worker, the model and the dataLayer reader are found next to the script instead (see resolveOptions).
 */
export const startBundledWorker: (() => Worker) | null = null;
/** A script tag always has a page (see bundler-assets.mjs). */
export const onServer = false;
export const bundledModel: (() => { url: string; files: Record<string, string> }) | null = null;
/** reco.datalayer.mjs, which the ES build writes next to reco.js (an ES module: reco.js imports it as one). */
export const loadDataLayerReader = (scriptUrl: string): Promise<typeof import('./main/datalayer-read.ts')> =>
  import(/* @vite-ignore */ new URL('reco.datalayer.mjs', scriptUrl).href);
