/**
 * Where the worker, the default model and the dataLayer reader are, written the way bundlers find assets: each one
 * a literal `new URL('…', import.meta.url)` (Vite, webpack 5, Parcel; Rollup with an import.meta asset plugin) or
 * `import('…')`, so an app that installs reco-sdk copies nothing by hand. The paths are relative to dist/, where the build copies this
 * file unchanged (vite.config.ts): a bundler that processed it earlier would have resolved them away.
 * The script-tag build (reco.js) has none of this: it finds its files next to the script (src/script-assets.ts).
 */

/**
 * No document: the app's pages are rendered on a server (Next.js, Remix, Astro), where init() starts nothing. Only the
 * ES build can run there; reco.js, a script tag's, always has a page.
 */
export const onServer = typeof document === 'undefined';

/**
 * An app bundled into a classic script (esbuild's default output) has no import.meta.url to find anything from: the
 * `new URL` below throws a TypeError ("Invalid URL"), which init() reported as it was. This says what to do instead.
 * (A bundle's import.meta.url is not read here: webpack writes the build machine's path of this file in its place.)
 */
const NOWHERE =
  "this app's bundle is a classic script (esbuild's default output) without import.meta.url to find the worker and the model from: bundle as an ES module (esbuild --format=esm), or serve the package's dist/ and pass workerUrl and modelUrl to init()";

/** Starts the module worker; the bundler also bundles its chunks and wasm files. */
export const startBundledWorker = () => {
  try {
    return new Worker(new URL('./reco.worker.js', import.meta.url), { type: 'module' });
  } catch (err) {
    throw err instanceof TypeError ? new Error(NOWHERE) : err;
  }
};

/** The dataLayer reader (src/main/datalayer-read.ts), loaded only on pages that read their GA4 dataLayer. reco.js
 * loads the same file from next to itself (src/script-assets.ts). */
export const loadDataLayerReader = () => import('./reco.datalayer.mjs');

/** The default model's manifest and its weights, wherever the bundler puts them; null in a bundle that cannot tell (above). */
export const bundledModel = () => {
  try {
    return {
      url: new URL('../public/models/default/model.json', import.meta.url).href,
      files: { 'weights.bin': new URL('../public/models/default/weights.bin', import.meta.url).href },
    };
  } catch {
    return null;
  }
};
