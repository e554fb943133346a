// @vitest-environment happy-dom
import { beforeEach, describe, expect, test, vi } from 'vitest';
import { discoverGrids, type Grid } from '../../../src/main/grid/discover.ts';
import { itemFeatures } from '../../../src/main/grid/json-ld.ts';
import { GridConfigError } from '../../../src/shared/errors.ts';

const noError = () => {
  throw new Error('onError should not be called');
};
/** The features discovery reads from the markup (every item there has an id). */
const featuresOf = (grid: Grid) => grid.items.map((i) => i.features!);

beforeEach(() => {
  document.head.innerHTML = '';
  document.body.innerHTML = '';
});

describe('JSON-LD', () => {
  const ld = (data: unknown) => `<script type="application/ld+json">${JSON.stringify(data)}</script>`;

  test('matches Product and ItemList entries by sku, productID, @id and url', () => {
    document.head.innerHTML =
      ld({
        '@context': 'https://schema.org',
        '@type': 'ItemList',
        itemListElement: [
          {
            '@type': 'ListItem',
            position: 1,
            item: {
              '@type': 'Product',
              sku: 'a',
              name: 'Alpha',
              brand: { '@type': 'Brand', name: 'AB' },
              offers: { '@type': 'Offer', price: '10.00' },
            },
          },
          {
            '@type': 'ListItem',
            position: 2,
            item: { '@type': 'Product', url: 'https://shop.example/p/b-cream?ref=1', name: 'Beta', offers: [{ price: 5 }] },
          },
        ],
      }) +
      ld({
        '@graph': [
          {
            '@type': ['Product'],
            '@id': 'c',
            name: 'Gamma',
            category: ['Skin', 'Cream'],
            offers: { '@type': 'AggregateOffer', lowPrice: '3,50' },
          },
        ],
      }) +
      ld({ '@type': 'Product', productID: 'd', name: 'Delta' });
    document.body.innerHTML = `
      ${ld({ '@type': 'Product', sku: 'e', name: 'Epsilon in body' })}
      <div data-reco-grid="g">
        <i data-reco-id="a"></i><i data-reco-id="b-cream"></i><i data-reco-id="c"></i><i data-reco-id="d" data-reco-title="Own title"></i><i data-reco-id="e"></i><i data-reco-id="z"></i>
      </div>`;
    const features = itemFeatures(featuresOf(discoverGrids(document, [], noError)[0]!), document, noError);
    expect(features).toEqual([
      { id: 'a', title: 'Alpha', brand: 'AB', price: 10 },
      { id: 'b-cream', title: 'Beta', price: 5, url: 'https://shop.example/p/b-cream?ref=1' },
      { id: 'c', title: 'Gamma', category: 'Skin > Cream', price: 3.5 },
      { id: 'd', title: 'Own title' },
      { id: 'e', title: 'Epsilon in body' },
      { id: 'z' },
    ]);
  });

  test('broken JSON-LD is reported once and ignored; the valid scripts still fill in', () => {
    document.head.innerHTML = `<script type="application/ld+json">{ nope</script>` + ld({ '@type': 'Product', sku: 'a', name: 'Alpha' });
    const onError = vi.fn();
    expect(itemFeatures([{ id: 'a' }], document, onError)).toEqual([{ id: 'a', title: 'Alpha' }]);
    expect(itemFeatures([{ id: 'b', title: 'Own' }], document, onError)).toEqual([{ id: 'b', title: 'Own' }]);
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError.mock.calls[0]![0]).toBeInstanceOf(GridConfigError);
    expect(onError.mock.calls[0]![0].message).toMatch(/ld\+json/);
  });

  test('what the markup gives wins, field by field; the records passed in are not changed', () => {
    document.head.innerHTML = ld({ '@type': 'Product', sku: 'a', name: 'From JSON-LD', brand: 'LdBrand', offers: { price: '12,50' } });
    const given = { id: 'a', title: 'From markup' };
    expect(itemFeatures([given], document, noError)).toEqual([{ id: 'a', title: 'From markup', brand: 'LdBrand', price: 12.5 }]);
    expect(given).toEqual({ id: 'a', title: 'From markup' });
  });

  test("a product page's link and image (a URL, a list, an ImageObject; relative to the page) so that a recently-viewed card can show and link it", () => {
    const base = document.baseURI;
    document.head.innerHTML =
      ld({ '@type': 'Product', sku: 'a', name: 'Alpha', url: '/p/alpha', image: ['/img/alpha-1.jpg', '/img/alpha-2.jpg'] }) +
      ld({
        '@type': 'Product',
        sku: 'b',
        name: 'Beta',
        offers: { price: 2, url: 'https://shop.example/p/beta' },
        image: { '@type': 'ImageObject', url: 'https://cdn.example/beta.jpg' },
      }) +
      ld({
        '@type': 'Product',
        sku: 'c',
        name: 'Gamma',
        url: 'javascript:alert(1)',
        image: { '@type': 'ImageObject', contentUrl: 'gamma.png' },
      });
    expect(itemFeatures([{ id: 'a' }, { id: 'b' }, { id: 'c' }, { id: 'd', url: 'https://shop.example/own' }], document, noError)).toEqual([
      { id: 'a', title: 'Alpha', url: new URL('/p/alpha', base).href, image: new URL('/img/alpha-1.jpg', base).href },
      { id: 'b', title: 'Beta', price: 2, url: 'https://shop.example/p/beta', image: 'https://cdn.example/beta.jpg' },
      { id: 'c', title: 'Gamma', image: new URL('gamma.png', base).href }, // a javascript: URL is no link
      { id: 'd', url: 'https://shop.example/own' },
    ]);
  });

  test("the price the markup prints is read as a number; one that is no price gives way to the JSON-LD's", () => {
    expect(
      itemFeatures(
        [
          { id: 'a', price: '€1.299,00' },
          { id: 'b', price: 3 },
        ],
        document,
        noError,
      ),
    ).toEqual([
      { id: 'a', price: 1299 },
      { id: 'b', price: 3 },
    ]);
    document.head.innerHTML = ld({ '@type': 'Product', sku: 'c', offers: { price: '4,20' } });
    expect(itemFeatures([{ id: 'c', price: 'Price on request' }], document, noError)).toEqual([{ id: 'c', price: 4.2 }]);
  });
});

describe('microdata outside the cards', () => {
  const productPage = `
    <main itemscope itemtype="https://schema.org/Product">
      <h1 itemprop="name">Tressa Volumizing Shampoo</h1>
      <meta itemprop="sku" content="x1">
      <span itemprop="brand" itemscope itemtype="https://schema.org/Brand"><span itemprop="name">Tressa</span></span>
      <meta itemprop="category" content="Hair Care > Shampoo">
      <link itemprop="url" href="/p/tressa-shampoo"><img itemprop="image" src="/img/tressa.jpg" alt="">
      <div itemprop="offers" itemscope itemtype="https://schema.org/Offer"><span itemprop="price" content="12.90">€12,90</span></div>
      <section itemprop="isRelatedTo" itemscope itemtype="https://schema.org/Product">
        <meta itemprop="productID" content="y2"><span itemprop="name">Tressa Conditioner</span>
      </section>
    </main>`;

  test("a product page's own product fills a bare id (its view_item): title, brand, category, price, link and image, not a nested product's", () => {
    document.body.innerHTML = productPage;
    expect(itemFeatures([{ id: 'x1' }, { id: 'y2' }, { id: 'z' }], document, noError)).toEqual([
      {
        id: 'x1',
        title: 'Tressa Volumizing Shampoo',
        brand: 'Tressa',
        category: 'Hair Care > Shampoo',
        price: 12.9,
        url: new URL('/p/tressa-shampoo', document.baseURI).href,
        image: new URL('/img/tressa.jpg', document.baseURI).href,
      },
      { id: 'y2', title: 'Tressa Conditioner' },
      { id: 'z' },
    ]);
  });

  test("JSON-LD's fields come first, then microdata's; an item with its own title is not looked up", () => {
    document.head.innerHTML = `<script type="application/ld+json">${JSON.stringify({ '@type': 'Product', sku: 'x1', brand: 'From JSON-LD' })}</script>`;
    document.body.innerHTML = productPage;
    expect(itemFeatures([{ id: 'x1' }, { id: 'y2', title: 'Own' }], document, noError)).toEqual([
      {
        id: 'x1',
        title: 'Tressa Volumizing Shampoo',
        brand: 'From JSON-LD',
        category: 'Hair Care > Shampoo',
        price: 12.9,
        url: new URL('/p/tressa-shampoo', document.baseURI).href,
        image: new URL('/img/tressa.jpg', document.baseURI).href,
      },
      { id: 'y2', title: 'Own' },
    ]);
  });
});
