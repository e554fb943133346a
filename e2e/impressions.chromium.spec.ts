import { expect, test } from '@playwright/test';
import { storedEvents } from './helpers/idb.ts';
import { bringIntoView } from './helpers/impressions.ts';
import { holdModel, waitForReady } from './helpers/reco.ts';

test('impressions and clicks count while the model is still loading', async ({ page }) => {
  const { asked, release } = await holdModel(page);
  await page.goto('/e2e/pages/impressions.html');
  await expect.poll(asked, { message: 'the worker asks for the model' }).toBe(true);
  await bringIntoView(page, 'b');
  await page.locator('#b').click();
  // Read from IndexedDB itself: Reco.init() has not resolved, the model is held back.
  const stored = async () => (await storedEvents(page)).map((e) => `${e.type} ${e.itemId}@${e.position}`).sort();
  await expect.poll(stored, { timeout: 30_000 }).toEqual(['select_item b@1', 'view_item_list b@1']);
  expect(await page.evaluate(() => window.Reco.status().ready)).toBe(false);
  release();
  await waitForReady(page);
  expect((await page.evaluate(() => window.Reco.export())).events.filter((e) => e.itemId === 'b')).toHaveLength(2);
});
