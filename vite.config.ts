import { defineConfig } from 'vite';

// Two builds into dist/: the page script (`vite build`: reco.js for a script tag, reco.mjs for bundlers)
// and the worker (`vite build --mode worker`: reco.worker.js plus its wasm files). tfjs is in the worker only.
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
      : {
          lib: {
            entry: 'src/index.ts',
            name: 'Reco',
            formats: ['iife', 'es'],
            fileName: (f: string) => (f === 'es' ? 'reco.mjs' : 'reco.js'),
          },
        }),
  },
  worker: { format: 'es' },
}));
