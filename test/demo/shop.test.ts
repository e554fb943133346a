import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Window } from 'happy-dom';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CatalogItem } from '../../scripts/gen-catalog.ts';
import { BACKENDS } from '../../src/shared/options.ts';

const demo = join(import.meta.dirname, '../../demo');
const html = readFileSync(join(demo, 'index.html'), 'utf8');
const catalogText = readFileSync(join(demo, 'catalog.json'), 'utf8');
const catalog: CatalogItem[] = JSON.parse(catalogText);
const shopPath = join(demo, 'shop.js');

type Listener = (detail: unknown) => void;

/** A stand-in for the SDK instance that records what the page asks of it. */
function fakeReco(overrides: Record<string, unknown> = {}) {
  const listeners = new Map<string, Listener[]>();
  const instance = {
    track: vi.fn(),
    rank: vi.fn(async () => []),
    personalize: vi.fn(async () => {}),
    status: vi.fn(() => ({
      ready: true,
      backend: 'wasm',
      model: { id: 'reco-default', version: '1.2.0' },
      events: 3,
      storage: 'indexeddb',
      consent: 'granted',
      gpc: false,
      control: false,
      lastError: null,
      lastRankMs: 4.2,
    })),
    export: vi.fn(async () => ({ exportedAt: '', events: [], items: [], meta: {} })),
    forget: vi.fn(async () => {}),
    destroy: vi.fn(async () => {}),
    on: vi.fn((name: string, fn: Listener) => {
      listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      return () => {};
    }),
    emit: (name: string, detail: unknown) => listeners.get(name)?.forEach((fn) => fn(detail)),
    ...overrides,
  };
  // The global Reco.on() hears every instance init() makes (here the one).
  return { instance, Reco: { BACKENDS, init: vi.fn(async () => instance), on: instance.on } };
}

let loads = 0;
let page: Window | null = null;

/**
 * Opens the demo page in a fresh happy-dom window (so listeners of an earlier load cannot answer) and runs
 * a fresh instance of shop.js in it. The page's own <script> tags are not run; `Reco` stands in for reco.js.
 */
async function loadShop(Reco: unknown, url = 'http://shop.test/'): Promise<void> {
  await page?.happyDOM.close();
  page = new Window({ url });
  page.document.body.innerHTML = html.slice(html.indexOf('<body>') + '<body>'.length, html.indexOf('</body>'));
  Object.assign(page, { Reco });
  for (const name of ['document', 'location', 'history', 'localStorage', 'sessionStorage', 'Element'] as const)
    vi.stubGlobal(name, page[name]);
  vi.stubGlobal('window', page);
  vi.stubGlobal(
    'fetch',
    vi.fn(async () => new Response(catalogText, { status: 200, headers: { 'content-type': 'application/json' } })),
  );
  await import(/* @vite-ignore */ `${shopPath}?load=${++loads}`);
  await vi.waitFor(() => expect(document.getElementById('reco-state')!.dataset.state).not.toBe('loading'));
}

const cards = (grid: string): HTMLElement[] => [...document.querySelectorAll<HTMLElement>(`[data-reco-grid="${grid}"] [data-reco-id]`)];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
  vi.spyOn(console, 'warn').mockImplementation(() => {});
});

afterEach(async () => {
  await page?.happyDOM.close();
  page = null;
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('demo shop files', () => {
  it('load nothing from other origins: no absolute or scheme-relative URLs, no web fonts', () => {
    for (const file of ['index.html', 'shop.css', 'shop.js', 'panel-state.js', 'placements.js', 'simulate.js']) {
      const text = readFileSync(join(demo, file), 'utf8');
      expect(text, file).not.toMatch(/(https?:)?\/\/[a-z0-9.-]+\.[a-z]{2,}/i);
      expect(text, file).not.toMatch(/@import|@font-face/);
    }
    expect(html).toContain('<script src="/reco.js"></script>');
  });
});

describe('demo shop without Reco', () => {
  it('renders both grids with the markup contract when reco.js did not load', async () => {
    await loadShop(undefined);
    const home = cards('home');
    expect(home).toHaveLength(48);
    expect(cards('new')).toHaveLength(12);
    const byId = new Map(catalog.map((item) => [item.id, item]));
    for (const card of home) {
      const item = byId.get(card.dataset.recoId!)!;
      expect(card.dataset.recoTitle).toBe(item.title);
      expect(card.dataset.recoCategory).toBe(item.category);
      expect(card.dataset.recoBrand).toBe(item.brand);
      expect(Number(card.dataset.recoPrice)).toBe(item.price);
    }
    expect(document.querySelectorAll('[data-reco-grid="home"] [data-reco-pin]')).toHaveLength(1);
    expect(document.getElementById('reco-state')!.dataset.state).toBe('off');
    expect(document.getElementById('f-error')!.textContent).toContain('reco.js did not load');
  });

  it("keeps the shop's own order, the same on every load, and not the catalog order", async () => {
    await loadShop(undefined);
    const first = cards('home').map((card) => card.dataset.recoId);
    await loadShop({
      init: vi.fn(async () => {
        throw new Error('model 404');
      }),
    });
    expect(cards('home').map((card) => card.dataset.recoId)).toEqual(first);
    expect(first.slice(0, 5)).not.toEqual(catalog.slice(0, 5).map((item) => item.id));
    expect(document.getElementById('f-error')!.textContent).toContain('model 404');
    // The shelf does not claim an order for the shopper that Reco never made.
    expect(document.getElementById('home-sub')!.textContent).toBe('In the shop’s own order: Reco is off on this page');
  });

  it('still adds to the bag when Reco is missing', async () => {
    await loadShop(undefined);
    cards('home')[0].querySelector<HTMLButtonElement>('[data-add]')!.click();
    expect(document.getElementById('cart-count')!.textContent).toBe('1');
  });
});

describe('demo shop with a hostile catalog', () => {
  it('renders ids, titles and image URLs from data as text and attributes, never as markup', async () => {
    const hostileId = '"><img src=x onerror="window.pwned=1">';
    const hostile = {
      ...catalog[0]!,
      id: hostileId,
      title: '<script>window.pwned=2</script>Rouge',
      brand: '<b onmouseover=alert(1)>Evil</b>',
      category: 'Makeup > <i>Lips</i>',
      image: 'https://tracker.example/pixel.png',
      added: '2999-01-01',
    };
    const hostileText = JSON.stringify([hostile, ...catalog.slice(1)]);
    await page?.happyDOM.close();
    page = new Window({ url: 'http://shop.test/' });
    page.document.body.innerHTML = html.slice(html.indexOf('<body>') + '<body>'.length, html.indexOf('</body>'));
    for (const name of ['document', 'location', 'history', 'localStorage', 'sessionStorage', 'Element'] as const)
      vi.stubGlobal(name, page[name]);
    vi.stubGlobal('window', page);
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => new Response(hostileText, { status: 200 })),
    );
    await import(/* @vite-ignore */ `${shopPath}?load=${++loads}`);
    await vi.waitFor(() => expect(document.getElementById('reco-state')!.dataset.state).not.toBe('loading'));

    const el = document.querySelector<HTMLElement>('[data-reco-grid="new"] article')!;
    expect(el.dataset.recoId).toBe(hostileId);
    expect(el.dataset.recoTitle).toBe(hostile.title);
    expect(el.querySelector('.card-brand')!.textContent).toBe(hostile.brand);
    expect(el.querySelector('[data-add]')!.getAttribute('data-add')).toBe(hostileId);
    expect(el.querySelector('.card-link')!.getAttribute('href')).toBe(`#/p/${encodeURIComponent(hostileId)}`);
    // Nothing of the data became an element or an attribute: no injected img, script, b or i, no handler.
    expect(document.querySelectorAll('main script, main b, main i, [onerror], [onmouseover]')).toHaveLength(0);
    expect(
      [...document.querySelectorAll('main img')].every((img) => !img.getAttribute('src') || !/^https?:/.test(img.getAttribute('src')!)),
    ).toBe(true);
    expect(el.querySelector('img')!.hasAttribute('src')).toBe(false);
    expect((page as unknown as { pwned?: number }).pwned).toBeUndefined();
  });
});

describe('demo shop with Reco', () => {
  it('initializes with the model URL, and with backends and debug from the address', async () => {
    const { Reco } = fakeReco();
    await loadShop(Reco);
    // The rules panel's rules (out-of-stock products hidden, as it starts) from the first ranking.
    const rules = { hideUnavailable: true };
    expect(Reco.init).toHaveBeenCalledWith({ modelUrl: '/models/default/model.json', catalogUrl: 'catalog.json', rules });
    const second = fakeReco();
    await loadShop(second.Reco, 'http://shop.test/?backends=wasm,cpu,bogus&debug');
    expect(second.Reco.init).toHaveBeenCalledWith({
      modelUrl: '/models/default/model.json',
      catalogUrl: 'catalog.json',
      rules,
      backends: ['wasm', 'cpu'],
      debug: true,
    });
  });

  it('tracks add_to_cart with value and currency, and view_item when a product opens', async () => {
    const { Reco, instance } = fakeReco();
    await loadShop(Reco);
    const card = cards('home')[5];
    const item = catalog.find((x) => x.id === card.dataset.recoId)!;
    card.querySelector<HTMLButtonElement>('[data-add]')!.click();
    expect(instance.track).toHaveBeenCalledWith('add_to_cart', item.id, { value: item.price, currency: 'EUR' });

    location.hash = `#/p/${item.id}`;
    await vi.waitFor(() => expect(instance.track).toHaveBeenCalledWith('view_item', item.id));
    expect(document.getElementById('pd-title')!.textContent).toBe(item.title.slice(item.brand.length + 1));
  });

  it('keeps working when track throws', async () => {
    const { Reco } = fakeReco({
      track: vi.fn(() => {
        throw new Error('boom');
      }),
    });
    await loadShop(Reco);
    cards('home')[0].querySelector<HTMLButtonElement>('[data-add]')!.click();
    cards('home')[1].querySelector<HTMLButtonElement>('[data-add]')!.click();
    expect(document.getElementById('cart-count')!.textContent).toBe('2');
    expect(document.getElementById('toast')!.textContent).toContain('Added to your bag');
    location.hash = `#/p/${cards('home')[2].dataset.recoId}`;
    await vi.waitFor(() => expect(document.getElementById('pd-title')!.textContent).not.toBe(''));
  });

  it('shows status, live events and "Because you viewed" in the panel', async () => {
    const viewed = catalog[0];
    const explain = vi.fn(async (itemId: string) => ({ itemId, because: [{ itemId: viewed.id, weight: 0.9 }] }));
    const { Reco, instance } = fakeReco({ explain });
    await loadShop(Reco);
    expect(document.getElementById('f-backend')!.textContent).toBe('wasm');
    expect(document.getElementById('f-model')!.textContent).toContain('reco-default');

    instance.emit('event', { id: 'e1', type: 'select_item', itemId: viewed.id, listId: 'home', position: 3, ts: Date.now() });
    const event = document.querySelector('#events .event')!;
    expect(event.textContent).toContain('select_item');
    expect(event.textContent).toContain(viewed.title);
    expect(event.textContent).toContain('home #4');

    const order = cards('home').map((card) => card.dataset.recoId!);
    instance.emit('ranked', { listId: 'home', ms: 3.14, order });
    expect(document.getElementById('f-latency')!.textContent).toContain('3.1 ms');
    await vi.waitFor(() => expect(document.getElementById('home-sub')!.textContent).toContain('Because you viewed Aurelle'));
    expect(explain).toHaveBeenCalled();
  });

  it('hears the first ranking made while init() runs (global Reco.on): "Show my picks" is not offered for it', async () => {
    const { Reco, instance } = fakeReco();
    // As the real init(): the grids are ranked before it resolves, and its events reach the global listeners.
    Reco.init = vi.fn(async () => {
      await Promise.resolve();
      instance.emit('ranked', { listId: 'home', ms: 2, order: cards('home').map((card) => card.dataset.recoId!) });
      return instance;
    });
    await loadShop(Reco);
    expect(document.getElementById('f-latency')!.textContent).toContain('home');
    expect(document.getElementById('home-apply')!.hidden).toBe(true);
  });

  it('re-personalizes the home grid when a category chip re-renders it', async () => {
    const { Reco, instance } = fakeReco();
    await loadShop(Reco);
    document.querySelector<HTMLButtonElement>('.chip[data-category="Nails"]')!.click();
    expect(cards('home').every((card) => card.dataset.recoCategory!.startsWith('Nails'))).toBe(true);
    expect(cards('home')).toHaveLength(24);
    expect(instance.personalize).toHaveBeenCalled();
  });
});
