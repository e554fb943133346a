import { expect, test, type BrowserPage } from './helpers/test.ts';
import { CDN, SHOP } from './helpers/origins.ts';
import { listenToReco, waitForRanked, waitForReady, waitForReco } from './helpers/reco.ts';

// reco.js from another origin than the shop's (a CDN such as jsDelivr): the worker, its wasm and the model come from
// there too, in each engine (a worker cannot be started from another origin's URL: Reco starts it from its own source).

/** The origin each path was requested from (the last request of each path). */
const originsOf = (tab: BrowserPage) => new Map(tab.requests().map((r) => [new URL(r.url).pathname, new URL(r.url).origin]));

test('reco.js from another origin (a CDN): the worker, its wasm and the model load from there, and the shopper gets personalized grids', async ({
  tab,
}) => {
  await listenToReco(tab);
  // The package as the CDN serves it (jsDelivr's /npm/reco-sdk@VERSION/…): dist/ and public/models/ apart.
  await tab.goto(`/e2e/pages/cdn.html?from=${CDN}/npm/reco-sdk/dist`);
  expect(await tab.evaluate(() => location.origin)).toBe(SHOP);
  const status = await waitForReady(tab);
  expect(status.backend).toBe('wasm');
  const origins = originsOf(tab);
  for (const file of ['reco.js', 'reco.engine.js', 'reco.worker.js', 'models/default/model.json', 'models/default/weights.bin']) {
    expect(origins.get(`/npm/reco-sdk/dist/${file}`), file).toBe(CDN);
  }
  expect(
    [...origins.keys()].some((p) => /^\/npm\/reco-sdk\/dist\/reco\.tfjs-backend-wasm.*\.wasm$/.test(p) && origins.get(p) === CDN),
    'the wasm binary from the CDN',
  ).toBe(true);

  await tab.evaluate(() => ['p075', 'p077'].forEach((id) => window.Reco.track('view_item', id)));
  await tab.evaluate(() => window.Reco.exportData());
  await tab.reload();
  await waitForReady(tab);
  const ranked = await waitForRanked(tab, 'cdn');
  expect(ranked.order.slice(0, 2).filter((id) => id === 'p075' || id === 'p077').length).toBeGreaterThan(0);
  expect(await tab.pageErrors()).toEqual([]);
});

test("reco.js from a CDN with the shop's own model at a relative URL: the model loads from the page's origin, the rest from the CDN", async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.goto(`/e2e/pages/cdn.html?from=${CDN}/npm/reco-sdk/dist&model=/models/default/model.json`);
  const status = await waitForReady(tab);
  expect(status.backend).toBe('wasm');
  const origins = originsOf(tab);
  expect(origins.get('/models/default/model.json')).toBe(SHOP);
  expect(origins.get('/models/default/weights.bin')).toBe(SHOP);
  expect(origins.get('/npm/reco-sdk/dist/reco.worker.js')).toBe(CDN);
  expect(await tab.pageErrors()).toEqual([]);
});

test('async snippet with reco.js from a CDN: the queued calls are replayed', async ({ tab }) => {
  await tab.goto(`/e2e/pages/snippet.html?from=${CDN}/npm/reco-sdk/dist`);
  await tab.waitForFunction(() => (window as unknown as { heard: string[] }).heard.length === 3, undefined, {
    message: 'the queued calls were not all answered',
  });
  expect(await tab.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual([
    'track replayed',
    'ready wasm',
    'init resolved, ready: true',
  ]);
  expect(await tab.pageErrors()).toEqual([]);
});

test('a worker URL that is missing on the CDN: one clear error, the shop order kept, no unhandled rejection', async ({ tab }) => {
  await listenToReco(tab);
  await tab.goto(`/e2e/pages/cdn.html?from=${CDN}&worker=${CDN}/nowhere/reco.worker.js`);
  await waitForReco(tab);
  const status = await tab.evaluate(() => window.Reco.status());
  expect(status.ready).toBe(false);
  expect(status.lastError).toBe(
    // Started twice (a failed worker is replaced once), then the engine is down.
    `WorkerCrashedError: the worker ${CDN}/nowhere/reco.worker.js failed: HTTP 404 from ${CDN}/nowhere/reco.worker.js; the worker failed 2 times, so personalization is off for this page view`,
  );
  expect(
    await tab.evaluate(() => [...document.querySelectorAll('#list [data-reco-id]')].map((e) => e.getAttribute('data-reco-id'))),
  ).toEqual(['p003', 'p051', 'p099', 'p123', 'p075', 'p077']);
  // Firefox reports the failed load of the missing file itself ("Cross-Origin Request Blocked … /nowhere/reco.worker.js"):
  // the browser's line, not an error of the page's code.
  expect((await tab.pageErrors()).filter((e) => !e.includes('/nowhere/reco.worker.js'))).toEqual([]);
});
