import { expect, test } from '@playwright/test';
import { STAGING } from './helpers/origins.ts';
import { shopperScenario } from './helpers/reco.ts';

// A shop's staging host on plain HTTP, not localhost: no secure context, so no crypto.subtle (the model's
// SHA-256 is checked in JavaScript), no WebGPU, no Web Locks, no crypto.randomUUID.
test.use({ baseURL: STAGING });

test('plain HTTP on a non-localhost host: nothing crashes, the model is checked, and the shopper still gets personalized grids', async ({
  page,
}) => {
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  await page.goto('/');
  expect(await page.evaluate(() => [isSecureContext, typeof crypto.subtle, location.origin])).toEqual([false, 'undefined', STAGING]);

  const { status, afterCount, beforeCount } = await shopperScenario(page, { clicks: 5, top: 8 });
  expect(status.lastError).toBeNull();
  expect(status.backend).not.toBe('webgpu'); // WebGPU needs a secure context
  expect(afterCount).toBeGreaterThan(beforeCount);
  expect(uncaught).toEqual([]);
});
