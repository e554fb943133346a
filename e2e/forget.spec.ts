import { expect, test, type BrowserPage } from './helpers/test.ts';
import { databaseNames } from './helpers/idb.ts';
import { gridItems, openAndCloseProduct, waitForReady, waitForReco } from './helpers/reco.ts';

// forget() after the shopper browsed with consent, from a page view that stores nothing (consent withdrawn) or keeps
// events in memory only (Global Privacy Control): every trace goes, whatever the current mode.

/** Everything Reco could have left on the origin: databases, localStorage keys, caches. */
async function traces(page: BrowserPage) {
  return {
    databases: await databaseNames(page),
    localStorage: await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('reco'))),
    caches: await page.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('reco-'))),
  };
}

/** Reco's init() has resolved in the demo: the demo's panel shows the consent only once it holds the instance. */
async function settled(page: BrowserPage): Promise<void> {
  await waitForReco(page);
  await page.waitForFunction(() => document.getElementById('f-consent')?.textContent !== '–');
}

/** The shopper browses the demo with consent: two products opened, one added to the bag; one more reco- cache beside the SDK's own. */
async function browseWithConsent(page: BrowserPage): Promise<string[]> {
  await page.goto('/');
  await waitForReady(page);
  const [a, b] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned);
  await openAndCloseProduct(page, a!.id);
  await page.click(`#grid-home [data-reco-id="${b!.id}"] [data-add]`);
  await page.evaluate(async () => (await caches.open('reco-model-test')).put('/models/default/model.json', new Response('{}')));
  const stored = (await page.evaluate(() => window.Reco.export())).events.filter((e) => e.type !== 'view_item_list');
  expect(stored.length).toBeGreaterThanOrEqual(3);
  const t = await traces(page);
  expect(t.databases).toContain('reco');
  expect(t.localStorage).toContain('reco:session');
  // The SDK's own caches (the model's and wasm files, by version) are there too where Cache Storage exists.
  expect(t.caches).toContain('reco-model-test');
  return stored.map((e) => e.id);
}

for (const { mode, query, init, storage } of [
  { mode: 'consent withdrawn', query: '?consent=denied', init: null, storage: 'off' },
  {
    mode: 'Global Privacy Control on',
    query: '',
    init: () => Object.defineProperty(navigator, 'globalPrivacyControl', { value: true }),
    storage: 'memory',
  },
] as const) {
  test(`${mode}: export() still reports what is stored, and forget() erases every database, reco: key and reco- cache`, async ({
    tab: page,
  }) => {
    const ids = await browseWithConsent(page);
    if (init) await page.addInitScript(init);
    await page.goto(`/${query}`);
    await settled(page);
    const status = await page.evaluate(() => window.Reco.status());
    expect(status.storage).toBe(storage);
    expect(status.storageReason).toMatch(mode === 'consent withdrawn' ? /consent is denied/ : /Global Privacy Control/);
    const exported = await page.evaluate(() => window.Reco.export());
    expect(exported.events.map((e) => e.id)).toEqual(expect.arrayContaining(ids));

    await page.evaluate(() => window.Reco.forget());
    expect(await traces(page)).toEqual({ databases: [], localStorage: [], caches: [] });
    expect((await page.evaluate(() => window.Reco.export())).events).toEqual([]);
    expect(await page.evaluate(() => window.Reco.status())).toMatchObject({ storage: 'off', events: 0 });

    // And nothing comes back on the next page view either (the journal of pending clicks went too).
    await page.goto(`/${query}`);
    await settled(page);
    expect((await page.evaluate(() => window.Reco.export())).events).toEqual([]);
    expect(await page.pageErrors(), 'nothing uncaught in the page, no unhandled rejection').toEqual([]);
  });
}

// A shopper who reloads and then asks to be forgotten: the reloaded page's worker ended with its page, and WebKit
// keeps the connection of a worker that ended with a transaction not completed on its thread, and with it the
// database (WebKit bug 324094; the worker's store runs its writes alone, and its scoring waits until no store call
// is in flight: storesQuiet). Three times in a row, since the moment of the reload decides.
test('forget() right after a reload: init() settles, every trace goes, and nothing fails (three times in a row)', async ({ tab: page }) => {
  for (let round = 1; round <= 3; round++) {
    await page.goto('/');
    await waitForReady(page);
    const [a] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned);
    await openAndCloseProduct(page, a!.id);
    await page.reload();
    await waitForReady(page);
    expect(
      (await page.evaluate(() => window.Reco.export())).events.some((e) => e.itemId === a!.id),
      `round ${round}: stored`,
    ).toBe(true);
    await page.evaluate(() => window.Reco.forget());
    expect((await traces(page)).databases, `round ${round}: the database is deleted`).toEqual([]);
    expect((await page.evaluate(() => window.Reco.status())).lastError, `round ${round}: no error`).toBeNull();
  }
  expect(await page.pageErrors(), 'nothing uncaught in the page, no unhandled rejection').toEqual([]);
});

// A shop's "forget me" button that goes on to the home page without waiting for forget() (`Reco.forget();
// location.href = '/'`), or a shopper who follows a link at once: the page view ends before the erasing has started
// (it waits for init and the worker first). Before, the database stayed with every event in all three engines; now
// forget() notes what it erases in the call's own task, and the next page view finishes it before it reads or stores.
test('forget() as the page is left at once (a script navigates right after the call): the next page view finishes the erasing before it stores or reads', async ({
  tab,
}) => {
  await tab.goto('/e2e/pages/leave.html');
  await waitForReady(tab);
  await tab.evaluate(async () => {
    for (let i = 0; i < 20; i++) window.Reco.track('add_to_cart', 'p043', { quantity: i + 1 });
    await window.Reco.export(); // written
  });
  await tab.evaluate(() => {
    void window.Reco.forget();
    location.href = '/e2e/pages/blank.html?left';
  });
  await tab.waitForFunction(() => location.search === '?left', undefined, { message: 'the script navigation happened' });
  await tab.goto('/e2e/pages/leave.html');
  await waitForReady(tab);
  await tab.evaluate(() => window.Reco.track('view_item', 'p025'));
  const { events, unread } = await tab.evaluate(() => window.Reco.export());
  expect(events.filter((e) => e.type !== 'view_item_list').map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item p025']);
  expect(unread).toEqual([]);
  expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({ storage: 'indexeddb', lastError: null });
  expect(await tab.evaluate(() => Object.keys(localStorage).filter((k) => k === 'reco:forgetting'))).toEqual([]);
});
