import { expect, test } from '@playwright/test';
import { shopperScenario } from './helpers/reco.ts';
import { BACKENDS } from '../src/shared/options.ts';

// Without --enable-unsafe-webgpu, Chromium here has navigator.gpu but no adapter (also in workers):
// tf.setBackend('webgpu') resolves false and the engine must move on to the next backend.
test.use({ launchOptions: { executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium', args: ['--disable-quic'] } });

test('without a WebGPU adapter the engine falls back to another backend and still personalizes', async ({ page }) => {
  await page.goto('/e2e/pages/blank.html');
  expect(await page.evaluate(async () => (await navigator.gpu?.requestAdapter()) ?? null), 'this browser has no WebGPU adapter').toBeNull();

  const { status, before, after, afterCount, beforeCount } = await shopperScenario(page, { clicks: 5, top: 8 });
  expect(BACKENDS.filter((b) => b !== 'webgpu')).toContain(status.backend);
  expect(after.map((it) => it.id)).not.toEqual(before.map((it) => it.id));
  expect(afterCount).toBeGreaterThan(beforeCount);
});
