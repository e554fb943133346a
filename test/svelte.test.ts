// @vitest-environment happy-dom
import { flushSync, mount, tick, unmount } from 'svelte';
import { writable } from 'svelte/store';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRODUCTS, resetSdk, sdk, type Product } from './bindings-sdk.ts';
import { ranked } from '../src/svelte.ts';
import Harness from './svelte/Harness.svelte';

vi.mock('../src/main/instance.ts', () => ({ listHold: { ms: 400, byRules: false } }));
vi.mock('../src/index.ts', () => import('./bindings-sdk.ts'));

let host: HTMLElement;
let app: { setProducts(p: Product[]): void; setByPrice(b: boolean): void } | null = null;
const shown = () => [...host.querySelectorAll('li')].map((li) => li.textContent);
const list = () => host.querySelector('ul')!;

/** The README's Svelte list (test/svelte/Products.svelte), its products and price switch held by test/svelte/Harness.svelte. */
function start(products: Product[]): NonNullable<typeof app> {
  app = mount(Harness, { target: host, props: { initial: products } }) as NonNullable<typeof app>;
  return app;
}

let page = 0;
beforeEach(() => {
  // Each test on a page of its own: a list starts in the order it was last shown in at its address.
  history.pushState({}, '', `/svelte-test/${++page}`);
  resetSdk();
  host = document.createElement('div');
  document.body.append(host);
});
afterEach(() => {
  if (app) unmount(app);
  app = null;
  host.remove();
  vi.restoreAllMocks();
});

describe('ranked (Svelte)', () => {
  it("renders the items as given, then in the shopper's order; the app's own sort is the sort it gets, and back", async () => {
    const harness = start(PRODUCTS);
    expect(shown()).toEqual(['a', 'b', 'c']);
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    harness.setByPrice(true);
    flushSync();
    expect(shown()).toEqual(['b', 'c', 'a']);
    harness.setByPrice(false);
    flushSync();
    expect(shown()).toEqual(['c', 'a', 'b']);
    expect(sdk.ranked).toEqual([['a', 'b', 'c']]);
  });

  it('a shopper with a history: the list is hidden on its first render until its ranking is rendered', async () => {
    const seen: string[] = [];
    start(PRODUCTS);
    await tick();
    seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    await tick();
    seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
    expect(seen).toEqual(['inset(50%) abc', ' cab']);
  });

  it('ranks again when the ids change, not for a new array of the same items; and once Reco is ready; and with setRules()', async () => {
    sdk.ready = false;
    const harness = start(PRODUCTS);
    await vi.waitFor(() => expect(sdk.ranked).toHaveLength(1));
    expect(shown()).toEqual(['a', 'b', 'c']);
    sdk.ready = true;
    sdk.readyListeners.forEach((fn) => fn());
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    harness.setProducts([...PRODUCTS]);
    flushSync();
    await tick();
    expect(shown()).toEqual(['c', 'a', 'b']);
    expect(sdk.ranked).toHaveLength(2);
    harness.setProducts([...PRODUCTS, { sku: 'd', price: 0 }]);
    await vi.waitFor(() => expect(sdk.ranked).toHaveLength(3));
    sdk.scores = { d: 9, c: 3, a: 2, b: 1 };
    sdk.rulesListeners.forEach((fn) => fn()); // setRules(): ranked again, rendered at once
    await vi.waitFor(() => expect(shown()).toEqual(['d', 'c', 'a', 'b']));
  });

  it('a later history event re-ranks the list while the shopper has not had it in sight; not a click', async () => {
    start(PRODUCTS);
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    sdk.scores = { b: 3, c: 2, a: 1 };
    sdk.eventListeners.forEach((fn) => fn({ type: 'select_item' }));
    await tick();
    expect(sdk.ranked).toHaveLength(1);
    sdk.eventListeners.forEach((fn) => fn({ type: 'view_item' }));
    await vi.waitFor(() => expect(shown()).toEqual(['b', 'c', 'a']));
  });

  it("a Svelte store of the items (Svelte 4's writable), read as a store: the order follows the store's ids", async () => {
    const products = writable(PRODUCTS);
    const ordered = ranked(products, { id: (p) => p.sku });
    const values: string[] = [];
    const stop = ordered.subscribe((v) => values.push(v.map((p) => p.sku).join('')));
    await vi.waitFor(() => expect(values.at(-1)).toBe('cab'));
    products.set([...PRODUCTS, { sku: 'd', price: 0 }]);
    expect(values.at(-1)).toBe('abcd'); // other ids: as given until ranked
    sdk.scores = { d: 9, c: 3, a: 2, b: 1 };
    await vi.waitFor(() => expect(values.at(-1)).toBe('dcab'));
    expect(sdk.ranked).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c', 'd'],
    ]);
    stop();
    products.set(PRODUCTS.slice(0, 2));
    await tick();
    expect(sdk.ranked).toHaveLength(2); // no subscriber: not followed
  });

  it('stops listening when the component is destroyed', async () => {
    sdk.ready = false;
    start(PRODUCTS);
    await vi.waitFor(() => expect(sdk.readyListeners.size).toBe(1));
    unmount(app!);
    app = null;
    expect(sdk.readyListeners.size + sdk.rulesListeners.size + sdk.eventListeners.size).toBe(0);
  });
});
