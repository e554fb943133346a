// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RankedEvent } from '../../src/main/api.ts';
import type { AntiFlicker } from '../../src/main/grid/antiflicker.ts';
import { createPersonalizer, type PersonalizerDeps, type Personalizer } from '../../src/main/personalizer.ts';
import type { ItemFeatures } from '../../src/shared/types.ts';
import type { Tracker } from '../../src/tracker/tracker.ts';

const ids = (sel = '#home') => [...document.querySelectorAll(`${sel} [data-reco-id]`)].map((e) => e.getAttribute('data-reco-id'));
const card = (id: string) => `<a data-reco-id="${id}" data-reco-title="Item ${id}"></a>`;

/** An anti-flicker guard whose grids are off-screen (re-orderable) unless `inView` holds them. */
function guard() {
  const inView = new Set<Element>();
  const antiFlicker: AntiFlicker & { inView: Set<Element> } = {
    inView,
    hold: vi.fn(),
    release: vi.fn(),
    shouldReorder: (c) => !inView.has(c),
    destroy: vi.fn(),
  };
  return antiFlicker;
}

let p: Personalizer | undefined;
function start(over: Partial<PersonalizerDeps> = {}, autoPersonalize = true) {
  const ranked: RankedEvent[] = [];
  const deps: PersonalizerDeps = {
    antiFlicker: guard(),
    tracker: { observe: vi.fn() } as unknown as Tracker,
    isReady: () => true,
    control: false,
    // Higher for a higher number in the id: p1 < p2 < p3.
    arrange: vi.fn(async (items: ItemFeatures[]) =>
      items.map((_, i) => i).sort((a, b) => Number(items[b]!.id.slice(1)) - Number(items[a]!.id.slice(1))),
    ),
    remember: vi.fn(),
    onRanked: (e) => ranked.push(e),
    onError: vi.fn(),
    ...over,
  };
  p = createPersonalizer({ grids: [], autoPersonalize, animate: false }, deps);
  return { deps, ranked };
}

beforeEach(() => {
  document.body.innerHTML = `<div id="home" data-reco-grid="home">${card('p1')}${card('p3')}<a data-reco-id="p0" data-reco-pin></a>${card('p2')}</div>`;
});
afterEach(() => {
  p?.destroy();
  p = undefined;
});

describe('personalizer', () => {
  it('tracks the items of the grids on the page from the start, before anything is ranked', () => {
    const { deps } = start({ isReady: () => false });
    expect(vi.mocked(deps.tracker!.observe).mock.calls[0]![0].map((t) => `${t.listId}:${t.id}@${t.position}`)).toEqual([
      'home:p1@0',
      'home:p3@1',
      'home:p0@2',
      'home:p2@3',
    ]);
  });

  it('once settled, re-orders each grid by score (pinned items stay), reports it, and remembers the features shown', async () => {
    const { deps, ranked } = start();
    await p!.settle();
    expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']);
    expect(ranked).toEqual([{ listId: 'home', ms: expect.any(Number), order: ['p3', 'p2', 'p0', 'p1'] }]);
    expect(p!.lastRankMs()).toBe(ranked[0]!.ms);
    expect(deps.remember).toHaveBeenCalledWith(expect.arrayContaining([{ id: 'p1', title: 'Item p1' }]));
    expect(deps.antiFlicker.release).toHaveBeenCalledWith(document.getElementById('home'));
  });

  it('a data-reco-track-only grid (ordered by the page, e.g. React) is tracked, never ranked or moved, even by personalize()', async () => {
    document.getElementById('home')!.setAttribute('data-reco-track-only', '');
    const { deps, ranked } = start();
    await p!.settle();
    await p!.personalize(document, true);
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    expect(deps.arrange).not.toHaveBeenCalled();
    expect(ranked).toEqual([]);
    expect(
      vi
        .mocked(deps.tracker!.observe)
        .mock.calls.at(-1)![0]
        .map((t) => t.id),
    ).toEqual(['p1', 'p3', 'p0', 'p2']);
  });

  it('ranks a grid once; personalize(root, true) ranks it again', async () => {
    const { deps } = start();
    await p!.settle();
    await p!.personalize(document);
    expect(deps.arrange).toHaveBeenCalledTimes(1);
    await p!.personalize(document, true);
    expect(deps.arrange).toHaveBeenCalledTimes(2);
  });

  it('never re-orders in the control group, or before the model is ready, or without scores', async () => {
    for (const over of [{ control: true }, { isReady: () => false }, { arrange: async () => null }]) {
      const { ranked } = start(over);
      await p!.settle();
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
    await p!.settle();
    expect(ids()).toEqual(['p1', 'p3', 'p0', 'p2']);
    antiFlicker.inView.delete(home);
    document.dispatchEvent(new Event('visibilitychange'));
    await vi.waitFor(() => expect(ids()).toEqual(['p3', 'p2', 'p0', 'p1']));
  });

  it('ranks a grid the page adds later; without autoPersonalize it only tracks it', async () => {
    const { ranked } = start();
    await p!.settle();
    document.body.insertAdjacentHTML('beforeend', `<div id="new" data-reco-grid="new">${card('p5')}${card('p7')}</div>`);
    await vi.waitFor(() => expect(ids('#new')).toEqual(['p7', 'p5']));
    expect(ranked.map((r) => r.listId)).toEqual(['home', 'new']);
    p!.destroy();

    document.body.innerHTML = `<div id="home" data-reco-grid="home">${card('p1')}${card('p3')}</div>`;
    const manual = start({}, false);
    await p!.settle();
    expect(ids()).toEqual(['p1', 'p3']);
    expect(manual.deps.tracker!.observe).toHaveBeenCalled();
    await p!.personalize(document, true);
    expect(ids()).toEqual(['p3', 'p1']);
  });
});
