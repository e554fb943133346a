/**
 * What a backend needs from the browser, checked in the worker before tfjs tries it, so that `status()` says in
 * words why a backend is not used (tfjs only answers `false`, or logs a stack trace). Browsers differ here:
 * Firefox ESR and WebKitGTK have no `navigator.gpu`; headless Firefox and WebKitGTK give a worker no WebGL2
 * context (WebKit keeps WebGL in workers behind a feature flag). Checks run when called, never at import time.
 *
 * A software GPU is not a GPU: WebGPU on a fallback adapter and WebGL on a software rasterizer (SwiftShader,
 * llvmpipe, lavapipe, "Microsoft Basic Render": what machines without a GPU offer) are many times slower than
 * wasm, so they are skipped too, unless `allowSoftwareGpu` asks for them (tests do).
 */
import type { Backend } from '../shared/options.ts';

/** Names of software rasterizers, as adapters and renderers report them. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i;
const ALLOW = 'slower here than wasm; allowSoftwareGpu: true uses it';

/** The part of WebGPU's `navigator.gpu` used here (the DOM typings of this TypeScript do not have it). */
interface GpuLike {
  requestAdapter(): Promise<{ isFallbackAdapter?: boolean; info?: Record<string, unknown> } | null>;
}

/** The parts of a WebGL2 context read here (a worker's typings have no debug extension constants). */
interface GlLike {
  getExtension(name: string): { loseContext?: () => void; UNMASKED_RENDERER_WEBGL?: number } | null;
  getParameter?(p: number): unknown;
  RENDERER?: number;
}

/**
 * Why `backend` should not run in this worker, or null when its requirements are met (tfjs may still fail to start it).
 * @param backend a tfjs backend name
 * @param allowSoftwareGpu also accept a software WebGPU adapter or WebGL renderer
 */
export async function whyUnsupported(backend: Backend, allowSoftwareGpu = false): Promise<string | null> {
  const g = globalThis as { navigator?: { gpu?: GpuLike }; OffscreenCanvas?: typeof OffscreenCanvas; WebAssembly?: unknown };
  switch (backend) {
    case 'webgpu': {
      const gpu = g.navigator?.gpu;
      if (!gpu) return 'WebGPU is not available in this browser (no navigator.gpu in workers)';
      const adapter = await gpu.requestAdapter().catch(() => null);
      if (!adapter) return 'no WebGPU adapter (navigator.gpu.requestAdapter() gave none)';
      const info = adapter.info ?? {};
      const fallback = adapter.isFallbackAdapter === true || info['isFallbackAdapter'] === true;
      const name = ['vendor', 'architecture', 'device', 'description']
        .map((k) => info[k])
        .filter((v) => typeof v === 'string' && v)
        .join(' ');
      if (allowSoftwareGpu || !(fallback || SOFTWARE.test(name))) return null;
      return `skipped: a software adapter (${name || 'unnamed'}${fallback ? ', a fallback adapter' : ''}), ${ALLOW}`;
    }
    case 'webgl': {
      if (typeof g.OffscreenCanvas !== 'function') return 'no OffscreenCanvas in workers, so no WebGL there';
      let gl: GlLike | null = null;
      try {
        gl = new g.OffscreenCanvas(1, 1).getContext('webgl2') as GlLike | null;
      } catch {
        // Some browsers throw instead of returning null.
      }
      if (!gl) return 'no WebGL2 context in workers (OffscreenCanvas.getContext("webgl2") gave none)';
      const debugInfo = gl.getExtension('WEBGL_debug_renderer_info');
      const param = debugInfo?.UNMASKED_RENDERER_WEBGL ?? gl.RENDERER;
      const renderer = param !== undefined ? String(gl.getParameter?.(param) ?? '') : '';
      gl.getExtension('WEBGL_lose_context')?.loseContext?.();
      if (allowSoftwareGpu || !SOFTWARE.test(renderer)) return null;
      return `skipped: a software renderer (${renderer}), ${ALLOW}`;
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
