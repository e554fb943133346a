// @vitest-environment happy-dom
import { createElement, act, StrictMode, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The SDK as the hook sees it: rank() best first by a score table the test sets, 'ready' fired by the test. */
const sdk = vi.hoisted(() => ({
  ready: false,
  scores: {} as Record<string, number>,
  readyListeners: new Set<() => void>(),
  ranked: [] as string[][],
  storage: 'indexeddb',
}));
vi.mock('../src/index.ts', () => ({
  status: () => ({ ready: sdk.ready, storage: sdk.storage }),
  on: (_: 'ready', fn: () => void) => (sdk.readyListeners.add(fn), () => sdk.readyListeners.delete(fn)),
  rank: async (items: { id: string }[]) => {
    sdk.ranked.push(items.map((i) => i.id));
    const score = (id: string) => (sdk.ready ? (sdk.scores[id] ?? 0) : 0);
    return items.map((i) => ({ id: i.id, score: score(i.id) })).sort((a, b) => b.score - a.score);
  },
}));
const { useRanked } = await import('../src/react.ts');

interface Product {
  sku: string;
  name: string;
}
const PRODUCTS: Product[] = [
  { sku: 'a', name: 'Lipstick' },
  { sku: 'b', name: 'Shampoo' },
  { sku: 'c', name: 'Perfume' },
];

/** What each render of List returned, in order. */
let renders: string[][] = [];

function List({ items }: { items: Product[] }): ReactElement {
  const ordered = useRanked(items, { id: (p) => p.sku, features: (p) => ({ title: p.name }) });
  renders.push(ordered.map((p) => p.sku));
  return createElement(
    'ul',
    null,
    ordered.map((p) => createElement('li', { key: p.sku }, p.sku)),
  );
}

let root: Root;
let host: HTMLElement;
const shown = () => [...host.querySelectorAll('li')].map((li) => li.textContent);
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** A single-page app's router renders `view` at `path`, reached by a link (the address pushed). */
async function visit(path: string, view: ReactElement): Promise<void> {
  history.pushState({}, '', path);
  renders = [];
  await act(async () => root.render(view));
}

/** Back to `path`: the browser sets the address and fires popstate, and the router renders `view` as it arrives. */
async function back(path: string, view: ReactElement): Promise<void> {
  history.replaceState({}, '', path);
  dispatchEvent(new PopStateEvent('popstate'));
  renders = [];
  await act(async () => root.render(view));
}

const listing = () => createElement(List, { items: PRODUCTS });
const product = () => createElement('p');

beforeEach(() => {
  Object.assign(sdk, { ready: false, scores: { c: 3, a: 2, b: 1 }, ranked: [], storage: 'indexeddb' });
  history.replaceState({}, '', '/');
  renders = [];
  sdk.readyListeners.clear();
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
});
afterEach(() => act(() => root.unmount()));

describe('useRanked', () => {
  it('renders the items as given, then in the shopper order once Reco is ready; the same item objects', async () => {
    await act(async () => root.render(createElement(List, { items: PRODUCTS })));
    expect(shown()).toEqual(['a', 'b', 'c']);
    expect(sdk.ranked).toEqual([['a', 'b', 'c']]);
    sdk.ready = true;
    await act(async () => sdk.readyListeners.forEach((fn) => fn()));
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it('ranks at once when Reco is already ready, and again only when the ids change', async () => {
    sdk.ready = true;
    await act(async () => root.render(createElement(List, { items: PRODUCTS })));
    expect(shown()).toEqual(['c', 'a', 'b']);
    expect(sdk.readyListeners.size).toBe(0);
    await act(async () => root.render(createElement(List, { items: [...PRODUCTS] })));
    expect(sdk.ranked).toHaveLength(1);
    await act(async () => root.render(createElement(List, { items: [...PRODUCTS, { sku: 'd', name: 'Mascara' }] })));
    expect(sdk.ranked).toHaveLength(2);
    expect(shown()).toEqual(['c', 'a', 'b', 'd']);
  });

  it("a single-page app's listing reached by Back shows the order the shopper left from its first render, not ranked again; reached anew, it is ranked", async () => {
    sdk.ready = true;
    await visit('/listing', listing());
    expect(shown()).toEqual(['c', 'a', 'b']);
    // The shopper opens a product: the router renders it in the listing's place; what they did there changes the ranking.
    await visit('/p/c', product());
    sdk.scores = { b: 3, c: 2, a: 1 };
    await back('/listing', listing());
    expect(renders[0], 'the first render').toEqual(['c', 'a', 'b']);
    expect(sdk.ranked, 'not ranked again').toHaveLength(1);
    expect(shown()).toEqual(['c', 'a', 'b']);

    // The listing reached by a link (pushed anew) starts from the order it was last shown in, and is ranked anew.
    await visit('/p/a', product());
    await visit('/listing', listing());
    expect(renders[0]).toEqual(['c', 'a', 'b']);
    expect(shown()).toEqual(['b', 'c', 'a']);
    expect(sdk.ranked).toHaveLength(2);
  });

  it('in StrictMode (development: state initializers and effects run twice) a Back shows the order left all the same', async () => {
    sdk.ready = true;
    const strict = () => createElement(StrictMode, null, listing());
    await visit('/strict', strict());
    await visit('/p/c', product());
    const before = sdk.ranked.length;
    sdk.scores = { b: 3, c: 2, a: 1 };
    await back('/strict', strict());
    expect(sdk.ranked).toHaveLength(before);
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it('two copies of a list that mount together on Back (a layout for each screen size; React 18 StrictMode computes a first state twice) both show the order left', async () => {
    sdk.ready = true;
    await visit('/twice', listing());
    await visit('/p/c', product());
    sdk.scores = { b: 3, c: 2, a: 1 };
    await back('/twice', createElement('div', null, listing(), listing()));
    expect(renders.slice(0, 2)).toEqual([
      ['c', 'a', 'b'],
      ['c', 'a', 'b'],
    ]);
    expect(sdk.ranked, 'neither ranked again').toHaveLength(1);
    expect(shown()).toEqual(['c', 'a', 'b', 'c', 'a', 'b']);
  });

  it('after forget() a Back finds no order kept: the list is ranked anew', async () => {
    sdk.ready = true;
    await visit('/sale', listing());
    await visit('/p/b', product());
    sdk.storage = 'off'; // forget() was called
    sdk.scores = { b: 3, c: 2, a: 1 };
    await back('/sale', listing());
    expect(shown()).toEqual(['b', 'c', 'a']);
    expect(sdk.ranked).toHaveLength(2);
  });

  it('stops listening when unmounted', async () => {
    await act(async () => root.render(createElement(List, { items: PRODUCTS })));
    expect(sdk.readyListeners.size).toBe(1);
    await act(async () => root.render(createElement('p')));
    expect(sdk.readyListeners.size).toBe(0);
  });
});
