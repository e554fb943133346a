import { expect, test, type BrowserPage } from './helpers/test.ts';
import { databaseNames } from './helpers/idb.ts';
import { addRecoScript, gridItems, waitForReady } from './helpers/reco.ts';

// Two tabs of the demo in one profile, in each engine: forget() in one of them reaches the other.

const leftovers = async (tab: BrowserPage) => ({
  databases: await databaseNames(tab),
  localStorage: await tab.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('reco'))),
});
/** Cache Storage caches of Reco (model, wasm, catalog feed): all named reco-…. */
const recoCaches = (tab: BrowserPage) => tab.evaluate(async () => (await caches.keys()).filter((k) => k.startsWith('reco-')));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('forget() in one tab: the other tab drops its pending events and writes nothing afterwards, not even when the shopper leaves it', async ({
  session,
}) => {
  const [a, b] = [session.page, await session.newPage()];
  await a.goto('/');
  await waitForReady(a);
  await b.goto('/');
  await waitForReady(b);
  const [x, y] = (await gridItems(b, '#grid-home')).filter((it) => !it.pinned);

  // Tab B records a product view and a cart: pending, written in batches every second.
  await b.evaluate(([p, q]) => (window.Reco.track('view_item', p!), window.Reco.track('add_to_cart', q!)), [x!.id, y!.id]);
  expect(await b.evaluate(() => window.Reco.status().events)).toBeGreaterThanOrEqual(2);

  await a.evaluate(() => window.Reco.forget());
  await b.waitForFunction(() => window.Reco.status().storage === 'off', undefined, {
    timeout: 10_000,
    message: "tab B did not hear tab A's forget()",
  });
  expect(await b.evaluate(() => window.Reco.status())).toMatchObject({
    events: 0,
    storageReason: expect.stringMatching(/forget\(\) was called in another tab/),
  });

  // B goes on: a purchase, an export (which writes what is pending), then the shopper leaves the page (its pagehide
  // writes what is pending, as a closing tab's does).
  await b.evaluate((q) => window.Reco.track('purchase', q), y!.id);
  expect((await b.evaluate(() => window.Reco.export())).events).toEqual([]);
  await b.goto('/e2e/pages/blank.html');

  expect(await leftovers(a)).toEqual({ databases: [], localStorage: [] });
  await a.reload();
  await waitForReady(a);
  expect((await a.evaluate(() => window.Reco.export())).events).toEqual([]);
});

test("forget() in one tab while another tab's Reco is still starting: that tab's worker writes nothing back, and its page gets no error", async ({
  session,
}) => {
  const a = session.page;
  await a.goto('/');
  await waitForReady(a);
  const [x, y] = (await gridItems(a, '#grid-home')).filter((it) => !it.pinned);
  await a.evaluate((id) => window.Reco.track('view_item', id), x!.id);
  await a.evaluate(() => window.Reco.export()); // stored, and the next page view's snapshot with it

  // Tab B: a product page whose script records a cart, then starts Reco; tab A erases everything meanwhile.
  const b = await session.newPage();
  await b.goto('/e2e/pages/blank.html');
  await addRecoScript(b);
  await b.evaluate((id) => {
    window.Reco.track('add_to_cart', id);
    (window as unknown as { started: Promise<unknown> }).started = window.Reco.init({ backends: ['wasm'] });
  }, y!.id);
  await a.evaluate(() => window.Reco.forget());
  await b.evaluate(() => (window as unknown as { started: Promise<unknown> }).started.then(() => null).catch(() => null));
  // B's worker goes on starting (the model, the wasm file, its store) and ranks: none of it may be kept.
  await b.evaluate((ids) => window.Reco.rank(ids).then(() => null), [x!.id, y!.id]);
  await sleep(2000);

  expect(await leftovers(a)).toEqual({ databases: [], localStorage: [] });
  expect(await recoCaches(a)).toEqual([]);
  expect(await b.evaluate(() => window.Reco.status().storageReason)).toMatch(/forget\(\) was called in another tab/);
  // The page's own console (the worker's lines, where the engine reports them, are not the page's).
  const said = (await b.consoleLines()).filter((line) => !line.startsWith('worker ') && line.includes('[reco]'));
  expect([...said, ...(await b.pageErrors())]).toEqual([]);
});
