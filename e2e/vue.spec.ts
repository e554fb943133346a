import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';

// Vue 3 apps whose list Vue renders in the shopper's order: with reco-sdk/vue's useRanked (e2e/pages/vue-composable.html,
// the ES build through an import map, as a bundler would give it), or with Reco.rank() by hand (e2e/pages/vue.html, the
// README's recipe for other frameworks). The shopper gets their order, and a sort they pick is the sort they see. Reco
// moving a keyed list's nodes itself (the markup path) left Vue's later sort out of order (checked by hand, Vue 3.5.47).

const PERFUMES = ['v06', 'v07', 'v08'];

/** The shopper's path on `url`: their order after a reload, the price order they pick, and back; returns their order. */
async function shopAndSort(tab: BrowserPage, url: string): Promise<string[]> {
  const order = () =>
    tab.evaluate(() => [...document.querySelectorAll('#list [data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!));
  const prices = () =>
    tab.evaluate(() => [...document.querySelectorAll<HTMLElement>('#list [data-reco-id]')].map((el) => Number(el.dataset['price'])));
  await listenToReco(tab);
  await tab.goto(url);
  await waitForReady(tab);
  expect(await order()).toEqual(['v01', 'v02', 'v03', 'v04', 'v05', 'v06', 'v07', 'v08']);

  // The shopper views two perfumes, and comes back.
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), PERFUMES.slice(0, 2));
  await tab.evaluate(() => window.Reco.exportData());
  await tab.reload();
  await waitForReady(tab);
  await expect.poll(async () => (await order()).slice(0, 3).filter((id) => PERFUMES.includes(id)).length).toBeGreaterThan(1);
  const theirs = await order();

  // Price: low to high, and back.
  await tab.click('#by-price');
  await expect.poll(prices).toEqual([...(await prices())].sort((a, b) => a - b));
  expect(await order()).not.toEqual(theirs);
  await tab.click('#by-price');
  await expect.poll(order).toEqual(theirs);

  // Reco re-ordered nothing itself, and its impressions and clicks of the list are recorded.
  expect(await tab.evaluate(() => window.__reco.ranked.filter((r) => r.listId === 'vue'))).toEqual([]);
  await tab.click(`#list [data-reco-id="${theirs[0]}"]`);
  const clicks = (await tab.evaluate(() => window.Reco.exportData())).events.filter((e) => e.type === 'select_item');
  expect(clicks.map((e) => `${e.itemId} ${e.listId} #${e.position}`)).toEqual([`${theirs[0]} vue #0`]);
  expect(await tab.evaluate(() => [...window.__reco.consoleErrors, ...window.__reco.errors])).toEqual([]);
  return theirs;
}

test("reco-sdk/vue's useRanked: the shopper's order after a reload (the list held until it is rendered), the price order they pick, and back; Reco never moves Vue's nodes", async ({
  tab,
}) => {
  // Whether the list is hidden until its ranking is rendered, on each page load.
  await tab.addInitScript(() => {
    const w = window as unknown as { held: boolean };
    w.held = false;
    new MutationObserver((records) => {
      for (const r of records)
        if ((r.target as Element).id === 'list' && (r.target as Element).hasAttribute('data-reco-pending')) w.held = true;
    }).observe(document, { subtree: true, attributes: true, attributeFilter: ['data-reco-pending'] });
  });
  await shopAndSort(tab, '/e2e/pages/vue-composable.html');
  // On the repeat view (the reload in shopAndSort) the list was held: the shopper's first sight of it is their order.
  expect(await tab.evaluate(() => (window as unknown as { held: boolean }).held)).toBe(true);
});

test("a Vue list ordered by Reco.rank() by hand (the README's recipe for other frameworks): the shopper's order, the price order they pick, and back", async ({
  tab,
}) => {
  await shopAndSort(tab, '/e2e/pages/vue.html');
});
