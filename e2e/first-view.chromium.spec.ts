// The first view in Chromium only: Back to a listing the browser did not keep (Playwright's Chromium has no
// back/forward cache, so Back loads the page again; Firefox and WebKit restore it from theirs). The rest of the first
// view runs in every engine: first-view.spec.ts.
import { expect, test } from '@playwright/test';
import { gridItems, listenToReco, waitForRanked, waitForReady } from './helpers/reco.ts';

test('Back to a listing the browser did not keep: the grid shows the order the shopper left it in, not a new ranking', async ({ page }) => {
  // Playwright's Chromium runs without the back/forward cache: Back loads the page again, with its scroll position.
  await listenToReco(page);
  await page.goto('/e2e/pages/listing.html?list=a');
  await waitForReady(page);
  for (const id of ['a2', 'a4']) await page.click(`[data-reco-id="${id}"]`);
  await page.evaluate(() => window.Reco.export());
  await page.goto('/e2e/pages/listing.html?list=b');
  const shopOrder = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);
  await waitForRanked(page, 'listing');
  const left = (await gridItems(page, '[data-reco-grid]')).map((it) => it.id);

  // The shopper opens a perfume's page (Reco records its view there, and the snapshot of that history), then comes back.
  await page.click('[data-reco-id="b4"] a');
  await page.waitForURL(/product\.html\?product=b4/);
  await waitForReady(page);
  await page.evaluate(() => window.Reco.export());
  await page.waitForTimeout(1000); // the worker stores the snapshot of that history (30 ms after it changed)
  await page.goBack();
  const back = await waitForRanked(page, 'listing', 1, 20_000);
  expect(back.order, 'the grid as the shopper left it').toEqual(left);
  expect((await gridItems(page, '[data-reco-grid]')).map((it) => it.id)).toEqual(left);

  // Not by chance: with the perfume's click the model orders this listing otherwise now.
  await waitForReady(page);
  const now = await page.evaluate((ids) => window.Reco.rank(ids), shopOrder);
  expect(now.map((r) => r.id)).not.toEqual(left);
});
