import { expect, test, type Page } from '@playwright/test';
import { storedEvents } from './helpers/idb.ts';

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
