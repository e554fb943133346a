/**
 * The tests of reco-sdk/angular, run by test/angular.test.ts (a zoneless app) and test/angular-zone.test.ts (an app
 * with zone.js), each of which mocks the SDK (./bindings-sdk.ts) before it imports this.
 */
import '@angular/compiler'; // the components below are compiled at run time (JIT), as in an app built without the Angular CLI
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { PRODUCTS, resetSdk, sdk, type Product } from './bindings-sdk.ts';
import {
  ApplicationRef,
  Component,
  computed,
  inject,
  Injector,
  signal,
  type EnvironmentProviders,
  type Signal,
  type WritableSignal,
} from '@angular/core';
import { createApplication } from '@angular/platform-browser';
import { ranked } from '../src/angular.ts';

/** @param changeDetection the app's change detection: provideZonelessChangeDetection() or provideZoneChangeDetection() */
export function angularSuite(name: string, changeDetection: EnvironmentProviders): void {
  let host: HTMLElement;
  let app: ApplicationRef | null = null;
  const shown = () => [...host.querySelectorAll('li')].map((li) => li.textContent);
  const list = () => host.querySelector('ul')!;

  /** The README's Angular list: ordered by the signal, sorted by price when the shopper asks (as a component class, no decorator syntax). */
  async function mount(products: WritableSignal<Product[]>, byPrice: WritableSignal<boolean>, outside = false): Promise<void> {
    class ProductList {
      readonly injector = inject(Injector);
      readonly ordered = outside ? null : ranked(products, { id: (p) => p.sku });
      /** Made in ngOnInit, which is not an injection context: given the component's injector, as Angular's own functions take it. */
      readonly late = signal<Signal<readonly Product[]> | null>(null);
      readonly shown = computed(() => (byPrice() ? [...products()].sort((x, y) => x.price - y.price) : (this.ordered ?? this.late()!)()));
      ngOnInit() {
        if (outside) this.late.set(ranked(products, { id: (p) => p.sku, injector: this.injector }));
      }
    }
    Component({
      selector: 'product-list',
      template: `<ul data-reco-grid="angular" data-reco-track-only>
        @for (p of shown(); track p.sku) {<li [attr.data-reco-id]="p.sku">{{ p.sku }}</li>}
      </ul>`,
    })(ProductList);
    app = (await createApplication({ providers: [changeDetection] })).injector.get(ApplicationRef);
    const el = document.createElement('product-list');
    host.append(el);
    app.bootstrap(ProductList, el);
  }

  const rendered = async () => void (await app!.whenStable());

  let page = 0;
  beforeEach(() => {
    // Each test on a page of its own: a list starts in the order it was last shown in at its address.
    history.pushState({}, '', `/angular-test/${++page}`);
    resetSdk();
    host = document.createElement('div');
    document.body.append(host);
  });
  afterEach(() => {
    app?.destroy();
    app = null;
    host.remove();
    vi.restoreAllMocks();
  });

  describe(`ranked (Angular, ${name})`, () => {
    it("renders the items as given, then in the shopper's order; the app's own sort is the sort it gets, and back", async () => {
      const products = signal(PRODUCTS);
      const byPrice = signal(false);
      await mount(products, byPrice);
      await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
      byPrice.set(true);
      await rendered();
      expect(shown()).toEqual(['b', 'c', 'a']);
      byPrice.set(false);
      await rendered();
      expect(shown()).toEqual(['c', 'a', 'b']);
      expect(sdk.ranked).toEqual([['a', 'b', 'c']]);
    });

    it('a shopper with a history: the list is hidden on its first render until its ranking is rendered', async () => {
      const seen: string[] = [];
      const products = signal(PRODUCTS);
      await mount(products, signal(false));
      seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
      await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
      await rendered();
      seen.push(`${list().style.getPropertyValue('clip-path')} ${shown().join('')}`);
      expect(seen).toEqual(['inset(50%) abc', ' cab']);
    });

    it('ranks again when the ids change, not for a new array of the same items; and once Reco is ready', async () => {
      sdk.ready = false;
      const products = signal(PRODUCTS);
      await mount(products, signal(false));
      await vi.waitFor(() => expect(sdk.ranked).toHaveLength(1));
      expect(shown()).toEqual(['a', 'b', 'c']);
      sdk.ready = true;
      sdk.readyListeners.forEach((fn) => fn());
      await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
      products.set([...PRODUCTS]);
      await rendered();
      expect(sdk.ranked).toHaveLength(2);
      products.set([...PRODUCTS, { sku: 'd', price: 0 }]);
      await vi.waitFor(() => expect(sdk.ranked).toHaveLength(3));
      sdk.scores = { d: 9, c: 3, a: 2, b: 1 };
      sdk.rulesListeners.forEach((fn) => fn()); // setRules(): ranked again, rendered at once
      await vi.waitFor(() => expect(shown()).toEqual(['d', 'c', 'a', 'b']));
    });

    it('a later history event re-ranks the list while the shopper has not had it in sight; not a click', async () => {
      await mount(signal(PRODUCTS), signal(false));
      await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
      sdk.scores = { b: 3, c: 2, a: 1 };
      sdk.eventListeners.forEach((fn) => fn({ type: 'select_item' }));
      await rendered();
      expect(sdk.ranked).toHaveLength(1);
      sdk.eventListeners.forEach((fn) => fn({ type: 'view_item' }));
      await vi.waitFor(() => expect(shown()).toEqual(['b', 'c', 'a']));
    });

    it('stops listening when the component is destroyed; given an injector, it follows that component', async () => {
      sdk.ready = false;
      await mount(signal(PRODUCTS), signal(false), true);
      await vi.waitFor(() => expect(sdk.readyListeners.size).toBe(1));
      sdk.ready = true;
      sdk.readyListeners.forEach((fn) => fn());
      await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
      app!.destroy();
      app = null;
      expect(sdk.readyListeners.size + sdk.rulesListeners.size + sdk.eventListeners.size).toBe(0);
    });

    it('outside an injection context and without an injector: Angular says so (NG0203), as its own functions do', () => {
      expect(() => ranked(PRODUCTS)).toThrow(/NG0203/);
    });
  });
}
