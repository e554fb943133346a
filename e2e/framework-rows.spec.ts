import { expect, test } from './helpers/test.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';

// A grid whose cards sit in row wrappers that a framework owns and re-renders (e2e/pages/rows.html).

declare global {
  interface Window {
    fw: { rows(): string[][]; replace(r: number, oldId: string, newId: string): void; add(r: number, id: string): void };
    spare: { fragrance: string[]; nails: string[] };
  }
}

const domRows = () =>
  [...document.querySelectorAll('#grid .row')].map((row) =>
    [...row.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!),
  );

test("cards are re-ordered within their own row; the framework's later removeChild and insertBefore work and its new items appear", async ({
  tab: page,
}) => {
  await listenToReco(page);
  await page.goto('/e2e/pages/rows.html');
  await waitForReady(page);
  await page.evaluate(() => (window as unknown as { recoStarted: Promise<unknown> }).recoStarted);
  const before = await page.evaluate(domRows);
  expect(before).toEqual(await page.evaluate(() => window.fw.rows()));
  const fragrance = before.map((row) => row[3]!);

  // A shopper who views Fragrance: each row's Fragrance card moves up, inside its row.
  await page.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  await page.evaluate(() => window.Reco.personalize());
  const after = await page.evaluate(domRows);
  after.forEach((row, r) => expect([...row].sort(), `row ${r} holds the same cards`).toEqual([...before[r]!].sort()));
  expect(after, 'the grid was re-ordered').not.toEqual(before);
  expect(after.filter((row, r) => row.indexOf(fragrance[r]!) < 3).length, 'Fragrance moved up within rows').toBeGreaterThan(0);

  // The framework re-renders: a card swapped in row 1, one added to row 3. Both work on the rows it owns.
  const { fragrance: spareFragrance, nails } = await page.evaluate(() => window.spare);
  const gone = before[1]![0]!;
  await page.evaluate(([oldId, newId]) => window.fw.replace(1, oldId!, newId!), [gone, spareFragrance[0]!]);
  await page.evaluate((id) => window.fw.add(3, id), nails[0]!);
  const rendered = await page.evaluate(domRows);
  expect(rendered[1]).toContain(spareFragrance[0]);
  expect(rendered[1]).not.toContain(gone);
  expect(rendered[3]).toContain(nails[0]);
  expect(rendered.flat()).toHaveLength(17);
  expect(await page.pageErrors()).toEqual([]);
  expect((await page.evaluate(() => window.__reco)).errors).toEqual([]);
});
