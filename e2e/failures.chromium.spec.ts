import { expect, test } from '@playwright/test';

// A widget in a sandboxed frame (Playwright's frames): Chromium only. The other failures (a missing model, corrupt
// weights, a manifest that is not JSON, markup Reco cannot use) run in each engine: failures.spec.ts.

test('a widget in a sandboxed frame (an opaque origin: no storage, no worker): the grid keeps its order, export() and forget() settle, and the page gets no error', async ({
  page,
}) => {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto('/e2e/pages/sandboxed.html');
  const frame = await (await page.waitForSelector('#widget')).contentFrame();
  await frame!.waitForFunction(() => (window as unknown as { started?: Promise<unknown> }).started);
  await frame!.evaluate(() => (window as unknown as { started: Promise<unknown> }).started);
  await frame!.evaluate(() => window.Reco.track('view_item', 'b'));
  expect((await frame!.evaluate(() => window.Reco.export())).events.map((e) => e.itemId)).toEqual(['b']); // this page view's, in memory
  await frame!.evaluate(() => window.Reco.forget());
  await page.waitForTimeout(500); // a rejection nobody handles is reported a moment later
  expect(
    await frame!.evaluate(() => [...document.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id'))),
  ).toEqual(['a', 'b', 'c']);
  expect(await frame!.evaluate(() => window.Reco.status().storage)).not.toBe('indexeddb');
  expect(errors).toEqual([]);
});
