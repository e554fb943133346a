// @vitest-environment happy-dom
import { createElement, act, StrictMode, type ReactElement } from 'react';
import { createRoot, hydrateRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

/** The SDK as the hook sees it: rank() best first by a score table the test sets, 'ready' fired by the test. */
const sdk = vi.hoisted(() => ({
  ready: false,
  scores: {} as Record<string, number>,
  readyListeners: new Set<() => void>(),
  /** Listeners of 'rules' (setRules()). */
  rulesListeners: new Set<() => void>(),
  /** Listeners of 'event' (each event recorded). */
  eventListeners: new Set<(e: { type: string }) => void>(),
  ranked: [] as string[][],
  /** The options of each rank() call. */
  rankOptions: [] as unknown[],
  storage: 'indexeddb',
  /** Why storage is off: forget() was called (null: still opening). */
  storageReason: 'forget() was called' as string | null,
  engine: 'loading',
  control: false,
  /** Events of this page view (stored and not yet written): a shopper with a history. */
  events: 1,
  /** rank() answers once this settles. */
  answer: Promise.resolve(),
  /** The last init()'s antiFlickerMs. */
  holdMs: 400,
  /** The last init()'s rules or feed may move a list on a first visit. */
  byRules: false,
}));
vi.mock('../src/main/instance.ts', () => ({
  get listHold() {
    return { ms: sdk.holdMs, byRules: sdk.byRules };
  },
}));
vi.mock('../src/index.ts', () => ({
  status: () => ({
    ready: sdk.ready,
    storage: sdk.storage,
    storageReason: sdk.storage === 'off' ? sdk.storageReason : null,
    engine: sdk.engine,
    control: sdk.control,
    events: sdk.events,
  }),
  on: (type: 'ready' | 'rules' | 'event', fn: (e: { type: string }) => void) => {
    const listeners: Set<(e: { type: string }) => void> =
      type === 'ready' ? sdk.readyListeners : type === 'rules' ? sdk.rulesListeners : sdk.eventListeners;
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
  rank: async (items: { id: string }[], options?: unknown) => {
    sdk.ranked.push(items.map((i) => i.id));
    sdk.rankOptions.push(options);
    await sdk.answer;
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

/** The README's list: a grid whose items carry their ids (data-reco-id), as Reco tracks them. */
function Grid({ items }: { items: Product[] }): ReactElement {
  const ordered = useRanked(items, { id: (p) => p.sku, features: (p) => ({ title: p.name }) });
  return createElement(
    'ul',
    { 'data-reco-grid': 'home', 'data-reco-track-only': '' },
    ordered.map((p) => createElement('li', { key: p.sku, 'data-reco-id': p.sku }, p.sku)),
  );
}

/** rank() answers when the returned function is called (the worker's reply still on its way until then). */
function answerLater(): () => Promise<void> {
  let answer!: () => void;
  sdk.answer = new Promise<void>((r) => (answer = r));
  return () => act(async () => answer());
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
  Object.assign(sdk, {
    ready: false,
    scores: { c: 3, a: 2, b: 1 },
    ranked: [],
    rankOptions: [],
    storage: 'indexeddb',
    storageReason: 'forget() was called',
    engine: 'loading',
    control: false,
    events: 1,
    answer: Promise.resolve(),
    holdMs: 400,
    byRules: false,
  });
  history.replaceState({}, '', '/');
  renders = [];
  sdk.readyListeners.clear();
  sdk.rulesListeners.clear();
  sdk.eventListeners.clear();
  host = document.createElement('div');
  document.body.append(host);
  root = createRoot(host);
});
afterEach(() => {
  act(() => root.unmount());
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

/**
 * The list is in the viewport (happy-dom lays nothing out) until `scrollAway()`, which moves it out and calls what
 * IntersectionObserver would.
 */
function listInView(): { scrollAway(): Promise<void> } {
  let top = 0;
  const sight: (() => void)[] = [];
  vi.stubGlobal(
    'IntersectionObserver',
    class {
      constructor(callback: () => void) {
        sight.push(callback);
      }
      observe() {}
      disconnect() {}
    },
  );
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(
    () => ({ top, bottom: top + 100, left: 0, right: 300, width: 300, height: 100 }) as DOMRect,
  );
  return {
    async scrollAway() {
      top = 5000;
      await act(async () => sight.forEach((check) => check()));
    },
  };
}

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

  it('a list that comes to the page while Reco can re-order it is hidden, its box kept, until its first ranking is rendered: the shopper first sees their order', async () => {
    sdk.ready = true;
    const answer = answerLater();
    await visit('/hold', createElement(Grid, { items: PRODUCTS }));
    const ul = host.querySelector('ul')!;
    expect(shown(), 'rendered as given').toEqual(['a', 'b', 'c']);
    expect(ul.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    expect(ul.hasAttribute('data-reco-pending'), 'the tracker counts no impression while it is hidden').toBe(true);
    // What the list holds when it is shown again: the first order the shopper can see.
    const whenShown: string[][] = [];
    new MutationObserver(() => ul.hasAttribute('data-reco-pending') || whenShown.push(shown() as string[])).observe(ul, {
      attributes: true,
    });
    await answer();
    expect(whenShown[0]).toEqual(['c', 'a', 'b']);
    await vi.waitFor(() => expect(ul.style.getPropertyValue('clip-path'), 'shown once a frame is painted').toBe(''));
  });

  it('is held too when it mounts right after init(), while storage is still opening', async () => {
    Object.assign(sdk, { ready: true, storage: 'off', storageReason: null });
    const answer = answerLater();
    await visit('/hold-opening', createElement(Grid, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    await answer();
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it('in StrictMode (effects run twice) the list is held and shown all the same', async () => {
    sdk.ready = true;
    const answer = answerLater();
    await visit('/hold-strict', createElement(StrictMode, null, createElement(Grid, { items: PRODUCTS })));
    const ul = host.querySelector('ul')!;
    expect(ul.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    await answer();
    expect(shown()).toEqual(['c', 'a', 'b']);
    expect(ul.hasAttribute('data-reco-pending')).toBe(false);
    await vi.waitFor(() => expect(ul.style.getPropertyValue('clip-path')).toBe(''));
  });

  it('a ranking that keeps the order given shows the list too; one that never comes, after 400 ms', async () => {
    sdk.scores = {};
    sdk.ready = true;
    let answer = answerLater();
    await visit('/given', createElement(Grid, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    await answer();
    await vi.waitFor(() => expect(host.querySelector('ul')!.style.getPropertyValue('clip-path')).toBe(''));
    expect(shown()).toEqual(['a', 'b', 'c']);

    await act(async () => root.render(createElement('p')));
    answer = answerLater();
    await visit('/slow', createElement(Grid, { items: PRODUCTS }));
    const ul = host.querySelector('ul')!;
    expect(ul.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    await new Promise((r) => setTimeout(r, 450));
    expect(ul.style.getPropertyValue('clip-path'), "shown at the hold's end").toBe('');
    await answer();
  });

  it('a ranking that comes after the hold, while the shopper sees the list in the order given, is rendered once the list is out of sight', async () => {
    sdk.ready = true;
    sdk.holdMs = 100;
    const { scrollAway } = listInView();
    const answer = answerLater();
    await visit('/late', createElement(Grid, { items: PRODUCTS }));
    const ul = host.querySelector('ul')!;
    await new Promise((r) => setTimeout(r, 150));
    expect(ul.style.getPropertyValue('clip-path'), 'shown at the end of the hold').toBe('');
    await answer();
    expect(shown(), 'in view: the order the shopper sees stays').toEqual(['a', 'b', 'c']);
    await scrollAway();
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it('a later ranking with another order (init() became ready) waits too while the shopper sees the list', async () => {
    const { scrollAway } = listInView();
    await act(async () => root.render(createElement(Grid, { items: PRODUCTS })));
    expect(shown(), 'before ready: the order given').toEqual(['a', 'b', 'c']);
    sdk.ready = true;
    await act(async () => sdk.readyListeners.forEach((fn) => fn()));
    expect(shown(), 'in view: it stays').toEqual(['a', 'b', 'c']);
    await scrollAway();
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it("is held for init()'s antiFlickerMs at most, and never with 0 (the shop turned hiding off)", async () => {
    sdk.ready = true;
    sdk.holdMs = 150;
    let answer = answerLater();
    await visit('/short', createElement(Grid, { items: PRODUCTS }));
    const ul = host.querySelector('ul')!;
    expect(ul.style.getPropertyValue('clip-path')).toBe('inset(50%)');
    await new Promise((r) => setTimeout(r, 200));
    expect(ul.style.getPropertyValue('clip-path'), 'shown after 150 ms').toBe('');
    await answer();

    await act(async () => root.render(createElement('p')));
    sdk.holdMs = 0;
    answer = answerLater();
    await visit('/never', createElement(Grid, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.hasAttribute('data-reco-pending')).toBe(false);
    await answer();
    expect(shown()).toEqual(['c', 'a', 'b']);
  });

  it('is not hidden on a first visit (Reco never ran on this origin before, no event yet): nothing could move it', async () => {
    sdk.events = 0; // and no session record of the tracker's when the hook's module loaded

    const answer = answerLater();
    await visit('/first-visit', createElement(Grid, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.hasAttribute('data-reco-pending')).toBe(false);
    await answer();
  });

  it('on a first visit it is held when a ranking may move it all the same: rules or a feed of the last init(), an item out of stock', async () => {
    sdk.events = 0;
    sdk.byRules = true; // init({ rules: { boost: … } }), or a catalogUrl
    let answer = answerLater();
    await visit('/first-visit-rules', createElement(Grid, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.hasAttribute('data-reco-pending')).toBe(true);
    await answer();
    await act(async () => root.render(createElement('p')));

    sdk.byRules = false;
    function SoldOut({ items }: { items: Product[] }): ReactElement {
      const ordered = useRanked(items, {
        id: (p) => p.sku,
        features: (p) => ({ title: p.name, ...(p.sku === 'c' && { available: false }) }),
      });
      return createElement(
        'ul',
        { 'data-reco-grid': 'home', 'data-reco-track-only': '' },
        ordered.map((p) => createElement('li', { key: p.sku, 'data-reco-id': p.sku }, p.sku)),
      );
    }
    answer = answerLater();
    await visit('/first-visit-sold-out', createElement(SoldOut, { items: PRODUCTS }));
    expect(host.querySelector('ul')!.hasAttribute('data-reco-pending')).toBe(true);
    await answer();
  });

  it("asks for the order a grid of its items gets: the shopper's scores with the merchandising rules applied", async () => {
    sdk.ready = true;
    await visit('/rules', createElement(Grid, { items: PRODUCTS }));
    await vi.waitFor(() => expect(sdk.rankOptions).toEqual([{ rules: true }]));
  });

  it('setRules() re-ranks the list with the new rules, rendered at once also while the shopper sees it (as grids are)', async () => {
    sdk.ready = true;
    listInView();
    await visit('/rules', createElement(Grid, { items: PRODUCTS }));
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    // The shop's new rules (say, a boost of b) change what the worker answers.
    sdk.scores = { b: 3, c: 2, a: 1 };
    await act(async () => sdk.rulesListeners.forEach((fn) => fn()));
    await vi.waitFor(() => expect(shown()).toEqual(['b', 'c', 'a']));
    expect(sdk.rankOptions).toEqual([{ rules: true }, { rules: true }]);
    act(() => root.unmount());
    expect(sdk.rulesListeners.size).toBe(0);
    root = createRoot(host);
  });

  it("a later history event re-ranks the list while it is out of sight (a product page's related list below the fold); not a click, nor a list in view", async () => {
    sdk.ready = true;
    await visit('/p/x1', createElement(Grid, { items: PRODUCTS }));
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    const recorded = (type: string) => act(async () => sdk.eventListeners.forEach((fn) => fn({ type })));
    sdk.scores = { b: 3, c: 2, a: 1 }; // what the worker answers once it has the product viewed
    await recorded('view_item_list'); // an impression is no history
    await recorded('select_item'); // a click opens the next page
    expect(sdk.ranked).toHaveLength(1);
    await recorded('view_item');
    await vi.waitFor(() => expect(shown()).toEqual(['b', 'c', 'a']));
    // In view, the next event ranks nothing: the order the shopper sees stays.
    listInView();
    sdk.scores = { a: 3, b: 2, c: 1 };
    await recorded('add_to_cart');
    expect(sdk.ranked).toHaveLength(2);
    expect(shown()).toEqual(['b', 'c', 'a']);
  });

  it('a list the shopper has had in sight keeps its order on a later history event, also once scrolled away (not re-ordered out of sight)', async () => {
    sdk.ready = true;
    const { scrollAway } = listInView();
    await visit('/p/x2', createElement(Grid, { items: PRODUCTS }));
    await vi.waitFor(() => expect(shown()).toEqual(['c', 'a', 'b']));
    await scrollAway();
    sdk.scores = { b: 3, c: 2, a: 1 };
    await act(async () => sdk.eventListeners.forEach((fn) => fn({ type: 'view_item' })));
    expect(sdk.ranked).toHaveLength(1);
    expect(shown()).toEqual(['c', 'a', 'b']);
    // The list's items change while it is out of sight: a new list, which the next history event ranks again.
    await act(async () => root.render(createElement(Grid, { items: [...PRODUCTS, { sku: 'd', name: 'Mascara' }] })));
    expect(sdk.ranked).toHaveLength(2);
    await act(async () => sdk.eventListeners.forEach((fn) => fn({ type: 'add_to_cart' })));
    expect(sdk.ranked).toHaveLength(3);
  });

  it('is not hidden where Reco will not re-order it: init() not called or consent denied, the control group, after forget(), or rendered by the server', async () => {
    for (const state of [{ engine: 'off' }, { control: true }, { storage: 'off' }, { engine: 'down' }]) {
      Object.assign(sdk, { engine: 'loading', control: false, storage: 'indexeddb' }, state);
      await visit(`/not-held/${JSON.stringify(state)}`, createElement(Grid, { items: PRODUCTS }));
      expect(host.querySelector('ul')!.hasAttribute('data-reco-pending'), JSON.stringify(state)).toBe(false);
      await act(async () => root.render(createElement('p')));
    }
    // Server-rendered HTML the page hydrates: the shopper may already be looking at it.
    Object.assign(sdk, { engine: 'loading', control: false, storage: 'indexeddb' });
    act(() => root.unmount());
    host.innerHTML =
      '<ul data-reco-grid="home" data-reco-track-only=""><li data-reco-id="a">a</li><li data-reco-id="b">b</li><li data-reco-id="c">c</li></ul>';
    const answer = answerLater();
    history.pushState({}, '', '/hydrated');
    await act(async () => void (root = hydrateRoot(host, createElement(Grid, { items: PRODUCTS }))));
    expect(host.querySelector('ul')!.hasAttribute('data-reco-pending')).toBe(false);
    await answer();
    expect(shown()).toEqual(['a', 'b', 'c']);
  });

  it('stops listening when unmounted', async () => {
    await act(async () => root.render(createElement(List, { items: PRODUCTS })));
    expect(sdk.readyListeners.size).toBe(1);
    await act(async () => root.render(createElement('p')));
    expect(sdk.readyListeners.size).toBe(0);
  });
});
