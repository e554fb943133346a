import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { startBackend } from '../../src/worker/backends.ts';

describe('startBackend', () => {
  it('keeps the first backend that really runs, and says why the ones before it did not', async () => {
    const prepare = vi.fn();
    const { backend, tried } = await startBackend(['webgpu', 'cpu', 'wasm'], prepare);
    expect(backend).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    // Node has no navigator.gpu: said in words, and webgpu is not prepared nor handed to tfjs.
    expect(tried).toEqual([
      { backend: 'webgpu', ok: false, reason: expect.stringMatching(/no navigator\.gpu/) },
      { backend: 'cpu', ok: true },
    ]);
    expect(prepare.mock.calls.map(([b]) => b)).toEqual(['cpu']);
  });

  it('returns no backend when none starts, with every reason (a prepare step that throws included)', async () => {
    const { backend, tried } = await startBackend(['webgpu', 'cpu'], (b) => {
      if (b === 'cpu') throw new Error('wasm files missing');
    });
    expect(backend).toBeNull();
    expect(tried.map((t) => `${t.backend} ${t.ok}`)).toEqual(['webgpu false', 'cpu false']);
    expect(tried[1]!.reason).toBe('wasm files missing');
  });
});
