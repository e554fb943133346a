import { GridConfigError } from '../../shared/errors.ts';
import type { ItemFeatures } from '../../shared/types.ts';

/** How to read one field of an item: a CSS selector (the text, or `content` attribute, of its first match inside the item) or a function of the item. */
export type FieldReader<T> = string | ((el: HTMLElement) => T | null | undefined);

/** How to find grids in markup the shop cannot change (the `grids` option). Selectors or functions. */
export interface GridConfig {
  /** Selector of grid containers. */
  container: string;
  /** Selector of items inside a container (direct or nested). */
  item: string;
  /** The item's id. Default: its `data-reco-id` attribute, else its schema.org Product microdata's `sku` or `productID`. */
  id?: FieldReader<string>;
  /**
   * A fixed list id, or a function of the container. Default: `data-reco-grid`, the `id` attribute, or `grid-<n>`
   * (the n-th grid on the page when Reco first found it).
   */
  listId?: string | ((container: Element) => string);
  title?: FieldReader<string>;
  category?: FieldReader<string>;
  brand?: FieldReader<string>;
  price?: FieldReader<number | string>;
  /** Pinned items keep their place: a selector the item matches or contains, or a function. */
  pin?: string | ((el: Element) => boolean);
  /** Out of stock when this reads `false` (or "false", "out of stock"). Default: `data-reco-available`. */
  available?: FieldReader<boolean | string>;
  /**
   * A search-results grid: a function of the container returning the shopper's query (or a fixed string).
   * Its order is the shop's relevance order, blended with the shopper's (see the `searchWeight` option).
   * Default: the container's `data-reco-query` attribute.
   */
  query?: string | ((container: Element) => string | null | undefined);
}

/**
 * An item's features as its markup gives them: the price as the page prints it ("€1.299,00"), a number only from a
 * reader that returns one. reco.engine.js reads it as a number (json-ld.ts itemFeatures), as it fills in the rest
 * from the page's JSON-LD: every ranking and what the page remembers go through it.
 */
export type MarkupFeatures = Omit<ItemFeatures, 'price'> & { price?: string | number };

/** One item of a grid. `id` null means the item stays where it is. */
export interface GridItem {
  el: Element;
  id: string | null;
  features: MarkupFeatures | null;
  /** Stays where it is: data-reco-pin, the config's pin, or a field reader of the config threw (reported). */
  pinned: boolean;
}

/** A grid found on the page; `items` are in current DOM order. */
export interface Grid {
  /** The grid's name (see {@link GridConfig.listId}); '' when it has none (the personalizer numbers it). */
  listId: string;
  container: Element;
  items: GridItem[];
  /**
   * `data-reco-track-only` on the container: the page orders it itself (e.g. React with `useRanked`, which
   * uses rank()); Reco records its impressions and clicks and never moves or hides its items.
   */
  trackOnly: boolean;
  /** The shopper's query when this grid holds search results (its order is then the shop's relevance order), else null. */
  query: string | null;
}

const FIELDS = ['title', 'category', 'brand', 'price'] as const;
type Field = (typeof FIELDS)[number];
const KEYS = ['container', 'item', 'id', 'listId', 'pin', 'query', 'available', ...FIELDS];
/**
 * The markup contract's items: cards marked with `data-reco-id`, or described as schema.org Products in microdata (a
 * shop theme's markup: the id is then the `sku` or `productID`). A Product inside an item (a card's offer, a variant)
 * is part of it, not an item of its own.
 */
export const MARKUP_ITEM = '[data-reco-id], [itemscope][itemtype*="schema.org/Product"]';
/** The markup contract; ids come from `data-reco-id` (or microdata), as for every config. */
const DEFAULT_CONFIG: GridConfig = { container: '[data-reco-grid]', item: MARKUP_ITEM };

/** Reports `cause` once per key, as "`key`: `cause`'s message`then`" (what happens next, e.g. "; those items stay in place"). */
type Report = (key: string, cause: unknown, then?: string) => void;

/** Problems already reported, per onError callback, so a broken config is reported once, not on every discovery. */
const reported = new WeakMap<(err: Error) => void, Set<string>>();

/**
 * Find the product grids under `root`: containers of the default markup contract
 * (`[data-reco-grid]` holding `[data-reco-id]` items) plus those of each config, in document order.
 * Item features come from the config, else `data-reco-*` attributes, else schema.org Product microdata; the
 * page's JSON-LD fills in what they leave out once reco.engine.js is there (json-ld.ts).
 * @param root where to look (usually `document`)
 * @param configs validated grid configs (see {@link validateGridConfigs})
 * @param onError gets one Error per config and kind of problem (a throwing function, a bad selector);
 *   the grid or item concerned is left alone.
 * @param withItems false: the grids without their items (`items` empty), for a caller that needs only the containers
 *   and their flags: reading every card's features costs about half a millisecond per hundred cards
 * @returns the grids found; never throws.
 */
export function discoverGrids(root: ParentNode, configs: readonly GridConfig[], onError: (err: Error) => void, withItems = true): Grid[] {
  const seen = reported.get(onError) ?? new Set<string>();
  reported.set(onError, seen);
  const report: Report = (key, cause, then = '') => {
    if (seen.has(key)) return;
    seen.add(key);
    try {
      onError(new GridConfigError(`${key}: ${cause instanceof Error ? cause.message : String(cause)}${then}`, { cause }));
    } catch {
      // the page's handler failing must not stop discovery
    }
  };
  try {
    const found = new Map<Element, [cfg: GridConfig, label: string, listId: string | undefined, query: string | undefined]>();
    const all: [GridConfig, string][] = configs.map((c, i) => [c, `grids[${i}]`]);
    all.push([DEFAULT_CONFIG, 'data-reco-grid']);
    for (const [cfg, label] of all) {
      try {
        const matches = [...root.querySelectorAll(cfg.container)];
        if ((root as Element).matches?.(cfg.container)) matches.unshift(root as Element);
        for (const c of matches) {
          if (found.has(c)) continue;
          let listId: string | undefined;
          let query: string | undefined;
          let field = 'listId';
          try {
            listId = typeof cfg.listId === 'function' ? str(cfg.listId(c)) : cfg.listId;
            field = 'query';
            query = typeof cfg.query === 'function' ? str(cfg.query(c)) : (cfg.query ?? str(c.getAttribute('data-reco-query')));
          } catch (e) {
            report(`${label}.${field} threw`, e, '; that grid is left alone');
            continue;
          }
          found.set(c, [cfg, label, listId ?? (str(c.getAttribute('data-reco-grid')) || str(c.id)), query]);
        }
      } catch (e) {
        report(`${label}.container`, e, `; cannot use the selector "${cfg.container}"`);
      }
    }
    const containers = [...found.keys()].sort((a, b) => (a.compareDocumentPosition(b) & 4 ? -1 : 1));
    return containers.flatMap((container) => {
      const [cfg, label, listId, query] = found.get(container)!;
      try {
        // An item belongs to the grid nearest above it: a grid inside one of this grid's cards (variants) keeps its own.
        // An element inside one of the grid's items is part of that item (a card's microdata Product), not an item.
        const matched = new Set(withItems ? container.querySelectorAll(cfg.item) : []);
        const els = [...matched].filter((el) => {
          for (let p = el.parentElement; p && p !== container; p = p.parentElement) if (found.has(p) || matched.has(p)) return false;
          return true;
        });
        const items = els.map((el) => readItem(el, cfg, label, report));
        return [
          {
            listId: listId ?? '',
            container,
            items,
            trackOnly: container.hasAttribute('data-reco-track-only'),
            query: query ?? null,
          },
        ];
      } catch (e) {
        report(`${label}.item`, e, `; cannot use the selector "${cfg.item}"`);
        return [];
      }
    });
  } catch (e) {
    report('grid discovery failed', e);
    return [];
  }
}

function readItem(el: Element, cfg: GridConfig, label: string, report: Report): GridItem {
  const item: GridItem = { el, id: null, features: null, pinned: false };
  let field = 'id';
  try {
    const scope = el.matches('[itemscope]') ? el : (el.querySelector('[itemscope][itemtype*="Product"]') ?? el);
    const micro = (name: string) => microdata(scope, name);
    const id = str(readField(el, cfg.id)) ?? str(el.getAttribute('data-reco-id')) ?? micro('sku') ?? micro('productID');
    if (!id) return item;
    const features: MarkupFeatures = { id };
    for (const f of FIELDS) {
      field = f;
      const parse = f === 'price' ? priceText : str;
      const value = parse(readField(el, cfg[f])) ?? parse(el.getAttribute(`data-reco-${f}`)) ?? parse(micro(f === 'title' ? 'name' : f));
      if (value !== undefined) (features as Record<Field, unknown>)[f] = value;
    }
    field = 'available';
    const available = readField(el, cfg.available) ?? el.getAttribute('data-reco-available');
    if (available != null) features.available = !/^(false|0|no|out.?of.?stock|sold.?out)$/i.test(String(available).trim());
    // Where placements without a feed link to, and what they show.
    for (const [slot, attr, sel] of [
      ['url', 'href', 'a[href]'],
      ['image', 'src', 'img[src]'],
    ] as const) {
      const v = el.getAttribute(`data-reco-${slot}`) ?? (el.matches(sel) ? el : el.querySelector(sel))?.getAttribute(attr);
      if (v) features[slot] = new URL(v, el.baseURI).href;
    }
    field = 'pin';
    const pin = cfg.pin;
    const pinned =
      el.hasAttribute('data-reco-pin') || (typeof pin === 'function' ? !!pin(el) : !!pin && (el.matches(pin) || !!el.querySelector(pin)));
    return { el, id, features, pinned };
  } catch (e) {
    report(`${label}.${field} threw`, e, '; those items stay in place');
    // Pinned: reported here, it is not also an item without an id (see the personalizer).
    return { ...item, pinned: true };
  }
}

/**
 * A schema.org item's property as its microdata gives it (`content`, else the text), or a nested item's (a Brand) by
 * its name. Also read by json-ld.ts for a product the page describes outside its cards.
 * @param name the property (`name`, `sku`, `brand`, …; `price` also reads an AggregateOffer's `lowPrice`)
 */
export function microdata(scope: Element, name: string): string | undefined {
  const p = prop(scope, name);
  return text(p?.matches('[itemscope]') ? prop(p, 'name') : p);
}

/** A schema.org item's link property (`url`, `image`): its element's href or src, or a `<meta>`'s content. */
export function microdataLink(scope: Element, name: string): string | undefined {
  const p = prop(scope, name);
  return str(p?.getAttribute('href') ?? p?.getAttribute('src') ?? p?.getAttribute('content'));
}

/** A price as the page prints it: a number, or text with a digit in it (else the next source is read). */
const priceText = (v: unknown): string | number | undefined => (typeof v === 'number' ? v : /\d/.test(String(v)) ? str(v) : undefined);

function readField<T>(el: Element, reader: FieldReader<T> | undefined): unknown {
  // An item element of the page's markup: an HTMLElement but for an SVG or MathML item, whose reader gets it as it is.
  if (typeof reader === 'function') return reader(el as HTMLElement);
  return reader ? text(el.querySelector(reader)) : undefined;
}

/**
 * The first `itemprop` of `scope` that belongs to it, not to a nested item such as the brand, or an offer's
 * price (an Offer's `price`, else an AggregateOffer's `lowPrice`, as in JSON-LD).
 */
function prop(scope: Element, name: string): Element | null {
  const price = name === 'price';
  for (const p of scope.querySelectorAll(price ? '[itemprop~="price"],[itemprop~="lowPrice"]' : `[itemprop~="${name}"]`)) {
    const owner = p.parentElement?.closest('[itemscope]');
    if (price || !owner || owner === scope || !scope.contains(owner)) return p;
  }
  return null;
}

function text(el: Element | null): string | undefined {
  return el ? str(el.getAttribute('content') ?? el.textContent) : undefined;
}

/** Trimmed, whitespace collapsed; undefined when empty or not text. */
export function str(v: unknown): string | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  return String(v).replace(/\s+/g, ' ').trim() || undefined;
}

/**
 * Check the shop's `grids` option before anything runs.
 * @param configs the user's value (undefined means none)
 * @returns the configs, copied
 * @throws TypeError naming the field and what was expected, e.g. "grids[0].container: expected a CSS selector string"
 */
export function validateGridConfigs(configs: unknown): GridConfig[] {
  if (configs === undefined) return [];
  if (!Array.isArray(configs)) throw new TypeError('grids: expected an array of grid configs');
  return configs.map((c: unknown, i) => {
    const fail = (problem: string): never => {
      throw new TypeError(`grids[${i}]${problem}`);
    };
    if (!c || typeof c !== 'object') fail(': expected an object with container and item');
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.includes(k)) fail(`.${k}: unknown option (expected one of ${KEYS.join(', ')})`);
    // KEYS starts with container and item (required, selectors only); the others may be left out.
    KEYS.forEach((k, n) => {
      const v = o[k];
      if ((v === undefined && n > 1) || (typeof v === 'function' && n > 1) || (k === 'query' && typeof v === 'string')) return;
      if (typeof v !== 'string' || !v.trim()) {
        fail(`.${k}: expected ${k === 'listId' ? 'a list id' : 'a CSS selector'} string${n > 1 ? ' or a function' : ''}`);
      } else if (k !== 'listId') {
        try {
          document.createDocumentFragment().querySelector(v);
        } catch {
          fail(`.${k}: "${v}" is not a valid CSS selector`);
        }
      }
    });
    return { ...o } as unknown as GridConfig;
  });
}
