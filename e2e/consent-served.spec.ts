import { expect, test, type BrowserPage } from './helpers/test.ts';
import { waitForReady, waitForReco } from './helpers/reco.ts';

// A page served with the shopper's consent on the script tag (`<script src="reco.js" data-consent="denied">`, from the
// shop's consent cookie): with "denied" reco.js fetches nothing more and stores nothing until an init() grants consent.

/** The SDK's files this tab's session requested so far: reco.js and what it loads (worker, engine chunk, model, wasm). */
const sdkFiles = (tab: BrowserPage) =>
  tab
    .requests()
    .map((r) => new URL(r.url, 'http://e2e.invalid').pathname)
    .filter((p) => /^\/reco[.\w-]*\.(js|wasm)$|^\/models\//.test(p));

test('data-consent="denied" on the script tag: init() with no consent of its own is denied, and nothing past reco.js is fetched until the shopper accepts', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/consent-served.html?consent=denied');
  await waitForReco(tab);
  await tab.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted.then(() => null));
  expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({ consent: 'denied', engine: 'off', storage: 'off' });
  await tab.evaluate(() => window.Reco.track('view_item', 'p075'));
  await new Promise((resolve) => setTimeout(resolve, 1000)); // what an early start would have fetched by now
  expect(sdkFiles(tab)).toEqual(['/reco.js']);
  expect(await tab.evaluate(async () => (await indexedDB.databases()).map((d) => d.name))).toEqual([]);

  // The shopper accepts: the page's banner calls init() with consent granted, and Reco starts.
  await tab.evaluate(() => (window as unknown as { accept: () => Promise<null> }).accept());
  await waitForReady(tab);
  expect(sdkFiles(tab)).toEqual(expect.arrayContaining(['/reco.js', '/reco.engine.js', '/reco.worker.js', '/models/default/model.json']));
  expect(await tab.evaluate(() => window.Reco.status().consent)).toBe('granted');
  expect(await tab.pageErrors()).toEqual([]);
});

test('data-consent="denied" on the async snippet\'s script tag: the queued init() is denied, and nothing past reco.js is fetched', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/consent-served.html?consent=denied&async');
  await tab.waitForFunction(() => typeof window.Reco?.status === 'function' && window.Reco.status().engine === 'off', undefined, {
    message: 'the queued init() did not settle with consent denied',
  });
  expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({ consent: 'denied', storage: 'off' });
  await new Promise((resolve) => setTimeout(resolve, 1000));
  expect(sdkFiles(tab)).toEqual(['/reco.js']);
  expect(await tab.pageErrors()).toEqual([]);
});

test('data-consent="granted" or no attribute: reco.js starts its worker before init(), as it always did', async ({ tab }) => {
  for (const query of ['?consent=granted', '']) {
    await tab.goto(`/e2e/pages/consent-served.html${query}`);
    const status = await waitForReady(tab);
    expect(status.consent).toBe('granted');
  }
  expect(sdkFiles(tab).filter((p) => p === '/reco.worker.js').length).toBeGreaterThanOrEqual(2);
});

test('a data-consent that is neither value: init() rejects naming the attribute, and the page keeps working', async ({ tab }) => {
  await tab.goto('/e2e/pages/consent-served.html?consent=no');
  await tab.waitForFunction(() => 'refused' in window, undefined, { message: 'init() did not reject' });
  expect(await tab.evaluate(() => (window as unknown as { refused: string }).refused)).toBe(
    `TypeError: Reco.init: the script tag's data-consent expected "granted" or "denied", got "no"`,
  );
  expect(await tab.evaluate(() => window.Reco.status().lastError)).toBe(
    `TypeError: Reco.init: the script tag's data-consent expected "granted" or "denied", got "no"`,
  );
  expect(sdkFiles(tab)).toEqual(['/reco.js']);
  expect(await tab.evaluate(() => [...document.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')))).toEqual([
    'p003',
    'p051',
    'p075',
    'p077',
  ]);
});
