import { expect, test, type Page } from '@playwright/test';
import { storedEvents } from './helpers/idb.ts';
import { holdModel, waitForReady } from './helpers/reco.ts';

/** Holds reco.js back until `release()`, so the page's calls are surely made before it has loaded. */
async function holdScript(page: Page): Promise<() => void> {
  let release: () => void = () => {};
  const held = new Promise<void>((r) => (release = r));
  await page.route('**/reco.js', async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

test('async snippet: init(), on() and track() called before reco.js loaded are replayed in order, and their promises settle', async ({
  page,
}) => {
  const uncaught: string[] = [];
  page.on('pageerror', (e) => uncaught.push(e.message));
  const release = await holdScript(page);
  await page.goto('/e2e/pages/snippet.html', { waitUntil: 'domcontentloaded' }); // 'load' waits for the held script
  expect(await page.evaluate(() => (window as unknown as { queuedBeforeLoad: number }).queuedBeforeLoad)).toBe(3);
  expect(await page.evaluate(() => typeof (window as unknown as { Reco: { status?: unknown } }).Reco.status)).toBe('undefined');

  release();
  await page.waitForFunction(() => (window as unknown as { heard: string[] }).heard.length === 3, null, { timeout: 90_000 });
  expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual([
    'track replayed',
    'ready wasm',
    'init resolved, ready: true',
  ]);
  expect(await page.evaluate(() => window.Reco.status().lastError)).toBeNull();
  await page.evaluate(() => window.Reco.exportData()); // flushes
  const pageEvents = (await storedEvents(page)).filter((e) => e.type !== 'view_item_list'); // impressions come and go with the viewport
  expect(pageEvents.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item p076']);
  expect(uncaught).toEqual([]);
});

test('calls made while init() is still running are kept: a view_item at page load and a click, before the model has loaded', async ({
  page,
}) => {
  const { asked, release } = await holdModel(page);
  await page.goto('/e2e/pages/datalayer.html?'); // any page with a grid and init() at load
  await expect.poll(asked, { message: 'the worker asks for the model' }).toBe(true);
  await page.evaluate(() => window.Reco.track('view_item', 'p099')); // a product page's own call, at load
  await page.locator('#list [data-reco-id="p051"] a').click();
  expect(await page.evaluate(() => window.Reco.status().ready)).toBe(false);
  const stored = (await page.evaluate(() => window.Reco.exportData())).events.filter((e) => e.type !== 'view_item_list');
  expect(stored.map((e) => `${e.type} ${e.itemId}`).sort()).toEqual(['select_item p051', 'view_item p099']);
  release();
  await waitForReady(page);
  const after = (await page.evaluate(() => window.Reco.exportData())).events.filter(
    (e) => e.type === 'view_item' || e.type === 'select_item',
  );
  expect(after).toHaveLength(2);
});
