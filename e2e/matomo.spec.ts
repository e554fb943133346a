import { expect, test } from './helpers/test.ts';
import { originsSentTo, waitForReady } from './helpers/reco.ts';

// A shop that tells Matomo (the analytics many privacy-first shops host themselves) of its product views, cart and
// orders: Reco reads those calls into the history, in each engine, so such a shop calls no track().
test("Matomo's ecommerce calls land in the history: the product page's view, what each cart update added, the order, across page views", async ({
  tab,
}) => {
  const applied = () => tab.evaluate(() => (window as unknown as { matomoApplied?: unknown[][] }).matomoApplied ?? null);

  await tab.goto('/e2e/pages/matomo.html');
  await waitForReady(tab);
  await tab.waitForFunction(() => 'matomoApplied' in window); // matomo.js (its stand-in) has loaded and replaced _paq
  await tab.click('#add-lipstick');

  // A second page view: the shop adds the cart's lipstick again before the shampoo, as Matomo's guide asks.
  await tab.goto('/e2e/pages/matomo.html?page=2');
  await waitForReady(tab);
  await tab.waitForFunction(() => 'matomoApplied' in window);
  await tab.click('#add-shampoo');
  await tab.click('#buy');

  const { events, items, matomoCart } = await tab.evaluate(() => window.Reco.exportData());
  const of = (type: string) => events.filter((e) => e.type === type).map((e) => `${e.itemId} x${e.extra?.['quantity'] ?? '-'}`);
  expect(of('view_item')).toEqual(['p300 x-', 'p300 x-']);
  expect(of('add_to_cart')).toEqual(['p003 x1', 'p051 x1']);
  expect(of('remove_from_cart')).toEqual([]);
  expect(of('purchase')).toEqual(['p003 x1', 'p051 x1']);
  expect(events.filter((e) => e.type === 'purchase').every((e) => e.extra?.['transaction_id'] === 'order-1')).toBe(true);
  expect(matomoCart, 'the order emptied the cart Reco keeps').toEqual({});
  expect(items.find((i) => i.id === 'p300')).toMatchObject({
    title: 'Velvetine Lip Liner, Cherry Noir',
    category: 'Makeup > Lips > Lip Liner',
    price: 14.5,
  });
  // Matomo got every call as the shop made it (Reco reads them, it does not change them).
  expect(await applied()).toEqual(
    expect.arrayContaining([
      ['setEcommerceView', 'p300', 'Velvetine Lip Liner, Cherry Noir', ['Makeup', 'Lips', 'Lip Liner'], 14.5],
      ['addEcommerceItem', 'p051', 'Petal & Pine Moisture Rich Shampoo', ['Hair Care', 'Shampoo & Conditioner', 'Shampoo'], 21.5, 1],
      ['trackEcommerceOrder', 'order-1', 42.5],
    ]),
  );
  expect(await tab.evaluate(() => window.Reco.status().lastError)).toBeNull();
  const shop = await tab.evaluate(() => location.origin);
  expect(originsSentTo(tab), 'Reco sends nothing anywhere').toEqual(new Set([shop]));
});
