import { expect, test } from './helpers/test.ts';
import type { RecoEvent } from '../src/index.ts';
import { CATALOG, shopper } from '../fixtures/shopper.ts';
import { storedMeta, storeEvents } from './helpers/idb.ts';
import { gridItems, openAndCloseProduct, shopperScenario, waitForReady } from './helpers/reco.ts';

// Shoppers of the demo catalog, simulated by fixtures/shopper.ts (also used by the unit tests). With the text-only
// transformer that was the default before the pair model, a round in Node on 60 list views of a steady brand taste
// (seed 3) lifted the held-out AUC from 0.81 to 0.96; with the pair model this spec's first test logged 0.892 → 0.947
// (webgpu, 13 held-out events). On 60 random clicks (seed 4) the candidate is rejected.
const FIXTURE = '/e2e/pages/learning.html';

/** A shopper's events, moved to end an hour ago. */
function recent(events: RecoEvent[]): RecoEvent[] {
  const shift = Date.now() - 3_600_000 - events[events.length - 1]!.ts;
  return events.map((e) => ({ ...e, ts: e.ts + shift }));
}

const heads = (meta: Record<string, unknown>) => Object.entries(meta).filter(([k]) => k.startsWith('head:'));

test('after enough clicks a round runs in the worker by itself; the learned head is stored, survives a reload, and forget() removes it', async ({
  tab: page,
}) => {
  await page.goto('/');
  await waitForReady(page);
  const { events, brand } = shopper(3, 'brand', 60);
  await storeEvents(page, recent(events), CATALOG);
  // And a few real clicks of the same taste on the demo's grid, through the SDK's tracker.
  const mine = (await gridItems(page, '#grid-home')).filter((it) => !it.pinned && CATALOG.find((c) => c.id === it.id)?.brand === brand);
  for (const it of mine.slice(0, 3)) await openAndCloseProduct(page, it.id);
  expect(heads(await storedMeta(page))).toEqual([]);

  // The reload finds 60+ labelled events (trainAfterEvents defaults to 5): a round starts once the page is idle.
  await page.reload();
  const status = await waitForReady(page);
  await page.waitForFunction(() => window.Reco.status().learning.rounds >= 1, undefined, {
    timeout: 90_000,
    message: 'no learning round ran',
  });
  const learning = await page.evaluate(() => window.Reco.status().learning);
  console.log(`[${status.backend}] learning round: ${learning.lastDecision!.reason} in ${learning.lastDecision!.ms} ms`);
  expect(learning).toMatchObject({ rounds: 1, head: 'personal', lastDecision: { accepted: true } });
  expect(learning.lastDecision!.after).toBeGreaterThan(learning.lastDecision!.before);
  const stored = heads(await storedMeta(page));
  expect(stored).toHaveLength(1);
  // Per model weights: a model retrained under the same version never gets the head learned on the old one.
  const sha256 = await page.evaluate(async () => ((await (await fetch('/models/default/model.json')).json()) as { sha256: string }).sha256);
  expect(stored[0]![0]).toBe(`head:${status.model!.id}@${status.model!.version}#${sha256}`);
  // The default model is the pair model: its head weighs each pair feature once (src/model/pair-predict.ts).
  const config = await page.evaluate(
    async () => ((await (await fetch('/models/default/model.json')).json()) as { config: { kind: string; features: number } }).config,
  );
  expect(config.kind).toBe('pair');
  expect((stored[0]![1] as { w: number[] }).w).toHaveLength(config.features);

  await page.reload();
  await waitForReady(page);
  expect(await page.evaluate(() => window.Reco.status().learning)).toMatchObject({ rounds: 1, head: 'personal' });
  expect(heads(await storedMeta(page))).toEqual(stored);

  await page.evaluate(() => window.Reco.forget());
  expect(await page.evaluate(() => window.Reco.status().learning)).toEqual({ rounds: 0, lastDecision: null, head: 'shipped' });
  expect(await storedMeta(page)).toEqual({});
});

test('a head trained on random clicks is rejected by the guardrail and not swapped in', async ({ tab: page }) => {
  await page.goto(FIXTURE);
  await waitForReady(page);
  await storeEvents(page, recent(shopper(4, 'random', 60).events), CATALOG);
  const items = CATALOG.slice(0, 24);
  const before = await page.evaluate((its) => window.Reco.rank(its), items);
  const decision = await page.evaluate(() => window.Reco.train());
  expect(decision.accepted).toBe(false);
  expect(decision.reason).toMatch(/^rejected: /);
  expect(await page.evaluate(() => window.Reco.status().learning)).toMatchObject({
    rounds: 1,
    head: 'shipped',
    lastDecision: { accepted: false },
  });
  expect(heads(await storedMeta(page))).toEqual([]);
  expect(await page.evaluate((its) => window.Reco.rank(its), items)).toEqual(before);
});

test('one trainer across tabs: a second tab does not train while one does, and picks up the learned head', async ({ session }) => {
  const [a, b] = [session.page, await session.newPage()];
  for (const p of [a, b]) {
    await p.goto(FIXTURE);
    await waitForReady(p);
  }
  await storeEvents(a, recent(shopper(3, 'brand', 60).events), CATALOG);

  // While tab B holds the training lock (as during its own round), tab A's round does not run.
  await b.evaluate(
    () =>
      new Promise<void>((acquired) => {
        void navigator.locks.request(
          'reco-train',
          () =>
            new Promise<void>((release) => {
              (window as unknown as { release: () => void }).release = release;
              acquired();
            }),
        );
      }),
  );
  expect((await a.evaluate(() => window.Reco.train())).reason).toBe('skipped: another round is running');
  expect(await a.evaluate(() => window.Reco.status().learning.rounds)).toBe(0);
  await b.evaluate(() => (window as unknown as { release: () => void }).release());

  // Both tabs ask at once: rounds never overlap.
  const [da, db] = await Promise.all([a.evaluate(() => window.Reco.train()), b.evaluate(() => window.Reco.train())]);
  const ran = [da, db].filter((d) => !d.reason.startsWith('skipped'));
  expect(ran.length).toBeGreaterThanOrEqual(1);
  if (ran.length === 2) {
    const [first, second] = ran.sort((x, y) => x.at - y.at);
    expect(second!.at - second!.ms).toBeGreaterThanOrEqual(first!.at);
  }
  expect(ran[0]!.accepted).toBe(true);

  // The other tab's worker loads the head from IndexedDB: both tabs rank alike.
  for (const p of [a, b]) {
    await p.waitForFunction(() => window.Reco.status().learning.head === 'personal', undefined, {
      timeout: 30_000,
      message: 'the tab did not pick up the head',
    });
  }
  const items = CATALOG.slice(0, 24);
  const [ra, rb] = [await a.evaluate((its) => window.Reco.rank(its), items), await b.evaluate((its) => window.Reco.rank(its), items)];
  // Scores need a history: both tabs read the same stored events.
  expect(rb.map((r) => r.id)).toEqual(ra.map((r) => r.id));
  rb.forEach((r, i) => expect(r.score).toBeCloseTo(ra[i]!.score, 4));
});

test('explain(): the best new pick of the re-ordered demo grid is explained by the products the shopper opened', async ({ tab: page }) => {
  const { after } = await shopperScenario(page, { clicks: 5, top: 8 });
  const opened = new Set(
    (await page.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'select_item').map((e) => e.itemId),
  );
  // An item the shopper opened often ranks first, explained by itself alone; explain() leaves the item out of its reasons.
  const top = after.find((it) => !it.pinned && !opened.has(it.id))!.id;
  const { itemId, because } = await page.evaluate((id) => window.Reco.explain(id), top);
  expect(itemId).toBe(top);
  expect(because.length).toBeGreaterThan(0);
  expect(because.length).toBeLessThanOrEqual(3);
  for (const b of because) {
    expect(opened.has(b.itemId), `${b.itemId} is a product the shopper opened`).toBe(true);
    expect(b.weight).toBeGreaterThan(0);
    expect(b.title).toBeTruthy();
  }
  expect(because.map((b) => b.weight)).toEqual([...because.map((b) => b.weight)].sort((x, y) => y - x));
});
