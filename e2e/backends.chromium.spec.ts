import { expect, test } from '@playwright/test';
import { waitForReady } from './helpers/reco.ts';

// Chromium here has no GPU: its WebGPU adapter is SwiftShader's fallback adapter, its WebGL renderer SwiftShader.

test('by default the software GPU is skipped with its reason and wasm runs; allowSoftwareGpu runs WebGPU on it, downloading only the WebGPU chunk', async ({
  page,
  context,
}) => {
  await page.goto('/');
  const status = await waitForReady(page);
  expect(status.backend).toBe('wasm');
  expect(status.backends).toEqual([
    {
      backend: 'webgpu',
      ok: false,
      reason: expect.stringMatching(/^skipped: a software adapter \(.*swiftshader.*, a fallback adapter\)/i),
    },
    { backend: 'webgl', ok: false, reason: expect.stringMatching(/^skipped: a software renderer \(.*SwiftShader/) },
    { backend: 'wasm', ok: true },
  ]);

  const chunks: string[] = [];
  context.on('request', (r) => /\/reco\.worker\.backend-/.test(r.url()) && chunks.push(new URL(r.url()).pathname.split('.')[2]!));
  await page.goto('/?allowSoftwareGpu');
  const gpu = await waitForReady(page);
  expect(gpu.backend).toBe('webgpu');
  expect(gpu.backends).toEqual([{ backend: 'webgpu', ok: true }]);
  expect(chunks).toEqual(['backend-webgpu']);
});
