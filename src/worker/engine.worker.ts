/**
 * Worker entry: registers the tfjs backends and exposes the engine's page interface with comlink, and only
 * that: train, setHead, rollback and dispose stay inside the worker.
 */
import { expose } from 'comlink';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import '@tensorflow/tfjs-backend-webgpu';
import wasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmKernels } from '../model/wasm-kernels.ts';
import type { EngineInterface } from '../shared/protocol.ts';
import { createEngine } from './engine.ts';

registerWasmKernels();

const engine = createEngine({
  prepare(backend) {
    if (backend === 'wasm') {
      // Already absolute: the build writes each as new URL('reco.<file>.wasm', import.meta.url).href, the literal form an
      // app's bundler (webpack 5, Vite) follows when it bundles this worker again; wrapping it in another new URL
      // would hide it from them.
      setWasmPaths({
        'tfjs-backend-wasm.wasm': wasm,
        'tfjs-backend-wasm-simd.wasm': wasmSimd,
        'tfjs-backend-wasm-threaded-simd.wasm': wasmThreaded,
      });
    }
  },
});

const pageInterface: EngineInterface = {
  init: (opts, onLearning) => engine.init(opts, onLearning),
  rank: (history, candidates, now) => engine.rank(history, candidates, now),
  rankFor: (given, candidates, now) => engine.rankFor(given, candidates, now),
  arrange: (history, items, search, now) => engine.arrange(history, items, search, now),
  setRules: (rules) => engine.setRules(rules),
  recommend: (history, request, page) => engine.recommend(history, request, page),
  round: (force) => engine.round(force),
  forget: () => engine.forget(),
  explain: (history, item, now) => engine.explain(history, item, now),
  status: () => engine.status(),
};
expose(pageInterface);
