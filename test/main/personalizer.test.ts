// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RankedEvent } from '../../src/main/api.ts';
import type { AntiFlicker } from '../../src/main/grid/antiflicker.ts';
import { validateGridConfigs, type GridConfig } from '../../src/main/grid/discover.ts';
import { keepPageOrder, reorderGrid } from '../../src/main/grid/reorder.ts';
import { createPersonalizer, type PersonalizerDeps, type Personalizer } from '../../src/main/personalizer.ts';
import { gridOrder } from '../../src/model/arrange.ts';
import { DEFAULT_RULES } from '../../src/shared/rules.ts';
import type { PageStore } from '../../src/shared/store.ts';
import type { ItemFeatures, RecoEvent } from '../../src/shared/types.ts';
import { createTracker, type Tracker } from '../../src/tracker/tracker.ts';

const ids = (sel = '#home') => [...document.querySelectorAll(`${sel} [data-reco-id]`)].map((e) => e.getAttribute('data-reco-id'));
const card = (id: string) => `<a data-reco-id="${id}" data-reco-title="Item ${id}"></a>`;
const cards = (...list: string[]) => list.map(card).join('');

/** An anti-flicker guard whose grids are off-screen (re-orderable) unless `inView` has them; it records what it hides. */
function guard() {
  const inView = new Set<Element>();
  const held = new Set<Element>();
  const antiFlicker: AntiFlicker & { inView: Set<Element>; held: Set<Element> } = {
    inView,
    held,
    hold: vi.fn((el: Element) => void held.add(el)),
    release: vi.fn((el: Element) => void held.delete(el)),
    isHeld: (el) => held.has(el),
    shouldReorder: (c) => held.has(c) || !inView.has(c),
    destroy: vi.fn(),
  };
  return antiFlicker;
}

let p: Personalizer | undefined;
function start(over: Partial<PersonalizerDeps> = {}, autoPersonalize = true, grids: GridConfig[] = [], antiFlickerMs = 0) {
  const ranked: RankedEvent[] = [];
  const deps: PersonalizerDeps = {
    antiFlicker: guard(),
    tracker: { observe: vi.fn() } as unknown as Tracker,
    active: true,
    // Higher for a higher number in the id: p1 < p2 < p3.
    arrange: vi.fn(async (items: ItemFeatures[]) =>
      items.map((_, i) => i).sort((a, b) => Number(items[b]!.id.slice(1)) - Number(items[a]!.id.slice(1))),
    ),
    remember: vi.fn(),
    mayMove: () => true,
    moves: () => ({ reorderGrid, keepPageOrder }),
    onRanked: (e) => ranked.push(e),
    onError: vi.fn(),
    ...over,
  };
  p = createPersonalizer({ grids: validateGridConfigs(grids), autoPersonalize, animate: false, antiFlickerMs }, deps);
  return { deps, ranked, antiFlicker: deps.antiFlicker as ReturnType<typeof guard> };
}

/** The ids of the items the last ranking asked for, in the order asked. */
const lastAsked = (deps: PersonalizerDeps) =>
  vi
    .mocked(deps.arrange)
    .mock.calls.at(-1)![0]
    .map((i) => i.id);

/** A real tracker: what it records is what the shopper's history gets. */
function withTracker() {
  const seen: RecoEvent[] = [];
  const tracker = createTracker({
    store: { kind: 'memory', add: async () => {} } as unknown as PageStore,
    control: false,
    journal: false,
    onEvent: (e) => seen.push(e),
  });
  return { tracker, clicks: () => seen.filter((e) => e.type === 'select_item').map((e) => e.itemId) };
}

/** Lets an animation frame run: what the page rendered before it counts as drawn. */
const frameDrawn = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/** Lets the MutationObserver callback, the task it schedules and the ranking that starts run. */
const settle = () => new Promise((r) => setTimeout(r, 50));

beforeEach(() => {
  document.body.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p3')}<a data-reco-id="p0" data-reco-pin></a>${card('p2')}</div>`;
});
afterEach(() => {
  p?.destroy();
  p = undefined;
});

describe('personalizer', () => {
  it('a history event after the first rankings re-ranks only the grids the shopper has not seen: out of view, no impression', async () => {
    document.body.innerHTML = ['a', 'b', 'c'].map((g) => `<div id="${g}" data-reco-grid="${g}">${cards('p1', 'p2')}</div>`).join('');
    const tracker = { observe: vi.fn(), shown: (listId: string) => listId === 'b' } as unknown as Tracker;
    const { deps, antiFlicker } = start({ tracker });
    antiFlicker.inView.add(document.getElementById('a')!); // in view (its impressions may not have counted yet)
    await p!.firstRankings();
    vi.mocked(deps.arrange).mockClear();
    p!.historyChanged();
    await settle();
    expect(vi.mocked(deps.arrange).mock.calls.map((call) => call[3].listId)).toEqual(['c']);
    expect(vi.mocked(deps.arrange).mock.calls[0]![2], 'not a first arrangement (a Back keeps no such order)').toBe(false);
  });

  it('the events of one task (a cart of several items) look at the grids once, at its end', async () => {
    document.body.innerHTML = ['a', 'c'].map((g) => `<div id="${g}" data-reco-grid="${g}">${cards('p1', 'p2')}</div>`).join('');
    const tracker = { observe: vi.fn(), shown: vi.fn(() => false) } as unknown as Tracker;
    start({ tracker });
    await p!.firstRankings();
    for (let i = 0; i < 3; i++) p!.historyChanged();
    expect(tracker.shown).not.toHaveBeenCalled(); // not during the page's own call
    await Promise.resolve();
    expect(vi.mocked(tracker.shown).mock.calls.map(([listId]) => listId)).toEqual(['a', 'c']);
  });

  it('a card the page marks sold out after init() (data-reco-available="false"): its features say so (placements leave it out) and the grid is arranged again', async () => {
    const { deps } = start();
    await p!.firstRankings();
    vi.mocked(deps.arrange).mockClear();
    vi.mocked(deps.remember).mockClear();
    document.querySelector('[data-reco-id="p3"]')!.setAttribute('data-reco-available', 'false');
    await settle();
    expect(vi.mocked(deps.remember).mock.calls.flat(2)).toContainEqual(expect.objectContaining({ id: 'p3', available: false }));
    expect(deps.arrange).toHaveBeenCalledTimes(1);
  });

  it('tracks the items of the grids on the page from the start', () => {
    const { deps } = start({ active: false });
    expect(vi.mocked(deps.tracker!.observe).mock.calls[0]![0].map((t) => `${t.listId}:${t.id}@${t.position}`)).toEqual([
      'home:p1@0',
      'home:p3@1',
      'home:p0@2',
      'home:p2@3',
    ]);
  });

  it('ranks the grids found at the start at once (pinned items stay), reports it, remembers the features shown, releases the hold', async () => {
    const { deps, ranked } = start();
    await p!.firstRankings();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    expect(ranked).toEqual([{ listId: 'home', ms: expect.any(Number), order: ['p3', 'p2', 'p0', 'p1'] }]);
    expect(p!.lastRankMs()).toBe(ranked[0]!.ms);
    expect(deps.remember).toHaveBeenCalledWith(expect.arrayContaining([{ id: 'p1', title: 'Item p1' }]));
    expect(deps.antiFlicker.release).toHaveBeenCalledWith(document.getElementById('home'));
  });

  it('a data-reco-track-only grid (ordered by the page, e.g. React) is tracked, never ranked or moved, even by personalize()', async () => {
    document.getElementById('home')!.setAttribute('data-reco-track-only', '');
    const { deps, ranked } = start();
    await p!.firstRankings();
    await p!.personalize(document, true);
    document.getElementById('home')!.insertAdjacentHTML('beforeend', card('p9'));
    await settle();
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2', 'p9']);
    expect(deps.arrange).not.toHaveBeenCalled();
    expect(ranked).toEqual([]);
    expect(
      vi
        .mocked(deps.tracker!.observe)
        .mock.calls.at(-1)![0]
        .map((t) => t.id),
    ).toEqual(['p1', 'p3', 'p0', 'p2', 'p9']);
  });

  it('a grid the page makes data-reco-track-only while its ranking is in flight (the demo\'s "shop\'s order" switch) is not moved by it', async () => {
    let answer: () => void = () => {};
    const answered = new Promise<void>((r) => (answer = r));
    const { ranked } = start({
      arrange: vi.fn(async (items: ItemFeatures[]) => {
        await answered;
        return items.map((_, i) => items.length - 1 - i);
      }),
    });
    const first = p!.firstRankings();
    await settle();
    const home = document.getElementById('home')!;
    home.setAttribute('data-reco-track-only', '');
    home.innerHTML = `${cards('p1', 'p3')}<a data-reco-id="p0" data-reco-pin></a>${card('p2')}`; // the page renders its own order
    answer();
    await first;
    await settle();
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    expect(ranked).toEqual([]);
  });

  it('a page that has painted already (init() from an async script) has its grids ranked, never hidden: the shopper saw them', async () => {
    const paints = vi.spyOn(performance, 'getEntriesByType').mockReturnValue([{ name: 'first-paint' } as PerformanceEntry]);
    try {
      const antiFlicker = guard();
      start({ antiFlicker });
      antiFlicker.inView.add(document.getElementById('home')!);
      await p!.firstRankings();
      expect(antiFlicker.hold).not.toHaveBeenCalled();
      expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']); // in view: the ranking waits until the grid is out of sight
    } finally {
      paints.mockRestore();
    }
  });

  it("a page painted a moment before init() as it is still loading (reco.js at the end of the body, a bundled app's module script) has its grid in view held: not after an older paint, nor once the page has loaded", async () => {
    let state: DocumentReadyState = 'loading';
    const readyState = vi.spyOn(document, 'readyState', 'get').mockImplementation(() => state);
    const paintAt = (ago: number) =>
      vi
        .spyOn(performance, 'getEntriesByType')
        .mockReturnValue([{ name: 'first-paint', startTime: performance.now() - ago } as PerformanceEntry]);
    await frameDrawn(); // the grid was drawn: the page's state and its paint decide
    try {
      for (const [ready, ago, held] of [
        ['loading', 30, true],
        ['loading', 500, false],
        ['interactive', 30, true], // a module script runs once the document is parsed, before DOMContentLoaded
        ['interactive', 500, false],
        ['complete', 30, false], // an async script or a consent banner after the page loaded
      ] as const) {
        state = ready;
        const paints = paintAt(ago);
        const antiFlicker = guard();
        start({ antiFlicker }, true, [], 400);
        expect(antiFlicker.hold, `${ready}, painted ${ago} ms before`).toHaveBeenCalledTimes(held ? 1 : 0);
        paints.mockRestore();
        p!.destroy();
      }
    } finally {
      readyState.mockRestore();
    }
  });

  it("a single-page app's next route: a listing rendered after destroy() and handed to init() before a frame is drawn is held and ranked, though the page has loaded; one already drawn is not hidden", async () => {
    const readyState = vi.spyOn(document, 'readyState', 'get').mockReturnValue('complete');
    const paints = vi.spyOn(performance, 'getEntriesByType').mockReturnValue([{ name: 'first-paint', startTime: 0 } as PerformanceEntry]);
    try {
      await frameDrawn();
      start({ antiFlicker: guard() }, true, [], 400);
      p!.destroy(); // the route ends; its router renders the next one and calls init() in the same task
      document.body.innerHTML = `<div id="next" data-reco-grid="category">${cards('p1', 'p3')}</div>`;
      const sameTask = guard();
      start({ antiFlicker: sameTask }, true, [], 400);
      expect(sameTask.hold).toHaveBeenCalledWith(document.getElementById('next'));
      await p!.firstRankings();
      expect(ids('#next')).toEqual(['p3', 'p1']);

      p!.destroy(); // a route that keeps the grid's element and renders the next category's cards in it
      document.getElementById('next')!.innerHTML = cards('p2', 'p4');
      const keptElement = guard();
      start({ antiFlicker: keptElement }, true, [], 400);
      expect(keptElement.hold).toHaveBeenCalledWith(document.getElementById('next'));
      await p!.firstRankings();

      p!.destroy(); // init() in the app's own animation frame callback, before that frame is painted
      document.body.innerHTML = `<div id="framed" data-reco-grid="category">${cards('p1', 'p3')}</div>`;
      const inFrame = guard();
      for (let i = 0; i < 3; i++) await Promise.resolve(); // the mutation is noted first (its frame asked for before the app's)
      await new Promise<void>((r) => requestAnimationFrame(() => (start({ antiFlicker: inFrame }, true, [], 400), r())));
      expect(inFrame.hold).toHaveBeenCalledWith(document.getElementById('framed'));
      await p!.firstRankings();

      p!.destroy(); // the next route's listing is drawn before init() (it awaited its data): the shopper may see it
      document.body.innerHTML = `<div id="later" data-reco-grid="category">${cards('p1', 'p3')}</div>`;
      await frameDrawn();
      const afterFrame = guard();
      afterFrame.inView.add(document.getElementById('later')!);
      start({ antiFlicker: afterFrame }, true, [], 400);
      expect(afterFrame.hold).not.toHaveBeenCalled();
    } finally {
      readyState.mockRestore();
      paints.mockRestore();
    }
  });

  it("a grid the page hides itself when init() runs (the README's CSS until data-reco-started) has not been seen: held and ranked after a paint too", async () => {
    const paints = vi.spyOn(performance, 'getEntriesByType').mockReturnValue([{ name: 'first-paint' } as PerformanceEntry]);
    const home = document.getElementById('home')!;
    document.documentElement.removeAttribute('data-reco-started');
    // The page's stylesheet: grids hidden until Reco has started (happy-dom applies no animation: a plain rule stands for it).
    const css = Object.assign(document.createElement('style'), {
      textContent: 'html:not([data-reco-started]) [data-reco-grid] { visibility: hidden; }',
    });
    document.head.append(css);
    try {
      expect(getComputedStyle(home).visibility).toBe('hidden');
      const antiFlicker = guard();
      antiFlicker.inView.add(home); // in view: without the hold, its ranking would wait until it is out of sight
      start({ antiFlicker }, true, [], 400);
      expect(antiFlicker.hold).toHaveBeenCalledWith(home);
      // Reco's hold has taken over: the page's own rule no longer applies (in a browser: e2e/first-view.spec.ts).
      expect(document.documentElement.hasAttribute('data-reco-started')).toBe(true);
      await p!.firstRankings();
      expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    } finally {
      css.remove();
      paints.mockRestore();
    }
  });

  it('data-reco-started is set as init() starts whatever it holds: with nothing to move, and in the control group', () => {
    for (const over of [{ mayMove: () => false }, { active: false }]) {
      document.documentElement.removeAttribute('data-reco-started');
      const { antiFlicker } = start(over, true, [], 400);
      expect(document.documentElement.hasAttribute('data-reco-started')).toBe(true);
      expect(antiFlicker.hold).not.toHaveBeenCalled();
      p!.destroy();
    }
  });

  it('personalize(root, true) ranks again', async () => {
    const { deps } = start();
    await p!.firstRankings();
    await p!.personalize(document, true);
    expect(deps.arrange).toHaveBeenCalledTimes(2);
  });

  it("a grid's first arrangement is fresh (on a return by Back, the order it was left in); later ones, and those of a grid that stayed in the page, are not", async () => {
    const { deps } = start();
    await p!.firstRankings();
    await p!.personalize(document, true); // e.g. the demo's "Show my picks" after a product view over the grid closed by Back
    // The app renders the listing anew (a route reached by Back): a new container, then its personalize().
    document.body.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p3')}${card('p2')}</div>`;
    await p!.personalize(document, true);
    await p!.personalize(document, true);
    expect(vi.mocked(deps.arrange).mock.calls.map((c) => c[2])).toEqual([true, false, true, false]);
  });

  it('a grid the page empties and fills again in the same element (a router that keeps the container) is rendered anew: its next arrangement is fresh', async () => {
    const { deps } = start();
    await p!.firstRankings();
    await p!.personalize(document, true);
    const home = document.getElementById('home')!;
    home.innerHTML = ''; // another route: the listing's items are gone, the element stays
    await settle();
    home.innerHTML = `${cards('p1', 'p3')}${card('p2')}`; // Back: the listing rendered again into it
    await settle();
    await p!.personalize(document, true);
    // Items added to a grid that kept its others (load more) are not a new rendering.
    home.insertAdjacentHTML('beforeend', card('p4'));
    await settle();
    await p!.personalize(document, true);
    expect(vi.mocked(deps.arrange).mock.calls.map((c) => c[2])).toEqual([true, false, true, false, false]);
  });

  it("personalize(root, true) while the grid's first ranking is in flight (the page's personalize() right after init() resolved) re-orders the grid in view at once, and resolves once it has", async () => {
    let answer: () => void = () => {};
    const answered = new Promise<void>((r) => (answer = r));
    const antiFlicker = guard();
    antiFlicker.inView.add(document.getElementById('home')!); // shown: a ranking of its own waits until it is out of sight
    start({
      antiFlicker,
      arrange: vi.fn(async (items: ItemFeatures[]) => {
        await answered;
        return items.map((_, i) => i).sort((a, b) => Number(items[b]!.id.slice(1)) - Number(items[a]!.id.slice(1)));
      }),
    });
    await settle(); // the first ranking is asked for, and not answered yet
    const asked = p!.personalize(document, true);
    answer();
    await asked;
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
  });

  it('never re-orders in the control group (or without an engine), or without a new order', async () => {
    for (const over of [{ active: false }, { arrange: async () => null }]) {
      const { ranked } = start(over);
      await p!.firstRankings();
      await p!.personalize(document);
      expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
      expect(ranked).toEqual([]);
      p!.destroy();
    }
  });

  it('re-orders a grid the shopper is looking at only once it is out of sight (the tab hidden)', async () => {
    const antiFlicker = guard();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home);
    start({ antiFlicker });
    await p!.firstRankings();
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    antiFlicker.inView.delete(home);
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(() => expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']));
  });

  it('ranks a grid the page adds later; without autoPersonalize it only tracks it', async () => {
    const { ranked } = start();
    await p!.firstRankings();
    document.body.insertAdjacentHTML('beforeend', `<div id="new" data-reco-grid="new">${cards('p5', 'p7')}</div>`);
    await vi.waitFor(() => expect(ids('#new')).toEqual(['p7', 'p5']));
    expect(ranked.map((r) => r.listId)).toEqual(['home', 'new']);
    p!.destroy();

    document.body.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p3')}</div>`;
    const manual = start({}, false);
    await p!.firstRankings();
    expect(ids()).toEqual(['p1', 'p3']);
    expect(manual.deps.tracker!.observe).toHaveBeenCalled();
    await p!.personalize(document, true);
    expect(ids()).toEqual(['p3', 'p1']);
  });
});

describe('a page whose HTML is still streaming in (reco.js in the head)', () => {
  let state: DocumentReadyState = 'loading';
  beforeEach(() => {
    state = 'loading';
    vi.spyOn(document, 'readyState', 'get').mockImplementation(() => state);
  });
  afterEach(() => vi.restoreAllMocks());

  it('ranks a grid once the parser has passed it (all its cards are in), not on its first cards: the ranking of the rest would come after the hold', async () => {
    document.body.innerHTML = '';
    const { deps } = start();
    const home = document.createElement('div');
    home.id = 'home';
    home.setAttribute('data-reco-grid', 'home');
    document.body.append(home); // the parser has opened the grid
    home.insertAdjacentHTML('beforeend', cards('p1', 'p2'));
    await settle();
    home.insertAdjacentHTML('beforeend', cards('p5', 'p3'));
    await settle();
    expect(deps.arrange).not.toHaveBeenCalled();
    document.body.append(document.createElement('footer')); // the parser is past the grid
    await vi.waitFor(() => expect(ids()).toEqual(['p5', 'p3', 'p2', 'p1']));
    expect(deps.arrange).toHaveBeenCalledTimes(1);
    expect(lastAsked(deps)).toEqual(['p1', 'p2', 'p5', 'p3']);
  });

  it('a grid that is the last thing in the page is ranked when the document has been parsed (DOMContentLoaded)', async () => {
    document.body.innerHTML = '';
    const { deps } = start();
    document.body.insertAdjacentHTML('beforeend', `<div id="home" data-reco-grid="home">${cards('p1', 'p2')}</div>`);
    await settle();
    expect(deps.arrange).not.toHaveBeenCalled();
    state = 'interactive';
    document.dispatchEvent(new Event('DOMContentLoaded'));
    await vi.waitFor(() => expect(ids()).toEqual(['p2', 'p1']));
  });
});

describe('a first visit: nothing a ranking could move the grids by (mayMove false)', () => {
  it('grids found at the start are asked about (and tracked) but not hidden, whatever the hold', async () => {
    const mayMove = vi.fn(() => false);
    const { antiFlicker, deps } = start({ mayMove }, true, [], 400);
    await p!.firstRankings();
    expect(mayMove).toHaveBeenCalledWith(expect.objectContaining({ listId: 'home', container: document.getElementById('home') }));
    expect(antiFlicker.hold).not.toHaveBeenCalled();
    expect(deps.arrange).toHaveBeenCalledTimes(1);
    expect(deps.tracker!.observe).toHaveBeenCalled();
  });

  it('nor a grid the page renders later, nor the items it adds to one', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home"></div>`;
    const { antiFlicker, deps } = start({ mayMove: () => false }, true, [], 400);
    await p!.firstRankings();
    document.getElementById('home')!.innerHTML = cards('p1', 'p2');
    await Promise.resolve(); // the MutationObserver callback: before the page paints
    await vi.waitFor(() => expect(deps.arrange).toHaveBeenCalledTimes(1));
    document.getElementById('home')!.insertAdjacentHTML('beforeend', cards('p3'));
    await Promise.resolve();
    await vi.waitFor(() => expect(deps.arrange).toHaveBeenCalledTimes(2));
    expect(antiFlicker.hold).not.toHaveBeenCalled();
  });

  it('a grid a ranking may move (mayMove true for it: an item out of stock, a history) is held as before', async () => {
    const { antiFlicker } = start({ mayMove: () => true }, true, [], 400);
    expect(antiFlicker.hold).toHaveBeenCalledWith(document.getElementById('home'));
    await p!.firstRankings();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
  });

  it('a history event in the script that called init() (a product page view_item right after it) holds the grid still, before the page paints', async () => {
    let history = false;
    const { antiFlicker } = start({ mayMove: () => history }, true, [], 400);
    expect(antiFlicker.hold).not.toHaveBeenCalled();
    history = true; // Reco.track('view_item', …) on the line after Reco.init()
    await Promise.resolve(); // the script has run: microtasks come before the page paints
    expect(antiFlicker.hold).toHaveBeenCalledWith(document.getElementById('home'));
    await p!.firstRankings();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
  });

  it('one that comes later (after the page could paint) holds nothing', async () => {
    let history = false;
    const { antiFlicker } = start({ mayMove: () => history }, true, [], 400);
    await new Promise((resolve) => setTimeout(resolve, 0));
    history = true;
    await p!.firstRankings();
    expect(antiFlicker.hold).not.toHaveBeenCalled();
  });
});

describe('single-page apps', () => {
  it('a grid empty at the start is hidden when its items arrive, and ranked', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home"></div>`;
    const { antiFlicker, deps } = start();
    await p!.firstRankings();
    expect(deps.arrange).not.toHaveBeenCalled();
    document.getElementById('home')!.innerHTML = cards('p1', 'p2', 'p3');
    await Promise.resolve(); // the MutationObserver callback: before the page paints
    expect(antiFlicker.hold).toHaveBeenCalledWith(document.getElementById('home'), true);
    await vi.waitFor(() => expect(ids()).toEqual(['p3', 'p2', 'p1']));
    expect(antiFlicker.held.size).toBe(0);
  });

  it('items added to a known grid are ranked again; however many changes come while that ranking is in flight, one more ranking after it', async () => {
    const replies: (() => void)[] = [];
    const byNumber = (items: ItemFeatures[]) =>
      items.map((_, i) => i).sort((a, b) => Number(items[b]!.id.slice(1)) - Number(items[a]!.id.slice(1)));
    const arrange = vi.fn((items: ItemFeatures[]) => new Promise<number[]>((resolve) => replies.push(() => resolve(byNumber(items)))));
    start({ arrange });
    const home = document.getElementById('home')!;
    await vi.waitFor(() => expect(arrange).toHaveBeenCalledTimes(1));
    replies.shift()!();
    await p!.firstRankings();
    home.insertAdjacentHTML('beforeend', card('p5'));
    await vi.waitFor(() => expect(arrange).toHaveBeenCalledTimes(2)); // asked at once
    // A framework goes on rendering, a change per microtask and per task, while that ranking is in flight.
    for (const id of ['p4', 'p6', 'p7']) {
      home.insertAdjacentHTML('beforeend', card(id));
      await Promise.resolve();
    }
    home.insertAdjacentHTML('beforeend', card('p8'));
    await settle();
    expect(arrange).toHaveBeenCalledTimes(2);
    replies.shift()!();
    await vi.waitFor(() => expect(arrange).toHaveBeenCalledTimes(3));
    expect(arrange.mock.calls[2]![0].map((i) => i.id).sort()).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    replies.shift()!();
    await vi.waitFor(() => expect(ids()).toEqual(['p8', 'p7', 'p0', 'p6', 'p5', 'p4', 'p3', 'p2', 'p1']));
    await settle();
    expect(arrange).toHaveBeenCalledTimes(3);
  });

  it("a grid filled while the page draws no frames (a busy GPU process, the shop's own first rendering) is ranked all the same", async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home"></div>`;
    const frames = vi.spyOn(window, 'requestAnimationFrame').mockImplementation(() => 0);
    try {
      const { antiFlicker } = start();
      await p!.firstRankings();
      document.getElementById('home')!.innerHTML = cards('p1', 'p2', 'p3');
      await vi.waitFor(() => expect(ids()).toEqual(['p3', 'p2', 'p1']));
      expect(antiFlicker.held.size).toBe(0);
    } finally {
      frames.mockRestore();
    }
  });

  it('a grid the page goes on filling while its first ranking is in flight stays hidden until the ranking of all its items', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home"></div>`;
    const replies: (() => void)[] = [];
    const byNumber = (items: ItemFeatures[]) =>
      items.map((_, i) => i).sort((a, b) => Number(items[b]!.id.slice(1)) - Number(items[a]!.id.slice(1)));
    const arrange = vi.fn((items: ItemFeatures[]) => new Promise<number[]>((resolve) => replies.push(() => resolve(byNumber(items)))));
    const { antiFlicker } = start({ arrange });
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    home.innerHTML = cards('p1', 'p2');
    await vi.waitFor(() => expect(arrange).toHaveBeenCalledTimes(1));
    home.insertAdjacentHTML('beforeend', cards('p4', 'p3'));
    await settle();
    replies.shift()!(); // the ranking of p1 and p2 arrives: the grid is re-ordered, and stays hidden
    await vi.waitFor(() => expect(arrange).toHaveBeenCalledTimes(2));
    expect(antiFlicker.held.has(home)).toBe(true);
    expect(arrange.mock.calls[1]![0].map((i) => i.id)).toEqual(['p1', 'p2', 'p4', 'p3']); // the page's own order
    replies.shift()!();
    await vi.waitFor(() => expect(ids()).toEqual(['p4', 'p3', 'p2', 'p1']));
    expect(antiFlicker.held.size).toBe(0);
  });

  it('in a grid the shopper is looking at, only the new items move, among their own places, hidden until ranked', async () => {
    const antiFlicker = guard();
    start({ antiFlicker });
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home);
    home.insertAdjacentHTML('beforeend', cards('p4', 'p9'));
    await Promise.resolve();
    expect([...antiFlicker.held].map((el) => el.getAttribute('data-reco-id'))).toEqual(['p4', 'p9']);
    await settle();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1', 'p9', 'p4']);
    expect(antiFlicker.held.size).toBe(0);
  });

  it('a re-render that puts the shop order back (new nodes, same items) is re-ordered at once, in view too, without asking the worker', async () => {
    const antiFlicker = guard();
    const { deps, ranked } = start({ antiFlicker });
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home);
    home.innerHTML = `${cards('p1', 'p3')}<a data-reco-id="p0" data-reco-pin></a>${card('p2')}`;
    await Promise.resolve(); // the MutationObserver callback, before the page paints
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    expect(deps.arrange).toHaveBeenCalledTimes(1);
    expect(ranked.map((r) => r.ms)).toEqual([expect.any(Number), 0]);
  });

  it('a replaced container is ranked like a new grid', async () => {
    document.body.innerHTML = `<main id="app"><div id="home" data-reco-grid="home">${cards('p1', 'p3')}</div></main>`;
    const { deps } = start();
    await p!.firstRankings();
    document.getElementById('app')!.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p5', 'p3')}</div>`;
    await vi.waitFor(() => expect(ids()).toEqual(['p5', 'p3', 'p1']));
    expect(deps.arrange).toHaveBeenCalledTimes(2);
  });

  it('a page that keeps putting its own order back wins after 3 rounds, with one message', async () => {
    const home = document.getElementById('home')!;
    const shopOrder = [...home.children];
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    start();
    await p!.firstRankings();
    for (let round = 0; round < 5; round++) {
      home.append(...shopOrder); // a framework restoring its order right after Reco's
      await Promise.resolve();
    }
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^\[reco\] grid "home": the page put its own order back 3 times/);
    warn.mockRestore();
  });

  it("a carousel turning in loop mode (the page moves the cards Reco arranged from one end to the other) keeps the page's moves; another new order of them is arranged again", async () => {
    const antiFlicker = guard();
    const { deps } = start({ antiFlicker });
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home);
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    const byId = (id: string) => home.querySelector(`[data-reco-id="${id}"]`)!;
    // Not a rotation (a sort of the same nodes): Reco's order is back at once, as before.
    home.append(...['p2', 'p3', 'p0', 'p1'].map(byId));
    await Promise.resolve();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    // Turned forward twice and back once, as Swiper's loop mode moves its slides.
    home.append(byId('p3'));
    await Promise.resolve();
    expect(ids()).toEqual(['p2', 'p0', 'p1', 'p3']);
    home.append(byId('p2'));
    await Promise.resolve();
    home.prepend(byId('p2'));
    await settle();
    expect(ids()).toEqual(['p2', 'p0', 'p1', 'p3']);
    // The page arranges it from now on: the same order back is not re-arranged either, nor asked about.
    home.append(...['p1', 'p3', 'p0', 'p2'].map(byId));
    await settle();
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    expect(deps.arrange).toHaveBeenCalledTimes(1);
  });

  it("a carousel in loop mode that Reco's ranking left as it was (a first visit) keeps its turns too, and a ranking waiting for it to be out of sight is dropped", async () => {
    const antiFlicker = guard();
    // The ranking keeps the page's order (nothing moves); in view, it waits until the grid is out of sight all the same.
    const arrange = vi.fn(async (items: ItemFeatures[]) => items.map((_, i) => i));
    const { deps } = start({ antiFlicker, arrange });
    antiFlicker.inView.add(document.getElementById('home')!);
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    home.append(home.querySelector('[data-reco-id="p1"]')!);
    await settle();
    expect(ids()).toEqual(['p3', 'p0', 'p2', 'p1']);
    antiFlicker.inView.delete(home);
    document.dispatchEvent(new Event('visibilitychange'));
    await settle();
    expect(ids()).toEqual(['p3', 'p0', 'p2', 'p1']);
    expect(deps.arrange).toHaveBeenCalledTimes(1);
  });

  it('a card the page reuses for another item (a list without keys, the next page of results) is tracked and ranked as that item', async () => {
    // A real tracker: the click on the reused card must be recorded for the item it shows now.
    const { tracker, clicks } = withTracker();
    try {
      const { deps } = start({ tracker });
      await p!.firstRankings();
      const els = [...document.querySelectorAll('#home [data-reco-id]:not([data-reco-pin])')];
      ['p7', 'p8', 'p9'].forEach((id, i) => els[i]!.setAttribute('data-reco-id', id));
      await settle();
      expect(ids()).toEqual(['p9', 'p8', 'p0', 'p7']);
      expect(lastAsked(deps)).toEqual(['p7', 'p8', 'p9']);
      document.querySelector('#home [data-reco-id="p9"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      expect(clicks()).toEqual(['p9']);
    } finally {
      tracker.destroy();
    }
  });

  it("a search grid is ranked in the shop's relevance order every time, not in Reco's previous blend: its best match stays in the first 3", async () => {
    // The shop's relevance order p0 (best) .. p7; the shopper prefers the higher numbers.
    document.body.innerHTML = `<div id="home" data-reco-grid="search" data-reco-query="shoes">${cards(...Array.from({ length: 8 }, (_, i) => `p${i}`))}</div>`;
    const arrange = vi.fn(async (items: ItemFeatures[], search: boolean) =>
      gridOrder(
        items,
        items.map((it) => Number(it.id.slice(1))),
        { rules: DEFAULT_RULES, history: [], now: Date.now(), searchWeight: search ? 0.6 : null },
      ),
    );
    start({ arrange });
    await p!.firstRankings();
    const places = [ids().indexOf('p0')];
    for (let round = 0; round < 4; round++) {
      await p!.personalize(document, true); // as setRules() and the page's personalize() do
      places.push(ids().indexOf('p0'));
    }
    expect(Math.max(...places)).toBeLessThanOrEqual(2);
    for (const [items] of arrange.mock.calls) expect(items.map((i) => i.id)).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7']);
  });

  it('search results the shop re-sorts (same items, a new relevance order) are ranked anew in that order, not put back in the old blend', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="search" data-reco-query="shoes">${cards('p1', 'p2', 'p3')}</div>`;
    // The blend keeps the shop's order here, so the grid shows the shop's order whatever it is.
    const { deps, antiFlicker } = start({ arrange: vi.fn(async (items: ItemFeatures[]) => items.map((_, i) => i)) });
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home);
    const byId = (id: string) => home.querySelector(`[data-reco-id="${id}"]`)!;
    home.append(byId('p3'), byId('p2'), byId('p1')); // the framework moves its keyed nodes
    await settle();
    expect(ids()).toEqual(['p3', 'p2', 'p1']);
    expect(lastAsked(deps)).toEqual(['p3', 'p2', 'p1']);
  });

  it('a grid in view whose ranking waits until it is out of sight still gets it after the page adds items (infinite scroll)', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p2', 'p3')}</div>`;
    const antiFlicker = guard();
    const home = document.getElementById('home')!;
    antiFlicker.inView.add(home); // shown before its ranking came (a hold that timed out, a page painted before init())
    start({ antiFlicker });
    await p!.firstRankings();
    expect(ids()).toEqual(['p1', 'p2', 'p3']);
    home.insertAdjacentHTML('beforeend', cards('p4', 'p5'));
    await settle();
    expect(ids()).toEqual(['p1', 'p2', 'p3', 'p5', 'p4']); // only the new items moved, among their own places
    antiFlicker.inView.delete(home);
    document.dispatchEvent(new Event('visibilitychange')); // out of sight
    expect(ids()).toEqual(['p5', 'p4', 'p3', 'p2', 'p1']);
  });

  it('a page that removes cards (filters ticked one after another) is not putting its own order back: the grid stays personalized', async () => {
    document.body.innerHTML = `<div id="home" data-reco-grid="home">${cards('p1', 'p2', 'p3', 'p4', 'p5', 'p6')}</div>`;
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    start();
    await p!.firstRankings();
    const home = document.getElementById('home')!;
    for (const id of ['p6', 'p4', 'p2']) {
      home.querySelector(`[data-reco-id="${id}"]`)!.remove();
      await Promise.resolve();
    }
    home.insertAdjacentHTML('afterbegin', cards('p9', 'p7')); // more results
    await settle();
    expect(warn).not.toHaveBeenCalled();
    warn.mockRestore();
    expect(ids()).toEqual(['p9', 'p7', 'p5', 'p3', 'p1']);
  });

  it('without autoPersonalize, items and grids the page adds later are tracked (never ranked)', async () => {
    const { deps } = start({}, false);
    await p!.firstRankings();
    document.getElementById('home')!.insertAdjacentHTML('beforeend', card('p4'));
    document.body.insertAdjacentHTML('beforeend', `<div id="new" data-reco-grid="new">${card('p5')}</div>`);
    await settle();
    const observed = vi.mocked(deps.tracker!.observe).mock.calls.flatMap(([items]) => items.map((t) => `${t.listId}:${t.id}`));
    expect(observed).toEqual(expect.arrayContaining(['home:p4', 'new:p5']));
    expect(deps.arrange).not.toHaveBeenCalled();
  });

  it('a change outside every grid neither scans nor ranks', async () => {
    const { deps } = start();
    await p!.firstRankings();
    const querySelectorAll = vi.spyOn(Element.prototype, 'querySelectorAll');
    for (let i = 0; i < 5; i++) document.body.append(document.createElement('span'));
    await settle();
    expect(querySelectorAll).not.toHaveBeenCalled();
    expect(deps.arrange).toHaveBeenCalledTimes(1);
    querySelectorAll.mockRestore();
  });
});

describe('grids found through the `grids` option (markup the shop cannot change)', () => {
  const sku = (el: HTMLElement) => el.dataset.sku;
  const products = (prefix: string, ...list: number[]) =>
    `<div class="products">${list.map((n) => `<a class="card" data-sku="${prefix}${n}"></a>`).join('')}</div>`;
  const skus = (sel: string) => [...document.querySelectorAll<HTMLElement>(sel)].map(sku);
  it('grids without a name are grid-0, grid-1, … in document order, and keep that list id after their rankings', async () => {
    document.body.innerHTML = products('a', 1, 2) + products('b', 1, 2);
    const observe = vi.fn();
    const { ranked } = start({ tracker: { observe } as unknown as Tracker }, true, [{ container: '.products', item: '.card', id: sku }]);
    await p!.firstRankings();
    expect(ranked.map((r) => r.listId).sort()).toEqual(['grid-0', 'grid-1']);
    const lists = new Map<string, Set<string>>();
    for (const [items] of observe.mock.calls as [{ id: string; listId: string }[]][])
      for (const { id, listId } of items) lists.set(id, (lists.get(id) ?? new Set()).add(listId));
    expect(Object.fromEntries([...lists].map(([id, l]) => [id, [...l]]))).toEqual({
      a1: ['grid-0'],
      a2: ['grid-0'],
      b1: ['grid-1'],
      b2: ['grid-1'],
    });
  });

  it('a grid whose items have no id asks with none to move and says how many lack one (the ranker reports it); its order stays', async () => {
    document.body.innerHTML = '<div class="products"><a class="card"></a><a class="card"></a><a class="card" data-sku=""></a></div>';
    const { deps } = start({}, true, [{ container: '.products', item: '.card', id: sku, listId: 'all' }]);
    await p!.firstRankings();
    expect(vi.mocked(deps.arrange).mock.calls).toEqual([[[], false, true, { listId: 'all', withoutId: 3 }]]);
    expect(document.querySelectorAll('.card')).toHaveLength(3);
  });

  it('a grid the page renders after init() (the script in <head>) whose items have no id is asked about too', async () => {
    document.body.innerHTML = '<div data-reco-grid="home"></div>';
    const { deps } = start();
    await p!.firstRankings();
    document.querySelector('[data-reco-grid]')!.innerHTML = '<a data-reco-id=""></a><a data-reco-id=" "></a>';
    await vi.waitFor(() => expect(vi.mocked(deps.arrange).mock.calls).toEqual([[[], false, true, { listId: 'home', withoutId: 2 }]]));
  });

  it('an empty grid (still being rendered) is not asked about; one whose items all have ids says none lacks one', async () => {
    document.body.innerHTML = '<div class="products"></div>';
    const { deps } = start({}, true, [{ container: '.products', item: '.card', id: sku, listId: 'all' }]);
    await p!.firstRankings();
    expect(deps.arrange).not.toHaveBeenCalled();
    document.querySelector('.products')!.innerHTML = '<a class="card" data-sku="p1"></a><a class="card" data-sku="p2"></a>';
    await vi.waitFor(() => expect(skus('.card')).toEqual(['p2', 'p1']));
    expect(vi.mocked(deps.arrange).mock.calls[0]![3]).toEqual({ listId: 'all', withoutId: 0 });
  });

  it('a data-reco-grid whose cards lack data-reco-id is asked about 5 s after it was found (the ranker reports it); its order stays', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      document.body.innerHTML = '<div data-reco-grid="home"><a class="card" data-sku="p1"></a><a class="card" data-sku="p2"></a></div>';
      const { deps } = start();
      await p!.firstRankings();
      expect(deps.arrange).not.toHaveBeenCalled();
      vi.advanceTimersByTime(4900);
      expect(deps.arrange).not.toHaveBeenCalled();
      vi.advanceTimersByTime(100);
      const container = document.querySelector('[data-reco-grid]');
      expect(vi.mocked(deps.arrange).mock.calls).toEqual([[[], false, false, { listId: 'home', withoutId: 0, unmarked: container }]]);
      expect([...document.querySelectorAll('.card')].map((el) => el.getAttribute('data-sku'))).toEqual(['p1', 'p2']);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a grid shown with placeholder cards and filled within 5 s, and one the page removed, are not asked about as unmarked; one still empty is (the ranker finds no card in it)', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout'] });
    try {
      document.body.innerHTML =
        '<div id="home" data-reco-grid="home"><div class="skeleton"></div><div class="skeleton"></div></div>' +
        '<div data-reco-grid="later"></div><div id="gone" data-reco-grid="gone"><div class="skeleton"></div></div>';
      const { deps } = start();
      await p!.firstRankings();
      document.getElementById('home')!.innerHTML = cards('p1', 'p2');
      document.getElementById('gone')!.remove();
      await vi.waitFor(() => expect(ids()).toEqual(['p2', 'p1']));
      vi.advanceTimersByTime(5000);
      expect(vi.mocked(deps.arrange).mock.calls.map((c) => c[3])).toEqual([
        { listId: 'home', withoutId: 0 },
        { listId: 'later', withoutId: 0, unmarked: document.querySelector('[data-reco-grid="later"]') },
      ]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('an item selector with :scope (direct children) also finds the cards the page adds later', async () => {
    document.body.innerHTML = products('p', 1, 3);
    const { deps } = start({}, true, [{ container: '.products', item: ':scope > .card', id: sku, listId: 'all' }]);
    await p!.firstRankings();
    document.querySelector('.products')!.insertAdjacentHTML('beforeend', '<a class="card" data-sku="p2"></a>');
    await vi.waitFor(() => expect(skus('.card')).toEqual(['p3', 'p2', 'p1']));
    expect(lastAsked(deps)).toEqual(['p3', 'p1', 'p2']);
  });

  it('a card the page reuses for another product (a list without keys) records its click under the product it shows', async () => {
    document.body.innerHTML = products('a', 1, 2);
    const { tracker, clicks } = withTracker();
    try {
      start({ tracker }, true, [{ container: '.products', item: '.card', id: sku, listId: 'all' }]);
      await p!.firstRankings();
      // The next page of results, patched into the same nodes.
      document.querySelectorAll<HTMLElement>('.card').forEach((el, k) => (el.dataset.sku = `b${k + 1}`));
      await settle();
      document.querySelector('[data-sku="b2"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true }));
      expect(clicks()).toEqual(['b2']);
    } finally {
      tracker.destroy();
    }
  });
});

describe('grids in a shadow root (web components)', () => {
  /** A component whose open shadow root holds a grid, as Lit or Stencil render one. */
  function component(...list: string[]): ShadowRoot {
    const host = document.createElement('shop-grid');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'open' });
    root.innerHTML = `<div id="inner" data-reco-grid="component">${cards(...list)}</div>`;
    return root;
  }
  const inner = (root: ShadowRoot) => [...root.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id'));

  it('follow() holds and ranks its grids as new grids, then follows its renders; personalize() of the document includes it', async () => {
    const { deps, ranked, antiFlicker } = start({}, true, [], 400);
    await p!.firstRankings();
    const root = component('p1', 'p2', 'p3');
    const grid = root.getElementById('inner')!;
    const following = p!.follow(root);
    // Held at once, before the ranking is back (the component hands its root over before the browser paints it).
    expect(antiFlicker.hold).toHaveBeenCalledWith(grid);
    await following;
    expect(inner(root)).toEqual(['p3', 'p2', 'p1']);
    expect(ranked.at(-1)).toMatchObject({ listId: 'component', order: ['p3', 'p2', 'p1'] });
    expect(deps.antiFlicker.release).toHaveBeenCalledWith(grid);
    expect(p!.follow(root), 'followed once').toBeNull();

    // The component renders the same items again, in its own order: Reco's order is back before the page paints.
    grid.innerHTML = cards('p1', 'p2', 'p3');
    await settle();
    expect(inner(root)).toEqual(['p3', 'p2', 'p1']);
    // A new item: ranked with the rest, without another call.
    grid.insertAdjacentHTML('beforeend', card('p4'));
    await vi.waitFor(() => expect(inner(root)).toEqual(['p4', 'p3', 'p2', 'p1']));
    expect(lastAsked(deps)).toEqual(['p3', 'p2', 'p1', 'p4']);

    // The page's personalize() (and setRules(), which calls it) ranks the component's grid with the document's.
    const asked = vi.mocked(deps.arrange).mock.calls.length;
    await p!.personalize(document, true);
    expect(
      vi
        .mocked(deps.arrange)
        .mock.calls.slice(asked)
        .map(([items]) => items.length),
    ).toEqual([3, 4]);
  });

  it("a click on a card in it is recorded, and its grid without a name is numbered after the document's", async () => {
    const { tracker, clicks } = withTracker();
    try {
      const { ranked } = start({ tracker });
      await p!.firstRankings();
      const root = component('p5', 'p6');
      root.getElementById('inner')!.removeAttribute('data-reco-grid');
      root.getElementById('inner')!.setAttribute('data-reco-grid', '');
      root.getElementById('inner')!.removeAttribute('id');
      await p!.follow(root);
      expect(ranked.at(-1)).toMatchObject({ listId: 'grid-1', order: ['p6', 'p5'] });
      // The document sees the click retargeted to the host; the card is found on the event's path.
      root.querySelector('[data-reco-id="p5"]')!.dispatchEvent(new MouseEvent('click', { bubbles: true, composed: true }));
      expect(clicks()).toEqual(['p5']);
    } finally {
      tracker.destroy();
    }
  });

  it('without autoPersonalize its grids are tracked, not ranked, until the page asks', async () => {
    const { deps } = start({}, false);
    const root = component('p1', 'p2');
    expect(p!.follow(root)).toBeNull();
    expect(
      vi
        .mocked(deps.tracker!.observe)
        .mock.calls.at(-1)![0]
        .map((t) => `${t.listId}:${t.id}`),
    ).toEqual(['component:p1', 'component:p2']);
    expect(deps.arrange).not.toHaveBeenCalled();
    await p!.personalize(root, true);
    expect(inner(root)).toEqual(['p2', 'p1']);
  });

  it("a component that left the page (a single-page app's route) is let go: personalize() ranks only the roots still there", async () => {
    const { deps } = start();
    await p!.firstRankings();
    const gone = component('p7', 'p8');
    await p!.follow(gone);
    gone.host.remove();
    const kept = component('p4', 'p5', 'p6');
    await p!.follow(kept);
    const asked = vi.mocked(deps.arrange).mock.calls.length;
    await p!.personalize(document, true);
    // The document's grid (in the page's own order) and the component still there; not the one that left.
    expect(
      vi
        .mocked(deps.arrange)
        .mock.calls.slice(asked)
        .map(([items]) => items.map((i) => i.id)),
    ).toEqual([
      ['p1', 'p3', 'p2'],
      ['p4', 'p5', 'p6'],
    ]);
    // Handed over again when it comes back, it is followed again.
    document.body.append(gone.host);
    expect(p!.follow(gone)).not.toBeNull();
  });

  it('destroy() stops following it', async () => {
    const { deps } = start();
    await p!.firstRankings();
    const root = component('p1', 'p2');
    await p!.follow(root);
    p!.destroy();
    const asked = vi.mocked(deps.arrange).mock.calls.length;
    root.getElementById('inner')!.insertAdjacentHTML('beforeend', card('p9'));
    await settle();
    expect(vi.mocked(deps.arrange).mock.calls.length).toBe(asked);
    expect(p!.follow(component('p3'))).toBeNull();
  });
});
