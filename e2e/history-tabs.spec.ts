import { expect, test } from './helpers/test.ts';
import type { BrowserPage } from './helpers/engines/page.ts';
import { waitForReady } from './helpers/reco.ts';

// One shopper, two tabs. A worker keeps the history it read while nothing changed it (no IndexedDB read for each
// ranking: src/shared/writes-channel.ts); what the shopper does in the other tab reaches the next ranking all the same.
const FIXTURE = '/e2e/pages/rank.html';

const SHAMPOO = { id: 'hair-1', title: 'Argan Oil Repair Shampoo', brand: 'Solenne', category: 'Hair Care > Shampoo' };
const LIPSTICK = { id: 'lips-1', title: 'Velvet Matte Lipstick Rose Pink', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick' };
const POLISH = { id: 'nails-1', title: 'Gel Nail Polish Coral Reef', brand: 'Nailora', category: 'Nails > Nail Polish' };
/** The item `page`'s Reco.rank() puts first among CANDIDATES. */
const bestOf = (page: BrowserPage) => page.evaluate((items) => window.Reco.rank(items).then((r) => r[0]!.id), CANDIDATES);
type Item = typeof SHAMPOO;
type Event = 'view_item' | 'add_to_cart';
/** The shopper, on `page`, meets `item` in a list the page ranks (so its features are known), does `events` with it, and `export()` waits until they are written. */
const recordIn = (page: BrowserPage, item: Item, events: Event[]) =>
  page.evaluate(
    async ([item, events]) => {
      await window.Reco.rank([item]);
      for (const event of events) window.Reco.track(event, item.id);
      await window.Reco.export();
    },
    [item, events] as const,
  );

const CANDIDATES = [
  { id: 'conditioner', title: 'Argan Oil Repair Conditioner', brand: 'Solenne', category: 'Hair Care > Conditioner' },
  { id: 'lipstick', title: 'Velvet Matte Lipstick Ruby Red', brand: 'Aurelle', category: 'Makeup > Lips > Lipstick' },
  { id: 'polish', title: 'Gel Nail Polish Coral', brand: 'Nailora', category: 'Nails > Nail Polish' },
];

test("a ranking in one tab reads what the shopper did in another tab since, and what its own tab wrote, with the page view's rankings in between answered without reading the history again", async ({
  session,
}) => {
  const [a, b] = [session.page, await session.newPage()];
  for (const p of [a, b]) {
    await p.goto(FIXTURE);
    await waitForReady(p);
  }
  const best = () => bestOf(a);

  // Tab A: the shopper views a shampoo (the page knows its features from a list it ranked).
  await recordIn(a, SHAMPOO, ['view_item']);
  expect(await best()).toBe('conditioner');
  expect(await best(), 'nothing changed: the same order').toBe('conditioner');

  // Tab B: the same shopper views a lipstick and puts it in the cart.
  await recordIn(b, LIPSTICK, ['view_item', 'add_to_cart']);
  // Tab A's next ranking (its page wrote nothing since) reads tab B's events: the lipstick, newest, leads.
  await expect.poll(best, { timeout: 10_000, message: "tab A's ranking did not read tab B's events" }).toBe('lipstick');
  const explained = await a.evaluate(() => window.Reco.explain('lipstick'));
  expect(explained.because.map((r) => r.itemId)).toContain(LIPSTICK.id);

  // Back in tab A: a nail polish viewed, and the next ranking reads it at once (its page's own write).
  await recordIn(a, POLISH, ['view_item']);
  expect(await best()).toBe('polish');
});

test('back to a page kept by the back/forward cache: its next ranking reads what the shopper did on the pages in between', async ({
  tab,
}) => {
  await tab.goto(FIXTURE);
  await waitForReady(tab);
  await recordIn(tab, SHAMPOO, ['view_item']);
  expect(await bestOf(tab)).toBe('conditioner');
  await tab.evaluate(() => {
    (window as unknown as { kept: boolean }).kept = true;
  });

  // The next page view of the shop (a link followed): the shopper views a lipstick and puts it in the cart.
  await tab.evaluate(() => {
    location.href = `${location.pathname}?next`;
  });
  await tab.waitForFunction(() => location.search === '?next' && !!window.Reco, undefined, { message: 'on the next page' });
  await waitForReady(tab);
  await recordIn(tab, LIPSTICK, ['view_item', 'add_to_cart']);

  // Back: Firefox and WebKit restore the page as it was, its worker with the history it had read (Playwright's
  // Chromium loads it again).
  await tab.evaluate(() => void setTimeout(() => history.back())); // after the call has answered: Back unloads the page
  await tab.waitForFunction(() => location.search === '' && !!window.Reco, undefined, { message: 'back on the first page' });
  await waitForReady(tab);
  const kept = await tab.evaluate(() => (window as unknown as { kept?: boolean }).kept === true);
  console.log(`[${tab.engine}] back/forward cache: the page was ${kept ? 'kept' : 'loaded again'}`);
  // Reco does not cost the shop its back/forward cache: a channel of the page that hears the next page's writes would
  // have Firefox evict it (it did, before the worker stopped listening while its page is away).
  if (tab.engine !== 'chromium') expect(kept, 'the page was kept by the back/forward cache').toBe(true);
  expect(await bestOf(tab), 'the lipstick viewed on the page in between leads').toBe('lipstick');
});
