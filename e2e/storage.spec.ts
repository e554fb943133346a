import { expect, test, type BrowserPage } from './helpers/test.ts';
import { countRecords, databaseNames } from './helpers/idb.ts';
import { gridItems, openAndCloseProduct, waitForReady } from './helpers/reco.ts';

test('events survive a reload and appear in export(); forget() deletes the database and every reco localStorage key', async ({
  tab: page,
}) => {
  await page.goto('/');
  await waitForReady(page);
  const [first, second] = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned);
  await openAndCloseProduct(page, first!.id);
  await page.click(`#grid-home [data-reco-id="${second!.id}"] [data-add]`);

  const recorded = (await page.evaluate(() => window.Reco.export())).events;
  const mine = recorded.filter((e) => e.type !== 'view_item_list');
  expect(mine.map((e) => `${e.type} ${e.itemId}`).sort()).toEqual(
    // A click anywhere on a card, its cart button included, selects the item.
    [`select_item ${first!.id}`, `view_item ${first!.id}`, `select_item ${second!.id}`, `add_to_cart ${second!.id}`].sort(),
  );
  const click = mine.find((e) => e.type === 'select_item' && e.itemId === first!.id)!;
  expect(click).toMatchObject({ listId: 'home', position: 0, path: '/', control: false });
  expect(mine.find((e) => e.type === 'add_to_cart')!.extra).toMatchObject({ currency: 'EUR' });

  await page.reload();
  await waitForReady(page);
  const exported = await page.evaluate(() => window.Reco.export());
  const ids = new Set(exported.events.map((e) => e.id));
  for (const e of recorded) expect(ids.has(e.id), `${e.type} ${e.itemId} survived the reload`).toBe(true);
  expect(exported.events.find((e) => e.id === click.id)).toEqual(click);
  expect(exported.items.map((i) => i.id)).toEqual(expect.arrayContaining([first!.id, second!.id]));
  expect(exported.items.find((i) => i.id === first!.id)).toMatchObject({
    title: expect.any(String),
    category: expect.any(String),
    brand: expect.any(String),
    price: expect.any(Number),
  });
  const stored = await countRecords(page);
  expect(Object.keys(stored).sort()).toEqual(['events', 'items', 'meta', 'snapshots']);
  // export() adds the events the tracker journaled and has not written yet (impressions recorded after the reload, on
  // their own schedule: Firefox once counted 8 stored against 11 exported); once written, the store holds what it says.
  await expect
    .poll(async () => (await countRecords(page))['events'] === (await page.evaluate(() => window.Reco.export())).events.length, {
      timeout: 10_000,
      message: 'the stored events are those export() gives',
    })
    .toBe(true);
  expect(stored['items']).toBeGreaterThan(0);
  expect(stored['snapshots'], "the next page view's snapshot").toBe(1);

  await page.evaluate(() => window.Reco.forget());
  expect(await databaseNames(page), 'the database is deleted').not.toContain('reco');
  expect(await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('reco')))).toEqual([]);
  expect((await page.evaluate(() => window.Reco.export())).events).toEqual([]);
  expect(await page.evaluate(() => window.Reco.status())).toMatchObject({ events: 0, storage: 'off' });
});

test('a click on a card whose link leaves the page at once is kept: the next page view has it', async ({ tab }) => {
  // Events are written to IndexedDB in batches (every second): this one is kept by the journal in localStorage,
  // written in the click's own task, before the navigation the click starts.
  await tab.goto('/e2e/pages/leave.html');
  await waitForReady(tab);
  await tab.click('#home [data-reco-id="p043"]');
  await tab.waitForFunction(() => location.search === '?product=p043', undefined, { message: 'the card link was followed' });
  await tab.goto('/e2e/pages/leave.html');
  await waitForReady(tab);
  const { events } = await tab.evaluate(() => window.Reco.export());
  expect(events.filter((e) => e.type === 'select_item').map((e) => `${e.itemId}@${e.listId}`)).toEqual(['p043@home']);
});

/**
 * The shopper leaves leave.html by a script (no click the SDK hears first) as its page writes 2,000 events: enough that
 * the write (one transaction, started at once by export()'s flush) is still under way when the next document comes.
 */
async function leaveWithAWriteInFlight(tab: BrowserPage): Promise<void> {
  await tab.goto('/e2e/pages/leave.html');
  await waitForReady(tab);
  await tab.evaluate(() => {
    for (let i = 0; i < 2000; i++) window.Reco.track('add_to_cart', 'p043', { quantity: i + 1 });
    void window.Reco.export();
    location.href = '/e2e/pages/blank.html?left';
  });
  await tab.waitForFunction(() => location.search === '?left', undefined, { message: 'the script navigation happened' });
}

// WebKit suspends a page kept for the back/forward cache with its IndexedDB transactions as they are, and one in
// flight there held the database for every later page view of the shop (no answer after 30 s): those ran memory-only
// and export() found nothing. A shopper leaves by the address bar, a bookmark or a script as well as by a link, with no
// click the SDK hears first; the page's transactions are aborted on pagehide and what they wrote is still journaled.
test('a write in flight as the shopper leaves without a click does not hold the database: the next page views store and read', async ({
  tab,
}) => {
  await leaveWithAWriteInFlight(tab);
  for (let view = 0; view < 2; view++) {
    await tab.goto('/e2e/pages/leave.html');
    await waitForReady(tab);
    expect(await tab.evaluate(() => window.Reco.status().storage), `page view ${view}: the database is usable`).toBe('indexeddb');
    const { events } = await tab.evaluate(() => window.Reco.export());
    expect(events.filter((e) => e.type === 'add_to_cart').length, `page view ${view}: every event of the page left`).toBe(2000);
  }
});

// The same page back from the back/forward cache (Firefox and WebKit keep it here; Playwright's Chromium loads it
// again): its aborted write is neither lost nor reported. WebKit delivered the abort after the page was back, where it
// failed as an AbortError (status().lastError) and the queue dropped the 2,000 events.
test('back to a page that left with a write in flight: every event is stored, and nothing is reported', async ({ tab }) => {
  await leaveWithAWriteInFlight(tab);
  await tab.evaluate(() => void setTimeout(() => history.back())); // after the call has answered: Back unloads the page
  await tab.waitForFunction(() => location.pathname.endsWith('/leave.html') && !!window.Reco, undefined, { message: 'back on the page' });
  await waitForReady(tab);
  await tab.evaluate(() => window.Reco.track('view_item', 'p025'));
  const { events, unread } = await tab.evaluate(() => window.Reco.export());
  expect(events.filter((e) => e.type === 'add_to_cart').length).toBe(2000);
  expect(events.filter((e) => e.type === 'view_item').map((e) => e.itemId)).toEqual(['p025']);
  expect(unread).toEqual([]);
  expect(await tab.evaluate(() => window.Reco.status()), 'nothing reported').toMatchObject({ storage: 'indexeddb', lastError: null });
});
