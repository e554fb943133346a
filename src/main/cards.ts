/**
 * render()'s first step, on the page at once (also before init(), and before reco.engine.js has arrived): the
 * container gets its `limit` cards, cloned from the shop's `<template>` and hidden until their items arrive, so that it
 * has its final size from the start and nothing below it moves. Filling them is placements.ts's, loaded with the
 * engine client.
 */
import { isLimit, type RecommendRequest } from '../shared/placements.ts';

/** `render()`'s options: a placement request, and how to show it. */
export interface RenderOptions extends RecommendRequest {
  /** The card template: a `<template>` element or its selector. Default: the first `<template>` inside the container. */
  template?: string | HTMLTemplateElement;
  /**
   * Currency of the prices (ISO 4217, e.g. "EUR"): prices are formatted as money in the page's language. A price the
   * feed gives in a currency of its own is shown in that one. Default: a plain number with 2 decimals.
   */
  currency?: string;
  /** List id of the cards' impressions and clicks. Default: the placement's name. */
  listId?: string;
  /**
   * Origins the cards' images may load from besides the page's own and the feed's, e.g. `['https://cdn.example.com']`.
   * An image URL of any other origin is left out: a feed's image never has the shopper's browser contact a third party.
   */
  imageOrigins?: string[];
}

export const CARD = 'data-reco-card';

/** Shows a card, or hides one without an item: it keeps its box (the space stays reserved) but shows nothing. */
export function showCard(card: HTMLElement, shown: boolean): void {
  card.style.visibility = shown ? '' : 'hidden';
  card.toggleAttribute('aria-hidden', !shown);
}

/**
 * The cards of a render() container, `limit` of them, made at once from its template (hidden until their
 * items arrive), so that the container has its final size before the items are known. Cards made by an
 * earlier call are kept. Runs before init() too (see Reco.render).
 * @throws TypeError naming what is missing: the container, or a template with a card inside
 */
export function reserveCards(target: unknown, options: unknown): { cards: HTMLElement[]; opts: RenderOptions } {
  const container = typeof target === 'string' ? document.querySelector(target) : target;
  if (!(container instanceof HTMLElement))
    throw new TypeError(`render(container): expected an element or a selector that finds one, got ${JSON.stringify(target)}`);
  const opts = (options ?? {}) as RenderOptions;
  const t =
    typeof opts.template === 'string' ? document.querySelector(opts.template) : (opts.template ?? container.querySelector('template'));
  const card = t instanceof HTMLTemplateElement ? t.content.firstElementChild : null;
  if (!card) throw new TypeError('render(): expected a <template> with one card element inside the container, or options.template');
  const cards = [...container.querySelectorAll<HTMLElement>(`:scope > [${CARD}]`)];
  // As many as the request may show: a limit out of range (reported by the request's check, naming it) reserves none.
  const limit = opts.limit ?? 8;
  while (cards.length < (isLimit(limit) ? limit : 0)) {
    const c = card.cloneNode(true) as HTMLElement;
    c.setAttribute(CARD, '');
    c.style.visibility = 'hidden';
    c.setAttribute('aria-hidden', '');
    container.append(c);
    cards.push(c);
  }
  return { cards, opts };
}
