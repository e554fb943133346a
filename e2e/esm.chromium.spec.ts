import { expect, test } from '@playwright/test';
import { gridItems, listenToReco, waitForRanked, waitForReady, holdModel } from './helpers/reco.ts';

// The ES module build in each engine: esm.spec.ts. Here, with the model held back (Playwright's request routing): a
// list the app mounts while the model loads is ranked.
test('the ES module build: a list mounted while the model is still loading is ranked', async ({ page }) => {
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  await listenToReco(page);

  await page.goto('/e2e/pages/esm.html');
  await waitForReady(page);

  const original = await gridItems(page, '#list');
  const fragrance = original.filter((it) => it.top === 'Fragrance').map((it) => it.id);
  expect(original.slice(-fragrance.length).map((it) => it.id)).toEqual(fragrance);
  await page.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await page.evaluate(() => window.Reco.export()); // written before the reload

  // Next page view: the list mounts while the model download is held back, so Reco sees it appear before it can rank.
  const { asked, release } = await holdModel(page);
  await page.goto('/e2e/pages/esm.html?manual');
  await expect.poll(asked, { message: 'the worker asks for the model' }).toBe(true);
  await page.evaluate(() => (window as unknown as { mount: () => void }).mount());
  await page.evaluate(() => new Promise((r) => setTimeout(r, 0))); // let the page's MutationObserver see it
  release();
  const ranked = await waitForRanked(page, 'esm');
  // The ranking may come from the previous page view's snapshot, before the model is ready.
  await waitForReady(page);
  const { renderedAt, readyAt } = await page.evaluate(() => ({
    renderedAt: (window as unknown as { renderedAt: number }).renderedAt,
    readyAt: window.__reco.readyAt!,
  }));
  expect(renderedAt, 'the list appeared while the model was loading').toBeLessThan(readyAt);
  const after = (await gridItems(page, '#list')).map((it) => it.id);
  expect(after).toEqual(ranked.order);
  expect(after).not.toEqual(original.map((it) => it.id));
  expect(after.slice(0, 5).filter((id) => fragrance.includes(id)).length).toBeGreaterThan(0);
  expect(uncaught).toEqual([]);
});
