// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as RecoApi from '../src/index.ts';

/** A worker the page's policy forbids: init() settles at once, without a model. */
class BlockedWorker {
  constructor() {
    throw new Error('blocked');
  }
}
type Win = { Reco?: unknown };
let n = 0;

/** The README's async snippet, as a shop pastes it (run before reco.js has loaded). */
function snippet(): void {
  /* eslint-disable */
  // prettier-ignore
  (function (w: any, r?: any) { r = w.Reco = w.Reco || { q: [] }; if (r.q) 'init track on rank personalize explain train forget destroy'.split(' ').forEach(function (m) { r[m] = r[m] || function () { var a = arguments; return new Promise(function (y, n) { r.q.push([m, a, y, n]); }); }; }); })(window);
  /* eslint-enable */
}

/** Loads dist/reco.js's entry as the script tag does: a fresh module that reads window.Reco. */
async function loadScript(): Promise<typeof RecoApi> {
  vi.resetModules();
  await import('../src/global.ts');
  return (window as Win).Reco as typeof RecoApi;
}

beforeEach(() => {
  document.body.innerHTML = `<div data-reco-grid="home"><a data-reco-id="a"></a><a data-reco-id="b"></a></div>`;
  vi.stubGlobal('Worker', BlockedWorker);
  vi.spyOn(console, 'error').mockImplementation(() => {});
  delete (window as Win).Reco;
  // export() reads every database Reco used on the origin (by the registry, and by their stores where the browser
  // lists them): each test is an origin of its own.
  localStorage.clear();
  vi.stubGlobal('indexedDB', new IDBFactory());
});
afterEach(async () => {
  await ((window as Win).Reco as typeof RecoApi | undefined)?.destroy?.();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('the script tag and the async snippet', () => {
  it('replays the calls made before reco.js loaded, in order, and settles their promises with the real results', async () => {
    snippet();
    const stub = (window as Win).Reco as { q: unknown[] } & Record<string, (...a: unknown[]) => Promise<unknown>>;
    const heard: string[] = [];
    const subscribed = stub['on']!('event', (e: { type: string; itemId: string }) => heard.push(`${e.type} ${e.itemId}`));
    const started = stub['init']!({ dbName: `global-${++n}` });
    void stub['track']!('view_item', 'b');
    void stub['track']!('add_to_cart', 'b', { value: 3 });
    const ranked = stub['rank']!(['b', 'a']);
    expect(stub.q).toHaveLength(5);

    const Reco = await loadScript();
    expect(Reco).not.toBe(stub);
    expect(typeof (await subscribed)).toBe('function'); // on() resolves to the unsubscribe function
    const reco = (await started) as RecoApi.RecoInstance;
    expect(reco.status().storage).toBe('indexeddb');
    expect(await ranked).toEqual([
      { id: 'b', score: 0 },
      { id: 'a', score: 0 },
    ]);
    expect(heard).toEqual(['view_item b', 'add_to_cart b']);
    expect((await Reco.exportData()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item b', 'add_to_cart b']);
  });

  it('a queued call of an unknown method rejects its own promise; the others still run', async () => {
    snippet();
    const stub = (window as Win).Reco as { q: unknown[][] } & Record<string, (...a: unknown[]) => Promise<unknown>>;
    const bogus = new Promise((y, no) => stub.q.push(['nope', [], y, no]));
    const started = stub['init']!({ dbName: `global-${++n}` });
    await loadScript();
    await expect(bogus).rejects.toThrow('Reco.nope is not a function (queued before reco.js loaded)');
    await expect(started).resolves.toBeTruthy();
  });

  it('a snippet that also names status (or any method the loaded script has) is a stub all the same: its calls are replayed, not taken for a second copy', async () => {
    /* eslint-disable */
    // prettier-ignore
    (function (w: any, r?: any) { r = w.Reco = w.Reco || { q: [] }; if (r.q) 'init track status'.split(' ').forEach(function (m) { r[m] = r[m] || function () { var a = arguments; return new Promise(function (y, n) { r.q.push([m, a, y, n]); }); }; }); })(window);
    /* eslint-enable */
    const stub = (window as Win).Reco as Record<string, (...a: unknown[]) => Promise<unknown>>;
    const started = stub['init']!({ dbName: `global-${++n}` });
    const status = stub['status']!();
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const Reco = await loadScript();
    expect(Reco).not.toBe(stub);
    expect(warn).not.toHaveBeenCalled();
    await expect(started).resolves.toBeTruthy();
    expect(await status).toMatchObject({ engine: expect.any(String) });
  });

  it('without a snippet, defines window.Reco; a snippet after it changes nothing; loaded twice, the first copy keeps running', async () => {
    const first = await loadScript();
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['init', 'track', 'on', 'rank', 'status', 'export', 'exportData']));
    snippet(); // pasted after the script (or twice): leaves the loaded Reco alone
    expect((window as Win).Reco).toBe(first);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    expect(await loadScript()).toBe(first);
    expect(warn).toHaveBeenCalledWith('[reco] reco.js was loaded twice; the first copy keeps running');
  });
});

describe('the global functions around init()', () => {
  it('track() before init() is recorded once init() starts; calls while init runs reach the new instance', async () => {
    const Reco = await loadScript();
    Reco.track('view_item', 'a');
    expect(Reco.status().lastError).toBe('Reco.init() has not been called');
    const started = Reco.init({ dbName: `global-${++n}` });
    // init() is under way: these reach the instance it makes, none is dropped.
    Reco.track('add_to_cart', 'a');
    const exported = Reco.exportData();
    await started;
    expect((await exported).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'add_to_cart a']);
  });

  it("personalize(shadowRoot) before init(): the component's grid is followed once init() starts, held until ranked", async () => {
    const Reco = await loadScript();
    const host = document.createElement('shop-grid');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = '<div data-reco-grid="c"><a data-reco-id="a"></a><a data-reco-id="b"></a></div>';
    const grid = root.querySelector('[data-reco-grid]')!;
    await Reco.personalize(root);
    expect(grid.hasAttribute('data-reco-pending'), 'nothing before init()').toBe(false);
    // A shopper who was here before (on a first visit nothing could move the grid: it is not held).
    localStorage.setItem('reco:session', JSON.stringify({ id: 'earlier', last: Date.now() - 60_000 }));
    const started = Reco.init({ dbName: `global-${++n}` });
    expect(grid.hasAttribute('data-reco-pending'), 'held as init() starts').toBe(true);
    await started;
    host.remove();
  });

  it('rank() without init(): the items in their order, and bad input named in one console message per problem, never a raw TypeError', async () => {
    const Reco = await loadScript();
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    await expect(Reco.rank(['b', { id: 'a', title: 'A' }])).resolves.toEqual([
      { id: 'b', score: 0 },
      { id: 'a', score: 0 },
    ]);
    await expect(Reco.rank(null as never)).resolves.toEqual([]);
    await expect(Reco.rank(['b', null, { title: 'no id' }] as never)).resolves.toEqual([{ id: 'b', score: 0 }]);
    expect(error.mock.calls.map((c) => c.join(' '))).toEqual([
      '[reco] rank(items): expected an array of ids or { id, title?, category?, brand?, price? } items',
      '[reco] rank(items): items[1].id expected a non-empty string',
      '[reco] rank(items): items[2].id expected a non-empty string',
    ]);
  });

  it('a second init() replaces the first instance: events are recorded once', async () => {
    const Reco = await loadScript();
    await Reco.init({ dbName: `global-${++n}` });
    const second = await Reco.init({ dbName: `global-${n}` });
    document.querySelector('[data-reco-id="a"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(second.status().events).toBe(1);
    expect((await Reco.exportData()).events.map((e) => e.type)).toEqual(['select_item']);
  });

  it('status() through Reco after Reco.destroy() says destroy() was called, not that init() never was (a single-page app ends Reco with a route)', async () => {
    const Reco = await loadScript();
    await Reco.init({ dbName: `global-${++n}`, consent: 'denied' });
    await Reco.destroy();
    expect(Reco.status()).toMatchObject({
      ready: false,
      engine: 'off',
      storage: 'off',
      storageReason: 'destroy() was called',
      consent: 'denied',
    });
    expect(Reco.status().lastError).not.toBe('Reco.init() has not been called');
    // The next route's init() is reported again.
    await Reco.init({ dbName: `global-${n}` });
    expect(Reco.status()).toMatchObject({ consent: 'granted', storageReason: null });
  });

  it('an invalid option rejects init() and leaves the running instance alone; with none, status() says why', async () => {
    const Reco = await loadScript();
    await expect(Reco.init({ holdout: 2 })).rejects.toThrow(TypeError);
    expect(Reco.status()).toMatchObject({ ready: false, lastError: expect.stringMatching(/^TypeError: .*holdout.* got 2$/) });
    const first = await Reco.init({ dbName: `global-${++n}` });
    await expect(Reco.init({ holdout: 2 })).rejects.toThrow(TypeError);
    Reco.track('view_item', 'a');
    expect(first.status().events).toBe(1);
  });

  it('without init(), export() reports what the databases Reco used hold, and forget() erases them, every reco: key and the other tabs hear it', async () => {
    let Reco = await loadScript();
    const dbName = `global-${++n}`;
    const reco = await Reco.init({ dbName });
    reco.track('view_item', 'a');
    await Reco.exportData(); // flushes
    await Reco.destroy();
    expect((await indexedDB.databases()).map((d) => d.name)).toContain(dbName);

    // Another page view (a privacy page) that never calls init().
    delete (window as Win).Reco;
    Reco = await loadScript();
    expect((await Reco.exportData()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a']);
    const heard = new BroadcastChannel('reco-page');
    const told = new Promise((resolve) => (heard.onmessage = (e) => resolve(e.data)));
    await Reco.forget();
    expect(await told).toEqual({ type: 'forget' });
    heard.close();
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('reco'))).toEqual([]);
    expect((await Reco.exportData()).events).toEqual([]);
  });
});

describe('forget() through Reco (a review: each failed before)', () => {
  it('forget() before init() (a privacy page): a track() made before is dropped, and a later init() in the same page view stores nothing', async () => {
    const Reco = await loadScript();
    Reco.track('view_item', 'sku-before-forget');
    await Reco.forget();
    const reco = await Reco.init({ dbName: 'global-forget-early' });
    reco.track('view_item', 'sku-after');
    expect(reco.status()).toMatchObject({
      storage: 'off',
      storageReason: 'forget() was called: nothing is stored for the rest of this page view',
    });
    expect((await reco.export()).events).toEqual([]);
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain('global-forget-early');
    expect(Object.keys(localStorage).filter((k) => k.startsWith('reco'))).toEqual([]);
  });

  it('forget() while an init() runs, with another init() after it (a single-page app changes route), erases everything', async () => {
    const Reco = await loadScript();
    const dbName = 'global-forget-routes';
    const first = await Reco.init({ dbName });
    first.track('view_item', 'a');
    await first.export();
    void Reco.init({ dbName });
    const forgetting = Reco.forget();
    void Reco.init({ dbName });
    await forgetting;
    expect((await indexedDB.databases()).map((d) => d.name)).not.toContain(dbName);
  });
});
