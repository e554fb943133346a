/**
 * recommend() and render(): placements computed in the worker, and for script-tag shops a container filled by
 * cloning the shop's own `<template>`. Text goes in through `textContent` only and links and images only as
 * http(s) URLs, so a hostile title stays text. Cards are tracked like any grid's items (list id = placement).
 */
import type { CatalogStatus } from '../shared/protocol.ts';
import type { Recommendation, RecommendRequest } from '../shared/placements.ts';
import type { ItemFeatures } from '../shared/types.ts';
import type { Tracker } from '../tracker/tracker.ts';
import type { EngineClient } from './engine-client.ts';
import type { ShopperHistory } from './history.ts';

/** `render()`'s options: a placement request, and how to show it. */
export interface RenderOptions extends RecommendRequest {
  /** The card template: a `<template>` element or its selector. Default: the first `<template>` inside the container. */
  template?: string | HTMLTemplateElement;
  /** Currency of the prices (ISO 4217, e.g. "EUR"): prices are formatted as money in the page's language. Default: a plain number with 2 decimals. */
  currency?: string;
  /** List id of the cards' impressions and clicks. Default: the placement's name. */
  listId?: string;
}

export interface PlacementsDeps {
  engine: EngineClient | null;
  history: ShopperHistory;
  tracker: Tracker | null;
  /** The model is ready (placements wait for init). */
  ready(): boolean;
  /** This page view is in the control group: placements are not personalized. */
  control: boolean;
  flush(): Promise<void>;
  onCatalog(status: CatalogStatus): void;
  onError(err: Error): void;
}

export interface PagePlacements {
  recommend(request: unknown): Promise<Recommendation[]>;
  render(container: unknown, options: unknown): Promise<Recommendation[]>;
  /** Items the page showed; without a feed they become the catalog (sent with the next call). */
  observe(items: readonly ItemFeatures[]): void;
}

const SLOT = 'data-reco-slot';
const CARD = 'data-reco-card';

/** The URL if it is http(s) (relative ones resolved against the page), else null: no `javascript:` link from a feed. */
function safeUrl(u: unknown): string | null {
  try {
    const url = new URL(String(u), document.baseURI);
    return /^https?:$/.test(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/** Fills one card's slots from an item; null clears them. */
function fill(card: HTMLElement, item: Recommendation | null, price: (n: number) => string): void {
  const slots = [card, ...card.querySelectorAll<HTMLElement>(`[${SLOT}]`)].filter((el) => el.hasAttribute(SLOT));
  for (const el of slots) {
    for (const slot of el.getAttribute(SLOT)!.split(/\s+/)) {
      if (slot === 'url' || slot === 'image') {
        const url = item && safeUrl(item[slot]);
        const attr = slot === 'url' ? 'href' : 'src';
        if (url) el.setAttribute(attr, url);
        else el.removeAttribute(attr);
      } else if (slot === 'reason') {
        el.textContent = item?.reason?.title ?? item?.reason?.itemId ?? '';
        el.hidden = !item?.reason;
      } else {
        const v = item?.[slot];
        el.textContent = v == null ? '' : slot === 'price' && typeof v === 'number' ? price(v) : String(v);
      }
    }
  }
  if (item) card.setAttribute('data-reco-id', item.id);
  else card.removeAttribute('data-reco-id');
  // A card without an item keeps its box (the space stays reserved, nothing below moves) but shows nothing.
  card.style.visibility = item ? '' : 'hidden';
  card.toggleAttribute('aria-hidden', !item);
}

/**
 * The cards of a render() container, `limit` of them, made at once from its template (hidden until their
 * items arrive), so that the container has its final size before the items are known. Cards made by an
 * earlier call are kept. Runs before init() too (see Reco.render).
 * @throws TypeError naming what is missing: the container, or a template with a card inside
 */
export function reserveCards(
  target: unknown,
  options: unknown,
): { cards: HTMLElement[]; opts: RenderOptions; price: (n: number) => string } {
  const container = typeof target === 'string' ? document.querySelector(target) : target;
  if (!(container instanceof HTMLElement))
    throw new TypeError(`render(container): expected an element or a selector that finds one, got ${JSON.stringify(target)}`);
  const opts = (options ?? {}) as RenderOptions;
  const t =
    typeof opts.template === 'string' ? document.querySelector(opts.template) : (opts.template ?? container.querySelector('template'));
  const card = t instanceof HTMLTemplateElement ? t.content.firstElementChild : null;
  if (!card) throw new TypeError('render(): expected a <template> with one card element inside the container, or options.template');
  const money = new Intl.NumberFormat(
    document.documentElement.lang || undefined,
    opts.currency ? { style: 'currency', currency: opts.currency } : { minimumFractionDigits: 2, maximumFractionDigits: 2 },
  );
  const cards = [...container.querySelectorAll<HTMLElement>(`:scope > [${CARD}]`)];
  while (cards.length < (opts.limit ?? 8)) {
    const c = card.cloneNode(true) as HTMLElement;
    c.setAttribute(CARD, '');
    fill(c, null, money.format);
    container.append(c);
    cards.push(c);
  }
  return { cards, opts, price: money.format };
}

export function createPlacements(o: PlacementsDeps): PagePlacements {
  const unsent = new Map<string, ItemFeatures>();

  async function recommend(request: unknown): Promise<Recommendation[]> {
    try {
      if (!o.engine || !o.ready()) return [];
      await o.flush();
      const { history } = await o.history.read();
      // The control group sees placements without personalization: for you in catalog order, nothing "because you viewed".
      const placement = (request as RecommendRequest | null)?.placement;
      const h = o.control && (placement === 'for-you' || placement === 'because-you-viewed') ? [] : history;
      const seen = [...unsent.values()];
      unsent.clear();
      // The worker checks the request (a TypeError naming the field).
      const { items, catalog } = await o.engine.recommend(h, request, seen);
      o.onCatalog(catalog);
      return items;
    } catch (err) {
      o.onError(err as Error);
      return [];
    }
  }

  async function render(target: unknown, options: unknown): Promise<Recommendation[]> {
    try {
      const { cards, opts, price } = reserveCards(target, options);
      const items = await recommend(opts);
      cards.forEach((c, k) => fill(c, items[k] ?? null, price));
      const listId = opts.listId ?? opts.placement;
      o.tracker?.observe(items.slice(0, cards.length).map((it, position) => ({ el: cards[position]!, id: it.id, listId, position })));
      return items;
    } catch (err) {
      o.onError(err as Error);
      return [];
    }
  }

  return {
    recommend,
    render,
    observe(items) {
      for (const it of items) unsent.set(it.id, it);
    },
  };
}
