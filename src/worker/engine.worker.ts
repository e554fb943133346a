/**
 * Worker entry: exposes the host (the page interface, and only that) with comlink. It is small on purpose:
 * the page starts this worker as soon as its script runs, and the host answers a repeat page view's first
 * rankings from the stored snapshot while TensorFlow.js (tfjs.ts and one backend's chunk) loads on demand.
 */
import { expose } from 'comlink';
import { chunkFailed } from './chunks.ts';
import { createHost } from './host.ts';

expose(
  createHost({
    loadEngine: async (files) => (await import('./tfjs.ts').catch(chunkFailed('reco.worker.tfjs.js'))).createWorkerEngine(files),
  }),
);
