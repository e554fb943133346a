/**
 * Shared steps of the e2e specs: waiting for Reco, listening to its events from the first moment, reading grids.
 * Each takes a Playwright page (Chromium-only specs) or a cross-engine tab (e2e/engines), so one helper serves both.
 */
import { expect, type Page } from '@playwright/test';
import type * as RecoApi from '../../src/index.ts';
import type { DownloadProgress, RankedEvent } from '../../src/index.ts';
import { playwrightPage } from './engines/chromium.ts';
import type { BrowserPage } from './engines/page.ts';
import { BASE_URL } from './engines/server.ts';

const tabs = new WeakMap<Page, BrowserPage>();
/** The cross-engine view of `page` (a Playwright page is wrapped once). */
export function asTab(page: Page | BrowserPage): BrowserPage {
  if ('engine' in page) return page;
  let tab = tabs.get(page);
  if (!tab) tabs.set(page, (tab = playwrightPage(page)));
  return tab;
}
type AnyPage = Page | BrowserPage;

/** What the init script below collects in the page. */
export interface RecoLog {
  /** performance.now() of the 'ready' event. */
  readyAt: number | null;
  /** 'ranked' events, with the performance.now() when each arrived. */
  ranked: (RankedEvent & { at: number })[];
  /** 'progress' events of the model download. */
  progress: DownloadProgress[];
  errors: string[];
  consoleErrors: string[];
}

declare global {
  interface Window {
    Reco: typeof RecoApi;
    __reco: RecoLog;
  }
}

/**
 * Subscribes to Reco's 'ranked' and 'error' events as soon as the page defines `window.Reco`, i.e. before the
 * page's own `init()`, so events emitted during init are caught too. Also records console.error lines.
 */
export async function listenToReco(page: AnyPage): Promise<void> {
  await asTab(page).addInitScript(() => {
    const log: RecoLog = { readyAt: null, ranked: [], progress: [], errors: [], consoleErrors: [] };
    window.__reco = log;
    const consoleError = console.error.bind(console);
    console.error = (...args: unknown[]) => {
      log.consoleErrors.push(args.map(String).join(' '));
      consoleError(...args);
    };
    let reco: typeof RecoApi | undefined;
    Object.defineProperty(window, 'Reco', {
      configurable: true,
      get: () => reco,
      set(value: typeof RecoApi) {
        reco = value;
        value.on('ready', () => (log.readyAt ??= performance.now()));
        value.on('ranked', (d) => log.ranked.push({ ...d, at: performance.now() }));
        value.on('progress', (p) => log.progress.push(p));
        value.on('error', (e) => log.errors.push(`${e.name}: ${e.message}`));
      },
    });
  });
}

/** Waits until init() has settled: ready, failed with a reason in lastError, or running with nothing to run (consent denied). */
export async function waitForReco(page: AnyPage, timeout = 90_000): Promise<void> {
  await asTab(page).waitForFunction(
    () => {
      const s = window.Reco?.status();
      return (
        !!s &&
        (s.ready ||
          (s.engine === 'off' && s.lastError === null) ||
          // A restart's lastError is on record while the new worker starts: not settled yet.
          (!!s.lastError && s.engine !== 'restarting' && !/has not been called/.test(s.lastError)))
      );
    },
    undefined,
    { timeout, message: 'Reco.init() did not settle' },
  );
}

/** Waits until Reco is ready and returns its status; fails with lastError when it is not. */
export async function waitForReady(page: AnyPage, timeout = 90_000) {
  await waitForReco(page, timeout);
  const status = await asTab(page).evaluate(() => window.Reco.status());
  expect(status.lastError, 'Reco failed to start').toBeNull();
  expect(status.ready).toBe(true);
  return status;
}

/** Waits for a 'ranked' event of `listId`, the n-th (1-based) one of that list. */
export async function waitForRanked(page: AnyPage, listId: string, n = 1, timeout = 90_000): Promise<RankedEvent & { at: number }> {
  const tab = asTab(page);
  await tab.waitForFunction(([id, k]) => window.__reco.ranked.filter((r) => r.listId === id).length >= k, [listId, n] as const, {
    timeout,
    message: `no ranking of grid "${listId}"`,
  });
  return tab.evaluate(([id, k]) => window.__reco.ranked.filter((r) => r.listId === id)[k - 1]!, [listId, n] as const);
}

/** Items of a grid in DOM order: id and top-level category. */
export async function gridItems(page: AnyPage, selector: string): Promise<{ id: string; top: string; pinned: boolean }[]> {
  return asTab(page).evaluate(
    (sel) =>
      [...document.querySelectorAll(`${sel} [data-reco-id]`)].map((el) => ({
        id: el.getAttribute('data-reco-id')!,
        top: (el.getAttribute('data-reco-category') ?? '').split(' > ')[0]!,
        pinned: el.hasAttribute('data-reco-pin'),
      })),
    selector,
  );
}

/** Scrolls so that `selector` is entirely above the viewport (or below it when it cannot be) and checks it is out of view. */
export async function scrollOutOfView(page: AnyPage, selector: string): Promise<void> {
  // Scrolls again while the grid is still in view: WebKit may restore the scroll position of the previous page
  // view a moment after the load event, undoing a first scroll; a shopper would simply keep scrolling.
  await asTab(page).waitForFunction(
    (sel) => {
      const r = document.querySelector(sel)!.getBoundingClientRect();
      if (r.bottom <= 0 || r.top >= window.innerHeight) return true;
      window.scrollTo(0, window.scrollY + r.bottom + 10);
      return false;
    },
    selector,
    { timeout: 5_000, message: `${selector} could not be scrolled out of view` },
  );
}

/**
 * The shopper opens a product from the demo's home grid by clicking its card, then closes the product view.
 * Real clicks: the driver scrolls the card into view and clicks its link.
 */
export async function openAndCloseProduct(page: AnyPage, id: string): Promise<void> {
  const tab = asTab(page);
  await tab.click(`#grid-home [data-reco-id="${id}"] .card-link`);
  await tab.waitForFunction(() => document.querySelector('#product')!.hasAttribute('open'), undefined, {
    timeout: 10_000,
    message: `the product view of ${id} did not open`,
  });
  await tab.click('#product .dialog-close');
  await tab.waitForFunction(() => !document.querySelector('#product')!.hasAttribute('open'), undefined, {
    timeout: 10_000,
    message: 'the product view did not close',
  });
  // Closing goes back in history to the shop's own address (history.go, asynchronous): a reload or navigation
  // before it lands would be cancelled by it.
  await tab.waitForFunction(() => !location.hash.startsWith('#/p/'), undefined, {
    timeout: 10_000,
    message: 'closing the product view did not go back to the shop’s address',
  });
}

/**
 * Scrolls the page to the top and waits until it has stayed there (five checks, 20 ms apart). Closing the product view went back
 * in history, and the browser restores that entry's scroll position on its own schedule (Firefox can do so after a
 * `scrollTo(0, 0)` made right after the address changed back); a reload keeps whatever position the page had then.
 */
export async function backAtTop(page: AnyPage): Promise<void> {
  const still = await asTab(page).evaluate(async () => {
    const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 20));
    let still = 0;
    for (let waited = 0; waited < 250; waited++) {
      if (window.scrollX === 0 && window.scrollY === 0) still++;
      else {
        window.scrollTo(0, 0);
        still = 0;
      }
      if (still === 5) return true;
      await tick();
    }
    return false;
  });
  expect(still, 'the page stays at the top once scrolled there').toBe(true);
}

/** A returning shopper of the demo: opens (and closes) four products of one top category, then reloads the shop. */
export async function returningShopper(page: AnyPage, top: string): Promise<void> {
  const tab = asTab(page);
  await tab.goto('/');
  await waitForReady(tab);
  const picks = (await gridItems(tab, '#grid-home')).filter((it) => !it.pinned && it.top === top).slice(-4);
  for (const it of picks) await openAndCloseProduct(tab, it.id);
  await expect
    .poll(async () => (await tab.evaluate(() => window.Reco.export())).events.filter((e) => e.type === 'view_item').length)
    .toBe(4);
  await backAtTop(tab);
  await listenToReco(tab);
  await tab.reload();
  await waitForReady(tab);
}

/** How many of the first `top` items are of `category` (a top-level category). */
export const countInTop = (items: readonly { top: string }[], category: string, top = 8): number =>
  items.slice(0, top).filter((it) => it.top === category).length;

/**
 * The top-level category least present in the first `top` places, among those with at least `n` items that can move:
 * the one a shopper's `n` clicks can visibly raise.
 */
export function leastShownCategory(items: readonly { top: string; pinned?: boolean }[], n = 5, top = 8): string {
  return [...new Set(items.map((it) => it.top))]
    .filter((c) => items.filter((it) => it.top === c && !it.pinned).length >= n)
    .sort((a, b) => countInTop(items, a, top) - countInTop(items, b, top))[0]!;
}

/**
 * The demo scenario: in a fresh profile the shopper opens `clicks` products of the category least present in
 * the home grid's first `top` places, through real clicks on cards, then reloads. The home grid is above the
 * fold and nobody scrolls, as on a real repeat visit: it is re-ordered while it is held hidden, or never (a late
 * ranking waits until it is out of sight). Returns the grid before and after, and that category's count in the first places.
 * `at`: the demo's address (another origin's, e.g. the staging host).
 */
export async function shopperScenario(page: AnyPage, { clicks = 5, top = 8, at = '/' } = {}) {
  const tab = asTab(page);
  await listenToReco(tab);
  await tab.goto(at);
  await waitForReady(tab);

  // A fresh profile has no history: the home grid keeps the shop's own order.
  const before = await gridItems(tab, '#grid-home');
  expect(before.length).toBeGreaterThanOrEqual(40);
  const category = leastShownCategory(before, clicks, top);

  const clicked = before
    .filter((it) => it.top === category && !it.pinned)
    .slice(0, clicks)
    .map((it) => it.id);
  for (const id of clicked) await openAndCloseProduct(tab, id);
  const events = (await tab.evaluate(() => window.Reco.export())).events;
  for (const id of clicked) {
    expect(events.filter((e) => e.itemId === id).map((e) => e.type)).toEqual(expect.arrayContaining(['select_item', 'view_item']));
  }

  // The browser restores the scroll position on reload: back at the top first, where a repeat visitor lands.
  await backAtTop(tab);
  await tab.reload();
  const status = await waitForReady(tab);
  // Once init() resolved, the home grid was ranked within its hold or (a late ranking, or none) waits for ever.
  const ranked = await waitForRanked(tab, 'home', 1, 20_000).catch(async (err: Error) => {
    const log = await tab.evaluate(() => ({ cache: window.Reco.status().cache, ranked: window.__reco.ranked.map((r) => r.listId) }));
    throw new Error(`the home grid was not re-ordered (${JSON.stringify(log)}): ${err.message}`);
  });
  expect(await tab.evaluate(() => window.scrollY), 'nobody scrolled').toBe(0);
  const after = await gridItems(tab, '#grid-home');
  expect(after.map((it) => it.id)).toEqual(ranked.order);
  expect(new Set(after.map((it) => it.id))).toEqual(new Set(before.map((it) => it.id)));
  before.forEach((it, i) => it.pinned && expect(after[i]!.id, 'the promoted item keeps its place').toBe(it.id));
  const beforeCount = countInTop(before, category, top);
  const afterCount = countInTop(after, category, top);
  console.log(
    `[${tab.engine} ${status.backend}] home top ${top}: ${category} ${beforeCount} before, ${afterCount} after ${clicks} products opened`,
  );
  return { status, category, before, after, beforeCount, afterCount };
}

/**
 * Holds back the e2e server's answers for `path` (the default model's manifest unless said) until `release()`, as a slow
 * network does, in any engine (scripts/serve.ts, /e2e/hold); `asked()` says whether the browser has asked for it since.
 * Release it in a `finally`: a hold left behind lasts 30 s.
 */
export async function holdBack(path = '/models/default/model.json'): Promise<ServerHold> {
  return serverHold(path, '');
}

/**
 * Makes the e2e server answer every request for `path` with `status` (404: a file missing from the server) until
 * `release()`, in any engine (scripts/serve.ts, /e2e/hold with a status); `asked()` says whether the browser asked.
 * Release it in a `finally`: it lasts 30 s otherwise.
 */
export async function answerWith(path: string, status = 404): Promise<ServerHold> {
  return serverHold(path, `&status=${status}`);
}

/**
 * Makes the e2e server answer every request for `path` with something other than the file until `release()`:
 * `{ corrupt: true }` the file with bytes flipped (a bad disk, a proxy's rewrite), `{ body }` that text as JSON's type.
 */
export async function answerBroken(path: string, how: { corrupt: true } | { body: string }): Promise<ServerHold> {
  return 'corrupt' in how ? serverHold(path, '&corrupt') : serverHold(path, '&body', how.body);
}

export interface ServerHold {
  asked: () => Promise<boolean>;
  release: () => Promise<void>;
}

async function serverHold(path: string, query: string, body?: string): Promise<ServerHold> {
  const at = `${BASE_URL}/e2e/hold?path=${encodeURIComponent(path)}`;
  const ok = (res: Response) => {
    if (!res.ok) throw new Error(`${at}: HTTP ${res.status}`);
    return res;
  };
  ok(await fetch(at + query, { method: 'POST', ...(body !== undefined && { body }) }));
  return {
    asked: async () => ((await ok(await fetch(at)).json()) as { asked: boolean }).asked,
    release: async () => void ok(await fetch(at, { method: 'DELETE' })),
  };
}

/**
 * What the browser sends for `path` from now on, as the e2e server saw it (scripts/serve.ts, /e2e/seen), in any engine:
 * `requests()` gives each request's headers (lowercase names) and the status it was answered with.
 */
export async function watchRequests(
  path: string,
): Promise<{ requests: () => Promise<{ headers: Record<string, string | string[] | undefined>; status: number }[]> }> {
  const at = `${BASE_URL}/e2e/seen?path=${encodeURIComponent(path)}`;
  const res = await fetch(at, { method: 'POST' });
  if (!res.ok) throw new Error(`${at}: HTTP ${res.status}`);
  return { requests: async () => (await fetch(at)).json() };
}

/** The origins the tab's session sent requests to: a data: URL (Firefox reports a data:font/woff2 one) is inline, nothing is sent. */
export const originsSentTo = (page: AnyPage): Set<string> =>
  new Set(
    asTab(page)
      .requests()
      .filter((r) => !r.url.startsWith('data:'))
      .map((r) => new URL(r.url).origin),
  );

/** Adds `<script src="/reco.js">` to the page open now (a script the page inserts itself) and resolves once it has run. */
export async function addRecoScript(page: AnyPage): Promise<void> {
  await asTab(page).evaluate(
    () =>
      new Promise<void>((resolve, reject) => {
        const script = Object.assign(document.createElement('script'), { src: '/reco.js', onload: () => resolve(), onerror: reject });
        document.head.append(script);
      }),
  );
}

/** What {@link watchFirstSight} saw of a list: its order the first time the shopper could see it, and whether it was held. */
export interface FirstSight {
  /** The list's ids in the first frame it was shown (not hidden, with items); null while it has not been. */
  order: string[] | null;
  /** performance.now() of that frame. */
  at: number | null;
  /** Reco held the list (its container had `data-reco-pending`) before it was shown. */
  held: boolean;
}

/**
 * From the next document on: each frame, before it is painted, looks at the list (`#list`, a framework app's), until the
 * frame in which the shopper can first see it; {@link firstSight} reads what it saw.
 */
export async function watchFirstSight(page: AnyPage): Promise<void> {
  await asTab(page).addInitScript(() => {
    const seen = { order: null as string[] | null, at: null as number | null, held: false };
    (window as unknown as { __firstSight: typeof seen }).__firstSight = seen;
    const look = () => {
      const list = document.getElementById('list');
      if (list?.hasAttribute('data-reco-pending')) seen.held = true;
      // Shown: not held by Reco (clipped away, keyboard focus kept) nor hidden.
      const style = list && getComputedStyle(list);
      if (list?.children.length && style!.visibility !== 'hidden' && !style!.clipPath.startsWith('inset(50%')) {
        seen.order = [...list.querySelectorAll('[data-reco-id]')].map((el) => el.getAttribute('data-reco-id')!);
        seen.at = performance.now();
      } else requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
}

/** What {@link watchFirstSight} saw in this document so far. */
export const firstSight = (page: AnyPage): Promise<FirstSight> =>
  asTab(page).evaluate(() => (window as unknown as { __firstSight: FirstSight }).__firstSight);
