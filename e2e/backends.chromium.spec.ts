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

for (const [what, body, contentType] of [
  ['an HTML page (an SPA host answers every path with its index)', '<!doctype html><html><body>Shop</body></html>', 'text/html'],
  ['corrupt bytes', '\u0000asm\u0001\u0000\u0000\u0000garbage', 'application/wasm'],
] as const) {
  test(`a wasm file that answers ${what}: cpu takes over at once with the reason, and nothing of it is kept for the next page view`, async ({
    page,
  }) => {
    await page.route(/\/reco\.tfjs-backend-wasm[^/]*\.wasm$/, (route) => route.fulfill({ status: 200, contentType, body }));
    await page.goto('/?backends=wasm,cpu');
    const status = await waitForReady(page, 20_000);
    expect(status.backend).toBe('cpu');
    expect(status.backends[0]).toEqual({
      backend: 'wasm',
      ok: false,
      reason: expect.stringMatching(/reco\.tfjs-backend-wasm[^ ]*\.wasm is not a WebAssembly binary/),
    });
    // The server is mended: the next page view fetches the binary again and runs wasm.
    await page.unrouteAll();
    await page.reload();
    expect((await waitForReady(page, 20_000)).backend).toBe('wasm');
  });
}

test('a wasm file that never comes (a CDN that stalls on it): after 20 s without data cpu takes over, and the reason names the file', async ({
  page,
}) => {
  await page.route(/\/reco\.tfjs-backend-wasm[^/]*\.wasm$/, () => {}); // never answered
  await page.goto('/?backends=wasm,cpu');
  const status = await waitForReady(page, 50_000);
  expect(status.backend).toBe('cpu');
  expect(status.backends[0]).toEqual({
    backend: 'wasm',
    ok: false,
    reason: expect.stringMatching(/reco\.tfjs-backend-wasm[^ ]*\.wasm: no data for 20 s \(stalled download\)$/),
  });
});
