/**
 * What a backend needs from the browser, checked in the worker before tfjs tries it, so that `status()` says in
 * words why a backend is not used (tfjs only answers `false`, or logs a stack trace). Browsers differ here:
 * Firefox ESR and WebKitGTK have no `navigator.gpu`; headless Firefox and WebKitGTK give a worker no WebGL2
 * context (WebKit keeps WebGL in workers behind a feature flag). Checks run when called, never at import time.
 */
import type { Backend } from '../shared/options.ts';

/** The part of WebGPU's `navigator.gpu` used here (the DOM typings of this TypeScript do not have it). */
interface GpuLike {
  requestAdapter(): Promise<{ info?: { isFallbackAdapter?: boolean } } | null>;
}

/**
 * Why `backend` cannot run in this worker, or null when its requirements are met (tfjs may still fail to start it).
 * @param backend a tfjs backend name
 */
export async function whyUnsupported(backend: Backend): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: GpuLike }; OffscreenCanvas?: typeof OffscreenCanvas; WebAssembly?: unknown };
  switch (backend) {
    case 'webgpu': {
      const gpu = g.navigator?.gpu;
      if (!gpu) return 'WebGPU is not available in this browser (no navigator.gpu in workers)';
      const adapter = await gpu.requestAdapter().catch(() => null);
      return adapter ? null : 'no WebGPU adapter (navigator.gpu.requestAdapter() gave none)';
    }
    case 'webgl': {
      if (typeof g.OffscreenCanvas !== 'function') return 'no OffscreenCanvas in workers, so no WebGL there';
      let gl: WebGL2RenderingContext | null = null;
      try {
        gl = new g.OffscreenCanvas(1, 1).getContext('webgl2');
      } catch {
        // Some browsers throw instead of returning null.
      }
      if (!gl) return 'no WebGL2 context in workers (OffscreenCanvas.getContext("webgl2") gave none)';
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      return null;
    }
    case 'wasm': {
      if (typeof g.WebAssembly !== 'object') return 'WebAssembly is not available';
      try {
        // The smallest valid module, compiled and instantiated: a Content-Security-Policy without 'wasm-unsafe-eval'
        // refuses even this and says so (WebKit lets the compile through and refuses the instantiation).
        await WebAssembly.instantiate(new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]));
        return null;
      } catch (err) {
        return `WebAssembly cannot be compiled here (${(err as Error).name}: ${(err as Error).message})`;
      }
    }
    case 'cpu':
      return null;
  }
}
