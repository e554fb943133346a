import { expect, test, type BrowserPage } from './helpers/test.ts';
import { listenToReco, waitForReady } from './helpers/reco.ts';

// The fixture shop page with Reco's worker wrapped by e2e/pages/probe.worker.js (wasm backend), which crashes on request.
const PAGE = '/e2e/pages/shop.html?worker=/e2e/pages/probe.worker.js';

declare global {
  interface Window {
    /** Messages of the wrapped worker on the 'e2e-probe' channel: 'started', 'armed'. */
    __workerLog: string[];
  }
}

const order = (tab: BrowserPage) =>
  tab.evaluate(() => [...document.querySelectorAll('.g .card')].map((el) => el.getAttribute('data-sku')!));
const started = (tab: BrowserPage) => tab.evaluate(() => window.__workerLog.filter((m) => m === 'started').length);

/** Makes the worker crash on the next call the page makes, and waits until it is ready to. */
async function armCrash(tab: BrowserPage): Promise<void> {
  const armed = await tab.evaluate(() => window.__workerLog.filter((m) => m === 'armed').length);
  await tab.evaluate(() => new BroadcastChannel('e2e-probe').postMessage({ crash: 1 }));
  await tab.waitForFunction((n) => window.__workerLog.filter((m) => m === 'armed').length > n, armed, {
    timeout: 10_000,
    message: 'the worker did not arm its crash',
  });
}

test('a worker that crashes mid-call is restarted once and the call answered; after a second crash the grid keeps its order and status() says why', async ({
  tab,
}) => {
  await listenToReco(tab);
  await tab.addInitScript(() => {
    const log: string[] = (window.__workerLog = []);
    new BroadcastChannel('e2e-probe').onmessage = (e) => log.push(String(e.data));
  });
  await tab.goto(PAGE);
  await waitForReady(tab);
  await tab.waitForFunction(() => window.__workerLog.includes('started'), undefined, {
    timeout: 10_000,
    message: 'the wrapped worker did not start',
  });
  expect(await started(tab)).toBe(1);

  const original = await order(tab);
  const fragrance = await tab.evaluate(() =>
    [...document.querySelectorAll('.g .card')]
      .filter((el) => el.querySelector('.c')!.textContent!.startsWith('Fragrance'))
      .map((el) => el.getAttribute('data-sku')!),
  );
  await tab.evaluate((ids) => ids.forEach((id) => window.Reco.track('view_item', id)), fragrance.slice(0, 3));
  const rank = () => tab.evaluate((ids) => window.Reco.rank(ids), original);
  const healthy = await rank();
  expect(
    healthy.some((r) => r.score !== 0),
    'rank() used the model',
  ).toBe(true);

  // First crash, during rank(): the worker is restarted, the call is asked again and answered as before.
  await armCrash(tab);
  const afterRestart = await rank();
  expect(await started(tab)).toBe(2);
  expect(afterRestart.map((r) => r.id)).toEqual(healthy.map((r) => r.id));
  afterRestart.forEach((r, i) => expect(r.score).toBeCloseTo(healthy[i]!.score, 5));
  // Served again, and the crash on record in status() (it was nowhere).
  await tab.waitForFunction(() => window.Reco.status().engine === 'ready'); // it may answer before its model loads
  expect(await tab.evaluate(() => window.Reco.status())).toMatchObject({
    ready: true,
    engine: 'ready',
    lastError: expect.stringMatching(/^WorkerCrashedError: .*crashed on purpose.*; a new worker was started$/),
  });

  // The grid is below the fold, not seen yet: the views re-ranked it (fragrance first).
  await expect.poll(() => order(tab), { message: 'the unseen grid ranked again with the views' }).not.toEqual(original);
  const shown = await order(tab);
  // Second crash: personalization is off for this page view; rank() gives the input order, the grid keeps what it shows.
  await armCrash(tab);
  expect(await rank()).toEqual(original.map((id) => ({ id, score: 0 })));
  await tab.evaluate(() => window.Reco.personalize());
  expect(await order(tab)).toEqual(shown);
  expect(await tab.evaluate(() => window.Reco.status().lastError)).toMatch(/^WorkerCrashedError: /);
  // Reported through on('error') and the console: first the crash itself, then (for later calls) that personalization is off.
  const log = await tab.evaluate(() => window.__reco);
  expect(log.errors[0]).toMatch(/^WorkerCrashedError: .*crashed on purpose/);
  expect(log.errors.every((e) => e.startsWith('WorkerCrashedError: '))).toBe(true);
  expect(log.consoleErrors.filter((l) => l.includes('[reco]')).length).toBeGreaterThan(0);
  expect(await started(tab), 'no third worker').toBe(2);
  // The page itself never sees an exception (Firefox reports the worker's own uncaught error with the page's).
  expect((await tab.pageErrors()).filter((e) => !/crashed on purpose/.test(e))).toEqual([]);
});
