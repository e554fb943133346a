// @vitest-environment happy-dom
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LOCAL_KEYS, openPageStore, openStore, type Store } from '../../src/shared/store.ts';
import { createAntiFlicker } from '../../src/main/grid/antiflicker.ts';
import { createSession } from '../../src/tracker/session.ts';
import { createTracker, type TrackedItem, type Tracker, type TrackerOptions } from '../../src/tracker/tracker.ts';
import type { RecoEvent } from '../../src/shared/types.ts';

/** happy-dom's IntersectionObserver never reports; this one is driven by the test. */
class FakeIO {
  static last: FakeIO | undefined;
  readonly targets = new Set<Element>();
  private readonly cb: IntersectionObserverCallback;
  constructor(cb: IntersectionObserverCallback) {
    this.cb = cb;
    FakeIO.last = this;
  }
  observe(el: Element) {
    this.targets.add(el);
  }
  unobserve(el: Element) {
    this.targets.delete(el);
  }
  disconnect() {
    this.targets.clear();
  }
  show(el: Element, ratio: number) {
    const entry = {
      target: el,
      isIntersecting: ratio > 0,
      intersectionRatio: ratio,
      boundingClientRect: el.getBoundingClientRect(),
    } as IntersectionObserverEntry;
    this.cb([entry], this as unknown as IntersectionObserver);
  }
}

function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'visibilityState', { value: hidden ? 'hidden' : 'visible', configurable: true });
  document.dispatchEvent(new Event('visibilitychange'));
}

/** A grid of items, each with a link and an inner span, as shops render them. */
function grid(listId: string, ids: string[]): TrackedItem[] {
  const g = document.createElement('div');
  g.dataset.recoGrid = listId;
  g.innerHTML = ids.map((id) => `<div data-reco-id="${id}"><a href="#${id}"><span>${id}</span></a></div>`).join('');
  document.body.append(g);
  return [...g.children].map((el, i) => ({ el, id: ids[i]!, listId, position: i }));
}

const click = (el: Element, type = 'click', button = 0) =>
  el.dispatchEvent(new MouseEvent(type, { bubbles: true, cancelable: true, composed: true, button }));

let trackers: Tracker[] = [];
let seen: RecoEvent[] = [];
let errors: Error[] = [];
let dbCount = 0;

function start(store: TrackerOptions['store'], o: Partial<TrackerOptions> = {}): Tracker {
  const t = createTracker({ store, control: false, onEvent: (e) => seen.push(e), onError: (e) => errors.push(e), ...o });
  trackers.push(t);
  return t;
}

beforeEach(() => {
  vi.stubGlobal('IntersectionObserver', FakeIO);
  history.replaceState(null, '', '/c/makeup?utm_source=mail');
  localStorage.clear();
  seen = [];
  errors = [];
});

afterEach(() => {
  for (const t of trackers) t.destroy();
  trackers = [];
  document.body.innerHTML = '';
  setHidden(false);
  vi.useRealTimers();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('impressions', () => {
  beforeEach(() => vi.useFakeTimers());

  it('records view_item_list once per item, with list and position, after one second in view', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = grid('bestsellers', ['a', 'b']);
    t.observe(items);
    const io = FakeIO.last!;
    io.show(items[1]!.el, 0.7);
    vi.advanceTimersByTime(500);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(500);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'view_item_list', itemId: 'b', listId: 'bestsellers', position: 1 });
    io.show(items[1]!.el, 0);
    io.show(items[1]!.el, 1);
    vi.advanceTimersByTime(3000);
    expect(seen).toHaveLength(1);
  });

  it('does not count a card the page hides (visibility: hidden, an inactive slide) however long it is in view', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const [item] = grid('slides', ['a']);
    (item!.el as HTMLElement).style.visibility = 'hidden';
    t.observe([item!]);
    FakeIO.last!.show(item!.el, 1);
    vi.advanceTimersByTime(3000);
    expect(seen).toEqual([]);
  });

  it("the shop's impression of an item in its own list does not stand for Reco's of it in a Reco row", async () => {
    const t = start(await openStore({ memoryOnly: true }));
    t.track('view_item_list', 'p1', undefined, { listId: 'recently_viewed', position: 0, source: 'dataLayer' });
    const [item] = grid('for-you', ['p1']);
    t.observe([item!]);
    FakeIO.last!.show(item!.el, 1);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => `${e.type} ${e.itemId} ${e.listId}`)).toEqual([
      'view_item_list p1 recently_viewed',
      'view_item_list p1 for-you',
    ]);
  });

  it('does not count an item scrolled past in under a second', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    FakeIO.last!.show(a!.el, 1);
    vi.advanceTimersByTime(300);
    FakeIO.last!.show(a!.el, 0);
    vi.advanceTimersByTime(3000);
    expect(seen).toEqual([]);
  });

  it('an element unobserved (a card emptied) counts no impression while in view; observed again with an item, it counts', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const [a] = grid('similar', ['a']);
    t.observe([a!]);
    const io = FakeIO.last!;
    io.show(a!.el, 1);
    vi.advanceTimersByTime(500);
    t.unobserve([a!.el]);
    expect(io.targets.has(a!.el)).toBe(false);
    vi.advanceTimersByTime(3000);
    expect(seen).toEqual([]);
    t.observe([{ ...a!, id: 'c' }]);
    io.show(a!.el, 1);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => [e.type, e.itemId])).toEqual([['view_item_list', 'c']]);
  });

  it('re-observing after a re-order updates positions without double counting', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = grid('g', ['a', 'b']);
    t.observe(items);
    const io = FakeIO.last!;
    io.show(items[0]!.el, 1);
    vi.advanceTimersByTime(1000);
    const reordered = [
      { ...items[1]!, position: 0 },
      { ...items[0]!, position: 1 },
    ];
    t.observe(reordered);
    io.show(items[0]!.el, 1);
    io.show(items[1]!.el, 1);
    vi.advanceTimersByTime(2000);
    expect(seen.map((e) => [e.itemId, e.position])).toEqual([
      ['a', 0],
      ['b', 0],
    ]);
    click(items[0]!.el);
    expect(seen.at(-1)).toMatchObject({ type: 'select_item', itemId: 'a', position: 1 });
  });

  it('counts an item once per list even when the grid re-renders new elements for it', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const first = grid('g', ['a']);
    t.observe(first);
    FakeIO.last!.show(first[0]!.el, 1);
    vi.advanceTimersByTime(1000);
    document.body.innerHTML = '';
    const again = grid('g', ['a']);
    const elsewhere = grid('other', ['a']);
    t.observe([...again, ...elsewhere]);
    FakeIO.last!.show(again[0]!.el, 1);
    FakeIO.last!.show(elsewhere[0]!.el, 1);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => [e.itemId, e.listId])).toEqual([
      ['a', 'g'],
      ['a', 'other'],
    ]);
    expect(FakeIO.last!.targets.has(first[0]!.el)).toBe(false);
  });

  /** The page renders the listing anew with `ids`, each card in view for a second: their impressions count. */
  const showListing = (t: Tracker, ids: string[]) => {
    document.body.innerHTML = '';
    const items = grid('listing', ids);
    t.observe(items);
    for (const { el } of items) FakeIO.last!.show(el, 1);
    vi.advanceTimersByTime(1000);
    return items;
  };

  it("a single-page app's route that changes the address is a new page view: a listing shown again counts its impressions again; a fragment change does not", async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const show = (ids: string[]) => showListing(t, ids);
    show(['a', 'b']);
    history.pushState(null, '', '#filters');
    show(['a', 'b']);
    history.pushState(null, '', '/p/a');
    t.track('view_item', 'a');
    history.pushState(null, '', '/c/makeup?utm_source=mail'); // the listing again (a link, or Back)
    const back = show(['a', 'b']);
    click(back[1]!.el);
    history.pushState(null, '', '/c/makeup?page=2');
    show(['a', 'c']);
    expect(seen.map((e) => `${e.type} ${e.itemId} ${e.path}`)).toEqual([
      'view_item_list a /c/makeup',
      'view_item_list b /c/makeup',
      'view_item a /p/a',
      'view_item_list a /c/makeup',
      'view_item_list b /c/makeup',
      'select_item b /c/makeup',
      'view_item_list a /c/makeup',
      'view_item_list c /c/makeup',
    ]);
    const views = seen.map((e) => e.pageViewId);
    expect(new Set(views).size).toBe(4);
    expect(views).toEqual([views[0], views[0], views[2], views[3], views[3], views[3], views[6], views[6]]);
    expect(views[0]).toBe(t.pageViewId);
  });

  it("a hash router's route is a new page view too (`#/…`, `#!/…`): its listing shown again counts its impressions again", async () => {
    history.pushState(null, '', '/shop/#/c/makeup');
    const t = start(await openStore({ memoryOnly: true }));
    const show = (ids: string[]) => showListing(t, ids);
    show(['a']);
    history.pushState(null, '', '/shop/#/p/a');
    t.track('view_item', 'a');
    history.pushState(null, '', '/shop/#/c/makeup'); // the listing again
    show(['a']);
    show(['a']); // the same route rendered again: the same page view
    history.pushState(null, '', '/shop/#!/c/lips'); // a hashbang router's route
    show(['a']);
    expect(seen.map((e) => e.type)).toEqual(['view_item_list', 'view_item', 'view_item_list', 'view_item_list']);
    const views = seen.map((e) => e.pageViewId);
    expect(new Set(views).size).toBe(4);
    expect(views[0]).toBe(t.pageViewId);
  });

  it('counts the same item in two lists that come into view together (a grid and a placement row)', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = [...grid('g', ['a']), ...grid('similar', ['a'])];
    t.observe(items);
    for (const i of items) FakeIO.last!.show(i.el, 1);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => `${e.itemId}@${e.listId}`)).toEqual(['a@g', 'a@similar']);
  });

  it('re-observing does not restart an item already counting', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = grid('g', ['a']);
    t.observe(items);
    FakeIO.last!.show(items[0]!.el, 1);
    vi.advanceTimersByTime(600);
    t.observe(items);
    vi.advanceTimersByTime(400);
    expect(seen.map((e) => e.itemId)).toEqual(['a']);
  });

  it('pauses while the tab is hidden', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = grid('g', ['a']);
    t.observe(items);
    FakeIO.last!.show(items[0]!.el, 1);
    vi.advanceTimersByTime(500);
    setHidden(true);
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([]);
    setHidden(false);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => e.itemId)).toEqual(['a']);
  });
});

/**
 * As a real IntersectionObserver: observe() reports the target's current ratio soon after (the spec's initial
 * notification), also when the target is observed again.
 */
class ReportingIO extends FakeIO {
  static ratios = new Map<Element, number>();
  override observe(el: Element) {
    super.observe(el);
    setTimeout(() => this.targets.has(el) && this.show(el, ReportingIO.ratios.get(el) ?? 0));
  }
}

/** Items a and b of a grid, in view and observed, with `held(items)` held by the anti-flicker guard (400 ms at most). */
async function heldInView(held: (items: TrackedItem[]) => Element) {
  const t = start(await openStore({ memoryOnly: true }));
  const items = grid('g', ['a', 'b']);
  const antiFlicker = createAntiFlicker({ timeoutMs: 400 });
  antiFlicker.hold(held(items));
  for (const i of items) ReportingIO.ratios.set(i.el, 1);
  t.observe(items);
  return { items, antiFlicker };
}

describe('impressions of a grid held hidden until ranked', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.stubGlobal('IntersectionObserver', ReportingIO);
  });

  it("counts an item's second from the end of the hold, not from when it came into view hidden", async () => {
    const { items, antiFlicker } = await heldInView((items) => items[0]!.el.parentElement!);
    vi.advanceTimersByTime(250);
    antiFlicker.release(items[0]!.el.parentElement!); // ranked: shown
    vi.advanceTimersByTime(999);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(seen.map((e) => e.itemId)).toEqual(['a', 'b']);
  });

  it('counts from the end of the hold when the hold times out, and not at all for an item scrolled away meanwhile', async () => {
    const { items, antiFlicker } = await heldInView((items) => items[0]!.el.parentElement!);
    vi.advanceTimersByTime(300);
    ReportingIO.ratios.set(items[1]!.el, 0);
    FakeIO.last!.show(items[1]!.el, 0); // scrolled out of view, still held
    vi.advanceTimersByTime(100 + 999); // the hold ends at 400 ms
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(200);
    expect(seen.map((e) => e.itemId)).toEqual(['a']);
    antiFlicker.destroy();
  });

  it('an item held on its own (new in a grid already shown) waits for its own release', async () => {
    await heldInView((items) => items[1]!.el);
    vi.advanceTimersByTime(1000);
    expect(seen.map((e) => e.itemId)).toEqual(['a']);
    vi.advanceTimersByTime(399); // one second less a millisecond since its hold ended (at 400 ms)
    expect(seen.map((e) => e.itemId)).toEqual(['a']);
    vi.advanceTimersByTime(200);
    expect(seen.map((e) => e.itemId)).toEqual(['a', 'b']);
  });
});

describe('clicks', () => {
  it('records select_item for a click inside an observed item, with list and position', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const items = grid('new-in', ['a', 'b', 'c']);
    t.observe(items);
    click(items[2]!.el.querySelector('span')!);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ type: 'select_item', itemId: 'c', listId: 'new-in', position: 2 });
  });

  it('ignores clicks outside observed items', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    t.observe(grid('g', ['a']));
    const [other] = grid('not-observed', ['z']);
    click(other!.el);
    click(document.body);
    expect(seen).toEqual([]);
  });

  it('records a middle click, not a right click', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    click(a!.el, 'auxclick', 2);
    expect(seen).toEqual([]);
    click(a!.el, 'auxclick', 1);
    expect(seen.map((e) => e.type)).toEqual(['select_item']);
  });

  it('a double click is one select_item; a click on the item again later is another, and the page may report twice', async () => {
    let clock = 1_700_000_000_000;
    const t = start(await openStore({ memoryOnly: true }), { now: () => clock });
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    click(a!.el);
    clock += 300;
    click(a!.el);
    expect(seen.map((e) => e.type)).toEqual(['select_item']);
    clock += 2000;
    click(a!.el);
    t.track('add_to_cart', 'a');
    t.track('add_to_cart', 'a');
    expect(seen.map((e) => e.type)).toEqual(['select_item', 'select_item', 'add_to_cart', 'add_to_cart']);
  });

  it("a view_item reported twice at once (React StrictMode runs the page's effect twice in development) is one; a view of the item later is another", async () => {
    let clock = 1_700_000_000_000;
    const t = start(await openStore({ memoryOnly: true }), { now: () => clock });
    const first = t.track('view_item', 'a');
    expect(t.track('view_item', 'a')).toBe(first);
    t.track('view_item', 'b');
    clock += 600;
    t.track('view_item', 'a');
    expect(seen.map((e) => `${e.type} ${e.itemId}`)).toEqual(['view_item a', 'view_item b', 'view_item a']);
  });

  it("lets go of a closed shadow root's click listeners once its component has left the page", async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const host = document.createElement('shop-grid');
    document.body.append(host);
    const root = host.attachShadow({ mode: 'closed' });
    root.innerHTML = '<a data-reco-id="c1" href="#c1">c1</a>';
    const removed = vi.spyOn(root, 'removeEventListener');
    t.observe([{ el: root.firstElementChild!, id: 'c1', listId: 'closed', position: 0 }]);
    t.observe(grid('g', ['a']));
    expect(removed).not.toHaveBeenCalled();
    host.remove();
    t.observe(grid('g', ['b']));
    expect(removed.mock.calls.map(([type]) => type).sort()).toEqual(['auxclick', 'click']);
  });

  it('still records when the page stops the click from bubbling', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    a!.el.addEventListener('click', (e) => e.stopPropagation());
    click(a!.el.querySelector('a')!);
    expect(seen).toHaveLength(1);
  });
});

describe('events', () => {
  it('carries every field: id, session, page view, path without query, control', async () => {
    const t = start(await openStore({ memoryOnly: true }), { control: true, now: () => 1_700_000_000_000 });
    const e = t.track('add_to_cart', 'p1', { value: 12.5, currency: 'EUR' }, { listId: 'g', position: 3 })!;
    expect(e).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'add_to_cart',
      itemId: 'p1',
      listId: 'g',
      position: 3,
      ts: 1_700_000_000_000,
      sessionId: t.sessionId,
      path: '/c/makeup',
      control: true,
      pageViewId: t.pageViewId,
      extra: { value: 12.5, currency: 'EUR' },
    });
    expect(t.track('view_item', 'p2')!.listId).toBeNull();
    expect(t.track('view_item', 'p2')!.id).not.toBe(e.id);
    // Ids are trimmed, as the grids' and the dataLayer's are: " sku-1\n" is the item sku-1.
    expect(t.track('view_item', ' sku-1\n')!.itemId).toBe('sku-1');
  });

  it('a page prerendered for a link the shopper may follow records nothing until it is opened, then what it reported, at that moment', async () => {
    const t0 = Date.now();
    let clock = t0;
    let prerendering = true;
    Object.defineProperty(document, 'prerendering', { get: () => prerendering, configurable: true });
    try {
      const store = await openStore({ dbName: `tracker-${++dbCount}` });
      const t = start(store, { now: () => clock });
      // The shop's product page reports its view as it loads, prerendered while the shopper is still on the list.
      t.track('view_item', 'p1');
      await t.flush();
      expect(seen).toEqual([]);
      expect(await store.count()).toBe(0);
      expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull();
      // The shopper follows the link: the page is shown.
      clock = t0 + 8_000;
      prerendering = false;
      document.dispatchEvent(new Event('prerenderingchange'));
      t.track('add_to_cart', 'p1');
      await t.flush();
      expect((await store.events()).map((e) => `${e.type} ${e.itemId} ${e.ts - t0}`)).toEqual(['view_item p1 8000', 'add_to_cart p1 8001']);
      expect(seen).toHaveLength(2);

      // A page prerendered and never opened records nothing.
      prerendering = true;
      const other = await openStore({ dbName: `tracker-${++dbCount}` });
      const never = start(other, { now: () => clock });
      never.track('view_item', 'p2');
      never.destroy();
      await never.flush();
      expect(await other.count()).toBe(0);
      expect(seen).toHaveLength(2);
    } finally {
      delete (document as Document & { prerendering?: boolean }).prerendering;
    }
  });

  it('works without crypto.randomUUID (insecure contexts)', async () => {
    vi.stubGlobal('crypto', { getRandomValues: (b: Uint8Array) => b.fill(7) });
    const t = start(await openStore({ memoryOnly: true }));
    expect(t.track('view_item', 'p1')!.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rejects an unknown type, an empty item id or odd extra values with a TypeError naming the field', async () => {
    const t = start(await openStore({ memoryOnly: true }));
    expect(() => t.track('addToCart' as 'add_to_cart', 'p1')).toThrow(/type must be one of .*add_to_cart/);
    expect(() => t.track('add_to_cart', '')).toThrow(TypeError);
    expect(() => t.track('add_to_cart', '')).toThrow(/itemId/);
    expect(() => t.track('add_to_cart', '  ')).toThrow('track: itemId must be a non-blank string; got "  "');
    expect(() => t.track('add_to_cart', 'p1', { items: [] as unknown as string })).toThrow(/extra\.items/);
    expect(seen).toEqual([]);
  });

  it('starts a new session after 30 minutes idle, and keeps it while active', async () => {
    let clock = 0;
    const t = start(await openStore({ memoryOnly: true }), { now: () => clock });
    const first = t.track('view_item', 'a')!.sessionId;
    clock += 29 * 60_000;
    expect(t.track('view_item', 'a')!.sessionId).toBe(first);
    clock += 29 * 60_000;
    expect(t.track('view_item', 'a')!.sessionId).toBe(first);
    clock += 31 * 60_000;
    const second = t.track('view_item', 'a')!.sessionId;
    expect(second).not.toBe(first);
    expect(t.sessionId).toBe(second);
  });

  it("a clock set back by hours (the next page view's) starts a new session: it went on as one before", () => {
    const session = createSession(30 * 60_000, (fn) => fn());
    const first = session.touch(10 * 3_600_000);
    expect(session.touch(10 * 3_600_000 + 60_000)).toBe(first);
    expect(session.touch(7 * 3_600_000)).not.toBe(first);
  });

  it('continues the session on the next page when stored in IndexedDB', async () => {
    let clock = 1_000_000;
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    const a = start(store, { now: () => clock });
    a.track('view_item', 'p1');
    a.destroy();
    clock += 10 * 60_000;
    expect(start(store, { now: () => clock }).sessionId).toBe(a.sessionId);
    clock += 31 * 60_000;
    expect(start(store, { now: () => clock }).sessionId).not.toBe(a.sessionId);
  });

  it('never touches localStorage in memory mode', async () => {
    const setItem = vi.spyOn(localStorage, 'setItem');
    const t = start(await openStore({ memoryOnly: true }));
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    click(a!.el);
    await t.flush();
    expect(setItem).not.toHaveBeenCalled();
    expect(localStorage.length).toBe(0);
  });

  it('batches writes: one write per flush interval', async () => {
    const store = await openStore({ memoryOnly: true });
    const add = vi.spyOn(store, 'add');
    const t = start(store, { flushIntervalMs: 50 });
    t.track('view_item', 'a');
    t.track('view_item', 'b');
    expect(add).not.toHaveBeenCalled();
    await vi.waitFor(() => expect(add).toHaveBeenCalledTimes(1));
    expect((await store.events()).map((e) => e.itemId)).toEqual(['a', 'b']);
  });

  it('starts no write as the tab is hidden or the page goes away (pagehide): the journal keeps the events for the next page view', async () => {
    // WebKit suspends a page kept for the back/forward cache with its transaction in flight, which then blocks the
    // database for every other page (e2e/storage.spec.ts, a click on a card link).
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    const add = vi.spyOn(store, 'add');
    const t = start(store, { flushIntervalMs: 60_000 });
    t.track('view_item', 'a');
    setHidden(true);
    window.dispatchEvent(new Event('pagehide'));
    await new Promise((r) => setTimeout(r, 20));
    expect(add).not.toHaveBeenCalled();
    setHidden(false);
    expect((JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!) as Record<string, RecoEvent[]>)[t.pageViewId]).toHaveLength(1);
    start(store); // the next page view
    await vi.waitFor(async () => expect((await store.events()).map((e) => e.itemId)).toEqual(['a']));
  });
});

describe('journal', () => {
  it('holds a click within its task (before the navigation it starts), and the next page drains it into the store once', async () => {
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    expect(store.kind).toBe('indexeddb');
    const page1 = start(store, { flushIntervalMs: 60_000 });
    const [a] = grid('g', ['a']);
    page1.observe([a!]);
    click(a!.el);
    await Promise.resolve(); // the end of the click's task: the microtasks it queued have run
    const journal = JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!) as Record<string, RecoEvent[]>;
    expect(journal[page1.pageViewId]).toEqual([seen[0]]);
    expect(await store.count()).toBe(0);

    // The navigation interrupted page 1 before its write; page 2 finds the journal.
    start(store);
    await vi.waitFor(async () => expect(await store.count()).toBe(1));
    expect((await store.events())[0]).toEqual(seen[0]);
    await vi.waitFor(() => expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull());

    // Page 1's own write landing late does not duplicate the event.
    await page1.flush();
    expect(await store.count()).toBe(1);
  });

  it('loses and reports nothing when the page goes away (pagehide) with its write in flight: the write is aborted, the journal keeps it', async () => {
    // WebKit suspends a page kept for the back/forward cache with its transactions as they are: one in flight there
    // blocks the database for every other page of the shop (e2e/storage.spec.ts, a write in flight as the shopper
    // leaves without a click), so the page aborts its own on pagehide.
    const store = await openPageStore({ dbName: `tracker-${++dbCount}` });
    const t = start(store, { flushIntervalMs: 60_000 });
    for (let i = 0; i < 20; i++) t.track('view_item', `p${i}`);
    const transaction = IDBDatabase.prototype.transaction;
    let left = false;
    const spy = vi.spyOn(IDBDatabase.prototype, 'transaction').mockImplementation(function (this: IDBDatabase, ...args) {
      const tx = transaction.apply(this, args);
      // The shopper leaves as the events' write has started: after its requests, before it completes.
      if (args[1] === 'readwrite' && !left) queueMicrotask(() => ((left = true), window.dispatchEvent(new Event('pagehide'))));
      return tx;
    });
    await t.flush();
    spy.mockRestore();
    expect(left).toBe(true);
    expect(errors).toEqual([]);
    expect(await store.count()).toBe(0);
    expect((JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!) as Record<string, RecoEvent[]>)[t.pageViewId]).toHaveLength(20);
    // The next page view writes them from the journal; this one, back from the cache, writes them too (by id: once).
    start(store);
    await vi.waitFor(async () => expect(await store.count()).toBe(20));
    await t.flush();
    expect(await store.count()).toBe(20);
    expect(errors).toEqual([]);
  });

  it('is emptied once the write has landed', async () => {
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    const t = start(store, { flushIntervalMs: 60_000 });
    t.track('add_to_cart', 'p1');
    await Promise.resolve();
    expect(localStorage.getItem(LOCAL_KEYS.pending)).not.toBeNull();
    await t.flush();
    expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull();
    expect(await store.count()).toBe(1);
  });

  it('records while the store is still opening, and journals only once it proves to be IndexedDB', async () => {
    let open!: (s: Store) => void;
    const opening = new Promise<Store>((r) => (open = r));
    const t = start(opening, { flushIntervalMs: 60_000 });
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    click(a!.el);
    t.track('add_to_cart', 'a');
    expect(seen.map((e) => e.type)).toEqual(['select_item', 'add_to_cart']);
    // Pending events are journaled meanwhile: a navigation before the store opens keeps them.
    await Promise.resolve();
    expect(JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!)[t.pageViewId]).toHaveLength(2);
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    open(store);
    await t.flush();
    expect((await store.events()).map((e) => e.type)).toEqual(['select_item', 'add_to_cart']);
    expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull();
  });

  it('when the store opens memory-only (IndexedDB failed), removes what this page view journaled and stops journaling', async () => {
    localStorage.setItem(LOCAL_KEYS.pending, JSON.stringify({ earlier: [{ id: 'e1', type: 'view_item', itemId: 'x', ts: 1 }] }));
    let open!: (s: Store) => void;
    const t = start(new Promise<Store>((r) => (open = r)), { flushIntervalMs: 60_000 });
    t.track('view_item', 'a');
    const store = await openStore({ memoryOnly: true });
    open(store);
    await vi.waitFor(() => expect(Object.keys(JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!))).toEqual(['earlier']));
    t.track('view_item', 'b');
    await t.flush();
    // Another page view's journal waits for a page whose IndexedDB works; this one's events stay in memory.
    expect(Object.keys(JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!))).toEqual(['earlier']);
    expect(localStorage.getItem(LOCAL_KEYS.session)).toBeNull();
    expect((await store.events()).map((e) => e.itemId)).toEqual(['a', 'b']);
  });

  it('rewrites the journal once per task: a burst of 1,000 track() calls writes it once, with every event', async () => {
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    const t = start(store, { flushIntervalMs: 60_000 });
    const setItem = vi.spyOn(localStorage, 'setItem');
    try {
      for (let i = 0; i < 1000; i++) t.track('view_item', `p${i}`);
      await Promise.resolve();
      expect(setItem.mock.calls.filter(([key]) => key === LOCAL_KEYS.pending)).toHaveLength(1);
    } finally {
      setItem.mockRestore();
    }
    const journal = JSON.parse(localStorage.getItem(LOCAL_KEYS.pending)!) as Record<string, RecoEvent[]>;
    expect(journal[t.pageViewId]!.map((e) => e.itemId)).toEqual(Array.from({ length: 1000 }, (_, i) => `p${i}`));
    await t.flush();
    expect(await store.count()).toBe(1000);
    expect(localStorage.getItem(LOCAL_KEYS.pending)).toBeNull();
  });

  it('ignores a corrupt journal', async () => {
    localStorage.setItem(LOCAL_KEYS.pending, '{"pv": [{"id": 1}], "x": "y"');
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    start(store);
    await new Promise((r) => setTimeout(r, 10));
    expect(await store.count()).toBe(0);
    expect(errors).toEqual([]);
  });
});

describe('never breaks the page', () => {
  it('reports a storage failure through onError; flush still resolves', async () => {
    const store = await openStore({ memoryOnly: true });
    vi.spyOn(store, 'add').mockRejectedValue(new Error('disk on fire'));
    const t = start(store);
    t.track('view_item', 'a');
    await expect(t.flush()).resolves.toBeUndefined();
    expect(errors.map((e) => e.message)).toEqual(['disk on fire']);
  });

  it('reports a throwing onEvent instead of throwing into the click', async () => {
    const t = start(await openStore({ memoryOnly: true }), {
      onEvent: () => {
        throw new Error('page bug');
      },
    });
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    expect(() => click(a!.el)).not.toThrow();
    expect(errors.map((e) => e.message)).toEqual(['page bug']);
  });

  it('keeps recording in memory when localStorage throws, reporting it once', async () => {
    const store = await openStore({ dbName: `tracker-${++dbCount}` });
    vi.spyOn(localStorage, 'setItem').mockImplementation(() => {
      throw new DOMException('full', 'QuotaExceededError');
    });
    const t = start(store);
    t.track('view_item', 'a');
    t.track('view_item', 'b');
    await t.flush();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      name: 'StorageError',
      message:
        'localStorage cannot be used (full): a click that leaves the page before it is stored may be lost, and a session does not span page views; events are still recorded',
    });
    expect(await store.count()).toBe(2);
  });

  it('destroy() removes listeners and observers, and flushes what is pending', async () => {
    const store = await openStore({ memoryOnly: true });
    const t = start(store, { flushIntervalMs: 60_000 });
    const [a] = grid('g', ['a']);
    t.observe([a!]);
    click(a!.el);
    t.destroy();
    expect(FakeIO.last!.targets.size).toBe(0);
    click(a!.el);
    await vi.waitFor(async () => expect(await store.count()).toBe(1));
    expect(seen).toHaveLength(1);
  });
});
