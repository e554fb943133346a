import { expect, test, type Page } from '@playwright/test';
import { CDN, SHOP } from './helpers/origins.ts';
import { listenToReco, waitForRanked, waitForReady, waitForReco } from './helpers/reco.ts';

/** Unhandled promise rejections and uncaught errors the page sees. */
async function uncaught(page: Page): Promise<() => Promise<string[]>> {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.addInitScript(() => {
    const seen: string[] = ((window as unknown as { rejections: string[] }).rejections = []);
    window.addEventListener('unhandledrejection', (e) => seen.push(String((e.reason as Error)?.message ?? e.reason)));
  });
  return async () => [...errors, ...(await page.evaluate(() => (window as unknown as { rejections: string[] }).rejections))];
}

test('reco.js from another origin (a CDN): the worker, its wasm and the model load from there, and the shopper gets personalized grids', async ({
  page,
}) => {
  const failures = await uncaught(page);
  const origins = new Map<string, string>();
  page.on('request', (r) => origins.set(new URL(r.url()).pathname, new URL(r.url()).origin));
  await listenToReco(page);
  // The package as the CDN serves it (jsDelivr's /npm/reco-sdk@VERSION/…): dist/ and public/models/ apart.
  await page.goto(`/e2e/pages/cdn.html?from=${CDN}/npm/reco-sdk/dist`);
  expect(new URL(page.url()).origin).toBe(SHOP);
  const status = await waitForReady(page);
  expect(status.backend).toBe('wasm');
  for (const file of ['reco.js', 'reco.engine.js', 'reco.worker.js', 'models/default/model.json', 'models/default/weights.bin']) {
    expect(origins.get(`/npm/reco-sdk/dist/${file}`), file).toBe(CDN);
  }
  expect(
    [...origins.keys()].some((p) => /^\/npm\/reco-sdk\/dist\/reco\.tfjs-backend-wasm.*\.wasm$/.test(p) && origins.get(p) === CDN),
  ).toBe(true);

  await page.evaluate(() => ['p075', 'p077'].forEach((id) => window.Reco.track('view_item', id)));
  await page.evaluate(() => window.Reco.exportData());
  await page.reload();
  await waitForReady(page);
  const ranked = await waitForRanked(page, 'cdn');
  expect(ranked.order.slice(0, 2).filter((id) => id === 'p075' || id === 'p077').length).toBeGreaterThan(0);
  expect(await failures()).toEqual([]);
});

test("reco.js from a CDN with the shop's own model at a relative URL: the model loads from the page's origin, the rest from the CDN", async ({
  page,
}) => {
  const failures = await uncaught(page);
  const origins = new Map<string, string>();
  page.on('request', (r) => origins.set(new URL(r.url()).pathname, new URL(r.url()).origin));
  await listenToReco(page);
  await page.goto(`/e2e/pages/cdn.html?from=${CDN}/npm/reco-sdk/dist&model=/models/default/model.json`);
  const status = await waitForReady(page);
  expect(status.backend).toBe('wasm');
  expect(origins.get('/models/default/model.json')).toBe(SHOP);
  expect(origins.get('/models/default/weights.bin')).toBe(SHOP);
  expect(origins.get('/npm/reco-sdk/dist/reco.worker.js')).toBe(CDN);
  expect(await failures()).toEqual([]);
});

test('async snippet with reco.js from a CDN: the queued calls are replayed', async ({ page }) => {
  const failures = await uncaught(page);
  await page.goto(`/e2e/pages/snippet.html?from=${CDN}/npm/reco-sdk/dist`);
  await page.waitForFunction(() => (window as unknown as { heard: string[] }).heard.length === 3, null, { timeout: 90_000 });
  expect(await page.evaluate(() => (window as unknown as { heard: string[] }).heard)).toEqual([
    'track replayed',
    'ready wasm',
    'init resolved, ready: true',
  ]);
  expect(await failures()).toEqual([]);
});

test('a worker URL that is missing on the CDN: one clear error, the shop order kept, no unhandled rejection', async ({ page }) => {
  const failures = await uncaught(page);
  await listenToReco(page);
  await page.goto(`/e2e/pages/cdn.html?from=${CDN}&worker=${CDN}/nowhere/reco.worker.js`);
  await waitForReco(page);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status.ready).toBe(false);
  expect(status.lastError).toBe(
    // Started twice (a failed worker is replaced once), then the engine is down.
    `WorkerCrashedError: the worker ${CDN}/nowhere/reco.worker.js failed: HTTP 404 from ${CDN}/nowhere/reco.worker.js; the worker failed 2 times, so personalization is off for this page view`,
  );
  expect(await page.locator('#list [data-reco-id]').evaluateAll((els) => els.map((e) => e.getAttribute('data-reco-id')))).toEqual([
    'p003',
    'p051',
    'p099',
    'p123',
    'p075',
    'p077',
  ]);
  expect(await failures()).toEqual([]);
});
