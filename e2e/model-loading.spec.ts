import { expect, test } from './helpers/test.ts';
import { storedEvents } from './helpers/idb.ts';
import { bringIntoView } from './helpers/impressions.ts';
import { gridItems, holdBack, listenToReco, waitForRanked, waitForReady } from './helpers/reco.ts';

// While the model is still downloading (the e2e server holds model.json back, as a slow network does), in each engine:
// what the shopper does is recorded, and a list the app mounts meanwhile is ranked once the model is there.

test('impressions and clicks count while the model is still loading', async ({ tab }) => {
  const model = await holdBack();
  try {
    await tab.goto('/e2e/pages/impressions.html');
    await expect.poll(model.asked, { message: 'the worker asks for the model' }).toBe(true);
    await bringIntoView(tab, 'b');
    await tab.click('#b');
    // Read from IndexedDB itself: Reco.init() has not resolved, the model is held back.
    const stored = async () => (await storedEvents(tab)).map((e) => `${e.type} ${e.itemId}@${e.position}`).sort();
    await expect.poll(stored, { timeout: 30_000 }).toEqual(['select_item b@1', 'view_item_list b@1']);
    expect(await tab.evaluate(() => window.Reco.status().ready)).toBe(false);
  } finally {
    await model.release();
  }
  await waitForReady(tab);
  expect((await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.itemId === 'b')).toHaveLength(2);
});

test('calls made while init() is still running are kept: a view_item at page load and a click, before the model has loaded', async ({
  tab,
}) => {
  const model = await holdBack();
  try {
    await tab.goto('/e2e/pages/datalayer.html?'); // any page with a grid and init() at load
    await expect.poll(model.asked, { message: 'the worker asks for the model' }).toBe(true);
    await tab.evaluate(() => window.Reco.track('view_item', 'p099')); // a product page's own call, at load
    await tab.click('#list [data-reco-id="p051"] a');
    expect(await tab.evaluate(() => window.Reco.status().ready)).toBe(false);
    const stored = (await tab.evaluate(() => window.Reco.exportData())).events.filter((e) => e.type !== 'view_item_list');
    expect(stored.map((e) => `${e.type} ${e.itemId}`).sort()).toEqual(['select_item p051', 'view_item p099']);
  } finally {
    await model.release();
  }
  await waitForReady(tab);
  const after = (await tab.evaluate(() => window.Reco.exportData())).events.filter(
    (e) => e.type === 'view_item' || e.type === 'select_item',
  );
  expect(after).toHaveLength(2);
});

test('the ES module build: a list the app mounts while the model is still loading is ranked', async ({ tab }) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/esm.html');
  await waitForReady(tab);
  const original = await gridItems(tab, '#list');
  const fragrance = original.filter((it) => it.top === 'Fragrance').map((it) => it.id);
  expect(original.slice(-fragrance.length).map((it) => it.id)).toEqual(fragrance);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await tab.evaluate(() => window.Reco.export()); // written before the next page view

  // Next page view: the list mounts while the model download is held back, so Reco sees it appear before it can rank.
  // (The ES module build finds the model as the package lays it out: ../public/models/ from dist/.)
  const model = await holdBack('/public/models/default/model.json');
  try {
    await tab.goto('/e2e/pages/esm.html?manual');
    await expect.poll(model.asked, { message: 'the worker asks for the model' }).toBe(true);
    await tab.evaluate(() => (window as unknown as { mount: () => void }).mount());
    await tab.evaluate(() => new Promise((r) => setTimeout(r, 0)).then(() => null)); // let the page's MutationObserver see it
  } finally {
    await model.release();
  }
  const ranked = await waitForRanked(tab, 'esm');
  // The ranking may come from the previous page view's snapshot, before the model is ready.
  await waitForReady(tab);
  const { renderedAt, readyAt } = await tab.evaluate(() => ({
    renderedAt: (window as unknown as { renderedAt: number }).renderedAt,
    readyAt: window.__reco.readyAt!,
  }));
  expect(renderedAt, 'the list appeared while the model was loading').toBeLessThan(readyAt);
  const after = (await gridItems(tab, '#list')).map((it) => it.id);
  expect(after).toEqual(ranked.order);
  expect(after).not.toEqual(original.map((it) => it.id));
  expect(after.slice(0, 5).filter((id) => fragrance.includes(id)).length).toBeGreaterThan(0);
  expect(await tab.pageErrors()).toEqual([]);
});
