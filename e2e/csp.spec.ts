import { expect, test, type BrowserPage } from './helpers/test.ts';
import { BASE_URL } from './helpers/engines/server.ts';
import { gridItems, listenToReco, openAndCloseProduct, scrollOutOfView, waitForRanked, waitForReady } from './helpers/reco.ts';

// The demo shop served with a strict Content-Security-Policy on every response (scripts/serve.ts `?csp=`): no inline
// script, no injected style, nothing from another origin. The policies are the README's ("Content-Security-Policy").

declare global {
  interface Window {
    __violations: string[];
  }
}

/** Records the securitypolicyviolation events of the page from its first moment. */
async function watchViolations(page: BrowserPage): Promise<void> {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(`${e.effectiveDirective} ${e.blockedURI}`));
  });
}

/** The CSP reports the server received (page and worker), as "directive blocked-uri" lines. */
async function reports(page: BrowserPage): Promise<string[]> {
  const list = await page.evaluate(async () => (await fetch('/csp-report')).json());
  return (list as { 'csp-report'?: Record<string, string> }[]).map((r) => {
    const c = r['csp-report'] ?? {};
    return `${c['effective-directive'] ?? c['violated-directive']} ${c['blocked-uri']} (${c['source-file'] ?? c['document-uri']})`;
  });
}

test.beforeEach(async () => {
  await fetch(`${BASE_URL}/csp-report`, { method: 'DELETE' });
});

test("under the strict policy (script-src 'self' 'wasm-unsafe-eval', worker-src, connect-src and style-src 'self') the demo personalizes on wasm with no violation", async ({
  tab: page,
}) => {
  await watchViolations(page);
  await listenToReco(page);
  await page.goto('/?csp=strict&backends=wasm');
  const status = await waitForReady(page);
  expect(status).toMatchObject({ backend: 'wasm', storage: 'indexeddb', engine: 'ready' });
  const header = await page.evaluate(async () => (await fetch('/reco.worker.js')).headers.get('content-security-policy'));
  expect(header, 'the worker script is served under the policy too').toMatch(/script-src 'self' 'wasm-unsafe-eval'/);

  // The shopper opens three products of one category, then comes back: the home grid is re-ordered (once out of sight).
  const before = await gridItems(page, '#grid-home');
  const category = before.find((it) => !it.pinned && it.top === 'Fragrance') ? 'Fragrance' : before[5]!.top;
  const clicked = before.filter((it) => it.top === category && !it.pinned).slice(0, 3);
  for (const it of clicked) await openAndCloseProduct(page, it.id);
  await page.reload();
  await waitForReady(page);
  await scrollOutOfView(page, '#grid-home');
  const ranked = await waitForRanked(page, 'home');
  expect(ranked.order).not.toEqual(before.map((it) => it.id));

  expect(await page.evaluate(() => window.__violations)).toEqual([]);
  expect(await reports(page)).toEqual([]);
  expect((await page.evaluate(() => window.__reco)).errors).toEqual([]);
});

test("without 'wasm-unsafe-eval' the engine falls back to cpu, still personalizes, and status() says why", async ({ tab: page }) => {
  await listenToReco(page);
  await page.goto('/?csp=nowasm&backends=wasm,cpu');
  const status = await waitForReady(page);
  expect(status.backend).toBe('cpu');
  expect(status.backends).toEqual([
    { backend: 'wasm', ok: false, reason: expect.stringMatching(/WebAssembly|wasm-unsafe-eval|unsafe-eval/) },
    { backend: 'cpu', ok: true },
  ]);
  console.log(`wasm refused: ${status.backends[0]!.reason}`);
  const ids = (await gridItems(page, '#grid-home')).slice(0, 12).map((it) => it.id);
  await page.evaluate((id) => window.Reco.track('view_item', id), ids[3]!);
  const ranked = await page.evaluate((items) => window.Reco.rank(items), ids);
  expect(
    ranked.some((r) => r.score !== 0),
    'rank() used the model on cpu',
  ).toBe(true);
  // The control: the refused compile is a violation the policy reports, so the first test would have seen one.
  await expect.poll(async () => (await reports(page)).join('\n'), { timeout: 20_000 }).toMatch(/script-src/);
});
