/**
 * Firefox (Debian's firefox-esr) through WebDriver BiDi with puppeteer-core: Playwright cannot drive a stock
 * Firefox of this release (its BiDi client needs commands Firefox 153 lacks). One browser per Playwright worker,
 * a BiDi user context (a separate profile in memory) per session.
 */
import puppeteer, { type Browser, type BrowserContext, type Page } from 'puppeteer-core';
import type { BrowserPage, BrowserSession, EngineDriver, SeenRequest, SessionOptions } from './page.ts';
import { STAGING_HOST } from './server.ts';

export const FIREFOX_PATH = process.env['FIREFOX_PATH'] ?? '/usr/bin/firefox-esr';
const VIEWPORT = { width: 1280, height: 720 };

function launch(prefs: Record<string, unknown> = {}): Promise<Browser> {
  return puppeteer.launch({
    browser: 'firefox',
    executablePath: FIREFOX_PATH,
    headless: true,
    defaultViewport: VIEWPORT,
    // The staging host of e2e/helpers/origins.ts resolves to this machine (as Chromium's --host-resolver-rules does).
    extraPrefsFirefox: { 'network.dns.localDomains': STAGING_HOST, ...prefs },
    // Firefox's first start on this loaded 2-core machine took over puppeteer's default 30 s twice on 2026-12-02 (the
    // first Firefox test of a clean-clone CI run; it passed on its retry): a harness wait, not a figure of the SDK's.
    timeout: 90_000,
  });
}

/** Wraps a puppeteer page. BiDi reports the requests and console messages of the page's dedicated workers on the page. */
export function firefoxPage(page: Page, baseURL: string, requests: SeenRequest[] = []): BrowserPage {
  const lines: string[] = [];
  const errors: string[] = [];
  page.on('request', (r) => void requests.push({ method: r.method(), url: r.url() }));
  page.on('console', (m) => void lines.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => {
    const message = e instanceof Error ? e.message : String(e);
    errors.push(message);
    lines.push(`pageerror: ${message}`);
  });
  const url = (path: string) => new URL(path, baseURL).href;
  return {
    engine: 'firefox',
    goto: async (path) => void (await page.goto(url(path), { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    evaluate: (fn, arg) => page.evaluate(fn as never, arg) as never,
    async waitForFunction(fn, arg, opts = {}) {
      try {
        await page.waitForFunction(fn as never, { timeout: opts.timeout ?? 90_000, polling: 100 }, arg);
      } catch (err) {
        throw opts.message ? new Error(`${opts.message} (${(err as Error).message.split('\n')[0]})`) : err;
      }
    },
    // pierce/: the document and every open shadow root (a web component's cards), as Playwright's CSS engine in Chromium.
    click: (selector) => page.locator(`pierce/${selector}`).click(),
    clickAt: (x, y) => page.mouse.click(x, y),
    press: (key) => page.keyboard.press(key),
    setViewport: (width, height) => page.setViewport({ width, height }),
    addInitScript: async (fn, arg) => void (await page.evaluateOnNewDocument(fn as never, arg)),
    requests: () => requests,
    consoleLines: async () => lines,
    pageErrors: async () => errors,
  };
}

export async function firefoxDriver(baseURL: string): Promise<EngineDriver> {
  const browser = await launch();
  const version = (await browser.version()).replace(/^firefox\//, '');
  return {
    name: 'firefox',
    version,
    async newSession(opts: SessionOptions = {}): Promise<BrowserSession> {
      if (opts.private || opts.indexedDB === false) {
        // Private browsing is a whole-browser mode in Firefox: a browser of its own for this session.
        const prefs: Record<string, unknown> = { 'browser.privatebrowsing.autostart': true };
        // Firefox before 115 refused IndexedDB in private windows; this preference brings that back. Global Privacy
        // Control (on in private windows) is turned off so that only the refusal decides where events go.
        if (opts.indexedDB === false)
          Object.assign(prefs, { 'dom.indexedDB.privateBrowsing.enabled': false, 'privacy.globalprivacycontrol.pbmode.enabled': false });
        const own = await launch(prefs);
        const requests: SeenRequest[] = [];
        const page = (await own.pages())[0] ?? (await own.newPage());
        return {
          page: firefoxPage(page, baseURL, requests),
          newPage: async () => firefoxPage(await own.newPage(), baseURL, requests),
          close: () => own.close(),
        };
      }
      const context: BrowserContext = await browser.createBrowserContext();
      const requests: SeenRequest[] = [];
      return {
        page: firefoxPage(await context.newPage(), baseURL, requests),
        newPage: async () => firefoxPage(await context.newPage(), baseURL, requests),
        close: () => context.close(),
      };
    },
    close: () => browser.close(),
  };
}
