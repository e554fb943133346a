/**
 * The page's grids, personalized: finds them (now, and when the page adds some), has them ranked, re-orders
 * them, and hands their items to the tracker. Against visible jumps (see grid/antiflicker.ts): a grid the
 * shopper may be looking at when its ranking arrives waits until it is out of sight or the tab is hidden.
 */
import type { ItemFeatures } from '../shared/types.ts';
import type { TrackedItem, Tracker } from '../tracker/tracker.ts';
import type { RankedEvent } from './api.ts';
import type { AntiFlicker } from './grid/antiflicker.ts';
import { discoverGrids, type Grid, type GridItem } from './grid/discover.ts';
import { reorderGrid } from './grid/reorder.ts';
import type { ResolvedOptions } from './options.ts';

/** The options the personalizer reads: `autoPersonalize` off means only personalize() re-orders, grids are only tracked. */
export type PersonalizerOptions = Pick<ResolvedOptions, 'grids' | 'autoPersonalize' | 'animate'>;

export interface PersonalizerDeps {
  /** The instance's guard, which may already hold grids found before the model was asked for. */
  antiFlicker: AntiFlicker;
  /** The model is loaded: a grid found from now on is ranked once (again only by personalize()). */
  isReady(): boolean;
  /** This page view is in the control group: grids are tracked, never re-ordered. */
  control: boolean;
  /**
   * The items' new order (indices; rules applied), or null when the grid keeps its order (personalization off
   * or failed, nothing to change).
   * @param search the grid holds search results, in the shop's relevance order
   */
  arrange(items: ItemFeatures[], search: boolean): Promise<number[] | null>;
  /** Records impressions and clicks of the grids' items; null when nothing is recorded (consent denied). */
  tracker: Tracker | null;
  /** Keeps the features of the items shown. */
  remember(features: ItemFeatures[]): void;
  onRanked(event: RankedEvent): void;
  onError(err: Error): void;
}

/** What {@link createPersonalizer} returns. */
export interface Personalizer {
  /**
   * Re-orders the grids under `root`: those not ranked yet; with `now` (the page's personalize() call)
   * all of them again, those in view too (animated), as asked.
   */
  personalize(root: ParentNode, now?: boolean): Promise<void>;
  /** Milliseconds of the last ranking of a grid, worker round trip included; null before the first. */
  lastRankMs(): number | null;
  /** The engine is ready or has failed: grids found from now on are ranked, or keep their order, at once. Ranks those found so far. */
  settle(): Promise<void>;
  destroy(): void;
}

/** A grid's items with an id, as the tracker watches them, at their current positions. */
export const trackedItems = (listId: string, items: readonly GridItem[]): TrackedItem[] =>
  items.flatMap((it, position) => (it.id ? [{ el: it.el, id: it.id, listId, position }] : []));

/** Starts tracking the grids on the page now and, with `autoPersonalize`, watching for new ones. */
export function createPersonalizer(opts: PersonalizerOptions, o: PersonalizerDeps): Personalizer {
  const { antiFlicker } = o;
  /** Grids ranked once, so a re-scan of the page does not rank them again. */
  const done = new WeakSet<Element>();
  /** Grids ranked while on screen, waiting until they are out of sight (offscreen) or the tab is hidden. */
  const deferred = new Set<Element>();
  let settled = false;
  let lastRankMs: number | null = null;
  let destroyed = false;
  let scanQueued = false;

  /** Starts or refreshes tracking of a grid's items with an id, at their current positions. */
  const track = (listId: string, items: readonly GridItem[]) => o.tracker?.observe(trackedItems(listId, items));

  // One callback (onError) for every discovery, so discoverGrids reports a broken grid config once, not on every scan.
  const find = (root: ParentNode): Grid[] => discoverGrids(root, opts.grids, o.onError);

  /** New grids (or items) added by the page: track them, and personalize grids not seen before (personalizeGrids skips the others). */
  const scan = (): void => {
    if (scanQueued || destroyed) return;
    scanQueued = true;
    queueMicrotask(() => {
      scanQueued = false;
      void personalizeGrids(find(document));
    });
  };
  // Only added elements can bring new grids or items; text and attribute changes (a live price, a
  // timer) never trigger a re-scan of every grid.
  const pageChanges = opts.autoPersonalize
    ? new MutationObserver((records) => records.some((r) => [...r.addedNodes].some((n) => n.nodeType === 1)) && scan())
    : null;

  const personalizeGrids = async (found: Grid[], now = false): Promise<void> => {
    for (const grid of found) {
      const container = grid.container;
      let items = grid.items;
      try {
        o.remember(items.map((i) => i.features).filter((f): f is ItemFeatures => !!f));
        const fresh = !done.has(container);
        // A grid found while the model loads is ranked once it is ready.
        if (o.isReady()) done.add(container);
        if ((now || (fresh && opts.autoPersonalize)) && o.isReady() && !o.control && !grid.trackOnly) {
          const movable = items.filter((i) => i.id && !i.pinned);
          const t0 = performance.now();
          const order =
            now || antiFlicker.shouldReorder(container)
              ? await o.arrange(
                  movable.map((i) => i.features ?? { id: i.id! }),
                  grid.query !== null,
                )
              : null;
          // reorderGrid moves by score: the k-th of the new order gets the k-th highest.
          const scores = order && Array.from(movable, (_, i) => movable.length - order.indexOf(i));
          // The shopper may be looking at it now (the hold ended while ranking): re-order it once it is out of sight.
          if (!now && !antiFlicker.shouldReorder(container)) deferUntilOffscreen(container);
          else if (scores) {
            const ms = +(performance.now() - t0).toFixed(1);
            lastRankMs = ms;
            // The page's own pending changes are handled (a grid it just added is found); only our moves are ignored.
            if (pageChanges?.takeRecords().length) scan();
            items = reorderGrid(grid, new Map(movable.map((it, k) => [it.id!, scores[k]!])), { animate: opts.animate });
            pageChanges?.takeRecords();
            o.onRanked({ listId: grid.listId, ms, order: items.map((i) => i.id ?? '') });
          }
        }
      } catch (err) {
        o.onError(err as Error);
      } finally {
        // While the model loads, a held grid stays held (until its timeout) whatever else changes on the page.
        if (settled) antiFlicker.release(container);
      }
      track(grid.listId, items);
    }
  };

  // Called when a deferred grid leaves or enters the viewport, and when the tab is hidden or shown.
  const onVisibility = () => deferred.forEach((c) => antiFlicker.shouldReorder(c) && redo(c));
  const offscreen = new IntersectionObserver(onVisibility);
  document.addEventListener('visibilitychange', onVisibility);

  const deferUntilOffscreen = (container: Element): void => {
    if (destroyed) return;
    deferred.add(container);
    offscreen.observe(container);
  };

  const redo = (container: Element): void => {
    offscreen.unobserve(container);
    deferred.delete(container);
    if (destroyed || !container.isConnected) return;
    done.delete(container);
    void personalizeGrids(find(container).filter((g) => g.container === container));
  };

  // Impressions and clicks count from the start, not only once the model has loaded (seconds on slow devices).
  for (const g of find(document)) track(g.listId, g.items);
  pageChanges?.observe(document.documentElement, { childList: true, subtree: true });

  return {
    personalize: (root, now = false) => personalizeGrids(find(root), now),
    lastRankMs: () => lastRankMs,
    settle() {
      settled = true;
      return personalizeGrids(find(document));
    },
    destroy() {
      destroyed = true;
      pageChanges?.disconnect();
      offscreen.disconnect();
      deferred.clear();
      document.removeEventListener('visibilitychange', onVisibility);
      antiFlicker.destroy();
    },
  };
}
