/** Chromium through Playwright: the cross-engine page interface over a Playwright Page. */
import type { Browser, Page } from '@playwright/test';
import type { BrowserPage, BrowserSession, EngineDriver, SeenRequest, SessionOptions } from './page.ts';

/** Wraps a Playwright page; records its requests (the workers' included: Chromium reports them on the context) and console. */
export function playwrightPage(page: Page): BrowserPage {
  const requests: SeenRequest[] = [];
  const lines: string[] = [];
  const errors: string[] = [];
  page.context().on('request', (r) => void requests.push({ method: r.method(), url: r.url() }));
  page.on('console', (m) => lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => (errors.push(e.message), lines.push(`pageerror: ${e.message}`)));
  page.on('worker', (w) => w.on('console', (m) => lines.push(`worker ${m.type()}: ${m.text()}`)));
  return {
    engine: 'chromium',
    goto: async (path) => void (await page.goto(path)),
    reload: async () => void (await page.reload()),
    evaluate: (fn, arg) => page.evaluate(fn, arg as never) as never,
    async waitForFunction(fn, arg, opts = {}) {
      try {
        await page.waitForFunction(fn, arg as never, { timeout: opts.timeout ?? 90_000, polling: 100 });
      } catch (err) {
        throw opts.message ? new Error(`${opts.message} (${(err as Error).message.split('\n')[0]})`) : err;
      }
    },
    click: (selector) => page.locator(selector).first().click(),
    clickAt: (x, y) => page.mouse.click(x, y),
    press: (key) => page.keyboard.press(key),
    setViewport: (width, height) => page.setViewportSize({ width, height }),
    addInitScript: async (fn, arg) => void (await page.addInitScript(fn as never, arg)),
    requests: () => requests,
    consoleLines: async () => lines,
    pageErrors: async () => errors,
  };
}

/** The Chromium driver over the Playwright `browser` fixture: each session is a new context (an incognito profile). */
export function chromiumDriver(browser: Browser, baseURL: string): EngineDriver {
  return {
    name: 'chromium',
    version: browser.version(),
    async newSession(opts: SessionOptions = {}): Promise<BrowserSession> {
      // Every Playwright context is what Chromium's incognito window is (opts.private): a profile kept in memory.
      const context = await browser.newContext({ baseURL });
      if (opts.indexedDB === false) {
        await context.addInitScript(() => {
          IDBFactory.prototype.open = () => {
            throw new DOMException('IndexedDB is disabled in this mode', 'InvalidStateError');
          };
        });
      }
      return {
        page: playwrightPage(await context.newPage()),
        newPage: async () => playwrightPage(await context.newPage()),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
