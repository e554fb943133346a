// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRODUCTS, resetSdk, sdk, type Product } from './bindings-sdk.ts';
import { createApp, defineComponent, h, nextTick, ref, type App, type Ref } from 'vue';

vi.mock('../src/main/instance.ts', () => ({ listHold: { ms: 400, byRules: false } }));
vi.mock('../src/index.ts', () => import('./bindings-sdk.ts'));
const { useRanked } = await import('../src/vue.ts');

let host: HTMLElement;
let app: App | null = null;
const shown = () => [...host.querySelectorAll('li')].map((li) => li.textContent);
const list = () => host.querySelector('ul')!;

/** The README's Vue list: ordered by the composable, sorted by price when the shopper asks. */
function mount(products: Ref<Product[]>, byPrice: Ref<boolean>): void {
  app = createApp(
    defineComponent({
      setup() {
        const ordered = useRanked(products, { id: (p) => p.sku });
        return () =>
          h(
            'ul',
            { 'data-reco-grid': 'vue', 'data-reco-track-only': '' },
            (byPrice.value ? [...products.value].sort((x, y) => x.price - y.price) : ordered.value).map((p) =>
              h('li', { key: p.sku, 'data-reco-id': p.sku }, p.sku),
            ),
          );
      },
    }),
  );
  app.mount(host);
}

let page = 0;
beforeEach(() => {
  // Each test on a page of its own: a list starts in the order it was last shown in at its address.
  history.pushState({}, '', `/vue-test/${++page}`);
  resetSdk();
  host = document.createElement('div');
  document.body.append(host);
});
afterEach(() => {
  app?.unmount();
  app = null;
  host.remove();
  vi.restoreAllMocks();
});

describe('useRanked (Vue)', () => {
  it("renders the items as given, then in the shopper's order; the app's own sort is the sort it gets, and back", async () => {
    const products = ref(PRODUCTS);
    const byPrice = ref(false);
    mount(products, byPrice);
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    byPrice.value = true;
    await nextTick();
    expect(shown()).toEqual(['b', 'c', 'a']);
    byPrice.value = false;
    await nextTick();
    expect(shown()).toEqual(['c', 'a', 'b']);
    expect(sdk.ranked).toEqual([['a', 'b', 'c']]);
  });

  it('a shopper with a history: the list is hidden on its first render until its ranking is rendered', async () => {
    const seen: string[] = [];
    const products = ref(PRODUCTS);
    mount(products, ref(false));
    seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    await nextTick();
    seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
    expect(seen).toEqual(['inset(50%) abc', ' cab']);
  });

  it('ranks again when the ids change, not for a new array of the same items; and once Reco is ready', async () => {
    sdk.ready = false;
    const products = ref(PRODUCTS);
    mount(products, ref(false));
    await vi.waitFor(() => expect(sdk.ranked).toHaveLength(1));
    expect(shown()).toEqual(['a', 'b', 'c']);
    sdk.ready = true;
    sdk.readyListeners.forEach((fn) => fn());
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    products.value = [...PRODUCTS];
    await nextTick();
    expect(sdk.ranked).toHaveLength(2);
    products.value = [...PRODUCTS, { sku: 'd', price: 0 }];
    await vi.waitFor(() => expect(sdk.ranked).toHaveLength(3));
    sdk.scores = { d: 9, c: 3, a: 2, b: 1 };
    sdk.rulesListeners.forEach((fn) => fn()); // setRules(): ranked again, rendered at once
    await vi.waitFor(() => expect(shown()).toEqual(['d', 'c', 'a', 'b']));
  });

  it('a later history event re-ranks the list while the shopper has not had it in sight; not a click', async () => {
    mount(ref(PRODUCTS), ref(false));
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    sdk.scores = { b: 3, c: 2, a: 1 };
    sdk.eventListeners.forEach((fn) => fn({ type: 'select_item' }));
    await nextTick();
    expect(sdk.ranked).toHaveLength(1);
    sdk.eventListeners.forEach((fn) => fn({ type: 'view_item' }));
    await vi.waitFor(() => expect(shown()).toEqual(['b', 'c', 'a']));
  });

  it('stops listening when unmounted', async () => {
    sdk.ready = false;
    mount(ref(PRODUCTS), ref(false));
    await nextTick();
    expect(sdk.readyListeners.size).toBe(1);
    app!.unmount();
    app = null;
    expect(sdk.readyListeners.size + sdk.rulesListeners.size + sdk.eventListeners.size).toBe(0);
  });
});
