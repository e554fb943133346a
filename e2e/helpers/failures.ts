/**
 * Steps of the failure specs (failures.spec.ts in each engine, failures.chromium.spec.ts where a response is rewritten):
 * the fixture's grid is in the shop's own markup (found through a `grids` config), below the fold, with its five
 * Fragrance items last. The engine runs on wasm there: these failures do not depend on the backend.
 */
import { expect, type Page } from '@playwright/test';
import type { BrowserPage } from './engines/page.ts';
import { asTab, waitForReady, waitForReco } from './reco.ts';

type AnyPage = Page | BrowserPage;

export const SHOP_PAGE = '/e2e/pages/shop.html';

/** The fixture grid's cards, in the order shown. */
export const order = (page: AnyPage) =>
  asTab(page).evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => el.getAttribute('data-sku')!));

const fragranceIds = (page: AnyPage) =>
  asTab(page).evaluate(() =>
    [...document.querySelectorAll('.g .card')]
      .filter((el) => el.querySelector('.c')!.textContent!.startsWith('Fragrance'))
      .map((el) => el.getAttribute('data-sku')!),
  );

/**
 * With a working model: the shopper views three Fragrance items, and the grid is re-ordered (the control that proves
 * this history re-orders this grid). Returns the shop's own order.
 */
export async function historyThatReorders(page: AnyPage): Promise<string[]> {
  const tab = asTab(page);
  await tab.goto(SHOP_PAGE);
  await waitForReady(tab);
  const original = await order(tab);
  const fragrance = await fragranceIds(tab);
  expect(original.slice(-fragrance.length)).toEqual(fragrance);
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await tab.evaluate(() => window.Reco.personalize());
  const ranked = await order(tab);
  expect(ranked).not.toEqual(original);
  expect(ranked.slice(0, 5).filter((id) => fragrance.includes(id)).length, 'Fragrance moved up').toBeGreaterThan(0);
  return original;
}

/**
 * init() settled with the failure: the grid keeps the shop's order, one clear error logged and reported, nothing
 * uncaught (the page listened with listenToReco from its first moment); without a model, rank() keeps the order too
 * (`modelFails`).
 */
export async function expectShopOrder(page: AnyPage, original: string[], message: RegExp, modelFails = true): Promise<void> {
  const tab = asTab(page);
  await waitForReco(tab);
  await tab.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted.then(() => null));
  await tab.evaluate(() => window.Reco.personalize());
  expect(await order(tab)).toEqual(original);
  const ranked = await tab.evaluate((ids) => window.Reco.rank(ids), original);
  if (modelFails) expect(ranked).toEqual(original.map((id) => ({ id, score: 0 })));
  const log = await tab.evaluate(() => window.__reco);
  const logged = log.consoleErrors.filter((line) => line.includes('[reco]'));
  expect(logged).toHaveLength(1);
  expect(logged[0]).toMatch(message);
  expect(log.errors).toHaveLength(1);
  expect(log.errors[0]).toMatch(message);
  expect(await tab.evaluate(() => window.Reco.status().lastError)).toMatch(message);
  expect(await tab.pageErrors()).toEqual([]);
}
