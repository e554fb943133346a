// @vitest-environment happy-dom
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { discoverGrids, validateGridConfigs, type Grid, type GridConfig } from '../../../src/main/grid/discover.ts';
import { itemFeatures } from '../../../src/main/grid/json-ld.ts';
import { reorderGrid } from '../../../src/main/grid/reorder.ts';

const ids = (g: { items: { id: string | null }[] }) => g.items.map((i) => i.id);
const noError = () => {
  throw new Error('onError should not be called');
};
/** The features of a grid's items as the engine reads them (reco.engine.js: prices as numbers). */
const read = (g: Grid) =>
  itemFeatures(
    g.items.flatMap((i) => (i.features ? [i.features] : [])),
    document,
    noError,
  );

beforeEach(() => {
  document.head.innerHTML = '';
  document.body.innerHTML = '';
});

describe('default markup contract', () => {
  test('reads list id, ids, data attributes and pins, skipping nested grids', () => {
    document.body.innerHTML = `
      <section data-reco-grid="home">
        <div data-reco-id="a" data-reco-title="  Rose
            Serum  " data-reco-category="Skin > Serum" data-reco-brand="Aura" data-reco-price="€1.299,00"></div>
        <div data-reco-id="b" data-reco-pin></div>
        <div class="wrap"><div data-reco-id="c"></div></div>
        <div data-reco-id=""></div>
        <aside data-reco-grid="inner"><div data-reco-id="x"></div></aside>
      </section>`;
    const grids = discoverGrids(document, [], noError);
    expect(grids.map((g) => g.listId)).toEqual(['home', 'inner']);
    const [home, inner] = grids;
    expect(ids(home)).toEqual(['a', 'b', 'c', null]);
    expect(ids(inner)).toEqual(['x']);
    // The price as the page prints it; reco.engine.js reads it as a number.
    expect(home.items[0].features).toEqual({ id: 'a', title: 'Rose Serum', category: 'Skin > Serum', brand: 'Aura', price: '€1.299,00' });
    expect(read(home)[0]).toEqual({ id: 'a', title: 'Rose Serum', category: 'Skin > Serum', brand: 'Aura', price: 1299 });
    expect(home.items.map((i) => i.pinned)).toEqual([false, true, false, false]);
    expect(home.items[2].el).toBe(document.querySelector('[data-reco-id="c"]'));
    expect(home.items[3].features).toBeNull();
  });

  test.each([
    ['€1.299,00', '€1.299,00', 1299],
    ['  1 299,00 €\n', '1 299,00 €', 1299],
    ['29,90 € 24,90 €', '29,90 € 24,90 €', 29.9],
    ['free', undefined, undefined],
    ['', undefined, undefined],
  ])('reads price %j as the page prints it (%j), the engine as %j (test/shared/price.test.ts has the rest)', (text, printed, expected) => {
    document.body.innerHTML = `<div data-reco-grid="g"><div data-reco-id="a"></div></div>`;
    document.querySelector('[data-reco-id]')!.setAttribute('data-reco-price', text);
    const [grid] = discoverGrids(document, [], noError);
    expect(grid.items[0].features?.price).toBe(printed);
    expect(read(grid)[0]!.price).toBe(expected);
  });

  test('a price with no number in it gives way to the next source (microdata)', () => {
    document.body.innerHTML = `<div data-reco-grid="g"><div data-reco-id="a" data-reco-price="Price on request" itemscope itemtype="https://schema.org/Product">
      <meta itemprop="price" content="12.00"></div></div>`;
    const [grid] = discoverGrids(document, [], noError);
    expect(grid.items[0].features?.price).toBe('12.00');
    expect(read(grid)[0]!.price).toBe(12);
  });

  test('falls back to the id attribute, else leaves the name empty (the personalizer numbers those grids)', () => {
    document.body.innerHTML = `
      <div data-reco-grid><i data-reco-id="1"></i></div>
      <div data-reco-grid id="deals"><i data-reco-id="2"></i></div>
      <div data-reco-grid><i data-reco-id="3"></i></div>`;
    expect(discoverGrids(document, [], noError).map((g) => g.listId)).toEqual(['', 'deals', '']);
  });

  test('looks only under root, including root itself', () => {
    document.body.innerHTML = `<div data-reco-grid="a"><i data-reco-id="1"></i></div><div data-reco-grid="b"><i data-reco-id="2"></i></div>`;
    const b = document.querySelector('[data-reco-grid="b"]')!;
    expect(discoverGrids(b, [], noError).map((g) => g.listId)).toEqual(['b']);
  });
  test('without items: the same grids, ids and flags, no card read', () => {
    document.body.innerHTML = `
      <section data-reco-grid="home"><div data-reco-id="a"></div></section>
      <section data-reco-grid="search" data-reco-query="red shoes" data-reco-track-only><div data-reco-id="b"></div></section>`;
    const read = vi.spyOn(Element.prototype, 'getAttribute');
    const grids = discoverGrids(document, [], noError, false);
    expect(read.mock.calls.map(([name]) => name)).not.toContain('data-reco-id');
    read.mockRestore();
    expect(grids.map((g) => [g.listId, g.query, g.trackOnly, g.items.length])).toEqual([
      ['home', null, false, 0],
      ['search', 'red shoes', true, 0],
    ]);
    expect(discoverGrids(document, [], noError).map((g) => g.items.length)).toEqual([1, 1]);
  });
});

describe('schema.org microdata', () => {
  test('fills features and id from Product microdata, not from nested brand or offer names', () => {
    document.body.innerHTML = `
      <ul class="grid">
        <li class="card" itemscope itemtype="https://schema.org/Product">
          <div itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span itemprop="name">Lumi</span></div>
          <h3 itemprop="name"> Silk   Mascara </h3>
          <meta itemprop="sku" content="SKU-1">
          <span itemprop="category">Makeup > Eyes</span>
          <div itemprop="offers" itemscope itemtype="https://schema.org/Offer">
            <span itemprop="name">Offer name</span><span itemprop="price" content="19.90">19,90 €</span>
          </div>
        </li>
        <li class="card"><div itemscope itemtype="http://schema.org/Product">
          <span itemprop="productID">P-2</span><span itemprop="name">Clay Mask</span><span itemprop="brand">Terra</span>
          <span itemprop="price">€7,50</span></div>
        </li>
        <li class="card"><span>no id anywhere</span></li>
      </ul>`;
    const [grid] = discoverGrids(document, [{ container: '.grid', item: '.card' }], noError); // no id reader: microdata's
    expect(ids(grid)).toEqual(['SKU-1', 'P-2', null]);
    expect(grid.items[0].features).toEqual({
      id: 'SKU-1',
      title: 'Silk Mascara',
      brand: 'Lumi',
      category: 'Makeup > Eyes',
      price: '19.90',
    });
    expect(read(grid)).toEqual([
      { id: 'SKU-1', title: 'Silk Mascara', brand: 'Lumi', category: 'Makeup > Eyes', price: 19.9 },
      { id: 'P-2', title: 'Clay Mask', brand: 'Terra', price: 7.5 },
    ]);
  });

  test("an AggregateOffer's lowPrice is the price, as in JSON-LD", () => {
    document.body.innerHTML = `<div class="g"><div class="card" itemscope itemtype="https://schema.org/Product"><meta itemprop="sku" content="a">
      <div itemprop="offers" itemscope itemtype="https://schema.org/AggregateOffer">
        <meta itemprop="lowPrice" content="19.90"><meta itemprop="highPrice" content="29.90">
      </div></div></div>`;
    const [grid] = discoverGrids(document, [{ container: '.g', item: '.card', id: '.missing' }], noError);
    expect(read(grid)).toEqual([{ id: 'a', price: 19.9 }]);
  });

  test('a data-reco-grid of cards a shop theme marks with Product microdata only (no data-reco-id): each card is an item, its offer or nested product part of it', () => {
    document.body.innerHTML = `<div data-reco-grid="theme">
      <div class="card" itemscope itemtype="https://schema.org/Product"><meta itemprop="sku" content="m1"><h3 itemprop="name">Mug</h3>
        <div itemprop="isRelatedTo" itemscope itemtype="https://schema.org/Product"><meta itemprop="sku" content="m9"></div></div>
      <div class="card" itemscope itemtype="http://schema.org/Product"><meta itemprop="productID" content="m2"><h3 itemprop="name">Plate</h3></div>
      <div class="card" data-reco-id="m3"><div itemscope itemtype="https://schema.org/Product"><span itemprop="name">Bowl</span></div></div>
      <div class="card" itemscope itemtype="https://schema.org/Product"><h3 itemprop="name">No sku</h3></div>
    </div>`;
    const [grid] = discoverGrids(document, [], noError);
    expect(ids(grid)).toEqual(['m1', 'm2', 'm3', null]);
    expect(grid.items.map((i) => i.features?.title)).toEqual(['Mug', 'Plate', 'Bowl', undefined]);
  });

  test('data attributes win over microdata, field by field', () => {
    document.body.innerHTML = `<div data-reco-grid="g">
      <div data-reco-id="a" data-reco-title="From data" itemscope itemtype="https://schema.org/Product">
        <span itemprop="name">From microdata</span><span itemprop="brand">MicroBrand</span>
      </div></div>`;
    expect(discoverGrids(document, [], noError)[0].items[0].features).toEqual({ id: 'a', title: 'From data', brand: 'MicroBrand' });
  });
});

describe('configs', () => {
  const shop = `
    <div class="product-grid" id="catalog">
      <div class="row">
        <article class="card" data-sku="s1"><h2 class="card-title">One</h2><span class="cat">Hair</span><b class="price">$12.50</b></article>
        <article class="card" data-sku="s2"><h2 class="card-title">Two</h2><span class="cat">Skin</span><b class="price">$3</b><em class="promo"></em></article>
      </div>
    </div>`;

  test('selectors and functions', () => {
    document.body.innerHTML = shop;
    const config: GridConfig = {
      container: '.product-grid',
      item: '.card',
      id: (el) => el.getAttribute('data-sku'),
      listId: (c) => `list-${c.id}`,
      title: '.card-title',
      category: (el) => el.querySelector('.cat')?.textContent?.toUpperCase(),
      brand: () => 'House',
      price: '.price',
      pin: '.promo',
    };
    const [grid] = discoverGrids(document, [config], noError);
    expect(grid.listId).toBe('list-catalog');
    expect(read(grid)).toEqual([
      { id: 's1', title: 'One', category: 'HAIR', brand: 'House', price: 12.5 },
      { id: 's2', title: 'Two', category: 'SKIN', brand: 'House', price: 3 },
    ]);
    expect(grid.items.map((i) => i.pinned)).toEqual([false, true]);
    expect(discoverGrids(document, [{ ...config, listId: 'fixed', pin: (el) => el.id === 'none' }], noError)[0]).toMatchObject({
      listId: 'fixed',
    });
  });

  test("a grid inside a card of a described grid keeps its items: they are not the outer grid's, whose card still moves", () => {
    document.body.innerHTML = `<div class="products">
      <div class="card" data-sku="o1"></div>
      <div class="card" data-sku="o2">
        <div data-reco-grid="variants"><div class="card" data-reco-id="v1" data-sku="v1"></div><div class="card" data-reco-id="v2" data-sku="v2"></div></div>
      </div>
      <div class="card" data-sku="o3"></div></div>`;
    const sku = (el: HTMLElement) => el.dataset.sku;
    const [outer, inner] = discoverGrids(document, [{ container: '.products', item: '.card', id: sku }], noError);
    expect([ids(outer!), ids(inner!)]).toEqual([
      ['o1', 'o2', 'o3'],
      ['v1', 'v2'],
    ]);
    reorderGrid(
      outer!,
      new Map([
        ['o1', 1],
        ['o2', 3],
        ['o3', 2],
      ]),
      { animate: false },
    );
    expect([...document.querySelectorAll<HTMLElement>('.products > .card')].map(sku)).toEqual(['o2', 'o3', 'o1']);
  });

  test('a container matched by a config and the default contract counts once', () => {
    document.body.innerHTML = `<div class="g" data-reco-grid="main"><p class="c" data-reco-id="1"></p><p class="c" data-reco-id="2"></p></div>`;
    const grids = discoverGrids(document, [{ container: '.g', item: '.c', id: (el) => `cfg-${el.getAttribute('data-reco-id')}` }], noError);
    expect(grids).toHaveLength(1);
    expect(grids[0].listId).toBe('main');
    expect(ids(grids[0])).toEqual(['cfg-1', 'cfg-2']);
  });

  test('a throwing function is reported once per config and field; its items stay in place', () => {
    document.body.innerHTML = shop;
    const cards = [...document.querySelectorAll('.card')];
    const onError = vi.fn();
    const config: GridConfig = {
      container: '.product-grid',
      item: '.card',
      id: (el) => el.getAttribute('data-sku'),
      title: () => {
        throw new Error('boom');
      },
    };
    discoverGrids(document, [config], onError);
    const [grid] = discoverGrids(document, [config], onError);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0][0]).toMatchObject({
      name: 'GridConfigError',
      message: expect.stringMatching(/^grids\[0\]\.title threw: boom/),
    });
    expect(ids(grid)).toEqual([null, null]);
    // Pinned: stays in place, and counts as reported rather than as an item without an id.
    expect(grid!.items.map((i) => i.pinned)).toEqual([true, true]);

    const order = reorderGrid(
      grid,
      new Map([
        ['s1', 0],
        ['s2', 1],
      ]),
    );
    expect(order.map((i) => i.el)).toEqual(cards);
    expect([...document.querySelectorAll('.card')]).toEqual(cards);
  });

  test('a throwing listId function or bad selector leaves that grid out, never throws', () => {
    document.body.innerHTML = shop + `<div data-reco-grid="ok"><i data-reco-id="1"></i></div>`;
    const onError = vi.fn();
    const grids = discoverGrids(
      document,
      [
        {
          container: '.product-grid',
          item: '.card',
          id: '.x',
          listId: () => {
            throw new TypeError('no');
          },
        },
        { container: '[[bad', item: '.card', id: '.x' },
        { container: '.row', item: '::nope(', id: '.x' },
      ],
      () => {
        onError();
        throw new Error('a throwing onError is ignored too');
      },
    );
    expect(grids.map((g) => g.listId)).toEqual(['ok']);
    expect(onError).toHaveBeenCalledTimes(3);
  });
});

describe('validateGridConfigs', () => {
  const ok = { container: '.g', item: '.c', id: '.sku' };
  test('accepts valid configs and returns copies', () => {
    const input = [ok, { ...ok, id: () => 'x', listId: 'home', title: '.t', price: () => 3, pin: '.pin' }];
    const out = validateGridConfigs(input);
    expect(out).toEqual(input);
    expect(out[0]).not.toBe(input[0]);
    expect(validateGridConfigs(undefined)).toEqual([]);
  });

  test.each([
    [{}, 'grids: expected an array of grid configs'],
    [[null], 'grids[0]: expected an object'],
    [[{ ...ok, container: 3 }], 'grids[0].container: expected a CSS selector string'],
    [[ok, { ...ok, container: () => '.g' }], 'grids[1].container: expected a CSS selector string'],
    [[{ container: '.g', id: '.x' }], 'grids[0].item: expected a CSS selector string'],
    [[{ container: '.g', item: '.c', id: '' }], 'grids[0].id: expected a CSS selector string or a function'],
    [[{ ...ok, title: 5 }], 'grids[0].title: expected a CSS selector string or a function'],
    [[{ ...ok, listId: '' }], 'grids[0].listId: expected a list id string or a function'],
    [[{ ...ok, item: 'div[' }], 'grids[0].item: "div[" is not a valid CSS selector'],
    [[{ ...ok, titel: '.t' }], 'grids[0].titel: unknown option'],
  ])('%j throws %j', (input, message) => {
    expect(() => validateGridConfigs(input)).toThrow(TypeError);
    expect(() => validateGridConfigs(input)).toThrow(message);
  });
});
