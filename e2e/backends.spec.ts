import { expect, test } from '@playwright/test';
import { waitForReady } from './helpers/reco.ts';

test('the engine runs on WebGPU in Chromium here', async ({ page }) => {
  await page.goto('/');
  const status = await waitForReady(page);
  expect(status.backend).toBe('webgpu');
  expect(status.model).toMatchObject({ id: expect.any(String), version: expect.any(String) });
});
