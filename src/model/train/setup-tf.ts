/** tfjs for Node scripts and tests: the wasm backend (this project does not use tfjs-node, whose install downloads a native library) plus the kernels it lacks. */
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
