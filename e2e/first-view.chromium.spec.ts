// The first view in Chromium only: Back to a listing the browser did not keep (Playwright's Chromium has no
// back/forward cache, so Back loads the page again; Firefox and WebKit restore it from theirs), and reco.js answered a
// set number of milliseconds late (Playwright's routing). The rest of the first view runs in every engine:
// first-view.spec.ts.
import { expect, test, type Route } from '@playwright/test';
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

test('reco.js at the end of the body, after the grid: the browser paints the grid while the script loads, and the grid in view is still held and ranked on the page load (not after a page the shopper has been looking at)', async ({
  page,
}) => {
  const order = () => page.locator('#grid [data-reco-id]').evaluateAll((els) => els.map((el) => el.getAttribute('data-reco-id')!));
  // Each hold of the grid, as it happens.
  await page.addInitScript(() => {
    const w = window as unknown as { held: number };
    w.held = 0;
    new MutationObserver((records) => {
      if (records.some((r) => (r.target as Element).hasAttribute('data-reco-pending'))) w.held++;
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-reco-pending'] });
  });
  const held = () => page.evaluate(() => (window as unknown as { held: number }).held);
  const painted = () => page.evaluate(() => (window as unknown as { paintedBeforeInit: number[] }).paintedBeforeInit);
  await listenToReco(page);
  await page.goto('/e2e/pages/tag-last.html');
  await waitForReady(page);
  const shop = await order();
  // The shopper views two perfumes, the last cards of the grid.
  await page.evaluate(() => ['t06', 't07'].forEach((id) => window.Reco.track('view_item', id)));
  await page.evaluate(() => window.Reco.export());

  // reco.js comes 40 ms after the browser asked for it (a revalidation): the browser paints the parsed grid meanwhile.
  const late = (ms: number) => async (route: Route) => {
    const response = await route.fetch();
    await new Promise((r) => setTimeout(r, ms));
    await route.fulfill({ response });
  };
  await page.route('**/reco.js', late(40));
  await page.reload();
  const ranked = await waitForRanked(page, 'listing', 1, 10_000);
  console.log('[tag-last] painted before init, ms:', (await painted()).join(' '));
  expect((await painted()).length, 'the page painted before init()').toBeGreaterThan(0);
  expect(await held(), 'held until ranked').toBeGreaterThan(0);
  expect(await order()).toEqual(ranked.order);
  expect(ranked.order.slice(0, 3).filter((id) => ['t06', 't07', 't08'].includes(id)).length, 'the perfumes first').toBeGreaterThan(1);
  expect(await page.evaluate(() => window.__reco.errors)).toEqual([]);

  // A page painted long before init() (reco.js 600 ms late): the shopper may be looking at the grid, which is not hidden
  // and keeps the shop's order until it is out of sight.
  await page.unroute('**/reco.js');
  await page.route('**/reco.js', late(600));
  await page.reload();
  await waitForReady(page);
  await page.waitForTimeout(300);
  expect(Math.min(...(await painted()))).toBeGreaterThan(200);
  expect(await held()).toBe(0);
  expect(await order()).toEqual(shop);
});
