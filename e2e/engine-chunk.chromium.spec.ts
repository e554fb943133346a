import { expect, test, type Page } from '@playwright/test';
import { databaseNames, storedEvents } from './helpers/idb.ts';
import { listenToReco, waitForReco } from './helpers/reco.ts';

// reco.js loads the engine client (comlink, the worker's supervision) and the page's store from reco.engine.js when
// init() starts. When that file cannot load, the page is as with any engine failure: the shop's order, one named error;
// the events wait in the tracker's journal (localStorage) and a later page view that loads the file stores them;
// forget() still works; export(), whose reads are in that file, rejects naming it. Playwright's routing answers the
// 404: Chromium only.

const SHOP = '/e2e/pages/shop.html';
const order = (page: Page) => page.evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => (el as HTMLElement).dataset.sku));

/** Opens the shop page and waits for init() to settle; the grid's order as the page rendered it. */
async function openShop(page: Page): Promise<(string | undefined)[]> {
  await listenToReco(page);
  await page.goto(SHOP);
  const before = await order(page);
  await waitForReco(page);
  await page.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted);
  return before;
}

test('reco.engine.js cannot load: the engine is down with a named error, the grid keeps its order, track() is kept for a later page view, forget() still works, export() names the file', async ({
  page,
}) => {
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  let asked = 0;
  await page.route('**/reco.engine.js', (route) => (asked++, route.fulfill({ status: 404, body: 'not found' })));
  const before = await openShop(page);

  expect(asked).toBe(1);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status).toMatchObject({ ready: false, engine: 'down', storage: 'off' });
  expect(status.storageReason).toMatch(/reco\.engine\.js, which could not load: this page view's events wait in localStorage/);
  expect(status.lastError).toMatch(/^WorkerCrashedError: could not load the engine client http:\/\/[^ ]+\/reco\.engine\.js: /);
  expect(await page.evaluate(() => window.__reco.errors)).toHaveLength(1);
  expect(await order(page)).toEqual(before);

  // The event is journaled, not lost: the next page view that loads reco.engine.js writes it to IndexedDB.
  await page.evaluate(() => window.Reco.track('view_item', 'p073'));
  await expect.poll(() => page.evaluate(() => localStorage.getItem('reco:pending') ?? '')).toContain('"p073"');
  // export() reads the databases with code of reco.engine.js: it says that file is missing.
  expect(
    await page.evaluate(() =>
      window.Reco.export().then(
        () => 'exported',
        (e: Error) => e.message,
      ),
    ),
  ).toMatch(/reco\.engine\.js/);
  expect(await page.evaluate(() => window.Reco.rank(['p002', 'p001']))).toEqual([
    { id: 'p002', score: 0 },
    { id: 'p001', score: 0 },
  ]);
  expect(pageErrors).toEqual([]);

  await page.unroute('**/reco.engine.js');
  await openShop(page);
  expect(await page.evaluate(() => window.Reco.status().storage)).toBe('indexeddb');
  await expect.poll(async () => (await storedEvents(page)).map((e) => `${e.type} ${e.itemId}`)).toContain('view_item p073');

  await page.evaluate(() => window.Reco.forget());
  expect(await databaseNames(page)).not.toContain('reco');
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('reco')))).toEqual([]);
  expect(pageErrors).toEqual([]);
});

test('reco.engine.js never arrives (a stalled download): the grid keeps its order, track() is journaled, and after 20 s the engine is down; forget() and destroy() still end', async ({
  page,
}) => {
  test.setTimeout(60_000);
  await page.route('**/reco.engine.js', () => {}); // never answered
  await listenToReco(page);
  await page.goto(SHOP);
  const before = await order(page);
  await page.evaluate(() => window.Reco.track('view_item', 'p073'));
  await expect.poll(() => page.evaluate(() => localStorage.getItem('reco:pending') ?? '')).toContain('"p073"');
  await waitForReco(page);
  await page.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted);
  expect(await page.evaluate(() => window.Reco.status())).toMatchObject({ engine: 'down', storage: 'off' });
  expect(await page.evaluate(() => window.Reco.status().lastError)).toMatch(
    /^WorkerCrashedError: could not load the engine client http:\/\/[^ ]+\/reco\.engine\.js: it did not arrive within 20 s/,
  );
  expect(await page.evaluate(() => window.__reco.errors)).toHaveLength(1);
  expect(await order(page)).toEqual(before);
  await page.evaluate(() => window.Reco.forget());
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('reco')))).toEqual([]);
  await page.evaluate(() => window.Reco.destroy());
  expect(await page.evaluate(() => window.Reco.status().storageReason)).toBe('destroy() was called');
});

test('the worker is requested before reco.engine.js has arrived: its download does not wait for the engine client', async ({
  page,
  context,
}) => {
  let workerAsked!: () => void;
  const worker = new Promise<void>((resolve) => (workerAsked = resolve));
  context.on('request', (r) => new URL(r.url()).pathname === '/reco.worker.js' && workerAsked());
  // reco.engine.js is answered only once the worker has been requested: were the worker started after it, the page
  // would never get ready.
  await page.route('**/reco.engine.js', async (route) => {
    await worker;
    await route.continue();
  });
  await listenToReco(page);
  await page.goto(SHOP);
  await waitForReco(page);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status.lastError).toBeNull();
  expect(status).toMatchObject({ ready: true, engine: 'ready', backend: 'wasm' });
});

test('a chunk of the worker that cannot load (a self-hosted dist/ missing a file) is named in the error, and the grid keeps its order', async ({
  page,
}) => {
  await page.route('**/reco.worker.tfjs.js', (route) => route.fulfill({ status: 404, body: 'not found' }));
  const before = await openShop(page);
  const status = await page.evaluate(() => window.Reco.status());
  expect(status.ready).toBe(false);
  // Vite's loader of the worker's chunks reported the failure through `window`, which a worker lacks: the error was
  // "window is not defined", naming neither the file nor why.
  expect(status.lastError).toMatch(/reco\.worker\.tfjs\.js/);
  expect(status.lastError).not.toMatch(/window is not defined/);
  expect(await order(page)).toEqual(before);
});
