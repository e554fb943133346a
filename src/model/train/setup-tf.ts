/** tfjs for Node scripts: the wasm backend (tfjs-node cannot install here) plus the kernels it lacks. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../wasm-kernels.ts';

/** Sets up wasm (or `backend`), returns the backend that really runs. */
export async function setupTf(backend = 'wasm'): Promise<string> {
  tf.env().set('PROD', true);
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend "${backend}" could not start`);
  await tf.ready();
  if (tf.getBackend() === 'wasm') registerWasmKernels();
  return tf.getBackend();
}
