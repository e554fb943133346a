/**
 * The features of the items the page shows, as the engine reads them: the price each item's markup prints read as a
 * number, and what the markup leaves out filled in from the page's schema.org Product data in JSON-LD (including
 * ItemList and @graph; the `grids` option's readers, `data-reco-*` attributes and microdata win, field by field; see
 * discover.ts), then from the Products its microdata describes elsewhere on the page (a product page's own product,
 * which a `track('view_item', sku)` names by its id alone). It comes with reco.engine.js: features are needed once
 * there is an engine to rank with them, and what the page remembers of them waits for it (instance.ts).
 */
import { GridConfigError } from '../../shared/errors.ts';
import { parsePrice } from '../../shared/price.ts';
import type { ItemFeatures } from '../../shared/types.ts';
import { microdata, microdataLink, str, type MarkupFeatures } from './discover.ts';

const FIELDS = ['title', 'category', 'brand', 'price', 'url', 'image'] as const;
type LdFields = Partial<Record<(typeof FIELDS)[number], unknown>>;
/** A JSON-LD node, read loosely: any property may be missing or of another type. */
interface Obj {
  [key: string]: Obj | undefined;
}

/** The callbacks already told that the page's JSON-LD is broken: told once, not at every ranking. */
const told = new WeakSet<(err: Error) => void>();

/**
 * `items` with their prices read as numbers ("€1.299,00" → 1299; one that is not a price is dropped) and the fields
 * their markup left out filled from the page's JSON-LD (matched by sku, productID, @id or url). Never throws.
 * @param onError hears, once, of a JSON-LD script that is not valid JSON (it is ignored)
 */
export function itemFeatures(items: readonly MarkupFeatures[], doc: ParentNode, onError: (err: Error) => void): ItemFeatures[] {
  const report = (err: Error) => {
    if (told.has(onError)) return;
    told.add(onError);
    try {
      onError(err);
    } catch {
      // the page's handler failing must not stop the ranking
    }
  };
  const ld = items.length && doc.querySelector('script[type="application/ld+json"]') ? readJsonLd(doc, report) : null;
  /** The page's microdata Products, read once an item still lacks its title (a grid's cards carry their own). */
  let md: ((id: string) => LdFields | undefined) | undefined;
  const base = (doc as Node).baseURI;
  return items.map(({ price, ...rest }) => {
    const item: ItemFeatures = rest;
    const read = parsePrice(price);
    if (read !== undefined) item.price = read;
    fill(item, ld?.(item.id), base);
    if (item.title === undefined) fill(item, (md ??= readMicrodata(doc))(item.id), base);
    return item;
  });
}

/** Sets the fields `item` lacks from `entry` (prices read as numbers, links made absolute against the page). */
function fill(item: ItemFeatures, entry: LdFields | undefined, base: string): void {
  if (entry)
    for (const f of FIELDS) {
      const value = f === 'price' ? parsePrice(entry[f]) : f === 'url' || f === 'image' ? link(entry[f], base) : str(entry[f]);
      if (item[f] === undefined && value !== undefined) (item as LdFields)[f] = value;
    }
}

/** A link as an absolute URL (http or https only: a `javascript:` URL never becomes a card's link), or undefined. */
function link(v: unknown, base: string): string | undefined {
  const s = str(v);
  if (!s) return undefined;
  try {
    const url = new URL(s, base);
    return /^https?:$/.test(url.protocol) ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** Products of the page's microdata, looked up by sku or productID (the first one of an id counts). */
function readMicrodata(doc: ParentNode): (id: string) => LdFields | undefined {
  const byId = new Map<string, LdFields>();
  for (const scope of doc.querySelectorAll('[itemscope][itemtype*="Product"]')) {
    const fields: LdFields = { title: microdata(scope, 'name') };
    for (const f of ['category', 'brand', 'price'] as const) fields[f] = microdata(scope, f);
    for (const f of ['url', 'image'] as const) fields[f] = microdataLink(scope, f);
    for (const key of ['sku', 'productID']) {
      const id = microdata(scope, key);
      if (id && !byId.has(id)) byId.set(id, fields);
    }
  }
  return (id) => byId.get(id);
}

/** Products of the page's JSON-LD (including ItemList and @graph), looked up by sku, productID, @id or url, exact first. */
function readJsonLd(doc: ParentNode, report: (err: Error) => void): (id: string) => LdFields | undefined {
  const exact = new Map<string, LdFields>();
  const loose = new Map<string, LdFields>();
  const add = (p: Record<string, unknown>) => {
    // An offer or a brand may be a list: the first one counts.
    const offer = [p.offers].flat()[0] as Obj | undefined;
    const brand = [p.brand].flat()[0] as Obj | undefined;
    // An image may be a URL, a list of them, or an ImageObject.
    const image = [p.image].flat()[0] as Obj | undefined;
    // Values that are not text (a brand object without a name) are dropped when read.
    const fields: LdFields = {
      title: p.name,
      brand: brand?.name ?? brand,
      category: Array.isArray(p.category) ? p.category.join(' > ') : p.category,
      price: offer?.price ?? offer?.lowPrice ?? offer?.priceSpecification?.price,
      url: p.url ?? offer?.url,
      image: image?.url ?? image?.contentUrl ?? image,
    };
    const once = (map: Map<string, LdFields>, key?: string) => key && !map.has(key) && map.set(key, fields);
    ['sku', 'productID', '@id', 'url'].forEach((key, i) => {
      const v = str(p[key]);
      once(exact, v);
      // @id and url also match by their last path segment
      if (i > 1)
        once(
          loose,
          v
            ?.replace(/[?#].*$/, '')
            .split('/')
            .filter(Boolean)
            .pop(),
        );
    });
  };
  const walk = (v: unknown, depth: number): void => {
    if (!v || typeof v !== 'object' || depth > 10) return;
    // Arrays too: for...in walks their items, and they have no @type.
    const o = v as Record<string, unknown>;
    if ([o['@type']].flat().some((t) => typeof t === 'string' && /(^|[/:])Product$/.test(t))) add(o);
    for (const k in o) walk(o[k], depth + 1);
  };
  doc.querySelectorAll('script[type="application/ld+json"]').forEach((s) => {
    try {
      walk(JSON.parse(s.textContent ?? ''), 0);
    } catch (e) {
      report(
        new GridConfigError(`ignored a script[type="application/ld+json"] that is not valid JSON: ${(e as Error).message}`, { cause: e }),
      );
    }
  });
  return (id) => exact.get(id) ?? loose.get(id);
}
