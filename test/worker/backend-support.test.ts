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

  it('skips a software WebGPU adapter (a fallback adapter, or a software rasterizer by name) unless allowSoftwareGpu', async () => {
    const adapter = (info: Record<string, unknown>) => vi.stubGlobal('navigator', { gpu: { requestAdapter: async () => ({ info }) } });
    adapter({ vendor: 'google', architecture: 'swiftshader', isFallbackAdapter: true });
    expect(await whyUnsupported('webgpu')).toBe(
      'skipped: a software adapter (google swiftshader, a fallback adapter), slower here than wasm; allowSoftwareGpu: true uses it',
    );
    expect(await whyUnsupported('webgpu', true)).toBeNull();
    adapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' });
    expect(await whyUnsupported('webgpu')).toMatch(/^skipped: a software adapter \(mesa llvmpipe/);
    adapter({ description: 'Microsoft Basic Render Driver' });
    expect(await whyUnsupported('webgpu')).toMatch(/^skipped: a software adapter/);
    adapter({ vendor: 'nvidia', architecture: 'ampere' });
    expect(await whyUnsupported('webgpu')).toBeNull();
  });

  it('skips a software WebGL renderer unless allowSoftwareGpu', async () => {
    const renderer = (name: string) =>
      vi.stubGlobal(
        'OffscreenCanvas',
        class {
          getContext() {
            return {
              RENDERER: 7937,
              getParameter: () => name,
              getExtension: (e: string) => (e === 'WEBGL_lose_context' ? { loseContext() {} } : null),
            };
          }
        },
      );
    renderer('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)');
    expect(await whyUnsupported('webgl')).toMatch(/^skipped: a software renderer \(ANGLE \(Google, Vulkan 1\.3\.0 \(SwiftShader/);
    expect(await whyUnsupported('webgl', true)).toBeNull();
    renderer('ANGLE (NVIDIA, NVIDIA GeForce RTX 3060 Direct3D11 vs_5_0 ps_5_0)');
    expect(await whyUnsupported('webgl')).toBeNull();
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
