import { expect, test } from '@playwright/test';
import { gridItems, listenToReco, waitForRanked, waitForReady, holdModel } from './helpers/reco.ts';

test('the ES module build: import /reco.mjs, init() finds the worker next to it, and a list mounted during loading is ranked', async ({
  page,
  context,
}) => {
  const requests: string[] = [];
  context.on('request', (r) => requests.push(new URL(r.url()).pathname));
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  await listenToReco(page);

  await page.goto('/e2e/pages/esm.html');
  const status = await waitForReady(page);
  expect(status.backend).toBe('wasm');
  expect(requests).toEqual(
    // The package's layout: the model at ../public/models/ from dist/ (served at the root here).
    expect.arrayContaining(['/reco.mjs', '/reco.worker.js', '/public/models/default/model.json', '/public/models/default/weights.bin']),
  );
  expect(requests).not.toContain('/reco.js');

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
