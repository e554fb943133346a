/**
 * The tfjs half of the worker, imported on demand by the host (host.ts) once init() asks for the model: the
 * engine, and each backend's code in a chunk of its own, loaded only when that backend is tried (a machine
 * without a real GPU never downloads the WebGPU and WebGL backends).
 */
import type { Backend } from '../shared/options.ts';
import { chunkFailed } from './chunks.ts';
import { createEngine, type Engine } from './engine.ts';
import type { Files } from './files.ts';

/** Imports a backend's code (registering it with tfjs); for wasm, says where its binary came from. */
async function loadBackend(backend: Backend, files: Files): Promise<'cache' | 'network' | null | void> {
  if (backend === 'wasm') return (await import('./backend-wasm.ts').catch(chunkFailed('reco.worker.backend-wasm.js'))).prepareWasm(files);
  if (backend === 'cpu') await import('./backend-cpu.ts').catch(chunkFailed('reco.worker.backend-cpu.js'));
  else if (backend === 'webgl') await import('./backend-webgl.ts').catch(chunkFailed('reco.worker.backend-webgl.js'));
  else await import('./backend-webgpu.ts').catch(chunkFailed('reco.worker.backend-webgpu.js'));
}

/** The worker's engine: model files and the wasm binary through `files` (Cache Storage), backends loaded on demand. */
export function createWorkerEngine(files: Files): Engine {
  return createEngine({ files, load: (backend) => loadBackend(backend, files) });
}
