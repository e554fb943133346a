import { expect, test } from './helpers/test.ts';
import { STAGING } from './helpers/origins.ts';
import { shopperScenario } from './helpers/reco.ts';

// A shop's staging host on plain HTTP, not localhost, in each engine: no secure context, so no crypto.subtle (the
// model's SHA-256 is checked in JavaScript), no WebGPU, no Web Locks, no Cache Storage, no crypto.randomUUID.
test('plain HTTP on a non-localhost host: nothing crashes, the model is checked, and the shopper still gets personalized grids', async ({
  tab,
}) => {
  const { status, afterCount, beforeCount } = await shopperScenario(tab, { clicks: 5, top: 8, at: `${STAGING}/` });
  expect(await tab.evaluate(() => [isSecureContext, typeof crypto.subtle, typeof caches, typeof navigator.locks, location.origin])).toEqual(
    [false, 'undefined', 'undefined', 'undefined', STAGING],
  );
  expect(status.lastError).toBeNull();
  expect(status.backend).not.toBe('webgpu'); // WebGPU needs a secure context
  expect(afterCount).toBeGreaterThan(beforeCount);
  expect(await tab.pageErrors()).toEqual([]);
});
