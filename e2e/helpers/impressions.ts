/** Impressions of the e2e/pages/impressions.html fixture, read through the SDK, and a shopper's scrolling there. */
import type { Page } from '@playwright/test';
import type { BrowserPage } from './engines/page.ts';
import { asTab } from './reco.ts';

/** view_item_list events in export(), as "itemId@position". */
export async function impressions(page: Page | BrowserPage): Promise<string[]> {
  const { events } = await asTab(page).evaluate(() => window.Reco.export());
  return events.filter((e) => e.type === 'view_item_list' && e.listId === 'list').map((e) => `${e.itemId}@${e.position}`);
}

/** Scrolls `id` to the middle of the viewport and resolves once an IntersectionObserver sees it at least half in view. */
export async function bringIntoView(page: Page | BrowserPage, id: string): Promise<void> {
  await asTab(page).evaluate(
    (target) =>
      new Promise<void>((resolve) => {
        const el = document.getElementById(target)!;
        const io = new IntersectionObserver(([e]) => e!.intersectionRatio >= 0.5 && (io.disconnect(), resolve()), {
          threshold: [0, 0.5, 1],
        });
        io.observe(el);
        el.scrollIntoView({ block: 'center' });
      }),
    id,
  );
}
