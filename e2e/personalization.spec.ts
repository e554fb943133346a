import { expect, test } from '@playwright/test';
import { shopperScenario } from './helpers/reco.ts';

test('a shopper who opens 5 products of one category sees more of it in the first 8 places after a reload', async ({ page }) => {
  const { afterCount, beforeCount } = await shopperScenario(page, { clicks: 5, top: 8 });
  expect(afterCount).toBeGreaterThan(beforeCount);
});
