// @vitest-environment happy-dom
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { createHistory } from '../../src/main/history.ts';
import { reserveCards } from '../../src/main/cards.ts';
import { validateRequest } from '../../src/shared/placements.ts';
import { createPlacements, type PlacementsDeps } from '../../src/main/placements.ts';
import type { Recommendation, SlotOptions } from '../../src/shared/placements.ts';
import { imageOrigins, priceFormat, slotTexts } from '../../src/worker/slots.ts';
import type { HistoryRequest } from '../../src/shared/protocol.ts';
import type { RecoEvent } from '../../src/shared/types.ts';
import type { Tracker } from '../../src/tracker/tracker.ts';

const HOSTILE = '<img src=x onerror="window.__pwned=1">Rose Serum';
const ITEMS: Recommendation[] = [
  { id: 'a', title: HOSTILE, price: 24.9, url: '/p/a', image: '/img/a.jpg', reason: { itemId: 'h', title: 'Night Cream' } },
  { id: 'b', title: 'Clay Mask', price: 7, url: 'javascript:alert(1)', image: 'data:image/png;base64,xx' },
];

function setup(over: Partial<PlacementsDeps> = {}) {
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  // The page's side of the history: the worker assembles the rest from IndexedDB.
  const request: HistoryRequest = {
    pending: [{ id: 'e1', type: 'view_item', itemId: 'h', ts: 1 } as RecoEvent],
    known: [{ id: 'h', title: 'Night Cream' }],
    now: 2,
  };
  // The worker's answer: the items and, for render(), their slot texts as the worker writes them.
  const engine = {
    recommend: vi.fn(async (_r: unknown, { show }: { show?: SlotOptions }) => {
      await gate;
      const slots = show && ITEMS.map((it) => slotTexts(it, show, priceFormat(show), imageOrigins(show, null)));
      return { items: ITEMS, catalog: { source: 'feed', items: 2, url: '/feed.jsonl' }, ...(slots && { slots }) };
    }),
    catalog: vi.fn(async () => null),
    status: vi.fn(async () => ({})),
  } as unknown as EngineClient;
  const shopper = createHistory(null, 50, () => [], vi.fn(), vi.fn());
  shopper.request = async () => request;
  const tracker = { observe: vi.fn(), unobserve: vi.fn() } as unknown as Tracker;
  const deps: PlacementsDeps = {
    engine,
    history: shopper,
    tracker,
    state: { ready: true, control: false, catalog: null },
    active: () => true,
    onError: vi.fn(),
    reserve: reserveCards,
    ...over,
  };
  return { p: createPlacements(deps), deps, engine, release, tracker };
}

beforeEach(() => {
  document.body.innerHTML = `<section id="row"><template><a class="card" data-reco-slot="url"><img data-reco-slot="image" alt="">
    <span class="t" data-reco-slot="title"></span><span class="p" data-reco-slot="price"></span>
    <small class="why">Because you viewed <b data-reco-slot="reason"></b></small></a></template></section>`;
});

describe('render()', () => {
  it('reserves no card for a limit out of range (1,000,000 would hang the page), and reports the limit by name', async () => {
    const { p, release, deps } = setup({
      engine: {
        recommend: vi.fn(async (r: unknown) => validateRequest(r) && { items: [], slots: [] }),
        catalog: async () => null,
      } as unknown as EngineClient,
    });
    release();
    expect(await p.render('#row', { placement: 'for-you', limit: 1_000_000 })).toEqual([]);
    expect(document.querySelectorAll('#row > .card')).toHaveLength(0);
    expect(vi.mocked(deps.onError).mock.calls[0]![0].message).toBe('recommend: limit expected an integer from 1 to 100, got 1000000');
  });

  it('reserves the space of `limit` cards at once, then fills them from the template with text only', async () => {
    const { p, release, tracker } = setup();
    const done = p.render('#row', { placement: 'because-you-viewed', limit: 3, currency: 'EUR' });
    await Promise.resolve();
    const cards = [...document.querySelectorAll<HTMLElement>('#row > .card')];
    expect(cards).toHaveLength(3);
    expect(cards.every((c) => c.style.visibility === 'hidden' && c.hasAttribute('aria-hidden'))).toBe(true);
    release();
    expect((await done).map((it) => it.id)).toEqual(['a', 'b']);

    const [a, b, empty] = cards;
    expect(a!.querySelector('.t')!.textContent).toBe(HOSTILE);
    expect(a!.querySelector('img[src=x]')).toBeNull();
    expect(a!.getAttribute('href')).toBe(new URL('/p/a', document.baseURI).href);
    expect(a!.querySelector('img')!.getAttribute('src')).toBe(new URL('/img/a.jpg', document.baseURI).href);
    expect(a!.querySelector('.p')!.textContent).toMatch(/24[.,]90/);
    expect(a!.querySelector('b')!.textContent).toBe('Night Cream');
    expect(a!.getAttribute('data-reco-id')).toBe('a');
    expect(a!.style.visibility).toBe('');
    // Only http(s) links and images; no reason, no reason slot.
    expect(b!.hasAttribute('href')).toBe(false);
    expect(b!.querySelector('img')!.hasAttribute('src')).toBe(false);
    expect(b!.querySelector<HTMLElement>('b')!.hidden).toBe(true);
    // The third card keeps its box, empty and hidden.
    expect(empty!.style.visibility).toBe('hidden');
    expect(empty!.hasAttribute('data-reco-id')).toBe(false);
    // Tracked: the two cards with items; the empty one is not observed.
    expect(
      vi
        .mocked(tracker.observe)
        .mock.calls.at(-1)![0]
        .map((it) => it.el),
    ).toEqual([a, b]);
    expect(vi.mocked(tracker.unobserve).mock.calls.at(-1)![0]).toEqual([empty]);
  });

  it('sends the worker the request fields and how to show them (base URL, language, currency), never the template element', async () => {
    const { p, release, engine } = setup();
    release();
    document.documentElement.lang = 'de';
    const template = document.querySelector('template')!;
    await p.render('#row', { placement: 'similar', itemId: 'x', limit: 2, template, currency: 'EUR' });
    const [sent, { show }] = vi.mocked(engine.recommend).mock.calls[0]!;
    expect(sent).toEqual({ placement: 'similar', itemId: 'x', limit: 2, filter: undefined });
    expect(show).toEqual({ base: document.baseURI, lang: 'de', currency: 'EUR' });
    expect(document.querySelector('#row .p')!.textContent).toMatch(/24,90\s?€/);
    document.documentElement.lang = '';
  });

  it('tracks the cards like a grid, with the placement as list id, and reuses the cards on the next render', async () => {
    const { p, release, tracker } = setup();
    release();
    await p.render(document.getElementById('row'), { placement: 'similar', itemId: 'x', limit: 2 });
    const cards = [...document.querySelectorAll('#row > .card')];
    expect(vi.mocked(tracker.observe).mock.calls[0]![0]).toEqual([
      { el: cards[0], id: 'a', listId: 'similar', position: 0 },
      { el: cards[1], id: 'b', listId: 'similar', position: 1 },
    ]);
    await p.render('#row', { placement: 'similar', itemId: 'y', limit: 2, listId: 'pdp-similar' });
    expect(document.querySelectorAll('#row > .card')).toHaveLength(2);
    expect(vi.mocked(tracker.observe).mock.calls[1]![0][0]).toMatchObject({ listId: 'pdp-similar' });
  });

  it("blanks the cards at once when the request changes (another product's similar items), keeps them for the same request", async () => {
    const { p, release, tracker } = setup();
    release();
    await p.render('#row', { placement: 'similar', itemId: 'x', limit: 2 });
    const cards = [...document.querySelectorAll<HTMLElement>('#row > .card')];
    const shown = () => cards.map((c) => (c.style.visibility === 'hidden' ? null : c.getAttribute('data-reco-id')));
    expect(shown()).toEqual(['a', 'b']);
    // The same request again (rules changed): the cards stay while it is answered.
    const same = p.render('#row', { placement: 'similar', itemId: 'x', limit: 2 });
    expect(shown()).toEqual(['a', 'b']);
    await same;
    // Another product: nothing of the last one is shown meanwhile; the space stays.
    vi.mocked(tracker.unobserve).mockClear();
    const next = p.render('#row', { placement: 'similar', itemId: 'y', limit: 2 });
    expect(shown()).toEqual([null, null]);
    // Blank cards count no impression of what they showed.
    expect(vi.mocked(tracker.unobserve).mock.calls[0]![0]).toEqual(cards);
    expect(document.querySelectorAll('#row > .card')).toHaveLength(2);
    await next;
    expect(shown()).toEqual(['a', 'b']);
  });

  it("fills a container with its newest render()'s answer, also when an earlier call is answered after it", async () => {
    const answers: Array<(items: Recommendation[]) => void> = [];
    const engine = {
      recommend: vi.fn(
        ({ itemId }: { itemId: string }, { show }: { show: SlotOptions }) =>
          new Promise((resolve) =>
            answers.push((items) =>
              resolve({
                items,
                catalog: null,
                slots: items.map((it) =>
                  slotTexts({ ...it, title: `${it.title} (${itemId})` }, show, priceFormat(show), imageOrigins(show, null)),
                ),
              }),
            ),
          ),
      ),
      catalog: async () => null,
    } as unknown as EngineClient;
    const { p, tracker } = setup({ engine });
    const first = p.render('#row', { placement: 'similar', itemId: 'x', limit: 1 });
    const second = p.render('#row', { placement: 'similar', itemId: 'y', limit: 1 });
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    answers[1]!([ITEMS[1]!]);
    expect((await second).map((it) => it.id)).toEqual(['b']);
    answers[0]!([ITEMS[0]!]);
    // The earlier call resolves with what the container shows, the newer answer (a shop hides or shows the section by
    // it); the cards keep the newer answer, and only it is tracked.
    expect((await first).map((it) => it.id)).toEqual(['b']);
    const card = document.querySelector('#row > .card')!;
    expect(card.getAttribute('data-reco-id')).toBe('b');
    expect(card.querySelector('.t')!.textContent).toBe('Clay Mask (y)');
    expect(vi.mocked(tracker.observe).mock.calls.map(([items]) => items.map((it) => it.id))).toEqual([['b']]);
  });

  it('a superseded call answered late resolves with the newer answer: [] when that one shows nothing', async () => {
    const answers: Array<(items: Recommendation[]) => void> = [];
    const engine = {
      recommend: vi.fn(() => new Promise((resolve) => answers.push((items) => resolve({ items, catalog: null, slots: [] })))),
      catalog: async () => null,
    } as unknown as EngineClient;
    const { p } = setup({ engine });
    const first = p.render('#row', { placement: 'similar', itemId: 'x', limit: 1 });
    const second = p.render('#row', { placement: 'similar', itemId: 'y', limit: 1 });
    await vi.waitFor(() => expect(answers).toHaveLength(2));
    answers[1]!([]);
    expect(await second).toEqual([]);
    answers[0]!([ITEMS[0]!]);
    expect(await first).toEqual([]);
  });

  it('a listId that is not a non-empty string is reported by name (its clicks could not be read back)', async () => {
    const { p, release, deps, tracker } = setup();
    release();
    expect(await p.render('#row', { placement: 'for-you', limit: 2, listId: 42 })).toEqual([]);
    expect(vi.mocked(deps.onError).mock.calls[0]![0]).toEqual(new TypeError('render(): listId expected a non-empty string, got 42'));
    expect(tracker.observe).not.toHaveBeenCalled();
    expect((await p.render('#row', { placement: 'for-you', limit: 2, listId: 'home-row' })).length).toBe(2);
    expect(vi.mocked(tracker.observe).mock.calls[0]![0].map((it) => it.listId)).toEqual(['home-row', 'home-row']);
  });

  it("a smaller limit than an earlier call's removes the cards beyond it once its answer comes (no blank space left)", async () => {
    const { p, release } = setup();
    release();
    await p.render('#row', { placement: 'for-you', limit: 6 });
    expect(document.querySelectorAll('#row > .card')).toHaveLength(6);
    await p.render('#row', { placement: 'for-you', limit: 1 });
    expect(document.querySelectorAll('#row > .card')).toHaveLength(1);
  });

  it('reports a missing container or template and resolves []', async () => {
    const { p, deps } = setup();
    expect(await p.render('#nowhere', { placement: 'for-you' })).toEqual([]);
    document.body.innerHTML = '<div id="bare"></div>';
    expect(await p.render('#bare', { placement: 'for-you' })).toEqual([]);
    expect(vi.mocked(deps.onError).mock.calls.map(([e]) => e.message)).toEqual([
      expect.stringMatching(/render\(container\): expected an element/),
      expect.stringMatching(/expected a <template>/),
    ]);
  });
});

describe('recommend()', () => {
  it("sends the page's side of the history and the items seen since the last call, and reports the catalog", async () => {
    const { p, engine, release, deps } = setup();
    release();
    p.observe([{ id: 's1', title: 'Seen' }]);
    await p.recommend({ placement: 'for-you' });
    await p.recommend({ placement: 'for-you' });
    const calls = vi.mocked(engine.recommend).mock.calls;
    expect(calls[0]![1]).toEqual({
      pending: [{ id: 'e1', type: 'view_item', itemId: 'h', ts: 1 }],
      known: [{ id: 'h', title: 'Night Cream' }],
      now: 2,
      seen: [{ id: 's1', title: 'Seen' }],
      control: false,
    });
    expect(calls[1]![1].seen).toEqual([]);
    expect(deps.state.catalog).toMatchObject({ source: 'feed' });
  });

  it("says where placements draw from once the engine knows the feed's fate, before any placement asked; a placement's newer answer stays", async () => {
    const failed = { source: 'seen', items: 0, url: '/feed.jsonl', error: 'the catalog feed could not be used (HTTP 404)' } as const;
    const { engine, release } = setup();
    await new Promise((r) => setTimeout(r)); // its own calls made
    let settle!: (c: typeof failed) => void;
    vi.mocked(engine.catalog).mockReturnValueOnce(new Promise((r) => (settle = r)));
    const quiet = setup({ engine }); // no placement asks
    expect(quiet.deps.state.catalog).toBeNull();
    settle(failed);
    await vi.waitFor(() => expect(quiet.deps.state.catalog).toEqual(failed));
    // Reported once, as a CatalogError (on('error'), lastError and one console line), without a placement asking.
    expect(vi.mocked(quiet.deps.onError).mock.calls.map(([e]) => `${e.name}: ${e.message}`)).toEqual([
      'CatalogError: the catalog feed could not be used (HTTP 404)',
    ]);

    // A placement answered first: its status is the newer one.
    let late!: (c: typeof failed) => void;
    vi.mocked(engine.catalog).mockReturnValueOnce(new Promise((r) => (late = r)));
    const asked = setup({ engine });
    release();
    await asked.p.recommend({ placement: 'for-you' });
    late(failed);
    await new Promise((r) => setTimeout(r));
    expect(asked.deps.state.catalog).toMatchObject({ source: 'feed', items: 2 });
    expect(asked.deps.onError).not.toHaveBeenCalled();
  });

  it('a feed that could not be used, first heard from a placement, is reported once however many placements ask', async () => {
    const failed = { source: 'seen', items: 1, url: '/feed.jsonl', error: 'the catalog feed /feed.jsonl could not be used (HTTP 500)' };
    const { p, deps, engine, release } = setup();
    vi.mocked(engine.recommend).mockImplementation(async () => ({ items: ITEMS, catalog: failed }) as never);
    release();
    await p.recommend({ placement: 'for-you' });
    await p.recommend({ placement: 'for-you' });
    expect(deps.state.catalog).toEqual(failed);
    expect(vi.mocked(deps.onError).mock.calls.map(([e]) => e.name)).toEqual(['CatalogError']);
  });

  it('a feed served from its stored copy because the server failed is one console warning (placements work: no error)', async () => {
    const stale = {
      source: 'feed',
      items: 2,
      url: '/feed.jsonl',
      fromCache: true,
      stale:
        'the catalog feed /feed.jsonl answered HTTP 404; placements use the copy stored on this device by an earlier page view, which may be out of date',
    };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const { p, deps, engine, release } = setup();
      vi.mocked(engine.recommend).mockImplementation(async () => ({ items: ITEMS, catalog: stale }) as never);
      release();
      expect((await p.recommend({ placement: 'for-you' })).length).toBe(2);
      await p.recommend({ placement: 'for-you' });
      expect(warn.mock.calls).toEqual([[`[reco] ${stale.stale}`]]);
      expect(deps.onError).not.toHaveBeenCalled();
      expect(deps.state.catalog).toEqual(stale);
    } finally {
      warn.mockRestore();
    }
  });

  it("takes the feed's status from the engine's ready status when the feed came before the model: set as init() resolves", async () => {
    const loaded = { source: 'feed', items: 45, url: '/feed.jsonl', fromCache: false } as const;
    const { engine } = setup();
    await new Promise((r) => setTimeout(r)); // its own calls made
    vi.mocked(engine.status).mockResolvedValueOnce({ catalog: loaded } as never);
    const view = setup({ engine });
    await Promise.resolve();
    await Promise.resolve();
    expect(view.deps.state.catalog).toEqual(loaded);
    expect(vi.mocked(engine.catalog)).toHaveBeenCalledTimes(1); // the first setup's only
  });

  it('tells the worker about the control group; before the model is ready, nothing', async () => {
    const { p, engine, release } = setup({ state: { ready: true, control: true, catalog: null } });
    release();
    await p.recommend({ placement: 'for-you' });
    expect(vi.mocked(engine.recommend).mock.calls[0]![1].control).toBe(true);
    expect(await setup({ state: { ready: false, control: false, catalog: null } }).p.recommend({ placement: 'for-you' })).toEqual([]);
  });
});
