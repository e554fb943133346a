import { expect, test } from './helpers/test.ts';
import { gridItems, listenToReco, waitForRanked, waitForReady } from './helpers/reco.ts';

// The ES module build as an app imports it (e2e/pages/esm.html), in each engine: its worker starts as a module worker
// found next to reco.mjs (import.meta.url), the model at the package's ../public/models/. A list mounted while the
// model is still loading: model-loading.spec.ts.
test('the ES module build: import /reco.mjs, init() finds the worker and the model from its own URL, and the shopper gets their order after a reload', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto('/e2e/pages/esm.html');
  const status = await waitForReady(tab);
  expect(status.backend).toBe('wasm');
  const paths = tab.requests().map((r) => new URL(r.url).pathname);
  // The package's layout: the model at ../public/models/ from dist/ (served at the root here).
  expect(paths).toEqual(
    expect.arrayContaining(['/reco.mjs', '/reco.worker.js', '/public/models/default/model.json', '/public/models/default/weights.bin']),
  );
  expect(paths).not.toContain('/reco.js');

  const original = await gridItems(tab, '#list');
  const fragrance = original.filter((it) => it.top === 'Fragrance').map((it) => it.id);
  expect(original.slice(-fragrance.length).map((it) => it.id)).toEqual(fragrance);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await tab.evaluate(() => window.Reco.export()); // written before the reload

  await tab.reload();
  const ranked = await waitForRanked(tab, 'esm');
  await waitForReady(tab);
  const after = (await gridItems(tab, '#list')).map((it) => it.id);
  expect(after).toEqual(ranked.order);
  expect(after.slice(0, 5).filter((id) => fragrance.includes(id)).length).toBeGreaterThan(0);
  expect(await tab.pageErrors()).toEqual([]);
});
