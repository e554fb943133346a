import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';
import { recordSupport } from './helpers/support.ts';

// The fixture's grid is in the shop's own markup (found through a `grids` config), below the fold, with its five
// Fragrance items last; the engine runs on wasm.
const PAGE = '/e2e/pages/shop.html';

const order = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => el.getAttribute('data-sku')!));
const fragranceIds = (tab: BrowserPage) =>
  tab.evaluate(() =>
    [...document.querySelectorAll('.g .card')]
      .filter((el) => el.querySelector('.c')!.textContent!.startsWith('Fragrance'))
      .map((el) => el.getAttribute('data-sku')!),
  );

/** The shopper views three Fragrance items; personalize() moves Fragrance up. Returns the shop's own order. */
async function viewFragrance(tab: BrowserPage): Promise<string[]> {
  const original = await order(tab);
  const fragrance = await fragranceIds(tab);
  expect(original.slice(-fragrance.length)).toEqual(fragrance);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  expect((await tab.evaluate(() => window.Reco.export())).events.map((e) => e.type)).toEqual(['view_item', 'view_item', 'view_item']);
  await tab.evaluate(() => window.Reco.personalize());
  const ranked = await order(tab);
  expect(ranked).not.toEqual(original);
  expect(ranked.slice(0, 5).filter((id) => fragrance.includes(id)).length, 'Fragrance moved up').toBeGreaterThan(0);
  return original;
}

test('IndexedDB refused by the browser: memory-only storage, personalization works for that page view, and nothing outlives it', async ({
  openSession,
}) => {
  const tab = await openSession({ indexedDB: false });
  await listenToReco(tab);
  await tab.goto(PAGE);
  const status = await waitForReady(tab);
  expect(status.storage).toBe('memory');
  expect(status.gpc, 'the refusal alone decides').toBe(false);
  const original = await viewFragrance(tab);
  expect((await tab.evaluate(() => window.__reco)).consoleErrors.filter((l) => l.includes('[reco]'))).toEqual([]);
  expect(await tab.pageErrors()).toEqual([]);

  // Memory only: nothing outlives the page view.
  await tab.reload();
  await waitForReady(tab);
  expect((await tab.evaluate(() => window.Reco.export())).events).toEqual([]);
  expect(await order(tab)).toEqual(original);
});

test("private browsing: Reco personalizes; events stay in memory under Global Privacy Control, otherwise in the private window's own storage", async ({
  openSession,
  engine,
}, testInfo) => {
  const tab = await openSession({ private: true });
  await tab.goto(PAGE);
  const status = await waitForReady(tab);
  // Firefox sends Global Privacy Control from private windows, and Reco keeps events for the page view only then.
  expect(status.storage).toBe(status.gpc ? 'memory' : 'indexeddb');
  expect(await tab.evaluate(() => (navigator as { globalPrivacyControl?: boolean }).globalPrivacyControl === true)).toBe(status.gpc);
  await viewFragrance(tab);

  await tab.reload();
  await waitForReady(tab);
  const kept = (await tab.evaluate(() => window.Reco.export())).events.length;
  expect(kept).toBe(status.storage === 'indexeddb' ? 3 : 0);
  expect(await tab.pageErrors()).toEqual([]);
  recordSupport(testInfo, engine, { privateStorage: status.storage, privateGpc: status.gpc, privateSurvivesReload: kept > 0 });
});
