// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RecoInstance } from '../../src/main/api.ts';
import { subscribe, type Listeners } from '../../src/main/events.ts';
import { createInstance, startInstance } from '../../src/main/instance.ts';

const SCRIPT = 'https://shop.example/reco.js';
const order = () => [...document.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id'));
let reco: RecoInstance | undefined;
/** A worker the page's Content-Security-Policy forbids: the constructor throws. */
class BlockedWorker {
  constructor() {
    throw new Error('blocked by CSP');
  }
}
let n = 0;

beforeEach(() => {
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

  it('reports invalid calls without throwing into the page', async () => {
    vi.stubGlobal('Worker', BlockedWorker);
    reco = await createInstance({ dbName: `instance-${++n}` }, SCRIPT, null);
    const errors: string[] = [];
    reco.on('error', (e) => errors.push(e.message));
    reco.track('bogus' as never, 'a');
    await reco.explain('');
    expect(errors).toEqual([
      expect.stringMatching(/^track: type must be one of view_item_list, .*; got "bogus"$/),
      'explain(itemId): expected a non-empty string, got ""',
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

  it('rank() called while init runs waits for it instead of answering without the model', async () => {
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
});
