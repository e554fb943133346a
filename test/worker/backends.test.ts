import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import type { Backend } from '../../src/shared/options.ts';
import { startBackend } from '../../src/worker/backends.ts';

const SOFTWARE =
  'skipped: a software adapter (google swiftshader, a fallback adapter), slower here than wasm; allowSoftwareGpu: true uses it';
/** A browser with a software WebGPU adapter and WebGL renderer (SwiftShader, as on machines without a GPU). */
const swiftShader = async (b: Backend, allow: boolean) => ((b === 'webgpu' || b === 'webgl') && !allow ? SOFTWARE : null);

describe('startBackend', () => {
  it('keeps the first backend that really runs, and says why the ones before it did not', async () => {
    const load = vi.fn();
    const { backend, tried } = await startBackend(['webgpu', 'cpu', 'wasm'], { load });
    expect(backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // Node has no navigator.gpu: said in words, and webgpu is neither loaded nor handed to tfjs.
    expect(tried).toEqual([
      { backend: 'webgpu', ok: false, reason: expect.stringMatching(/no navigator\.gpu/) },
      { backend: 'cpu', ok: true },
    ]);
    expect(load.mock.calls.map(([b]) => b)).toEqual(['cpu']);
  });

  it('skips software GPUs by default (never loading their code); allowSoftwareGpu tries them', async () => {
    const load = vi.fn();
    const skipped = await startBackend(['webgpu', 'webgl', 'cpu'], { load, check: swiftShader });
    expect(skipped.tried).toEqual([
      { backend: 'webgpu', ok: false, reason: SOFTWARE },
      { backend: 'webgl', ok: false, reason: SOFTWARE },
      { backend: 'cpu', ok: true },
    ]);
    expect(load.mock.calls.map(([b]) => b)).toEqual(['cpu']);

    load.mockClear();
    const allowed = await startBackend(['webgpu', 'cpu'], { load, check: swiftShader, allowSoftwareGpu: true });
    expect(load.mock.calls.map(([b]) => b)).toEqual(['webgpu', 'cpu']); // tried; it does not start in Node
    expect(allowed.tried[0]).toEqual({ backend: 'webgpu', ok: false, reason: expect.any(String) });
  });

  it('returns no backend when none starts, with every reason (a load step that throws included)', async () => {
    const { backend, tried } = await startBackend(['webgpu', 'cpu'], {
      load: (b) => {
        if (b === 'cpu') throw new Error('wasm files missing');
      },
    });
    expect(backend).toBeNull();
    expect(tried.map((t) => `${t.backend} ${t.ok}`)).toEqual(['webgpu false', 'cpu false']);
    expect(tried[1]!.reason).toBe('wasm files missing');
  });
});
