// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { expose } from 'comlink';
import { MessageChannel as NodeMessageChannel, type MessagePort as NodeMessagePort } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecoInstance } from '../../src/main/api.ts';
import { subscribe, type Listeners } from '../../src/main/events.ts';
import type * as Instance from '../../src/main/instance.ts';
import { openStore } from '../../src/shared/store.ts';

const SCRIPT = 'https://shop.example/reco.js';
const order = () => [...document.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id'));
let reco: RecoInstance | undefined;
/** A worker the page's Content-Security-Policy forbids: the constructor throws. */
class BlockedWorker {
  constructor() {
    throw new Error('blocked by CSP');
  }
}
/**
 * A worker that answers as one with no model would (no scores: the grids keep their order), and records the item
 * features the page has it store (comlink over a MessageChannel, as the engine client speaks to a real one).
 */
function recordingWorker(remembered: unknown[][]) {
  return class {
    private readonly port: NodeMessagePort;
    constructor() {
      const { port1, port2 } = new NodeMessageChannel();
      this.port = port1;
      const status = { backend: 'cpu', backends: [], model: null, cache: {}, learning: null };
      expose(
        {
          init: () => status,
          status: () => status,
          arrange: () => ({ order: null, source: 'none' }),
          rank: () => ({ scores: null, source: 'none' }),
          changed: () => {},
          remember: (items: unknown[]) => void remembered.push(items),
          settle: () => {},
          catalog: () => null,
          forget: () => null,
        },
        port2 as never,
      );
    }
    postMessage(m: unknown, t?: Transferable[]) {
      this.port.postMessage(m, t as never);
    }
    addEventListener(type: string, fn: EventListener) {
      if (type === 'message') this.port.addEventListener('message', fn as never);
    }
    removeEventListener(type: string, fn: EventListener) {
      if (type === 'message') this.port.removeEventListener('message', fn as never);
    }
    start() {
      this.port.start();
    }
    terminate() {
      this.port.close();
    }
  };
}
let n = 0;
/** A click an earlier page view left in the click journal (it navigated away before the write): event id 'left-1'. */
const leaveInJournal = () =>
  localStorage.setItem(
    'reco:pending',
    JSON.stringify({
      earlier: [
        {
          id: 'left-1',
          type: 'select_item',
          itemId: 'a',
          listId: 'home',
          position: 0,
          ts: Date.now() - 1000,
          sessionId: 's',
          path: '/',
          control: false,
          pageViewId: 'earlier',
        },
      ],
    }),
  );

let createInstance: typeof Instance.createInstance;
let startInstance: typeof Instance.startInstance;
beforeEach(async () => {
  // Each test is a page view of its own: the module's page-view state (forget() was called) starts afresh.
  vi.resetModules();
  ({ createInstance, startInstance } = await import('../../src/main/instance.ts'));
  // export() and forget() find every database of Reco's on the origin (by the registry, and by their stores where
  // the browser lists them): each test is an origin of its own.
  localStorage.clear();
  vi.stubGlobal('indexedDB', new IDBFactory());
  document.body.innerHTML = `<div data-reco-grid="home"><a data-reco-id="a"></a><a data-reco-id="b"></a></div>`;
  vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(async () => {
  await reco?.destroy();
  reco = undefined;
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('instance wiring', () => {
  it('with consent denied, what the shop pushes to its GA4 dataLayer meanwhile is not recorded by a later init() with consent', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const dataLayer: unknown[] = [];
    (window as { dataLayer?: unknown[] }).dataLayer = dataLayer;
    const bundled = { startWorker: null, model: null, loadDataLayerReader: () => import('../../src/main/datalayer-read.ts') };
    const add = (id: string) => dataLayer.push({ event: 'add_to_cart', ecommerce: { items: [{ item_id: id }] } });
    /** Waits until a reader (loaded on demand) has hooked the dataLayer's push, another than `before`'s. */
    const hooked = (before: unknown) =>
      vi.waitFor(() => {
        if (dataLayer.push === Array.prototype.push || dataLayer.push === before) throw new Error('the reader has not loaded yet');
      });
    try {
      add('before-the-banner');
      const declined = startInstance({ consent: 'denied', dbName: `instance-${++n}` }, SCRIPT, null, null, bundled);
      await declined.ready;
      await hooked(null);
      const declinedPush = dataLayer.push;
      add('declined');
      expect(dataLayer.filter((e) => (e as { event?: string }).event?.startsWith('reco_'))).toEqual([]); // no arm either
      const accepted = startInstance({ consent: 'granted', dbName: `instance-${n}` }, SCRIPT, null, declined.reco, bundled);
      reco = accepted.reco;
      await accepted.ready;
      await hooked(declinedPush);
      add('accepted');
      expect((await reco.export()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['add_to_cart accepted']);
    } finally {
      delete (window as { dataLayer?: unknown[] }).dataLayer;
    }
  });

  it('rejects invalid options with a TypeError naming the option', async () => {
    await expect(createInstance({ holdout: 3 }, SCRIPT, null)).rejects.toThrow(/option "holdout" expected a number from 0 to 1/);
  });

  it('with consent denied stores nothing, starts no worker, and keeps the shop order', async () => {
    const Worker = vi.fn();
    vi.stubGlobal('Worker', Worker);
    reco = await createInstance({ consent: 'denied', dbName: `instance-${++n}` }, SCRIPT, null);
    reco.track('add_to_cart', 'a');
    expect(Worker).not.toHaveBeenCalled();
    expect(reco.status()).toMatchObject({ ready: false, storage: 'off', events: 0, consent: 'denied', lastError: null });
    expect(await reco.rank(['b', 'a'])).toEqual([
      { id: 'b', score: 0 },
      { id: 'a', score: 0 },
    ]);
    expect((await reco.train()).reason).toBe('skipped: storage is off');
    expect((await reco.export()).events).toEqual([]);
    expect(order()).toEqual(['a', 'b']);
    // Nothing would fill a render()'s cards: none are made (they would leave an empty block on the page).
    document.body.insertAdjacentHTML('beforeend', '<section id="row"><template><a data-reco-slot="title"></a></template></section>');
    expect(await reco.render('#row', { placement: 'for-you', limit: 4 })).toEqual([]);
    expect(document.querySelectorAll('#row > a')).toHaveLength(0);
  });

  it('when the worker cannot start: one named error, in status, on(error) and the console; events still recorded', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const global: Listeners = new Map();
    const errors: Error[] = [];
    subscribe(global, 'error', (e) => errors.push(e), null);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, global);
    expect(errors.map((e) => e.name)).toEqual(['WorkerCrashedError']);
    expect(reco.status()).toMatchObject({ ready: false, storage: 'indexeddb' });
    expect(reco.status().lastError).toMatch(
      /^WorkerCrashedError: could not start the worker https:\/\/shop\.example\/reco\.worker\.js: blocked by CSP/,
    );
    expect(vi.mocked(console.error)).toHaveBeenCalledTimes(1);
    reco.track('add_to_cart', 'a', { value: 3 });
    expect(reco.status().events).toBe(1);
    expect((await reco.export()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['add_to_cart a']);
    expect(order()).toEqual(['a', 'b']);
  });

  it("says the shop's order is kept for a failure that keeps it, not for a call with an invalid argument", async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, new Map());
    reco.track('add_to_cart', 123 as never);
    const lines = vi.mocked(console.error).mock.calls.map((c) => String(c[0]));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^\[reco\] could not start the worker .*; the shop's own order is kept$/);
    expect(lines[1]).toBe('[reco] track: itemId must be a non-blank string; got 123');
    expect(reco.status().lastError).toBe('TypeError: track: itemId must be a non-blank string; got 123');
  });

  it("has the worker store the features of the items shown, with what the page's JSON-LD adds to the markup's", async () => {
    const remembered: unknown[][] = [];
    vi.stubGlobal('Worker', recordingWorker(remembered));
    document.head.innerHTML = `<script type="application/ld+json">${JSON.stringify({
      '@type': 'ItemList',
      itemListElement: [
        { '@type': 'Product', sku: 'a', name: 'Alpha', brand: 'AB' },
        { '@type': 'Product', sku: 'b', name: 'Beta', offers: { price: '7.50' } },
      ],
    })}</script>`;
    document.querySelector('[data-reco-id="b"]')!.setAttribute('data-reco-title', 'Own title');
    try {
      reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
      await vi.waitFor(() =>
        expect(remembered).toEqual([
          [
            { id: 'a', title: 'Alpha', brand: 'AB' },
            { id: 'b', title: 'Own title', price: 7.5 },
          ],
        ]),
      );
      expect((await reco.export()).items, "the page's store does not write the item cache").toEqual([]);
    } finally {
      document.head.innerHTML = '';
    }
  });

  it("a product page's view_item: the product the page's JSON-LD describes is stored with its features, a bare id is not", async () => {
    const remembered: unknown[][] = [];
    vi.stubGlobal('Worker', recordingWorker(remembered));
    document.head.innerHTML = `<script type="application/ld+json">${JSON.stringify({
      '@type': 'Product',
      sku: 'x1',
      name: 'Tressa Volumizing Shampoo',
      brand: { '@type': 'Brand', name: 'Tressa' },
      category: 'Hair Care > Shampoo',
    })}</script>`;
    try {
      reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
      reco.track('view_item', 'x1');
      reco.track('view_item', 'x2'); // not on this page: nothing is known of it but its id
      await vi.waitFor(() =>
        expect(remembered).toContainEqual([
          { id: 'x1', title: 'Tressa Volumizing Shampoo', brand: 'Tressa', category: 'Hair Care > Shampoo' },
        ]),
      );
      await reco.export(); // the worker's writes have settled
      expect(remembered.flat().map((f) => (f as { id: string }).id)).not.toContain('x2');
    } finally {
      document.head.innerHTML = '';
    }
  });

  it('reports invalid calls without throwing into the page', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    const errors: string[] = [];
    reco.on('error', (e) => errors.push(e.message));
    reco.track('bogus' as never, 'a');
    await reco.explain('');
    await reco.personalize('#home' as never);
    await reco.personalize(document.body);
    expect(errors).toEqual([
      expect.stringMatching(/^track: type must be one of view_item, .*; got "bogus"$/),
      'explain(itemId): expected a non-empty string, got ""',
      'personalize(root): expected a document, an element or a shadow root, got "#home"',
    ]);
  });

  it('records track() calls and clicks made before storage opened, with their own time, and writes them once it is open', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const t0 = Date.now();
    const started = startInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    reco = started.reco;
    // Nothing awaited yet: the store is still opening.
    reco.track('view_item', 'b');
    document.querySelector('[data-reco-id="a"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(reco.status().events).toBe(2);
    await started.ready;
    const stored = (await reco.export()).events;
    expect(stored.map((e) => `${e.type} ${e.itemId} ${e.listId}`)).toEqual(['view_item b null', 'select_item a home']);
    expect(stored[0]!.ts).toBeGreaterThanOrEqual(t0);
    expect(reco.status().events).toBe(2);
  });

  it('rank() called while init runs waits for the worker to answer instead of answering without the model', async () => {
    let startWorker!: () => void;
    const gate = new Promise<void>((r) => (startWorker = r));
    // A worker that fails only once the test lets it: init stays under way until then.
    vi.stubGlobal(
      'Worker',
      class extends EventTarget {
        constructor() {
          super();
          void gate.then(() => this.dispatchEvent(Object.assign(new Event('error'), { message: 'gone' })));
        }
        postMessage() {}
        terminate() {}
      },
    );
    const started = startInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    reco = started.reco;
    let settled = false;
    const ranked = reco.rank(['b', 'a']).then((r) => ((settled = true), r));
    await new Promise((r) => setTimeout(r, 50));
    expect(settled).toBe(false);
    startWorker();
    expect(await ranked).toEqual([
      { id: 'b', score: 0 },
      { id: 'a', score: 0 },
    ]);
    expect(reco.status().lastError).toMatch(/WorkerCrashedError/);
  });

  it('track() rejects the automatic types, an array, a Date or a Map as extra and non-finite numbers, naming the field, also when nothing is stored', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    for (const consent of ['granted', 'denied'] as const) {
      reco = await createInstance({ consent, dbName: `instance-${++n}` }, SCRIPT, null);
      const errors: string[] = [];
      reco.on('error', (e) => errors.push(`${e.name}: ${e.message}`));
      reco.track('select_item' as never, 'a');
      reco.track('view_item_list' as never, 'a');
      reco.track('add_to_cart', 'a', ['x'] as never);
      reco.track('add_to_cart', 'a', { value: Infinity });
      reco.track('add_to_cart', 'a', { value: NaN });
      reco.track('add_to_cart', 'a', { items: ['x'] } as never);
      reco.track('add_to_cart', 'a', new Date(0) as never);
      reco.track('add_to_cart', 'a', new Map([['value', 1]]) as never);
      expect(errors).toEqual([
        expect.stringMatching(/^TypeError: track: type "select_item" is recorded automatically .*; report one of view_item, /),
        expect.stringMatching(/^TypeError: track: type "view_item_list" is recorded automatically/),
        'TypeError: track: extra must be an object of string, number or boolean values; got an array ["x"]',
        'TypeError: track: extra.value must be a finite number; got Infinity',
        'TypeError: track: extra.value must be a finite number; got NaN',
        'TypeError: track: extra.items must be a string, number or boolean; got an array',
        'TypeError: track: extra must be an object of string, number or boolean values; got "1970-01-01T00:00:00.000Z"',
        'TypeError: track: extra must be an object of string, number or boolean values; got {}',
      ]);
      expect(reco.status().events).toBe(0);
      await reco.destroy();
    }
  });
});

/** Names of the IndexedDB databases that exist. */
const databases = async () => (await indexedDB.databases()).map((d) => d.name);

describe('destroy()', () => {
  it('status() then says the engine and storage are off and why, not "down" with no reason', async () => {
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    await reco.destroy();
    expect(reco.status()).toMatchObject({ ready: false, engine: 'off', storage: 'off', storageReason: 'destroy() was called' });
  });
});

describe('init() twice on a page', () => {
  /** A first init() drawn into the personalized arm, then a second whose own draw would be the control group. */
  async function twoInits(): Promise<RecoInstance> {
    vi.stubGlobal('Worker', BlockedWorker);
    const random = vi.spyOn(Math, 'random').mockReturnValue(0.9);
    const first = startInstance({ dbName: `instance-${++n}`, holdout: 0.5 }, SCRIPT, null);
    await first.ready;
    random.mockReturnValue(0.1);
    const second = startInstance({ dbName: `instance-${n}`, holdout: 0.5 }, SCRIPT, null, first.reco);
    await second.ready;
    return second.reco;
  }

  it('keeps the arm of the first also without a dataLayer: one page view, one arm', async () => {
    reco = await twoInits();
    const stamped: boolean[] = [];
    reco.on('event', (e) => stamped.push(e.control));
    reco.track('view_item', 'a');
    expect({ control: reco.status().control, stamped }).toEqual({ control: false, stamped: [false] });
  });

  it("keeps the arm the dataLayer was told: events and the shop's analytics agree on the page view's arm", async () => {
    (window as { dataLayer?: unknown[] }).dataLayer = [];
    try {
      reco = await twoInits();
      const arms = (window as unknown as { dataLayer: { reco_arm: string }[] }).dataLayer.map((e) => e.reco_arm);
      const stamped: boolean[] = [];
      reco.on('event', (e) => stamped.push(e.control));
      reco.track('view_item', 'a');
      expect({ arms, control: reco.status().control, stamped }).toEqual({ arms: ['personalized'], control: false, stamped: [false] });
    } finally {
      delete (window as { dataLayer?: unknown[] }).dataLayer;
    }
  });
});

describe("a data layer of another name (Tag Manager's snippet given 'shopLayer', gtag.js's &l=shopLayer)", () => {
  it('dataLayerName: reads the shop’s GA4 pushes and writes the arm there, and makes no window.dataLayer', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const bundled = { startWorker: null, model: null, loadDataLayerReader: () => import('../../src/main/datalayer-read.ts') };
    const page = window as unknown as Record<string, unknown>;
    const layer: unknown[] = [{ event: 'view_item', ecommerce: { items: [{ item_id: 'a', item_name: 'Velvet Matte Lipstick' }] } }];
    page['shopLayer'] = layer;
    try {
      const started = startInstance({ dbName: `instance-${++n}`, dataLayerName: 'shopLayer' }, SCRIPT, null, null, bundled);
      reco = started.reco;
      await started.ready;
      await vi.waitFor(async () => expect((await reco!.export()).events.map((e) => `${e.type} ${e.itemId}`)).toContain('view_item a'));
      expect(layer).toContainEqual({ event: 'reco_personalized', reco_arm: 'personalized' });
      expect(page['dataLayer']).toBeUndefined();
    } finally {
      delete page['shopLayer'];
    }
  });
});

describe('a shop that tells Matomo of its ecommerce (window._paq)', () => {
  it('reads its calls without an option, export() reports the cart kept for the next cart update, and forget() erases it', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    localStorage.clear();
    const bundled = { startWorker: null, model: null, loadDataLayerReader: () => import('../../src/main/datalayer-read.ts') };
    const page = window as unknown as { _paq?: unknown[] };
    page._paq = [['setEcommerceView', 'a', 'Velvet Matte Lipstick', ['Makeup', 'Lips'], 24.9], ['trackPageView']];
    try {
      const started = startInstance({ dbName: `instance-${++n}` }, SCRIPT, null, null, bundled);
      reco = started.reco;
      await started.ready;
      page._paq.push(['addEcommerceItem', 'b', 'Mascara', 'Makeup', 12, 2], ['trackEcommerceCartUpdate', 24]);
      const stored = await reco.export();
      expect(stored.events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'add_to_cart b']);
      expect(stored.matomoCart).toEqual({ b: 2 });
      await reco.forget();
      expect(localStorage.getItem('reco:matomo-cart')).toBeNull();
      // Nothing more is kept in this page view: the cart's next update is compared with this page view's own.
      page._paq.push(['addEcommerceItem', 'c', 'Serum', 'Skin care', 30, 1], ['trackEcommerceCartUpdate', 54]);
      expect(localStorage.getItem('reco:matomo-cart')).toBeNull();
    } finally {
      delete page._paq;
    }
  });

  it('a reader module that cannot load is logged once, naming both the GA4 and the Matomo events it would have read', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const bundled = { startWorker: null, model: null, loadDataLayerReader: () => Promise.reject(new Error('HTTP 404')) };
    const page = window as unknown as { _paq?: unknown[]; dataLayer?: unknown[] };
    page._paq = [];
    page.dataLayer = [];
    try {
      const started = startInstance({ dbName: `instance-${++n}` }, SCRIPT, null, null, bundled);
      reco = started.reco;
      await started.ready;
      expect(logged.mock.calls.flat().filter((m) => String(m).includes('reco.datalayer.mjs'))).toEqual([
        "[reco] could not load the dataLayer reader (reco.datalayer.mjs): HTTP 404; the shop's GA4 and Matomo events are not recorded",
      ]);
    } finally {
      delete page._paq;
      delete page.dataLayer;
    }
  });

  it('matomo: false leaves window._paq alone', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const bundled = { startWorker: null, model: null, loadDataLayerReader: () => import('../../src/main/datalayer-read.ts') };
    const page = window as unknown as { _paq?: unknown[] };
    const queue: unknown[] = [['setEcommerceView', 'a', 'Lipstick', 'Makeup', 10]];
    const push = queue.push;
    page._paq = queue;
    try {
      const started = startInstance({ dbName: `instance-${++n}`, matomo: false }, SCRIPT, null, null, bundled);
      reco = started.reco;
      await started.ready;
      expect(queue.push).toBe(push);
      expect((await reco.export()).events).toEqual([]);
    } finally {
      delete page._paq;
    }
  });
});

describe('forget() and export() reach everything stored, whatever the current mode', () => {
  /** A page view with consent that stores two events and an item, then ends. */
  async function browseWithConsent(dbName: string) {
    const first = await createInstance({ dbName }, SCRIPT, null);
    first.track('view_item', 'a');
    first.track('add_to_cart', 'b', { value: 3 });
    await first.personalize();
    await first.export(); // flushes
    await first.destroy();
    // The features of the items shown, as the worker stores them (no worker runs here: the page's CSP blocks it).
    const worker = await openStore({ dbName, prune: false });
    await worker.putItems([
      { id: 'a', title: 'A' },
      { id: 'b', title: 'B' },
    ]);
    worker.close();
  }

  beforeEach(() => {
    vi.stubGlobal('Worker', BlockedWorker);
    localStorage.clear();
  });

  it('after consent is withdrawn: export() still reports what is stored, and forget() erases the database and every reco: key', async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    expect(await databases()).toContain(dbName);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('reco:')).length).toBeGreaterThan(0);

    reco = await createInstance({ dbName, consent: 'denied' }, SCRIPT, null);
    expect(reco.status()).toMatchObject({ storage: 'off', storageReason: 'consent is denied: nothing is stored', engine: 'off' });
    const before = await reco.export();
    expect(before.events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'add_to_cart b']);
    expect(before.items.map((i) => i.id).sort()).toEqual(['a', 'b']);

    await reco.forget();
    expect(await databases()).not.toContain(dbName);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('reco'))).toEqual([]);
    // Reading never created the database again: a database that is not there is not opened (WebKit keeps one whose
    // creation is aborted).
    const open = vi.spyOn(indexedDB, 'open');
    expect((await reco.export()).events).toEqual([]);
    expect(open).not.toHaveBeenCalled();
    expect(await databases()).not.toContain(dbName);
  });

  it('says when a database did not answer: export() lists it in `unread` and logs one StorageError naming it', async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    reco = await createInstance({ dbName, consent: 'denied' }, SCRIPT, null);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    // Reads that never answer, as in a database another page holds (WebKit's back/forward cache, see src/shared/store.ts).
    const Request = IDBRequest as unknown as new () => IDBRequest<unknown[]>;
    const getAll = vi.spyOn(IDBObjectStore.prototype, 'getAll').mockImplementation(() => new Request());
    try {
      const out = await reco.export();
      expect(out.events).toEqual([]);
      expect(out.unread.map((u) => u.database)).toContain(dbName);
    } finally {
      getAll.mockRestore();
    }
    expect(reco.status().lastError).toMatch(
      new RegExp(`^StorageError: export\\(\\): "instance-\\d+" did not answer within 3 s .*: what it holds is missing from this export$`),
    );
    expect(logged.mock.calls.flat().filter((m) => String(m).includes(`"${dbName}" did not answer`))).toHaveLength(1);
  }, 15_000);

  it("with Global Privacy Control (memory only): export() has the stored events and this page view's; forget() erases both", async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    vi.stubGlobal('navigator', { ...navigator, globalPrivacyControl: true });
    reco = await createInstance({ dbName }, SCRIPT, null);
    expect(reco.status()).toMatchObject({ storage: 'memory', storageReason: expect.stringMatching(/Global Privacy Control/) });
    reco.track('purchase', 'c');
    expect((await reco.export()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'add_to_cart b', 'purchase c']);
    await reco.forget();
    expect(await databases()).not.toContain(dbName);
    expect((await reco.export()).events).toEqual([]);
    expect(reco.status()).toMatchObject({ storage: 'off', events: 0 });
  });

  it("forget() notes the databases it erases in the call's own task, and the note goes once they are erased", async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    reco = await createInstance({ dbName }, SCRIPT, null);
    const erasing = reco.forget();
    // A page view the shopper leaves at once (a script navigating right after the call) has done this much.
    expect(JSON.parse(localStorage.getItem('reco:forgetting') ?? '[]')).toContain(dbName);
    await erasing;
    expect(localStorage.getItem('reco:forgetting')).toBeNull();
    expect(await databases()).not.toContain(dbName);
  });

  it("a forget() whose page view ended before it had erased anything is finished by the next page view before it stores or reads: nothing forgotten is exported, nor the journal's clicks", async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    leaveInJournal(); // a click of the page view that called forget()
    localStorage.setItem('reco:forgetting', JSON.stringify([dbName])); // what its forget() had noted as it left
    reco = await createInstance({ dbName }, SCRIPT, null);
    reco.track('view_item', 'b');
    const { events, items } = await reco.export();
    expect(events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item b']);
    expect(items).toEqual([]);
    expect(localStorage.getItem('reco:forgetting')).toBeNull();
    expect(reco.status()).toMatchObject({ storage: 'indexeddb', events: 1 });
    expect(reco.status().lastError).toMatch(/^WorkerCrashedError/); // this suite's worker is blocked; nothing else failed
  });

  it('with localStorage refused (a browser setting that leaves IndexedDB on), what a page view stored is there in the next: no forget() note is read into an erasing', async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    const refused = () => {
      throw new DOMException('The operation is insecure.', 'SecurityError');
    };
    vi.stubGlobal('localStorage', new Proxy({}, { get: refused, set: refused }));
    reco = await createInstance({ dbName }, SCRIPT, null);
    expect((await reco.export()).events.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'add_to_cart b']);
    expect(await databases()).toContain(dbName);
  });

  it("after forget(), a later init() in the same page view (a single-page app's next route) stores nothing either", async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    reco = await createInstance({ dbName }, SCRIPT, null);
    await reco.forget();
    const Worker = vi.fn();
    vi.stubGlobal('Worker', Worker);
    reco = await createInstance({ dbName }, SCRIPT, null);
    reco.track('purchase', 'b', { value: 10 });
    await new Promise((r) => setTimeout(r, 1500)); // past the tracker's batched write
    expect(reco.status()).toMatchObject({
      storage: 'off',
      engine: 'off',
      storageReason: 'forget() was called: nothing is stored for the rest of this page view',
    });
    expect(Worker).not.toHaveBeenCalled(); // it would store the model in Cache Storage anew
    expect(await databases()).not.toContain(dbName);
    expect(Object.keys(localStorage).filter((k) => k.startsWith('reco'))).toEqual([]);
  });

  it('a database used under another dbName earlier is erased too (the registry names it)', async () => {
    const old = `instance-${++n}`;
    await browseWithConsent(old);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    expect((await reco.export()).events).toHaveLength(2);
    await reco.forget();
    expect(await databases()).not.toContain(old);
  });

  it('a page that keeps the database open (and ignores versionchange) delays its deletion: forget() says so, and nothing stored is left in it', async () => {
    const dbName = `instance-${++n}`;
    await browseWithConsent(dbName);
    // Another page's connection that does not let go (WebKit keeps a reloaded page's open for seconds).
    const other = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(dbName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const errors: Error[] = [];
    reco = await createInstance({ dbName }, SCRIPT, null);
    reco.on('error', (e) => errors.push(e));
    expect((await reco.export()).events).toHaveLength(2);
    await reco.forget();
    expect(errors.map((e) => e.message)).toContainEqual(
      expect.stringMatching(/kept open by another page; it is deleted as soon as that page closes it/),
    );
    // Still there, and empty: what it held was cleared before the deletion was asked for.
    const count = (store: string) =>
      new Promise<number>((resolve, reject) => {
        const req = other.transaction(store).objectStore(store).count();
        req.onsuccess = () => resolve(req.result);
        req.onerror = () => reject(req.error);
      });
    expect(await databases()).toContain(dbName);
    expect([await count('events'), await count('items'), await count('meta'), await count('snapshots')]).toEqual([0, 0, 0, 0]);
    other.close();
    await vi.waitFor(async () => expect(await databases()).not.toContain(dbName));
  }, 15_000);

  it('another tab drops its pending events and stops writing when one tab calls forget()', async () => {
    const dbName = `instance-${++n}`;
    const a = await createInstance({ dbName }, SCRIPT, null);
    const b = await createInstance({ dbName }, SCRIPT, null);
    try {
      b.track('view_item', 'b-pending'); // recorded, not yet written (batches are written every second)
      await a.forget();
      await vi.waitFor(() => expect(b.status().storage).toBe('off'));
      expect(b.status().storageReason).toMatch(/forget\(\) was called in another tab/);
      b.track('add_to_cart', 'b-after');
      await b.export();
      await new Promise((r) => setTimeout(r, 1100)); // past the batch interval: nothing is written by b
      expect(await databases()).not.toContain(dbName);
      expect(Object.keys(localStorage).filter((k) => k.startsWith('reco'))).toEqual([]);
      expect((await a.export()).events).toEqual([]);
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });
  it("another tab's forget() heard after this page's store made the database (the other tab had deleted it): deleted again", async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const dbName = `instance-${++n}`; // none yet: this page view's opening makes it
    const started = startInstance({ dbName }, SCRIPT, null);
    reco = started.reco;
    await started.ready;
    expect(await databases()).toContain(dbName);
    const otherTab = new BroadcastChannel('reco-page');
    otherTab.postMessage({ type: 'forget' }); // its deletion came before this page opened; its message after
    otherTab.close();
    await vi.waitFor(() => expect(reco!.status().storage).toBe('off'));
    await vi.waitFor(async () => expect(await databases()).not.toContain(dbName));
  });
});

describe('status().events', () => {
  it('counts what another tab wrote once this tab is shown again', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const dbName = `instance-${++n}`;
    const a = await createInstance({ dbName }, SCRIPT, null);
    const b = await createInstance({ dbName }, SCRIPT, null);
    try {
      for (const id of ['x', 'y']) b.track('view_item', id);
      await b.export(); // written
      expect(a.status().events).toBe(0);
      document.dispatchEvent(new Event('visibilitychange')); // the shopper comes back to tab a
      await vi.waitFor(() => expect(a.status().events).toBe(2));
    } finally {
      await a.destroy();
      await b.destroy();
    }
  });

  it('counts the events a page view left in the click journal once they are written', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    leaveInJournal();
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    await vi.waitFor(() => expect(reco!.status().events).toBe(1));
    expect((await reco.export()).events.map((e) => e.id)).toEqual(['left-1']);
  });

  it('matches what is stored after a write fails for quota, and the failure is reported', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    const errors: string[] = [];
    reco.on('error', (e) => errors.push(`${e.name}: ${e.message}`));
    for (let i = 0; i < 10; i++) reco.track('view_item', `a${i}`);
    await reco.export();
    expect(reco.status().events).toBe(10);
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(() => {
      throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
    });
    for (const id of ['b', 'c', 'd', 'e']) reco.track('view_item', id);
    expect(reco.status().events).toBe(14); // recorded, not yet written
    await reco.export();
    vi.mocked(IDBObjectStore.prototype.put).mockRestore();
    // The oldest 20% were evicted to make room, and the retry failed: 8 stored.
    await vi.waitFor(() => expect(reco!.status().events).toBe(8));
    expect(errors).toEqual([
      expect.stringMatching(
        /^StorageError: the storage quota is full even after evicting the oldest 20% of events: 4 event\(s\) not stored/,
      ),
    ]);
    expect(reco.status().lastError).toMatch(/^StorageError: /);
    expect((await reco.export()).events).toHaveLength(8);
  });
});

describe('forget() and export() in the corners (a review: each failed before)', () => {
  const databases = async () => (await indexedDB.databases()).map((d) => d.name);
  /** Another connection's readwrite transaction that never ends: this page's next transaction on events never starts. */
  async function hold(dbName: string): Promise<() => void> {
    const other = await new Promise<IDBDatabase>(
      (resolve) => (indexedDB.open(dbName).onsuccess = (e) => resolve((e.target as IDBOpenDBRequest).result)),
    );
    let stop = false;
    const tx = other.transaction('events', 'readwrite');
    const spin = () => void (!stop && (tx.objectStore('events').count().onsuccess = spin));
    spin();
    return () => ((stop = true), other.close());
  }

  it('a database that runs no more transactions holds neither export() nor forget(), and the other databases are erased', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const old = `instance-${++n}`;
    const before = await createInstance({ dbName: old }, SCRIPT, null);
    before.track('view_item', 'z');
    await before.export();
    await before.destroy();
    const dbName = `instance-${++n}`;
    reco = await createInstance({ dbName }, SCRIPT, null);
    const release = await hold(dbName);
    try {
      reco.track('view_item', 'a');
      const settled = (p: Promise<unknown>) =>
        Promise.race([
          p.then(
            () => 'settled',
            () => 'rejected',
          ),
          new Promise((r) => setTimeout(r, 12_000, 'still waiting after 12 s')),
        ]);
      expect(await settled(reco.export())).toBe('settled');
      expect(await settled(reco.forget())).toBe('settled');
      expect(await databases()).not.toContain(old);
    } finally {
      release();
    }
  }, 30_000);

  it('forget() on an instance a later init() replaced erases all the same (it threw: its channel was closed)', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const dbName = `instance-${++n}`;
    const first = startInstance({ dbName }, SCRIPT, null);
    const replaced = await first.ready;
    replaced.track('view_item', 'a');
    await replaced.export();
    const second = startInstance({ dbName }, SCRIPT, null, replaced); // a single-page app's next route
    reco = second.reco;
    await second.ready;
    await replaced.forget();
    expect(await databases()).not.toContain(dbName);
  });

  it('export() with consent denied reports the clicks the previous page view left in the click journal (they are on the device too)', async () => {
    leaveInJournal();
    reco = await createInstance({ dbName: `instance-${++n}`, consent: 'denied' }, SCRIPT, null);
    expect((await reco.export()).events.map((e) => e.id)).toEqual(['left-1']);
  });

  it("status().events says 0 after another tab's forget() heard while this tab's store opened (it added the stored count after)", async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    const dbName = `instance-${++n}`;
    const first = await createInstance({ dbName }, SCRIPT, null);
    for (const id of ['x', 'y', 'z']) first.track('view_item', id);
    await first.export();
    await first.destroy();
    const count = IDBObjectStore.prototype.count;
    let calls = 0;
    const otherTab = new BroadcastChannel('reco-page');
    vi.spyOn(IDBObjectStore.prototype, 'count').mockImplementation(function (this: IDBObjectStore, ...args) {
      if (++calls === 2) otherTab.postMessage({ type: 'forget' }); // the page's count for status().events
      return count.apply(this, args as []);
    });
    const started = startInstance({ dbName }, SCRIPT, null);
    reco = started.reco;
    await started.ready;
    await vi.waitFor(() => expect(reco!.status().storage).toBe('off'));
    await new Promise((r) => setTimeout(r, 50));
    expect(reco.status().events).toBe(0);
    otherTab.close();
  });
});
