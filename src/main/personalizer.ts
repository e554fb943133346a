/**
 * The page's grids, personalized: finds them (now, and as the page changes), has them ranked, re-orders
 * them, and hands their items to the tracker. Against visible jumps (see grid/antiflicker.ts): a grid the
 * shopper may be looking at when its ranking arrives waits until it is out of sight or the tab is hidden.
 *
 * Single-page apps and frameworks: one MutationObserver maps each change to the grid it touches (a change
 * outside every grid costs a `closest()` and a `matches()`), and grids are ranked at most once per animation
 * frame. A grid the page fills or re-renders is handled before the page paints: when Reco has scores for
 * all its items (a re-render that put the shop's order back) it is re-ordered at once; otherwise what the
 * shopper has not seen yet (a grid that was empty, new items) is hidden until ranked. A page that keeps
 * putting its own order back (a framework that owns the list) wins after a few rounds, with one message.
 */
import { stopWatching, watchInsertions } from './grid/unpainted.ts';
import type { TrackedItem, Tracker } from '../tracker/tracker.ts';
import type { RankedEvent } from './api.ts';
import { hiddenByStyle, type AntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids, MARKUP_ITEM, type Grid, type GridItem, type MarkupFeatures } from './grid/discover.ts';
import type { keepPageOrder, reorderGrid } from './grid/reorder.ts';
import type { ResolvedOptions } from './options.ts';
import type { GridSize } from './ranker.ts';

/** The options the personalizer reads: `autoPersonalize` off means only personalize() re-orders, grids are only tracked. */
export type PersonalizerOptions = Pick<ResolvedOptions, 'grids' | 'autoPersonalize' | 'animate' | 'antiFlickerMs'>;

export interface PersonalizerDeps {
  /** The instance's guard: grids found at the start are held in it until ranked (or for antiFlickerMs at most). */
  antiFlicker: AntiFlicker;
  /** Grids are re-ordered: there is an engine and this page view is not in the control group (false: only tracked). */
  active: boolean;
  /**
   * The items' new order (indices; rules applied), or null when the grid keeps its order (personalization off
   * or failed, nothing to change).
   * @param search the grid holds search results, in the shop's relevance order
   * @param fresh the grid's first arrangement (a grid the page rendered anew): on a return by Back, the order it was left in
   * @param grid the grid's list id, and how many of its items have no id (those stay in place)
   */
  arrange(items: MarkupFeatures[], search: boolean, fresh: boolean, grid: GridSize): Promise<number[] | null>;
  /** Records impressions and clicks of the grids' items; null when nothing is recorded (consent denied). */
  tracker: Tracker | null;
  /** Keeps the features of the items shown. */
  remember(features: MarkupFeatures[]): void;
  /**
   * A ranking could move the grid: the shopper has a history, the shop's rules or feed may say more (e.g. an item out of
   * stock goes last), or one of its items says it is out of stock. False on a first visit without those: the grid is
   * not hidden for nothing.
   */
  mayMove(grid: Grid): boolean;
  /**
   * What moves grids (grid/reorder.ts) once reco.engine.js has loaded, else null. Grids move only by the engine's
   * answers, which come through the engine client of that module: by then it is there, and the page script does
   * not carry the code that moves them, nor what it says when a page keeps undoing the order.
   */
  moves(): GridMoves | null;
  onRanked(event: RankedEvent): void;
  onError(err: Error): void;
}

/** What moves a grid's items, and what is said when the page keeps putting its own order back (grid/reorder.ts). */
export interface GridMoves {
  reorderGrid: typeof reorderGrid;
  keepPageOrder: typeof keepPageOrder;
}

/** What {@link createPersonalizer} returns. */
export interface Personalizer {
  /**
   * Re-orders the grids under `root`: with `now` (the page's personalize() call) all of them, those in view
   * too (animated); without, those that changed or were never ranked.
   */
  personalize(root: ParentNode, now?: boolean): Promise<void>;
  /**
   * Follows a shadow root (a web component's grids) from now on as the document is followed: its grids are tracked, and
   * with `autoPersonalize` those found now are held and ranked as grids the page adds are, and so are its later
   * renders. Resolves once those grids are ranked; null when the root was followed already or nothing is ranked.
   */
  follow(root: ShadowRoot): Promise<void> | null;
  /** Milliseconds of the last ranking of a grid, worker round trip included; null before the first. */
  lastRankMs(): number | null;
  /** Resolves once the grids found at the start are ranked (or keep their order). */
  firstRankings(): Promise<void>;
  /**
   * The shopper's history changed (a product viewed, an add to cart): the grids ranked before it that the shopper has
   * not seen (out of view now, no impression) are ranked again with it.
   */
  historyChanged(): void;
  destroy(): void;
}

/** A grid's items with an id, as the tracker watches them, at their current positions. */
export const trackedItems = (listId: string, items: readonly GridItem[]): TrackedItem[] =>
  items.flatMap((it, position) => (it.id ? [{ el: it.el, id: it.id, listId, position }] : []));

/** A page that puts its own order back this many times in a row, each within FIGHT_MS of Reco's, keeps its order. */
const MAX_RESTORES = 3;
const FIGHT_MS = 1000;
/** The markup contract's grid selector (configs add theirs; its items: MARKUP_ITEM). */
const GRID = '[data-reco-grid]';
/** A grid found with no item is looked at again this long after (ms): by then a page has rendered its cards. */
const UNMARKED_AFTER_MS = 5000;
/**
 * A paint this recent (ms) when init() runs before the page has loaded is no sign that the shopper has looked at the
 * grids: a synchronous tag placed after them (reco.js at the end of the body) let the browser paint what it had parsed
 * while the script loaded, and a bundled app's module script runs once the document is parsed, often a frame or two
 * after its first paint. Those grids are held as if it had not painted; before, they kept the shop's order until out
 * of sight, on some page loads and not others (and Chromium, whose paint entries come a frame or more after the paint,
 * held a module script's grids where Firefox and WebKit did not). An older paint, or one before a late init() (an
 * async script after the page loaded, a consent banner), means the shopper may be looking: those grids are not hidden
 * (they would blink), unless the page hides them itself (see STARTED).
 */
const JUST_PAINTED_MS = 200;
/**
 * Set on the document's root element once init() has found the page's grids and held those a ranking may move. A page
 * whose init() comes after its first paint (a bundled app, an async script) can hide its grids with its own CSS until
 * then, bounded by a CSS animation so that they show even if Reco never runs (the README's recipe):
 *   html:not([data-reco-started]) [data-reco-grid] { animation: reco-wait 0.4s; }
 *   @keyframes reco-wait { from, to { clip-path: inset(50%); } }
 * (clipped away, as Reco holds a grid: it keeps keyboard focus; `visibility: hidden` is read as hidden too.) A grid the page hides when init() runs has not been seen: it is held and ranked, as before a first paint.
 */
export const STARTED = 'data-reco-started';

interface GridState {
  listId: string;
  /** Item ids ('' without an id) in the order Reco last left them, or as first found. */
  order: string[];
  /**
   * Item ids in the page's own order, as it last rendered them (Reco's moves leave it): what a ranking is asked in,
   * so that a search grid's relevance order is blended, not Reco's previous blend.
   */
  shop: string[];
  /** The ranking in flight, settled once it is applied (or the grid keeps its order); null when none is. */
  ranking: Promise<void> | null;
  /** The grid changed while it was being ranked: rank it again after. */
  again: boolean;
  /** Scores that arrived while the grid was in view, applied once it is out of sight. */
  deferred: Map<string, number> | null;
  lastReorderAt: number;
  restores: number;
  givenUp: boolean;
  /** Asked to be arranged before: a later arrangement is never the order a Back returns to (the grid stayed in the page). */
  arranged?: boolean;
}

const idsOf = (items: readonly GridItem[]) => items.map((i) => i.id ?? '');
const same = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
/** `a` is `b` turned round: its last items moved to the front, or its first ones to the end. */
const rotated = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && `\n${[...b, ...b].join('\n')}\n`.includes(`\n${a.join('\n')}\n`);

/** Starts tracking the grids on the page now and, with `autoPersonalize`, ranking them and watching the page. */
export function createPersonalizer(opts: PersonalizerOptions, o: PersonalizerDeps): Personalizer {
  const { antiFlicker } = o;
  // Weak: a grid a single-page app removes goes with its state.
  const states = new WeakMap<Element, GridState>();
  /**
   * Each item's place in its grid's latest arrangement (as a score), by list id and item id: a re-rendered grid whose
   * items all have one is re-ordered at once. Per list: another grid's arrangement (rules applied) says nothing of this one.
   */
  const known = new Map<string, number>();
  /** Grids to rank; one the HTML parser is still inside of (its cards still streaming in) stays until it has passed it. */
  const dirty = new Set<Element>();
  const deferred = new Set<Element>();
  const auto = opts.autoPersonalize && o.active;
  const CONTAINERS = [GRID, ...opts.grids.map((g) => g.container)].join(',');
  const ITEMS = [MARKUP_ITEM, ...opts.grids.map((g) => g.item)].join(',');
  let lastRankMs: number | null = null;
  let destroyed = false;
  /** Where grids are looked for and watched: the document, and the shadow roots the page handed to personalize(). */
  const roots = new Set<ParentNode>([document]);
  /** The document and the shadow roots whose component is still in it: one that left is let go (a single-page app's routes). */
  const live = (): ParentNode[] => {
    for (const r of roots) if (r !== document && !(r as ShadowRoot).host.isConnected) roots.delete(r);
    return [...roots];
  };
  // data-reco-available: an item the page marks sold out after init() goes last, and placements leave it out.
  const WATCH: MutationObserverInit = {
    childList: true,
    subtree: true,
    attributes: true,
    attributeFilter: ['data-reco-id', 'data-reco-available'],
  };
  let queued = false;
  /** historyChanged() has a look at the grids queued for the end of this task. */
  let historyChecked = false;

  /** Starts or refreshes tracking of a grid's items with an id, at their current positions. */
  const track = (listId: string, items: readonly GridItem[]) => o.tracker?.observe(trackedItems(listId, items));

  // One callback (onError) for every discovery, so discoverGrids reports a broken grid config once, not on every scan.
  const find = (root: ParentNode): Grid[] => discoverGrids(root, opts.grids, o.onError);
  const findOne = (container: Element): Grid | undefined => find(container).find((g) => g.container === container);
  const movableOf = (grid: Grid) => grid.items.filter((i) => i.id && !i.pinned);

  const register = (grid: Grid): GridState => {
    let st = states.get(grid.container);
    if (!st) {
      st = {
        // A grid without a name is numbered by its place among the page's grids when first found (as GA4's
        // item_list_id it must stay the same for the page view: a later discovery searches from the grid alone).
        listId:
          grid.listId ||
          `grid-${live()
            .flatMap((r) => [...r.querySelectorAll(CONTAINERS)])
            .indexOf(grid.container)}`,
        order: idsOf(grid.items),
        shop: idsOf(grid.items),
        ranking: null,
        again: false,
        deferred: null,
        lastReorderAt: 0,
        restores: 0,
        givenUp: false,
      };
      states.set(grid.container, st);
      // No item in it: a grid still being rendered (skeleton cards), one that shows a message (no results), or cards that
      // lack data-reco-id (markup to fix). Looked at again once the page had time to render it; still without an item, the
      // ranker tells which (unmarkedCards).
      if (!grid.items.length) {
        const { container } = grid;
        setTimeout(() => {
          if (!destroyed && container.isConnected && !findOne(container)?.items.length)
            void o.arrange([], false, false, { listId: st!.listId, withoutId: 0, unmarked: container });
        }, UNMARKED_AFTER_MS);
      }
    }
    o.remember(grid.items.map((i) => i.features).filter((f): f is MarkupFeatures => !!f));
    track(st.listId, grid.items);
    return st;
  };

  /**
   * Re-orders a grid by `scores`: all of it when the shopper cannot see it (held, off-screen, hidden tab), when
   * the page asked ('now', animated) or when the page has just rendered it and not painted yet ('unpainted');
   * in view, only among the items not shown yet (held); otherwise once it is out of sight.
   */
  const apply = (grid: Grid, scores: ReadonlyMap<string, number>, ms: number, mode: 'auto' | 'now' | 'unpainted'): void => {
    const reorderGrid = o.moves()?.reorderGrid;
    // The page may have made the grid its own (data-reco-track-only) since its ranking was asked for.
    if (!reorderGrid || grid.trackOnly) return;
    const { container } = grid;
    const st = register(grid);
    let target = grid;
    if (mode === 'auto' && !antiFlicker.shouldReorder(container)) {
      // The whole grid moves once it is out of sight; meanwhile what the shopper has seen stays put, and only the new,
      // still hidden items move among their own places.
      st.deferred = new Map(scores);
      deferred.add(container);
      offscreen.observe(container);
      if (!grid.items.some((i) => antiFlicker.isHeld(i.el))) return;
      target = { ...grid, items: grid.items.map((i) => (antiFlicker.isHeld(i.el) ? i : { ...i, pinned: true })) };
    } else {
      st.deferred = null;
      deferred.delete(container);
      offscreen.unobserve(container);
    }
    // The page's own pending changes are handled after the move; Reco's own moves are not changes to handle.
    const pending = observer.takeRecords();
    // Only a move the shopper can see is animated: nothing held, painted before.
    const animate = opts.animate && mode === 'now' && !antiFlicker.isHeld(container);
    const moved = reorderGrid(target, scores, { animate });
    observer.takeRecords();
    const order = idsOf(moved);
    // Only a move counts for telling a page that puts its own order back (see changed()).
    if (!same(order, st.order)) st.lastReorderAt = performance.now();
    st.order = order;
    lastRankMs = ms;
    track(st.listId, moved);
    o.onRanked({ listId: st.listId, ms, order: st.order });
    if (pending.length) handle(pending);
  };

  /** Ranks a grid in the worker and applies the scores to the grid as it is when they arrive. */
  const rank = async (container: Element, now = false): Promise<void> => {
    const st = states.get(container);
    if (!st || destroyed) return;
    if (st.ranking) {
      // The page's personalize() while a ranking is in flight (it came right after init() resolved): that ranking
      // applies as Reco's own (in view, it waits until the grid is out of sight), so the page's one follows it.
      if (now) return st.ranking.then(() => rank(container, true));
      st.again = true;
      return;
    }
    let done!: () => void;
    st.ranking = new Promise((r) => (done = r));
    let grid = findOne(container);
    try {
      if (!grid) return;
      register(grid);
      // A grid the page orders itself (data-reco-track-only, e.g. React with rank()) is tracked, never moved or hidden.
      if (grid.trackOnly) return;
      // In the page's own order, not the order Reco left: a search grid's relevance order is what its ranking blends.
      const place = new Map(st.shop.map((id, k) => [id, k]));
      const movable = movableOf(grid).sort((a, b) => (place.get(a.id!) ?? Infinity) - (place.get(b.id!) ?? Infinity));
      const t0 = performance.now();
      const fresh = !st.arranged;
      st.arranged = true;
      const withoutId = grid.items.filter((i) => !i.id && !i.pinned).length;
      // A grid of items without ids is asked about too: the ranker reports it (an empty one is still being rendered).
      const order =
        movable.length || withoutId
          ? await o.arrange(
              movable.map((i) => i.features ?? { id: i.id! }),
              grid.query !== null,
              fresh,
              { listId: st.listId, withoutId },
            )
          : null;
      if (!order || destroyed || !container.isConnected) return;
      // reorderGrid moves by score: the k-th of the new order gets the k-th highest (-k).
      const byId = new Map(order.map((i, k) => [movable[i]!.id!, -k]));
      byId.forEach((s, id) => known.set(st.listId + ' ' + id, s));
      // The page may have changed the grid meanwhile: the scores apply to it as it is now.
      grid = findOne(container);
      if (grid) apply(grid, byId, +(performance.now() - t0).toFixed(1), now ? 'now' : 'auto');
    } catch (err) {
      o.onError(err as Error);
    } finally {
      st.ranking = null;
      done();
      // A newer ranking of this grid was asked for meanwhile (the page went on rendering it): what is held stays
      // held for that one (the hold's own timeout still bounds it), so the page's later items are not shown unranked.
      if (st.again) {
        st.again = false;
        schedule(container);
      } else {
        antiFlicker.release(container);
        for (const i of grid?.items ?? []) if (antiFlicker.isHeld(i.el)) antiFlicker.release(i.el);
      }
    }
  };

  /**
   * Ranks the grid as soon as the DOM changes reported together are handled, not on the next animation frame: a
   * page's first frames can come half a second late (a busy GPU process, the shop's own first rendering), and a grid
   * held meanwhile would be shown in the shop's order before its ranking was even asked for. The worker ranks while
   * the page's thread goes on; a grid the page goes on filling is ranked again (see rank()).
   */
  const schedule = (container: Element): void => {
    dirty.add(container);
    if (queued || destroyed) return;
    queued = true;
    queueMicrotask(() => {
      queued = false;
      for (const c of dirty) {
        if (parsing(c)) continue;
        dirty.delete(c);
        if (c.isConnected) void rank(c);
      }
    });
  };

  /**
   * The parser has not passed `el` yet: nothing after it is in the document. Ranked on its first cards, a grid
   * would be ranked again for the rest only once that ranking is back, and under a slow CPU that came after the
   * hold: the shopper saw an order made for the first few cards.
   */
  const parsing = (el: Node | null): boolean => {
    if (document.readyState !== 'loading') return false;
    for (; el; el = el.parentNode) if (el.nextSibling) return false;
    return true;
  };

  /** A grid the page added, filled or re-rendered. Runs in the MutationObserver callback: before the page paints. */
  const changed = (container: Element): void => {
    const grid = findOne(container);
    if (!grid) return;
    const known0 = states.get(container);
    const wasEmpty = !known0 || known0.order.length === 0;
    const st = register(grid);
    // Emptied, then filled again (a router that renders each route into the same element): rendered anew, so its next
    // arrangement is a first one, which on a return by Back is the order the shopper left it in.
    if (known0 && wasEmpty && grid.items.length) st.arranged = false;
    if (!auto || st.givenUp || grid.trackOnly) return;
    const ids = idsOf(grid.items);
    if (same(ids, st.order) && known0) return; // Reco's own moves, or nothing that changes the order
    // The page put back the order it had rendered (a re-render), rather than a new one (items added or removed, a new sort).
    const restored = same(ids, st.shop);
    st.shop = ids;
    const movable = movableOf(grid);
    if (!movable.length) {
      st.order = ids;
      // Items, none of which can move (no id): asked about all the same, so that the ranker says where ids come from.
      if (grid.items.length) schedule(container);
      return;
    }
    // Every item has a score (a re-render of items ranked before): re-order now, before the shopper sees the page's
    // order. Not search results in a new relevance order: their ranking blends that order, so they are ranked anew.
    if (movable.every((i) => known.has(st.listId + ' ' + i.id)) && (restored || grid.query === null)) {
      // The page turned the cards round, the last ones first or the first ones last, as a carousel in loop mode (Swiper's)
      // moves its slides while the shopper turns it: put back, it would stick. The page arranges it from now on, its
      // ranking in wait included; moved by Reco or not (a first visit, a ranking waiting until out of sight).
      if (!restored && rotated(ids, st.order)) {
        st.order = ids;
        st.givenUp = true;
        st.deferred = null;
        deferred.delete(container);
        offscreen.unobserve(container);
        return;
      }
      if (restored && known0 && performance.now() - st.lastReorderAt < FIGHT_MS) st.restores++;
      else st.restores = 0;
      if (st.restores >= MAX_RESTORES) {
        st.givenUp = true;
        // Reco re-ordered this grid just before (lastReorderAt), so what moves grids is loaded.
        o.moves()?.keepPageOrder(st.listId, MAX_RESTORES);
        return;
      }
      apply(grid, new Map(movable.map((i) => [i.id!, known.get(st.listId + ' ' + i.id)!])), 0, 'unpainted');
      return;
    }
    // Hide what the shopper has not seen (the whole grid if it was empty, else the new items) until it is ranked; not
    // where no ranking could move it (a first visit).
    if (o.mayMove(grid)) {
      if (wasEmpty) antiFlicker.hold(container, true);
      else {
        const before = new Set(st.order);
        for (const i of grid.items) if (i.id && !before.has(i.id)) antiFlicker.hold(i.el);
      }
    }
    st.order = ids;
    schedule(container);
  };

  /** The grids a batch of DOM changes touches: their container's own child lists, or added nodes that are or hold grids. */
  const handle = (records: MutationRecord[]): void => {
    const touched = new Set<Element>();
    const restocked = new Set<Element>();
    for (const c of dirty) schedule(c);
    try {
      for (const r of records) {
        const grid = (r.target as Element).closest?.(CONTAINERS);
        // Items added or removed (a change of the grid's own children: an item selector with `:scope` matches only
        // from the grid), or a card the page reuses for another item (a list without keys, the next page of results).
        if (grid && (r.type === 'attributes' || r.target === grid || [...r.removedNodes].some(holdsItems) || addsItems(grid, r.addedNodes)))
          touched.add(grid);
        if (grid && r.attributeName === 'data-reco-available') restocked.add(grid);
        for (const n of r.addedNodes) {
          if (n.nodeType !== 1) continue;
          const el = n as Element;
          if (el.matches(CONTAINERS)) touched.add(el);
          if (el.firstElementChild) for (const c of el.querySelectorAll(CONTAINERS)) touched.add(c);
        }
      }
      for (const c of touched) if (c.isConnected) changed(c);
      // The same items, in stock or not: ranked again (in view, once out of sight, as any ranking of a grid seen).
      for (const c of restocked) if (c.isConnected && auto && states.get(c)?.arranged) schedule(c);
    } catch (err) {
      o.onError(err as Error);
    }
  };
  const holdsItems = (n: Node): boolean => n.nodeType === 1 && ((n as Element).matches(ITEMS) || !!(n as Element).querySelector(ITEMS));
  /** An item selector with `:scope` matches only from its grid: an added node is then looked for among the grid's items. */
  const SCOPED = ITEMS.includes(':scope');
  const addsItems = (grid: Element, added: NodeList): boolean => {
    const nodes = [...added];
    if (nodes.some(holdsItems)) return true;
    const elements = nodes.filter((n) => n.nodeType === 1);
    return SCOPED && elements.length > 0 && [...grid.querySelectorAll(ITEMS)].some((item) => elements.some((n) => n.contains(item)));
  };

  // A card the page reuses for another product changes no attribute Reco watches when the `grids` option reads its id:
  // its grid is read again as it is clicked, before the tracker (listening on the document) records the click.
  const DESCRIBED = opts.grids.map((g) => g.container).join(',');
  const onClick = (ev: Event): void => {
    try {
      // The clicked element itself: a click in a shadow root reaches the window retargeted to the root's host.
      const container = DESCRIBED ? (ev.composedPath()[0] as Element).closest?.(DESCRIBED) : null;
      const grid = container && findOne(container);
      if (grid) register(grid);
    } catch (err) {
      o.onError(err as Error);
    }
  };
  const listen = (method: 'addEventListener' | 'removeEventListener') => {
    for (const type of ['click', 'auxclick']) window[method](type, onClick, true);
  };
  listen('addEventListener');

  // Also without autoPersonalize: grids and items the page adds later are tracked.
  const observer = new MutationObserver(handle);

  // Called when a deferred grid leaves or enters the viewport, and when the tab is hidden or shown.
  const onVisibility = () => {
    for (const container of deferred) {
      if (!container.isConnected) {
        deferred.delete(container);
        offscreen.unobserve(container);
        continue;
      }
      const st = states.get(container);
      const grid = findOne(container);
      if (!st?.deferred || !grid || !antiFlicker.shouldReorder(container)) continue;
      deferred.delete(container);
      offscreen.unobserve(container);
      apply(grid, st.deferred, lastRankMs ?? 0, 'auto');
    }
  };
  const offscreen = new IntersectionObserver(onVisibility);
  document.addEventListener('DOMContentLoaded', () => handle([]));
  document.addEventListener('visibilitychange', onVisibility);

  // Impressions and clicks count from the start; grids found now are ranked now (the worker answers when it can),
  // and held until then, unless the page has painted them already (init() from an async script, or after a consent
  // banner; see JUST_PAINTED_MS) and does not hide them itself: hiding what the shopper sees would make it blink, so
  // its ranking waits until it is out of sight.
  const start = (root: ParentNode, painted: boolean, unpainted: (el: Element) => boolean = () => false) =>
    find(root).map((grid) => {
      // Not drawn yet: the grid, or all its cards (a route that keeps the grid's element and renders new cards in it).
      const fresh = unpainted(grid.container) || (grid.items.length > 0 && grid.items.every((i) => unpainted(i.el)));
      const hold = !painted || hiddenByPage(grid.container) || fresh;
      // Held now if a ranking may move it, else looked at again once the script that called init() has run: a product
      // page's view_item right after it is a history.
      const holdIfMovable = (): boolean => {
        if (!o.mayMove(grid)) return false;
        antiFlicker.hold(grid.container);
        return true;
      };
      if (auto && opts.antiFlickerMs > 0 && !grid.trackOnly && hold && !holdIfMovable()) queueMicrotask(holdIfMovable);
      register(grid);
      return auto ? rank(grid.container) : Promise.resolve();
    });
  /** The page hides the grid itself (STARTED's CSS until init(), a closed panel): the shopper has not seen it. */
  const hiddenByPage = (el: Element): boolean => !antiFlicker.isHeld(el) && hiddenByStyle(el);
  const paint = performance.getEntriesByType?.('paint')[0];
  const painted = !!paint && (document.readyState === 'complete' || performance.now() - paint.startTime > JUST_PAINTED_MS);
  const first = start(document, painted, stopWatching());
  // After the holds above, in the same task: the page's own hiding ends where Reco's begins, with no frame between.
  document.documentElement.setAttribute(STARTED, '');
  observer.observe(document.documentElement, WATCH);

  return {
    async personalize(root, now = false) {
      const grids = root === document ? live().flatMap(find) : find(root);
      for (const g of grids) register(g);
      if (!o.active) return;
      await Promise.all(grids.map((g) => rank(g.container, now)));
    },
    follow(root) {
      if (destroyed || live().includes(root)) return null;
      roots.add(root);
      observer.observe(root, WATCH);
      // A component hands its root over as it renders its grid, before the browser paints it: held as a new grid is.
      const ranked = start(root, false);
      return auto ? Promise.all(ranked).then(() => {}) : null;
    },
    lastRankMs: () => lastRankMs,
    firstRankings: () => Promise.all(first).then(() => {}),
    historyChanged() {
      if (!auto || destroyed || historyChecked) return;
      // Once per task, however many events it records; and the containers only: this runs on every cart and view.
      historyChecked = true;
      queueMicrotask(() => {
        historyChecked = false;
        if (destroyed) return;
        for (const grid of live().flatMap((root) => discoverGrids(root, opts.grids, o.onError, false))) {
          const st = states.get(grid.container);
          // Not one being ranked: that ranking reads the history as it sends its request, so the change is in it or
          // comes just after it.
          if (!st?.arranged || st.ranking || st.givenUp || grid.trackOnly) continue;
          // Not one in view now (its impressions may not have counted yet), nor one the shopper saw (an impression).
          if (antiFlicker.shouldReorder(grid.container) && !o.tracker?.shown(st.listId)) schedule(grid.container);
        }
      });
    },
    destroy() {
      destroyed = true;
      observer.disconnect();
      watchInsertions(); // the next route's listing, until the next init()
      offscreen.disconnect();
      deferred.clear();
      document.removeEventListener('visibilitychange', onVisibility);
      listen('removeEventListener');
      antiFlicker.destroy();
    },
  };
}
