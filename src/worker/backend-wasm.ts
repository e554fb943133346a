/**
 * The wasm backend, in a chunk of its own (reco.worker.backend-wasm.*.js) loaded when it is tried. Its binary
 * comes through Cache Storage (files.ts), keyed by the SDK version and the file's URL, and is handed to tfjs
 * through its platform fetch, so no blob: URL is needed (a strict Content-Security-Policy allows none).
 */
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threaded from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { registerWasmKernels } from '../model/wasm-kernels.ts';
import { SDK_VERSION } from '../shared/version.ts';
import type { Files } from './files.ts';

/**
 * A wasm file's URL. Absolute in a build, which writes each as `new URL('reco.<file>.wasm', import.meta.url).href`: the
 * literal form an app's bundler follows when it bundles this worker again. Wrapped in a second `new URL(…,
 * import.meta.url)` it is hidden from them (webpack 5 reads that as a module context of its own: "Cannot find module
 * …wasm", and the wasm backend never starts). Vite's dev server gives a path, resolved against the worker's location.
 */
const absolute = (url: string): string => (/^[a-z][a-z\d+.-]*:/i.test(url) ? url : new URL(url, location.href).href);

/**
 * Points the wasm backend at its binary (read through `files`) and registers the kernels it lacks.
 * @returns where the binary came from, or null when tfjs loads it itself (the threaded build, under cross-origin isolation)
 */
export async function prepareWasm(files: Files): Promise<'cache' | 'network' | null> {
  registerWasmKernels();
  const urls = {
    'tfjs-backend-wasm.wasm': absolute(plain),
    'tfjs-backend-wasm-simd.wasm': absolute(simd),
    'tfjs-backend-wasm-threaded-simd.wasm': absolute(threaded),
  };
  const hasSimd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  if (hasSimd && (await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'))) {
    setWasmPaths(urls); // its pthread workers fetch the binary by URL
    return null;
  }
  const name = hasSimd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  const url = urls[name];
  const req = { bucket: 'wasm' as const, name, version: `${SDK_VERSION} ${url}` };
  const { bytes, from } = await files.get(url, req);
  // Checked before tfjs gets it: tfjs does not settle on a binary it cannot compile (a server's HTML fallback for a
  // missing file, a truncated download), and a copy kept in Cache Storage would fail every later page view too.
  if (!WebAssembly.validate(bytes)) {
    await files.drop(url, req).catch(() => {});
    const text = /^\s*</.test(new TextDecoder().decode(bytes.slice(0, 64)));
    throw new Error(
      `${url} is not a WebAssembly binary${text ? " (an HTML page: a server's fallback for a missing file?)" : ' (corrupt or cut short)'}`,
    );
  }
  // With platform fetch on, tfjs asks tf.env().platform.fetch for the binary: answer that one request from memory.
  setWasmPaths(urls, true);
  const platform = tf.env().platform;
  const fetchFn = platform.fetch.bind(platform);
  platform.fetch = (path: string, init?: RequestInit) =>
    path === url ? Promise.resolve(new Response(bytes, { headers: { 'content-type': 'application/wasm' } })) : fetchFn(path, init);
  return from;
}
