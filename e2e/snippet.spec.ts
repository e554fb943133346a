import { expect, test } from './helpers/test.ts';
import { storedEvents } from './helpers/idb.ts';
import { holdBack } from './helpers/reco.ts';

declare global {
  interface Window {
    heard: string[];
    queuedBeforeLoad: number | null;
  }
}

test('async snippet: init(), on() and track() called before reco.js loaded are replayed in order, and their promises settle', async ({
  tab,
}) => {
  // The e2e server holds reco.js back, so the page's calls are surely made before it has loaded.
  const script = await holdBack('/reco.js');
  const loading = tab.goto('/e2e/pages/snippet.html'); // its load event waits for the held script
  await expect.poll(() => script.asked(), { message: 'reco.js requested' }).toBe(true);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the rest of the page parsed, its calls made
  await script.release();
  await loading;
  expect(await tab.evaluate(() => window.queuedBeforeLoad), 'calls queued by the snippet before reco.js ran').toBe(3);

  await tab.waitForFunction(() => window.heard.length === 3, undefined, { timeout: 90_000, message: 'the queued calls settled' });
  expect(await tab.evaluate(() => window.heard)).toEqual(['track replayed', 'ready wasm', 'init resolved, ready: true']);
  expect(await tab.evaluate(() => window.Reco.status().lastError)).toBeNull();
  await tab.evaluate(() => window.Reco.exportData()); // flushes
  const pageEvents = (await storedEvents(tab)).filter((e) => e.type !== 'view_item_list'); // impressions come and go with the viewport
  expect(pageEvents.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item p076']);
  expect(await tab.pageErrors()).toEqual([]);
});
