import { expect, test, type BrowserPage } from './helpers/test.ts';
import { countInTop, leastShownCategory, listenToReco, waitForRanked, waitForReady } from './helpers/reco.ts';

// A shop built of web components: the grid is in <shop-grid>'s shadow root, which the component hands to Reco with
// Reco.personalize(root) as it renders (e2e/pages/components.html). The shopper's path, in every engine, with an open
// root and with a closed one (only the component holds it: a click in it reaches the document retargeted to the host).

declare global {
  interface Window {
    rendered: Promise<void>;
    rerender(): void;
    gridRoot(): ShadowRoot;
    cardCenter(id: string): { x: number; y: number };
    firstFrame?: { hidden: boolean; order: string[] };
  }
}

const PAGE = '/e2e/pages/components.html';
/** The component's cards in their order: id and top-level category. */
const cards = (tab: BrowserPage) =>
  tab.evaluate(() =>
    [...window.gridRoot().querySelectorAll('[data-reco-id]')].map((el) => ({
      id: el.getAttribute('data-reco-id')!,
      top: (el.getAttribute('data-reco-category') ?? '').split(' > ')[0]!,
    })),
  );

for (const mode of ['open', 'closed'] as const) {
  test(`a grid in a web component's ${mode} shadow root: clicks recorded, personalized on the next page load before it is shown, its re-renders followed`, async ({
    tab,
  }) => {
    const page = mode === 'closed' ? `${PAGE}?closed` : PAGE;
    await listenToReco(tab);
    await tab.goto(page);
    await waitForReady(tab);
    await tab.evaluate(() => window.rendered);
    const before = await cards(tab);
    expect(before.length).toBe(36);
    const category = leastShownCategory(before);
    const clicked = before.filter((it) => it.top === category).slice(-5);
    for (const it of clicked) {
      // Playwright's CSS selectors pierce open shadow roots, as the shopper's pointer does; nothing reaches into a closed
      // one but the pointer, at the place the page says its card is.
      if (mode === 'open') await tab.click(`[data-reco-id="${it.id}"]`);
      else {
        const at = await tab.evaluate((id) => window.cardCenter(id), it.id);
        await tab.clickAt(at.x, at.y);
      }
      await tab.waitForFunction((id) => location.hash === `#/p/${id}`, it.id, { timeout: 10_000, message: `${it.id} did not open` });
    }
    const recorded = async () => {
      const events = (await tab.evaluate(() => window.Reco.export())).events;
      return clicked.every((it) => events.some((e) => e.itemId === it.id && e.type === 'select_item' && e.listId === 'components'));
    };
    await expect.poll(recorded, { message: "select_item of every card clicked, under the component grid's list id" }).toBe(true);

    // The next page view, at the top: the component renders its grid, and Reco has it in the personalized order before it is shown.
    await tab.evaluate(() => {
      history.replaceState(null, '', location.pathname);
      window.scrollTo(0, 0);
    });
    await tab.reload();
    await tab.evaluate(() => window.rendered);
    const ranked = await waitForRanked(tab, 'components', 1, 20_000);
    expect(await tab.evaluate(() => window.scrollY), 'nobody scrolled').toBe(0);
    const after = await cards(tab);
    expect(after.map((it) => it.id)).toEqual(ranked.order);
    expect(new Set(after.map((it) => it.id))).toEqual(new Set(before.map((it) => it.id)));
    console.log(
      `[${tab.engine} components, ${mode} root] top 8: ${category} ${countInTop(before, category)} before, ${countInTop(after, category)} after 5 products opened`,
    );
    expect(countInTop(after, category)).toBeGreaterThan(countInTop(before, category));
    // The first frame after the component rendered showed either nothing (held until ranked) or the personalized order.
    const first = (await tab.evaluate(() => window.firstFrame))!;
    expect(first.hidden || first.order.join() === ranked.order.join(), `first frame: ${JSON.stringify(first)}`).toBe(true);
    expect(await tab.evaluate(() => getComputedStyle(window.gridRoot().querySelector('.grid')!).clipPath)).toBe('none');

    // The component renders the same items again (new nodes, the shop's order): Reco's order is back before the page paints.
    const rerendered = await tab.evaluate(() => {
      window.rerender();
      const root = window.gridRoot();
      return new Promise<string[]>((r) =>
        queueMicrotask(() => r([...root.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!))),
      );
    });
    expect(rerendered).toEqual(ranked.order);
    // The cards in view count their impressions (MRC: half of the card for a second) under the component grid's list id.
    await expect
      .poll(
        async () =>
          (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'view_item_list' && e.listId === 'components')
            .length,
        {
          timeout: 10_000,
          message: 'impressions of the cards in view',
        },
      )
      .toBeGreaterThan(0);
    expect(await tab.evaluate(() => window.__reco.errors)).toEqual([]);
  });
}
