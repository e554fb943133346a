/**
 * recommend() and render(): placements computed in the worker, and for script-tag shops a container's cards
 * (cards.ts made them) filled with the slot texts the worker wrote. Text goes in through `textContent` only and links
 * and images only as http(s) URLs, so a hostile title stays text. Cards are tracked like any grid's items (list id =
 * placement). Runs only once the engine is there, so reco.js loads it with the engine client (reco.engine.js).
 */
import type { Explanation, RecoStatus } from './api.ts';
import { CatalogError } from '../shared/errors.ts';
import type { CatalogStatus } from '../shared/protocol.ts';
import { isLimit, type Recommendation, type SlotOptions } from '../shared/placements.ts';
import type { ItemFeatures } from '../shared/types.ts';
import type { Tracker } from '../tracker/tracker.ts';
import type { EngineClient } from './engine-client.ts';
import type { ShopperHistory } from './history.ts';
import { showCard, type reserveCards } from './cards.ts';

export interface PlacementsDeps {
  engine: EngineClient | null;
  history: ShopperHistory;
  tracker: Tracker | null;
  /**
   * The instance's status, live: `ready` (placements wait for init), `control` (this page view is in the control
   * group: placements are not personalized); `catalog` is set here.
   */
  state: Pick<RecoStatus, 'ready' | 'control' | 'catalog'>;
  /** Personalization runs (explain() has reasons): not the control group, the engine is not down, forget() was not called. */
  active(): boolean;
  onError(err: Error): void;
  /** cards.ts's, from the page script (the chunk does not carry a second copy). */
  reserve: typeof reserveCards;
}

export interface PagePlacements {
  recommend(request: unknown): Promise<Recommendation[]>;
  /**
   * rank(items, { history }): scores for any shopper's history (the control group too: it is not this shopper's),
   * or null (the caller keeps the input order): not ready, no items, or a history the worker rejected (reported).
   */
  rankFor(items: ItemFeatures[], given: unknown): Promise<number[] | null>;
  /** Replaces the rules in the worker; false when they are invalid (reported, the old ones stay) or the same as those in force. */
  setRules(rules: unknown): Promise<boolean>;
  render(container: unknown, options: unknown): Promise<Recommendation[]>;
  /** Items the page showed; without a feed they become the catalog (sent with the next call). */
  observe(items: readonly ItemFeatures[]): void;
  /** RecoInstance.explain: no reasons when personalization is off; an id that is not a non-empty string is reported. */
  explain(itemId: unknown): Promise<Explanation>;
}

const SLOT = 'data-reco-slot';

/**
 * Fills one card's slots with an item's slot texts (computed in the worker: src/worker/slots.ts); null clears
 * them. Text through `textContent` only; `url` and `image` (http(s) only) as `href` and `src`.
 */
function fill(card: HTMLElement, slots: Record<string, string> | null): void {
  const els = [card, ...card.querySelectorAll<HTMLElement>(`[${SLOT}]`)].filter((el) => el.hasAttribute(SLOT));
  for (const el of els) {
    for (const slot of el.getAttribute(SLOT)!.split(/\s+/)) {
      const v = slots?.[slot];
      if (slot === 'url' || slot === 'image') {
        const attr = slot === 'url' ? 'href' : 'src';
        if (v) el.setAttribute(attr, v);
        else el.removeAttribute(attr);
      } else {
        el.textContent = v ?? '';
        if (slot === 'reason') el.hidden = !v;
      }
    }
  }
  if (slots) card.setAttribute('data-reco-id', slots['id']!);
  else card.removeAttribute('data-reco-id');
  showCard(card, !!slots);
}

export function createPlacements(o: PlacementsDeps): PagePlacements {
  const unsent = new Map<string, ItemFeatures>();
  // With a feed, status().catalog says how it loaded (or why it could not be used) before any placement asked: from
  // the engine's ready status when the feed came first (so init() resolves with it), else once it settles. A
  // placement's newer answer is not replaced.
  let feedReported = false;
  /** A feed that could not be used is reported once (on('error'), lastError, one console line), one served from its stored copy
   * because the server failed is warned of once; by whichever status came first. */
  const reportFeed = (c: CatalogStatus | null | undefined) => {
    if (!(c?.error || c?.stale) || feedReported) return;
    feedReported = true;
    if (c.error) o.onError(new CatalogError(c.error));
    else console.warn(`[reco] ${c.stale}`); // placements still work: a warning, not an error
  };
  const settled = (c: CatalogStatus | null | undefined) => {
    if (!c || o.state.catalog) return;
    o.state.catalog = c;
    reportFeed(c);
  };
  void (async () => {
    const engine = o.engine;
    if (!engine) return;
    const ready = await engine.status();
    settled(ready.catalog);
    if (!ready.catalog) settled(await engine.catalog());
  })().catch(() => {});

  /** The placement, and with `show` (render) each item's slot texts. */
  async function recommend(request: unknown, show?: SlotOptions): Promise<{ items: Recommendation[]; slots?: Record<string, string>[] }> {
    try {
      if (!o.engine || !o.state.ready) return { items: [] };
      // The worker assembles the history (the page sends what it has not written yet).
      const req = await o.history.request();
      const seen = [...unsent.values()];
      unsent.clear();
      // The worker checks the request (a TypeError naming the field).
      const { catalog, ...got } = await o.engine.recommend(request, { ...req, seen, control: o.state.control, ...(show && { show }) });
      o.state.catalog = catalog;
      reportFeed(catalog);
      return got;
    } catch (err) {
      o.onError(err as Error);
      return { items: [] };
    }
  }

  /** Per container: the request its cards show, and its newest render() call (what it resolves with). */
  const showing = new WeakMap<Node, string>();
  const newest = new WeakMap<Node, Promise<Recommendation[]>>();

  async function render(target: unknown, options: unknown): Promise<Recommendation[]> {
    let answer: (items: Recommendation[] | Promise<Recommendation[]>) => void = () => {};
    try {
      const { cards, opts } = o.reserve(target, options);
      const { placement, itemId, limit = 8, filter, currency, imageOrigins, listId = placement } = opts;
      if (typeof listId !== 'string' || !listId.trim())
        throw new TypeError(`render(): listId expected a non-empty string, got ${JSON.stringify(listId)}`);
      const container = cards[0]?.parentElement ?? document;
      // Another request (the next product's similar items): its cards go blank at once, keeping their space, rather
      // than show the previous product's items until the new ones arrive. The same request keeps them meanwhile.
      const request = JSON.stringify([placement, itemId, filter]);
      if (showing.get(container) !== request) {
        cards.forEach((c) => fill(c, null));
        o.tracker?.unobserve(cards);
      }
      const call = new Promise<Recommendation[]>((resolve) => (answer = resolve));
      newest.set(container, call);
      // The request's own fields only (a template element cannot go to the worker); the slots' text comes back ready.
      const show = { base: document.baseURI, lang: document.documentElement.lang, ...(currency && { currency }), imageOrigins };
      const { items, slots = [] } = await recommend({ placement, itemId, limit, filter }, show);
      // A later render() of this container fills it: an earlier call's answer never replaces a newer one's, and it
      // resolves with what the container shows, the newer call's items (the shop hides or shows the section by them).
      const newer = newest.get(container)!;
      if (newer !== call) {
        answer(newer);
        return await newer;
      }
      showing.set(container, request);
      // A smaller limit than an earlier call's (a narrower layout): the cards beyond it go.
      for (const extra of isLimit(limit) ? cards.splice(limit) : []) {
        o.tracker?.unobserve([extra]);
        extra.remove();
      }
      cards.forEach((c, k) => fill(c, slots[k] ?? null));
      o.tracker?.observe(items.slice(0, cards.length).map((it, position) => ({ el: cards[position]!, id: it.id, listId, position })));
      // The cards left empty show nothing: what they showed before is no impression now.
      o.tracker?.unobserve(cards.slice(items.length));
      answer(items);
      return items;
    } catch (err) {
      o.onError(err as Error);
      answer([]);
      return [];
    }
  }

  /** Reported, and `none` returned, when `p` fails. */
  const reported = <T>(p: Promise<T>, none: T): Promise<T> => p.catch((err: Error) => (o.onError(err), none));

  return {
    recommend: async (request) => (await recommend(request)).items,
    // The worker checks the entries (naming the one at fault) and looks up the features of ids.
    rankFor: async (items, given) => (o.engine && o.state.ready && items.length ? reported(o.engine.rankFor(given, items), null) : null),
    // True when the rules in force changed: the grids are arranged again by them.
    setRules: async (rules) => !!o.engine && reported(o.engine.setRules(rules), false),
    render,
    observe(items) {
      for (const it of items) unsent.set(it.id, it);
    },
    async explain(itemId) {
      const none: Explanation = { itemId: itemId as string, because: [] };
      if (typeof itemId !== 'string' || !itemId) {
        o.onError(new TypeError(`explain(itemId): expected a non-empty string, got ${JSON.stringify(itemId)}`));
        return none;
      }
      if (!o.engine || !o.active()) return none;
      // The worker picks and titles the reasons (reasons() in src/shared/protocol.ts).
      const ask = async (engine: EngineClient): Promise<Explanation> => ({
        itemId,
        because: await engine.explain(o.history.seen(itemId) ?? { id: itemId }, await o.history.request()),
      });
      return reported(ask(o.engine), none);
    },
  };
}
