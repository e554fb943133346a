import { readdirSync, readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vite';

// Four builds into dist/, one per mode: the ES modules for bundlers (`vite build`: reco.mjs and the React and Vue
// entries react.mjs, vue.mjs, svelte.mjs and angular.mjs, all importing reco-core.mjs, and reco.datalayer.mjs, the GA4 dataLayer reader that both builds load on
// demand), the script-tag build (`--mode script`: reco.js, which defines window.Reco and replays the async snippet's
// queue), the engine client that reco.js loads when init() starts (`--mode engine`: reco.engine.js, an ES module:
// comlink and the worker's supervision, kept out of the page script's budget) and the worker (`--mode worker`:
// reco.worker.js, a small entry, plus the chunks it imports on demand: the tfjs engine, one per backend, and the
// wasm files). tfjs is in the worker only.

/**
 * src/bundler-assets.mjs goes into dist/ unchanged, next to reco-core.mjs, which imports it: its literal
 * `new URL('…', import.meta.url)` are for the app's bundler to resolve, not for this build.
 */
const bundlerAssets: Plugin = {
  name: 'reco:bundler-assets',
  generateBundle() {
    this.emitFile({ type: 'asset', fileName: 'bundler-assets.mjs', source: readFileSync('src/bundler-assets.mjs', 'utf8') });
  },
};

/**
 * The default model goes into dist/models/default/ too, with the script-tag build: reco.js finds its files next to
 * itself, and a CDN serves the package as it is (dist/ and public/ apart), so the model must be in dist/.
 */
const defaultModel: Plugin = {
  name: 'reco:default-model',
  generateBundle() {
    for (const file of readdirSync('public/models/default'))
      this.emitFile({ type: 'asset', fileName: `models/default/${file}`, source: readFileSync(`public/models/default/${file}`) });
  },
};

/**
 * Vite wraps the worker's dynamic imports (its chunks: tfjs, each backend) in its page-side preload helper, of no use
 * in a worker: the lists of files it would preload are empty there (no CSS, modulePreload off). It did harm: it
 * reported a chunk that failed to load with window.dispatchEvent, and a worker has no window (that ReferenceError took
 * the place of the browser's error, which names the file); and its `new URL(<an expression>, import.meta.url)` made
 * webpack 5, which bundles the worker again in a shop's app, warn "Critical dependency: the request of a dependency is
 * an expression" and add every file next to the worker to the app's build. The helper becomes a plain call of the
 * import (a chunk that cannot load rejects with the browser's error), and the minifier drops the rest of it.
 */
const PRELOAD_HELPER = 'var __vitePreload = function preload(baseModule, deps, importerUrl) {';
const workerPreloadHelper: Plugin = {
  name: 'reco:worker-preload-helper',
  renderChunk(code) {
    if (!code.includes('vite:preloadError')) return null; // the chunk that defines the helper
    if (!code.includes(PRELOAD_HELPER))
      this.error("Vite's preload helper changed: check that the worker's dynamic imports are plain again");
    const plain = 'var __vitePreload = (load) => load();\nvar unusedVitePreload = function preload(baseModule, deps, importerUrl) {';
    return { code: code.replace(PRELOAD_HELPER, plain), map: null };
  },
};

export default defineConfig(({ mode }) => ({
  publicDir: false,
  base: './',
  build: {
    target: 'es2022',
    emptyOutDir: false,
    minify: true,
    ...(mode === 'worker'
      ? {
          // Chunks are imported relative to the worker's own URL; no <link rel=modulepreload> exists in a worker.
          modulePreload: false,
          rollupOptions: {
            input: 'src/worker/engine.worker.ts',
            // Stable names: a shop that serves the files itself replaces them on upgrade without renaming.
            output: { entryFileNames: 'reco.worker.js', chunkFileNames: 'reco.worker.[name].js', assetFileNames: 'reco.[name][extname]' },
          },
        }
      : mode === 'script'
        ? { rollupOptions: { input: 'src/global.ts', output: { format: 'iife' as const, entryFileNames: 'reco.js' } } }
        : mode === 'engine'
          ? {
              rollupOptions: {
                input: 'src/main/engine-chunk.ts',
                // Its exports are its point: reco.js imports createEngineClient from it.
                preserveEntrySignatures: 'strict' as const,
                output: { format: 'es' as const, entryFileNames: 'reco.engine.js' },
              },
            }
          : {
              lib: {
                // reco.datalayer imports types only: one file, which reco.js also loads (from next to itself).
                entry: {
                  reco: 'src/index.ts',
                  react: 'src/react.ts',
                  vue: 'src/vue.ts',
                  svelte: 'src/svelte.ts',
                  angular: 'src/angular.ts',
                  'reco.datalayer': 'src/main/datalayer-read.ts',
                },
                formats: ['es' as const],
                fileName: (_: string, name: string) => `${name}.mjs`,
              },
              // One chunk holds the SDK, which the entries import: the React hook, the Vue composable, the Svelte store, the Angular signal and init()
              // share one instance.
              rollupOptions: {
                external: ['react', 'vue', 'svelte', '@angular/core', './bundler-assets.mjs'],
                // The frameworks' shared part (src/list-order.ts) in a chunk of its own, which only their entries load.
                output: { chunkFileNames: ({ name }: { name: string }) => (name === 'list-order' ? 'reco-lists.mjs' : 'reco-core.mjs') },
              },
            }),
  },
  // tfjs's wasm glue (emscripten) asks `typeof __filename` for Node; in a browser worker there is none. Said here,
  // so that an app's bundler that processes the worker again (webpack 5 defines __filename) takes the browser path.
  define: mode === 'worker' ? { __filename: 'undefined', __dirname: 'undefined' } : {},
  resolve:
    mode === 'script'
      ? {
          alias: [
            { find: './bundler-assets.mjs', replacement: '/src/script-assets.ts' },
            { find: /^\.\/(main\/)?engine-module\.ts$/, replacement: '/src/main/engine-module.script.ts' },
          ],
        }
      : {},
  plugins: mode === 'script' ? [defaultModel] : mode === 'worker' ? [workerPreloadHelper] : mode === 'engine' ? [] : [bundlerAssets],
  worker: { format: 'es' },
}));
