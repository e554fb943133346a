/**
 * What a cross-engine spec may do with a browser tab. The same spec runs in Chromium (Playwright), Firefox
 * (WebDriver BiDi through puppeteer-core) and WebKit (classic WebDriver driving WebKitGTK's MiniBrowser), so this
 * interface stays small: anything more is built in helpers on top of `evaluate`.
 */

export const ENGINES = ['chromium', 'firefox', 'webkit'] as const;
export type EngineName = (typeof ENGINES)[number];

/** The keys a spec presses. */
export type Key = 'Tab' | 'Escape' | 'Enter';

/** One HTTP request the browser sent for a tab: its document, subresources and its workers' fetches. */
export interface SeenRequest {
  method: string;
  url: string;
}

export interface WaitOptions {
  /** Milliseconds before the wait fails. Default 90,000 (a cold model load on a busy 2-core machine). */
  timeout?: number;
  /** Said when the wait fails, instead of a bare timeout. */
  message?: string;
}

/** A browser tab in one engine. All paths are relative to the shop's origin (the e2e server). */
export interface BrowserPage {
  readonly engine: EngineName;
  /** Opens `path` and waits for its load event. */
  goto(path: string): Promise<void>;
  /** Reloads the document and waits for its load event. */
  reload(): Promise<void>;
  /**
   * Runs `fn(arg)` in the page and resolves with its (awaited) result. `fn` is sent as source text: it may use
   * only its argument and the page's globals. Argument and result must survive JSON (no functions, no DOM nodes).
   */
  evaluate<R, A = undefined>(fn: (arg: A) => R | Promise<R>, arg?: A): Promise<R>;
  /** Runs `fn(arg)` in the page every 100 ms until it returns a truthy value. */
  waitForFunction<A = undefined>(fn: (arg: A) => unknown, arg?: A, opts?: WaitOptions): Promise<void>;
  /**
   * Clicks the first element matching the CSS `selector` as a shopper does: scrolled into view, real pointer events.
   * Open shadow roots are searched too (a web component's cards), as Playwright's CSS engine does.
   */
  click(selector: string): Promise<void>;
  /**
   * Clicks at a point of the viewport (CSS pixels) with real pointer events: what no selector reaches, such as a card in a
   * closed shadow root (the page says where it is).
   */
  clickAt(x: number, y: number): Promise<void>;
  /** Presses and releases a key as a shopper does (real keyboard events, focus moves on Tab): `Tab`, `Escape` or `Enter`. */
  press(key: Key): Promise<void>;
  /** Sets the viewport (CSS pixels: `innerWidth` × `innerHeight`), as a phone's or a desktop's, for the documents to come and this one. */
  setViewport(width: number, height: number): Promise<void>;
  /** Runs `fn(arg)` in every document this tab loads from now on, before the page's own scripts. */
  addInitScript<A = undefined>(fn: (arg: A) => void, arg?: A): Promise<void>;
  /**
   * Every request of this tab's session so far (its tabs and their workers), observed by the engine's driver
   * (Chromium, Firefox) or by the proxy every WebKit request goes through.
   */
  requests(): readonly SeenRequest[];
  /**
   * Console messages and uncaught errors of this tab so far, as "type: text" lines. Chromium and Firefox report
   * the worker's messages too; WebKit's driver has no console access, so there the page's own lines are
   * collected by an init script (the worker's are not seen).
   */
  consoleLines(): Promise<readonly string[]>;
  /** Uncaught exceptions and unhandled rejections of the page so far. */
  pageErrors(): Promise<readonly string[]>;
}

/** A fresh profile (cookies, storage, cache) with one tab; closed after each test. */
export interface BrowserSession {
  readonly page: BrowserPage;
  /** Another tab of the same profile (shared storage, Web Locks, BroadcastChannel), as a shopper opens one. */
  newPage(): Promise<BrowserPage>;
  close(): Promise<void>;
}

export interface SessionOptions {
  /**
   * The engine's private browsing mode, as a shopper gets it: Chromium's incognito profile (what every
   * Playwright context is), Firefox with `browser.privatebrowsing.autostart`, MiniBrowser `--private`.
   */
  private?: boolean;
  /**
   * `false`: the browser refuses IndexedDB, each engine as it really can: WebKit with its IndexedDB API switched off
   * (`indexedDB` is not defined), Firefox's private window as before Firefox 115 (opening fails with
   * InvalidStateError), Chromium (which has no switch) with `indexedDB.open()` throwing, from an init script.
   */
  indexedDB?: false;
}

/** One running browser (per Playwright worker) that hands out isolated sessions. */
export interface EngineDriver {
  readonly name: EngineName;
  /** The browser's own version string, e.g. "156.0.8078.108", "153.8.0esr", "2.50.6". */
  readonly version: string;
  newSession(opts?: SessionOptions): Promise<BrowserSession>;
  close(): Promise<void>;
}

/** The source of `fn(arg)` as one expression, for drivers that send scripts as text. */
export function callSource(fn: (arg: never) => unknown, arg: unknown): string {
  return `(${fn.toString()})(${arg === undefined ? '' : JSON.stringify(arg)})`;
}
