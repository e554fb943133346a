// @vitest-environment happy-dom
import { expose } from 'comlink';
import { MessageChannel as NodeMessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { bundledWorkerHint, createEngineClient, leavesPage } from '../../src/main/engine-client.ts';
import { BUNDLED_WORKER } from '../../src/main/worker-source.ts';
import type { EngineInit } from '../../src/shared/protocol.ts';

/** A Worker stand-in: comlink over a MessageChannel to a fake engine that records what it is told. */
function fakeWorker(log: { inits: unknown[]; setRules: unknown[]; stores?: unknown[] }) {
  const { port1, port2 } = new NodeMessageChannel();
  const status = { backend: 'cpu', backends: [], model: null, cache: {}, learning: null };
  expose(
    {
      init: (o: EngineInit) => {
        log.inits.push(o.rules);
        log.stores?.push({ store: o.store, learning: o.learning, catalog: o.catalog });
        return status;
      },
      setRules: (r: unknown) => {
        log.setRules.push(r);
        return true;
      },
      status: () => status,
      forget: () => null,
      rank: () => new Promise(() => {}),
      explain: () => new Promise(() => {}),
    },
    port2 as never,
  );
  const errors = new EventTarget();
  return {
    postMessage: (m: unknown, t?: Transferable[]) => port1.postMessage(m, t as never),
    addEventListener: (type: string, fn: EventListener) =>
      type === 'message' ? port1.addEventListener('message', fn as never) : errors.addEventListener(type, fn),
    removeEventListener: (type: string, fn: EventListener) =>
      type === 'message' ? port1.removeEventListener('message', fn as never) : errors.removeEventListener(type, fn),
    start: () => port1.start(),
    terminate: () => port1.close(),
    crash: () => errors.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message: 'boom' })),
    crashWithout: () => errors.dispatchEvent(Object.assign(new Event('error', { cancelable: true }), { message: '' })),
  };
}

describe('engine client', () => {
  it("a worker started after a crash starts with the rules setRules() gave, not init()'s", async () => {
    const log = { inits: [] as unknown[], setRules: [] as unknown[] };
    const workers: ReturnType<typeof fakeWorker>[] = [];
    const source = {
      url: 'fake-worker',
      start: () => {
        const w = fakeWorker(log);
        workers.push(w);
        return w as unknown as Worker;
      },
    };
    const initial = { hideUnavailable: true };
    const client = createEngineClient(
      source,
      { modelUrl: 'm', backends: ['cpu'], historyLength: 50, store: null, learning: null, rules: initial } as EngineInit,
      () => {},
      {
        onLearning: () => {},
        onProgress: () => {},
        onError: () => {},
      },
    );
    await client.status();
    const next = { boost: [{ brand: 'Aurelle', weight: 2 }] };
    expect(await client.setRules(next)).toBe(true);
    workers[0]!.crash();
    await new Promise((r) => setTimeout(r, 50));
    await client.status();
    expect(workers.length).toBe(2);
    expect(log.inits).toEqual([initial, next]);
    expect(log.setRules).toEqual([next]);
    client.terminate();
  });

  it('a worker started after forget() (a crash later in the page view) is given no database, item cache or learning', async () => {
    const log = { inits: [] as unknown[], setRules: [] as unknown[], stores: [] as unknown[] };
    const workers: ReturnType<typeof fakeWorker>[] = [];
    const source = {
      url: 'fake-worker',
      start: () => {
        workers.push(fakeWorker(log));
        return workers.at(-1) as unknown as Worker;
      },
    };
    const store = { dbName: 'reco', maxEvents: 5000, maxAgeDays: 90 };
    const learning = { trainAfterEvents: 20, trainIntervalMinutes: 10 };
    const init = { modelUrl: 'm', backends: ['cpu'], historyLength: 50, store, learning, catalog: { url: '/feed.jsonl', dbName: 'reco' } };
    const client = createEngineClient(source, init as EngineInit, () => {}, {
      onLearning: () => {},
      onProgress: () => {},
      onError: () => {},
    });
    await client.status();
    await client.forget();
    workers[0]!.crash();
    await new Promise((r) => setTimeout(r, 50));
    await client.status();
    expect(log.stores).toEqual([
      { store, learning, catalog: { url: '/feed.jsonl', dbName: 'reco' } },
      { store: null, learning: null, catalog: { url: '/feed.jsonl', dbName: null } },
    ]);
    client.terminate();
  });

  it('a bundled worker that does not load (a bundler that copied no worker: esbuild, Rollup) is reported with what to do', async () => {
    const states: string[] = [];
    const source = {
      url: BUNDLED_WORKER,
      start: () => {
        // A script that did not load: an error event without a message, and nothing ever answers.
        const w = fakeWorker({ inits: [], setRules: [] });
        setTimeout(() => w.crashWithout());
        return { ...w, postMessage: () => {} } as unknown as Worker;
      },
    };
    const client = createEngineClient(
      source,
      { modelUrl: 'm', backends: ['cpu'], historyLength: 50, store: null, learning: null } as unknown as EngineInit,
      () => {},
      { onLearning: () => {}, onProgress: () => {}, onError: () => {} },
      (state, reason) => states.push(`${state}: ${reason?.message ?? ''}`),
    );
    await expect.poll(() => states.length, { timeout: 5000 }).toBeGreaterThan(0);
    expect(states[0]).toBe(
      "restarting: the worker reco.worker.js (bundled by the app) failed: it could not load, or it crashed: did your bundler copy it? Without one that follows new URL('…', import.meta.url) (Vite, webpack 5), serve the package's dist/ and pass workerUrl and modelUrl",
    );
    client.terminate();
  });

  it("a bundled worker that did not load under Vite's dev server, which pre-bundled the package (before Vite 8): names the setting that fixes it", () => {
    expect(bundledWorkerHint('http://localhost:5173/node_modules/.vite/deps/reco-sdk.js?v=3f2a1b')).toBe(
      ": Vite's dev server pre-bundled reco-sdk into node_modules/.vite/deps/, where its worker is not (Vite before 8); add optimizeDeps: { exclude: ['reco-sdk'] } to vite.config",
    );
    expect(bundledWorkerHint('http://localhost:5173/node_modules/reco-sdk/dist/reco-core.mjs')).toMatch(/^: did your bundler copy it\?/);
  });
});

describe('leavesPage: a dispatched event that takes this tab to another document (the worker then starts no transaction)', () => {
  /**
   * Whether such an event on `selector` leaves the page, as the window's listener sees it once dispatched (not
   * dispatched here: happy-dom would follow the link).
   */
  function leaves(html: string, selector: string, init: MouseEventInit = {}, cancel = false): boolean {
    document.body.innerHTML = html;
    const target = document.querySelector(selector)!;
    const e =
      selector === 'form'
        ? new Event('submit', { bubbles: true, cancelable: true })
        : new MouseEvent('click', { bubbles: true, cancelable: true, button: 0, ...init });
    Object.defineProperty(e, 'target', { value: target });
    if (cancel) e.preventDefault(); // a router that handles the link itself
    return leavesPage(e);
  }

  it('a plain click on a link to another page, or on what a link wraps', () => {
    expect(leaves('<a href="/p.html?id=1">View</a>', 'a')).toBe(true);
    expect(leaves('<a href="/p.html?id=1"><b>Tent</b></a>', 'b')).toBe(true);
    expect(leaves('<a href="https://other.example/">Elsewhere</a>', 'a')).toBe(true);
  });

  it('not: a new tab or window (modifier keys, target), a download, a jump within the page, a script link, a router that cancelled it', () => {
    expect(leaves('<a href="/p.html">View</a>', 'a', { ctrlKey: true })).toBe(false);
    expect(leaves('<a href="/p.html">View</a>', 'a', { metaKey: true })).toBe(false);
    expect(leaves('<a href="/p.html">View</a>', 'a', { shiftKey: true })).toBe(false);
    expect(leaves('<a href="/p.html">View</a>', 'a', { button: 1 })).toBe(false);
    expect(leaves('<a href="/p.html" target="_blank">View</a>', 'a')).toBe(false);
    expect(leaves('<a href="/list.pdf" download>Price list</a>', 'a')).toBe(false);
    expect(leaves(`<a href="${location.pathname}${location.search}#reviews">Reviews</a>`, 'a')).toBe(false);
    expect(leaves('<a href="javascript:void 0">Open</a>', 'a')).toBe(false);
    expect(leaves('<a href="/p.html">View</a>', 'a', {}, true)).toBe(false);
    expect(leaves('<button>Add to cart</button>', 'button')).toBe(false);
  });

  it('a form sent to this tab, not a dialog form', () => {
    expect(leaves('<form action="/cart" method="post"><button>Add</button></form>', 'form')).toBe(true);
    expect(leaves('<form method="dialog"><button>Close</button></form>', 'form')).toBe(false);
    expect(leaves('<form action="/cart" target="_blank"><button>Add</button></form>', 'form')).toBe(false);
  });
});
