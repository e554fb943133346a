// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { discoverGrids, type Grid } from '../../../src/main/grid/discover.ts';
import { reorderGrid } from '../../../src/main/grid/reorder.ts';

const noError = () => {
  throw new Error('onError should not be called');
};
const grid = (): Grid => discoverGrids(document, [], noError)[0];
const domIds = () => [...document.querySelectorAll('[data-reco-id]')].map((e) => e.getAttribute('data-reco-id'));
const scores = (o: Record<string, number>) => new Map(Object.entries(o));
const cards = (spec: string) =>
  spec
    .split(' ')
    .map((s) =>
      s.endsWith('!')
        ? `<div data-reco-id="${s.slice(0, -1)}" data-reco-pin></div>`
        : `<div data-reco-id="${s}"><button>${s}</button></div>`,
    )
    .join('');

beforeEach(() => {
  document.body.innerHTML = '';
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('reorderGrid', () => {
  test('moves the same nodes into score order; listeners and state survive', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c d')}</div>`;
    const g = grid();
    const before = g.items.map((i) => i.el);
    const clicked = vi.fn();
    before[0].querySelector('button')!.addEventListener('click', clicked);
    (before[1] as HTMLElement & { shopState?: number }).shopState = 7;

    const order = reorderGrid(g, scores({ a: 0.1, b: 0.9, c: 0.5, d: 0.7 }), { animate: false });

    expect(order.map((i) => i.id)).toEqual(['b', 'd', 'c', 'a']);
    expect(domIds()).toEqual(['b', 'd', 'c', 'a']);
    const after = [...document.querySelectorAll('[data-reco-id]')];
    expect(after.map((el) => before.indexOf(el))).toEqual([1, 3, 2, 0]);
    expect(order.map((i) => i.el)).toEqual(after);
    after[3].querySelector('button')!.click();
    expect(clicked).toHaveBeenCalledTimes(1);
    expect((after[0] as HTMLElement & { shopState?: number }).shopState).toBe(7);
  });

  test('pinned, id-less and unscored items keep their exact index', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a p! b c')}<div data-reco-id=""></div>${cards('d e')}</div>`;
    const order = reorderGrid(grid(), scores({ a: 1, b: 2, c: 3, d: 4, p: 99 }), { animate: false });
    expect(order.map((i) => i.id)).toEqual(['d', 'p', 'c', 'b', null, 'a', 'e']);
    expect(domIds()).toEqual(['d', 'p', 'c', 'b', '', 'a', 'e']);
  });

  test('an id shown twice: the first copy moves, the later copies keep their index (not sorted next to it)', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c a d b')}</div>`;
    const order = reorderGrid(grid(), scores({ a: 1, b: 2, c: 3, d: 4 }), { animate: false });
    expect(order.map((i) => i.id)).toEqual(['d', 'c', 'b', 'a', 'a', 'b']);
    expect(domIds()).toEqual(['d', 'c', 'b', 'a', 'a', 'b']);
  });

  test("one id on two different products (the page's mistake) is logged once, naming the id and both titles; a featured copy of one product is not", () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const card = (id: string, title: string) => `<div data-reco-id="${id}" data-reco-title="${title}"></div>`;
    document.body.innerHTML = `<div data-reco-grid="g">${card('a', 'Tastatur')}${card('b', 'Maus')}${card('b', 'Maus')}</div>`;
    reorderGrid(grid(), scores({ a: 1, b: 2 }), { animate: false });
    expect(warn).not.toHaveBeenCalled();
    document.body.innerHTML = `<div data-reco-grid="g">${card('a', 'Tastatur')}${card('c', 'Maus')}${card('a', 'Kaffeevollautomat')}</div>`;
    reorderGrid(grid(), scores({ a: 1, c: 2 }), { animate: false });
    reorderGrid(grid(), scores({ a: 3, c: 2 }), { animate: false });
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toBe(
      '[reco] grid "g": the id "a" marks two different products ("Tastatur" and "Kaffeevollautomat"); ' +
        'their clicks and impressions are recorded as one item. The later card keeps its place.',
    );
  });

  test("an id shown twice, ranked again (the page's personalize(), a new history): the copy that stayed stays, so the copies do not end up next to each other", () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b a c d')}</div>`;
    const later = document.querySelectorAll('[data-reco-id="a"]')[1];
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3, d: 4 }), { animate: false });
    expect(domIds()).toEqual(['d', 'c', 'a', 'b', 'a']);
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3, d: 4 }), { animate: false });
    expect(domIds()).toEqual(['d', 'c', 'a', 'b', 'a']);
    expect(document.querySelectorAll('[data-reco-id]')[2]).toBe(later);
  });

  test('non-item nodes between items stay where they are', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b')}<aside id="ad"></aside>${cards('c')}</div>`;
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3 }), { animate: false });
    const kids = [...document.querySelector('[data-reco-grid]')!.children].map((e) => e.getAttribute('data-reco-id') ?? e.id);
    expect(kids).toEqual(['c', 'b', 'ad', 'a']);
  });

  test('is stable: equal scores keep their relative order', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c d e')}</div>`;
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 1, d: 2, e: 1 }), { animate: false });
    expect(domIds()).toEqual(['b', 'd', 'a', 'c', 'e']);
  });

  test.each(['row-reverse', 'column-reverse'])(
    'a flex box laid out backwards (%s) shows the best item first: last in the DOM',
    (direction) => {
      document.body.innerHTML = `<div data-reco-grid="g" style="display: flex; flex-direction: ${direction}">${cards('a b c d')}</div>`;
      reorderGrid(grid(), scores({ a: 1, b: 3, c: 2, d: 2 }), { animate: false });
      // Shown from the last: b, then c and d (tied, in the order the page showed them: d before c), then a.
      expect(domIds()).toEqual(['a', 'c', 'd', 'b']);
      document.body.innerHTML = `<div data-reco-grid="g" style="display: flex; flex-direction: row">${cards('a b c d')}</div>`;
      reorderGrid(grid(), scores({ a: 1, b: 3, c: 2, d: 2 }), { animate: false });
      expect(domIds()).toEqual(['b', 'c', 'd', 'a']);
    },
  );

  test('an unchanged order touches nothing', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div>`;
    const spy = vi.spyOn(Node.prototype, 'insertBefore');
    const order = reorderGrid(grid(), scores({ a: 3, b: 2, c: 2 }));
    expect(order.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(spy).not.toHaveBeenCalled();
  });

  test('uses the fewest moves', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c d e f')}</div>`;
    const spy = vi.spyOn(Node.prototype, 'insertBefore');
    reorderGrid(grid(), scores({ a: 5, b: 4, c: 3, d: 2, e: 1, f: 9 }), { animate: false });
    expect(domIds()).toEqual(['f', 'a', 'b', 'c', 'd', 'e']);
    expect(spy).toHaveBeenCalledTimes(1);
  });

  test('moves the wrapper that holds the item, not the item out of it', () => {
    document.body.innerHTML = `<ul data-reco-grid="g">
      <li class="cell"><div class="inner"><article data-reco-id="a"></article></div></li>
      <li class="cell"><div class="inner"><article data-reco-id="b"></article></div></li>
      <li class="cell"><div class="inner"><article data-reco-id="c"></article></div></li></ul>`;
    const cells = [...document.querySelectorAll('.cell')];
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3 }), { animate: false });
    expect(domIds()).toEqual(['c', 'b', 'a']);
    expect([...document.querySelectorAll('.cell')]).toEqual([cells[2], cells[1], cells[0]]);
    expect(document.querySelectorAll('.inner > article')).toHaveLength(3);
  });

  test('never moves an item out of the wrapper (row) it is in: each row is re-ordered within itself', () => {
    document.body.innerHTML = `<div data-reco-grid="g">
      <div class="row">${cards('a b')}</div><div class="row">${cards('c d e')}</div></div>`;
    const parents = new Map([...document.querySelectorAll('[data-reco-id]')].map((el) => [el, el.parentNode]));
    const order = reorderGrid(grid(), scores({ a: 1, b: 2, c: 3, d: 5, e: 4 }), { animate: false });
    const rows = [...document.querySelectorAll('.row')].map((r) => [...r.children].map((e) => e.getAttribute('data-reco-id')));
    expect(rows).toEqual([
      ['b', 'a'],
      ['d', 'e', 'c'],
    ]);
    for (const [el, parent] of parents) expect(el.parentNode).toBe(parent);
    expect(order.map((i) => i.id)).toEqual(['b', 'a', 'd', 'e', 'c']);
    // The framework that owns the rows can still remove and insert its children where it expects them.
    const rowNodes = [...document.querySelectorAll('.row')];
    const c = document.querySelector('[data-reco-id="c"]')!;
    expect(() => rowNodes[1]!.removeChild(c)).not.toThrow();
    const a2 = document.querySelector('[data-reco-id="a"]')!;
    expect(() => rowNodes[0]!.insertBefore(document.createElement('div'), a2)).not.toThrow();
  });

  test('keeps keyboard focus on the same element without scrolling', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div>`;
    const button = document.querySelector<HTMLElement>('[data-reco-id="a"] button')!;
    button.focus();
    const focus = vi.spyOn(HTMLElement.prototype, 'focus');
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3 }), { animate: false });
    expect(domIds()).toEqual(['c', 'b', 'a']);
    expect(document.activeElement).toBe(button);
    expect(focus).toHaveBeenCalledWith({ preventScroll: true });
  });

  test('does not steal focus that is outside the grid', () => {
    document.body.innerHTML = `<input id="q"><div data-reco-grid="g">${cards('a b')}</div>`;
    const input = document.querySelector<HTMLElement>('#q')!;
    input.focus();
    reorderGrid(grid(), scores({ a: 1, b: 2 }), { animate: false });
    expect(document.activeElement).toBe(input);
  });

  test('never throws: a failing move leaves the order the DOM has', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div>`;
    const g = grid();
    vi.spyOn(Node.prototype, 'insertBefore').mockImplementation(() => {
      throw new Error('frozen');
    });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const order = reorderGrid(g, scores({ a: 1, b: 2, c: 3 }));
    expect(order.map((i) => i.id)).toEqual(['a', 'b', 'c']);
    expect(domIds()).toEqual(['a', 'b', 'c']);
    expect(warn).toHaveBeenCalledTimes(1);
  });

  test('leaves items that are no longer inside the container alone', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div><div id="elsewhere"></div>`;
    const g = grid();
    document.querySelector('#elsewhere')!.append(g.items[0].el);
    const order = reorderGrid(g, scores({ a: 9, b: 1, c: 2 }), { animate: false });
    expect(order.map((i) => i.id)).toEqual(['a', 'c', 'b']);
    expect(document.querySelector('#elsewhere > [data-reco-id="a"]')).not.toBeNull();
  });
});

describe('FLIP animation', () => {
  // Lay boxes out in a column, 100px per DOM index, so moved boxes report a real offset.
  const layout = () =>
    vi.spyOn(Element.prototype, 'getBoundingClientRect').mockImplementation(function (this: Element) {
      const top = this.parentElement ? [...this.parentElement.children].indexOf(this) * 100 : 0;
      return { x: 0, y: top, left: 0, top, width: 100, height: 100, right: 100, bottom: top + 100, toJSON() {} } as DOMRect;
    });

  test('animates each moved box from its old position to none', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div>`;
    layout();
    const animate = vi.spyOn(Element.prototype, 'animate').mockImplementation(() => ({}) as Animation);
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3 }), { durationMs: 120 });
    const byId = new Map(animate.mock.contexts.map((el, i) => [(el as Element).getAttribute('data-reco-id'), animate.mock.calls[i]]));
    expect([...byId.keys()].sort()).toEqual(['a', 'c']);
    expect(byId.get('c')![0]).toEqual([{ transform: 'translate(0px, 200px)' }, { transform: 'none' }]);
    expect(byId.get('a')![0]).toEqual([{ transform: 'translate(0px, -200px)' }, { transform: 'none' }]);
    expect(byId.get('a')![1]).toMatchObject({ duration: 120 });
  });

  test('does not animate with animate: false or prefers-reduced-motion', () => {
    document.body.innerHTML = `<div data-reco-grid="g">${cards('a b c')}</div>`;
    layout();
    const animate = vi.spyOn(Element.prototype, 'animate').mockImplementation(() => ({}) as Animation);
    reorderGrid(grid(), scores({ a: 1, b: 2, c: 3 }), { animate: false });
    expect(animate).not.toHaveBeenCalled();

    vi.spyOn(window, 'matchMedia').mockImplementation((q: string) => ({ matches: q.includes('reduce'), media: q }) as MediaQueryList);
    reorderGrid(grid(), scores({ a: 3, b: 2, c: 1 }));
    expect(domIds()).toEqual(['a', 'b', 'c']);
    expect(animate).not.toHaveBeenCalled();
  });
});

describe('reorderGrid in a carousel (Swiper)', () => {
  const slides = (ids: string) =>
    ids
      .split(' ')
      .map((id) => `<div class="swiper-slide" data-reco-id="${id}">${id}</div>`)
      .join('');
  const indices = () =>
    [...document.querySelectorAll('.swiper-slide')].map(
      (el) => `${el.getAttribute('data-reco-id')}:${el.getAttribute('data-swiper-slide-index')}`,
    );

  test('in loop mode the slides are numbered again in their new order, also in a carousel without a size (a hidden tab), so that its count starts from the first', async () => {
    const { default: Swiper } = await import('swiper');
    document.body.innerHTML = `<div class="swiper"><div class="swiper-wrapper" data-reco-grid="g">${slides('a b c d')}</div></div>`;
    const swiper = new Swiper('.swiper', { loop: true, slidesPerView: 1 });
    expect(indices()).toEqual(['a:0', 'b:1', 'c:2', 'd:3']);
    const order = reorderGrid(grid(), scores({ a: 0.1, b: 0.9, c: 0.5, d: 0.7 }), { animate: false });
    expect(order.map((i) => i.id)).toEqual(domIds());
    expect(domIds()).toEqual(['b', 'd', 'c', 'a']);
    expect(indices()).toEqual(['b:0', 'd:1', 'c:2', 'a:3']);
    swiper.destroy();
  });

  test('a grid that is a slide of a carousel (a tabs slider, one grid a slide) leaves that carousel alone', async () => {
    const { default: Swiper } = await import('swiper');
    document.body.innerHTML = `<div class="swiper"><div class="swiper-wrapper"><div class="swiper-slide" data-reco-grid="g">${cards('a b c')}</div></div></div>`;
    const swiper = new Swiper('.swiper', {});
    const update = vi.spyOn(swiper, 'update');
    reorderGrid(grid(), scores({ a: 0.1, b: 0.9, c: 0.5 }), { animate: false });
    expect(domIds()).toEqual(['b', 'c', 'a']);
    expect(update).not.toHaveBeenCalled();
    swiper.destroy();
  });

  test('a carousel that fails to update leaves the grid re-ordered, with one warning that names it', () => {
    document.body.innerHTML = `<div class="swiper"><div class="swiper-wrapper" data-reco-grid="g">${slides('a b c')}</div></div>`;
    const update = vi.fn(() => {
      throw new Error('swiper broke');
    });
    const slidesEl = document.querySelector('.swiper-wrapper')!;
    Object.assign(document.querySelector('.swiper')!, { swiper: { update, params: {}, slidesEl } });
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const order = reorderGrid(grid(), scores({ a: 0.1, b: 0.9, c: 0.5 }), { animate: false });
    expect(update).toHaveBeenCalledTimes(1);
    expect(order.map((i) => i.id)).toEqual(['b', 'c', 'a']);
    expect(domIds()).toEqual(['b', 'c', 'a']);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]![0]).toMatch(/^\[reco\] a carousel \(Swiper\) around a re-ordered grid failed to update/);
  });
});
