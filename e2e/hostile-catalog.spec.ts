import { readFileSync } from 'node:fs';
import { expect, test, type BrowserPage } from './helpers/test.ts';
import { answerBroken, originsSentTo, waitForReady } from './helpers/reco.ts';

// The demo shop fed a hostile catalog (the e2e server answers catalog.json with it: /e2e/hold &body), in each engine.
// The catalog's text reaches the page's markup (data-reco-* attributes, card text), Reco's store, rank() and explain().

declare global {
  interface Window {
    pwned?: number;
  }
}

const catalog = JSON.parse(readFileSync(new URL('../demo/catalog.json', import.meta.url), 'utf8')) as Record<string, unknown>[];
const HOSTILE_ID = `p001"><img src=x onerror="window.pwned=1">`;
const hostile = catalog.map((item, i) =>
  i === 0
    ? {
        ...item,
        id: HOSTILE_ID,
        title: `<img src=x onerror="window.pwned=2">Velvet <script>window.pwned=3</script>`,
        brand: `<b onmouseover="window.pwned=4">Aurelle</b>`,
        category: `Makeup > <svg onload="window.pwned=5">`,
        image: 'https://tracker.example/pixel.png',
        added: '2999-01-01', // newest: shown in the "New arrivals" grid
      }
    : item,
);

const text = (tab: BrowserPage, selector: string) => tab.evaluate((sel) => document.querySelector(sel)?.textContent ?? null, selector);

test('hostile ids, titles and image URLs in the catalog stay text in the demo and in the SDK: nothing runs, nothing is injected, nothing is fetched', async ({
  tab,
}) => {
  const feed = await answerBroken('/catalog.json', { body: JSON.stringify(hostile) });
  try {
    await tab.goto('/');
    await waitForReady(tab);

    const card = await tab.evaluate(() => {
      const el = document.querySelector('#grid-new article')!;
      return {
        id: el.getAttribute('data-reco-id'),
        title: el.getAttribute('data-reco-title'),
        brand: el.querySelector('.card-brand')!.textContent,
      };
    });
    expect(card).toEqual({ id: HOSTILE_ID, title: hostile[0]!['title'], brand: hostile[0]!['brand'] });

    // The shopper opens it (its address carries the id) and adds it to the bag; Reco stores, ranks and explains it.
    await tab.click('#grid-new article .card-link');
    await tab.waitForFunction(() => document.querySelector('#product')!.hasAttribute('open'), undefined, { message: 'the product opened' });
    expect(await text(tab, '#pd-brand')).toBe(hostile[0]!['brand']);
    await tab.click('#pd-add');
    await tab.click('#product .dialog-close');
    await expect.poll(() => tab.evaluate(() => location.hash)).toBe(''); // back at the shop's address
    const stored = await tab.evaluate(() => window.Reco.export());
    expect(stored.events.filter((e) => e.itemId === HOSTILE_ID).map((e) => e.type)).toEqual(
      expect.arrayContaining(['select_item', 'view_item', 'add_to_cart']),
    );
    expect(stored.items.find((it) => it.id === HOSTILE_ID)?.title).toBe(hostile[0]!['title']);
    await tab.reload();
    await waitForReady(tab);
    await tab.evaluate(() => window.Reco.personalize());
    const other = await tab.evaluate(() => document.querySelectorAll('#grid-new article')[1]!.getAttribute('data-reco-id')!);
    const explained = await tab.evaluate((id) => window.Reco.explain(id), other);
    // explain() hands the title back as data, verbatim; the demo shows it as text ("Because you viewed ...").
    for (const b of explained.because) if (b.itemId === HOSTILE_ID) expect(b.title).toBe(hostile[0]!['title']);
    await tab.click('#cart-button');
    expect(await text(tab, '#cart-lines li')).toContain(hostile[0]!['brand']);

    expect(await tab.evaluate(() => window.pwned ?? null)).toBeNull();
    expect(
      await tab.evaluate(
        () => document.querySelectorAll('main img[src="x"], main script, main b, main svg[onload], [onerror], [onmouseover]').length,
      ),
    ).toBe(0);
    expect([...originsSentTo(tab)].filter((o) => new URL(o).hostname !== 'localhost')).toEqual([]);
    expect(await tab.pageErrors()).toEqual([]);
  } finally {
    await feed.release();
  }
});
