import { defineConfig } from 'vite';

// Three builds into dist/, one per mode: the ES modules for bundlers (`vite build`: reco.mjs and the React entry
// react.mjs, both importing reco-core.mjs), the script-tag build (`--mode script`: reco.js, which defines
// window.Reco and replays the async snippet's queue) and the worker (`--mode worker`: reco.worker.js plus its
// wasm files). tfjs is in the worker only.
export default defineConfig(({ mode }) => ({
  publicDir: false,
  base: './',
  build: {
    target: 'es2022',
    emptyOutDir: false,
    minify: true,
    ...(mode === 'worker'
      ? {
          rollupOptions: {
            input: 'src/worker/engine.worker.ts',
            output: { entryFileNames: 'reco.worker.js', assetFileNames: 'reco.[name].[hash][extname]' },
          },
        }
      : mode === 'script'
        ? { rollupOptions: { input: 'src/global.ts', output: { format: 'iife' as const, entryFileNames: 'reco.js' } } }
        : {
            lib: {
              entry: { reco: 'src/index.ts', react: 'src/react.ts' },
              formats: ['es' as const],
              fileName: (_: string, name: string) => `${name}.mjs`,
            },
            // One chunk holds the SDK, which both entries import: the React hook and init() share one instance.
            rollupOptions: { external: ['react'], output: { chunkFileNames: 'reco-core.mjs' } },
          }),
  },
  worker: { format: 'es' },
}));
