import { afterEach, describe, expect, it, vi } from 'vitest';
import { whyUnsupported } from '../../src/worker/backend-support.ts';

afterEach(() => vi.unstubAllGlobals());

describe('whyUnsupported (what each backend needs from the browser, said in words)', () => {
  it('names the missing navigator.gpu, then a missing adapter; an adapter is enough', async () => {
    vi.stubGlobal('navigator', {});
    expect(await whyUnsupported('webgpu')).toMatch(/no navigator\.gpu/);
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => null } });
    expect(await whyUnsupported('webgpu')).toMatch(/no WebGPU adapter/);
    vi.stubGlobal('navigator', {
      gpu: {
        requestAdapter: async () => {
          throw new Error('blocked');
        },
      },
    });
    expect(await whyUnsupported('webgpu')).toMatch(/no WebGPU adapter/);
    vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({}) } });
    expect(await whyUnsupported('webgpu')).toBeNull();
  });

  it('names a missing OffscreenCanvas or WebGL2 context in the worker', async () => {
    vi.stubGlobal('OffscreenCanvas', undefined);
    expect(await whyUnsupported('webgl')).toMatch(/no OffscreenCanvas/);
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          return null;
        }
      },
    );
    expect(await whyUnsupported('webgl')).toMatch(/no WebGL2 context/);
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          throw new Error('not here');
        }
      },
    );
    expect(await whyUnsupported('webgl')).toMatch(/no WebGL2 context/);
    let lost = false;
    vi.stubGlobal(
      'OffscreenCanvas',
      class {
        getContext() {
          return { getExtension: () => ({ loseContext: () => (lost = true) }) };
        }
      },
    );
    expect(await whyUnsupported('webgl')).toBeNull();
    expect(lost, 'the probe context is released').toBe(true);
  });

  it('wasm needs WebAssembly; cpu needs nothing', async () => {
    expect(await whyUnsupported('wasm')).toBeNull();
    vi.stubGlobal('WebAssembly', undefined);
    expect(await whyUnsupported('wasm')).toMatch(/WebAssembly is not available/);
    expect(await whyUnsupported('cpu')).toBeNull();
  });

  it("names a page policy that refuses to compile WebAssembly (a CSP without 'wasm-unsafe-eval')", async () => {
    const refused = Object.assign(
      new Error("Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not allowed"),
      {
        name: 'CompileError',
      },
    );
    vi.spyOn(WebAssembly, 'instantiate').mockRejectedValueOnce(refused);
    expect(await whyUnsupported('wasm')).toBe(`WebAssembly cannot be compiled here (CompileError: ${refused.message})`);
    vi.restoreAllMocks();
  });
});
