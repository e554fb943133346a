import { expect, test } from './helpers/test.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';

// Memory-only storage when IndexedDB cannot be used, said in status() (not only in debug output). The fixture shop, wasm.
const PAGE = '/e2e/pages/shop.html';

test('another tab keeps an older version of the database open: memory-only at once, and status() says why', async ({ tab: page }) => {
  await listenToReco(page);
  // An older page of the shop (an older SDK) opened version 1 and never lets go; its request runs before Reco's.
  await page.addInitScript(() => {
    const req = indexedDB.open('reco', 1);
    req.onupgradeneeded = () => req.result.createObjectStore('events', { keyPath: 'id' });
    req.onsuccess = () => ((window as unknown as { oldConnection: IDBDatabase }).oldConnection = req.result);
  });
  await page.goto(PAGE);
  const status = await waitForReady(page);
  expect(status.storage).toBe('memory');
  expect(status.storageReason).toMatch(/IndexedDB unavailable: opening "reco" is blocked: another tab keeps an older version of it open/);
  // This page view's events are kept in memory; export() does not wait for ever on the database the other tab blocks.
  await page.evaluate(() => window.Reco.track('view_item', 'p001'));
  expect((await page.evaluate(() => window.Reco.export())).events.map((e) => e.itemId)).toEqual(['p001']);
  expect(await page.pageErrors()).toEqual([]);
});

test('no IndexedDB (a private mode that refuses it): memory-only, and status() says why', async ({ tab: page }) => {
  await listenToReco(page);
  await page.addInitScript(() => {
    IDBFactory.prototype.open = () => {
      throw new DOMException('IndexedDB is disabled in this mode', 'InvalidStateError');
    };
  });
  await page.goto(PAGE);
  const status = await waitForReady(page);
  expect(status).toMatchObject({ storage: 'memory', storageReason: 'IndexedDB unavailable: IndexedDB is disabled in this mode' });
  // Said once in the console too: a shop whose shoppers' browsers refuse or break the database hears of it.
  // (A warning: "warning" in Chromium's words, "warn" in Firefox's and WebKit's.)
  expect((await page.consoleLines()).filter((l) => l.includes('[reco]')).map((l) => l.replace(/^warn(ing)?: /, 'warning: '))).toEqual([
    "warning: [reco] IndexedDB unavailable: IndexedDB is disabled in this mode: this page view's events stay in memory and are not kept after it",
  ]);
});
