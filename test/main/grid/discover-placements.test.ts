// @vitest-environment happy-dom
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { discoverGrids, validateGridConfigs } from '../../../src/main/grid/discover.ts';

const noError = () => {
  throw new Error('onError should not be called');
};

beforeEach(() => {
  document.body.innerHTML = '';
});

describe('what grids tell placements, rules and search', () => {
  test('reads availability, the product link and the image of each item', () => {
    document.body.innerHTML = `
      <div data-reco-grid="home">
        <article data-reco-id="a" data-reco-available="false"><a href="/p/a"><img src="/img/a.svg"></a></article>
        <a data-reco-id="b" href="/p/b" data-reco-available="in stock"></a>
        <div data-reco-id="c" data-reco-url="/x/c" data-reco-image="/i/c.png"></div>
      </div>`;
    const [grid] = discoverGrids(document, [], noError);
    const abs = (p: string) => new URL(p, document.baseURI).href;
    expect(grid!.items.map((i) => i.features)).toEqual([
      { id: 'a', available: false, url: abs('/p/a'), image: abs('/img/a.svg') },
      { id: 'b', available: true, url: abs('/p/b') },
      { id: 'c', url: abs('/x/c'), image: abs('/i/c.png') },
    ]);
    expect(grid!.query).toBeNull();
  });

  test('a grid marked data-reco-query, or with a query function, holds search results', () => {
    document.body.innerHTML = `
      <div data-reco-grid="results" data-reco-query="red lipstick"><i data-reco-id="a"></i></div>
      <div data-reco-grid="empty" data-reco-query=""><i data-reco-id="b"></i></div>
      <ul class="hits" data-q="serum"><li data-sku="c"></li></ul>`;
    const cfg = {
      container: '.hits',
      item: 'li',
      id: (el: Element) => el.getAttribute('data-sku'),
      query: (c: Element) => c.getAttribute('data-q'),
    };
    const grids = discoverGrids(document, validateGridConfigs([cfg]), noError);
    expect(grids.map((g) => [g.listId, g.query])).toEqual([
      ['results', 'red lipstick'],
      ['empty', null],
      ['', 'serum'],
    ]);
  });

  test('a query function that throws is reported and its grid left alone; an available reader reads out-of-stock items', () => {
    document.body.innerHTML = `<ul class="hits"><li data-sku="c" data-stock="0"></li><li data-sku="d" data-stock="3"></li></ul>`;
    const onError = vi.fn();
    const throwing = validateGridConfigs([
      {
        container: '.hits',
        item: 'li',
        id: (el: Element) => el.getAttribute('data-sku'),
        query: () => {
          throw new Error('boom');
        },
      },
    ]);
    expect(discoverGrids(document, throwing, onError)).toEqual([]);
    expect(onError.mock.calls[0]![0].message).toMatch(/grids\[0\]\.query threw: boom/);
    const stock = validateGridConfigs([
      {
        container: '.hits',
        item: 'li',
        id: (el: Element) => el.getAttribute('data-sku'),
        available: (el: Element) => el.getAttribute('data-stock') !== '0',
      },
    ]);
    expect(discoverGrids(document, stock, noError)[0]!.items.map((i) => i.features?.available)).toEqual([false, true]);
  });
});
