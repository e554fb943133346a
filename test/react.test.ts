// @vitest-environment happy-dom
import { createElement, act, type ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The SDK as the hook sees it: rank() best first by a score table the test sets, 'ready' fired by the test. */
const sdk = vi.hoisted(() => ({
  ready: false,
  scores: {} as Record<string, number>,
  readyListeners: new Set<() => void>(),
  ranked: [] as string[][],
}));
vi.mock('../src/index.ts', () => ({
  status: () => ({ ready: sdk.ready }),
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

function List({ items }: { items: Product[] }): ReactElement {
  const ordered = useRanked(items, { id: (p) => p.sku, features: (p) => ({ title: p.name }) });
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

beforeEach(() => {
  Object.assign(sdk, { ready: false, scores: { c: 3, a: 2, b: 1 }, ranked: [] });
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

  it('stops listening when unmounted', async () => {
    await act(async () => root.render(createElement(List, { items: PRODUCTS })));
    expect(sdk.readyListeners.size).toBe(1);
    await act(async () => root.render(createElement('p')));
    expect(sdk.readyListeners.size).toBe(0);
  });
});
