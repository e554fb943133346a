import type { Grid, GridItem } from './discover.ts';

let warned = false;
/** Ids already logged as marking two different products: each is logged once a page view. */
const mixedUp = new Set<string>();
/**
 * The copy of an id shown twice that moved: it is the one that moves in the grid's later rankings too. Chosen again
 * by DOM order, the copy left in place would move next time, and the copies would end up next to each other.
 */
const copyMovers = new WeakSet<Element>();

/**
 * Re-order a grid by score, higher first, by moving the shop's own nodes (never re-creating them,
 * so listeners and state survive). Only scored, unpinned items with an id move, and only among
 * their own slots: pinned items, items without an id, unscored items and the later copies of an id
 * shown twice keep their exact index.
 * An item never leaves the parent element it is in: a grid whose items sit in several wrappers
 * (rows a framework renders) is re-ordered within each wrapper.
 * Equal scores keep their relative order; an unchanged order touches nothing. Each item moves as its
 * largest ancestor below the grid that holds no other item (its card wrapper), with the fewest
 * `insertBefore` calls. In a flex box laid out backwards (`flex-direction: row-reverse` or `column-reverse`)
 * the best item goes last in the DOM, so that it is shown first. Moves are animated (FLIP) unless `animate: false` or the shopper prefers
 * reduced motion; keyboard focus inside the grid is restored.
 * @param grid a grid from `discoverGrids`
 * @param scores score per item id
 * @param opts `animate` (default true), `durationMs` (default 250)
 * @returns the items in their new order; on any failure, the order the DOM actually has. Never throws.
 */
export function reorderGrid(
  grid: Grid,
  scores: ReadonlyMap<string, number>,
  opts: { animate?: boolean; durationMs?: number } = {},
): GridItem[] {
  const { container, items } = grid;
  try {
    // The node that moves for each item: its largest ancestor below the container holding no other item; null when it cannot move.
    const isItem = new Set(items.map((it) => it.el));
    const count = new Map<Element, number>(); // items at or below each ancestor
    const movable = items.map(({ el }) => {
      let nested = false;
      for (let n: Element | null = el; n !== container; n = n.parentElement) {
        if (!n) return false; // no longer inside the container
        nested ||= n !== el && isItem.has(n);
        count.set(n, (count.get(n) ?? 0) + 1);
      }
      // An item inside another stays, and so does the outer one (it counts two items).
      return !nested;
    });
    const boxes = items.map(({ el }, i) => {
      if (!movable[i] || count.get(el) !== 1) return null;
      let box = el;
      while (box.parentElement !== container && count.get(box.parentElement!) === 1) box = box.parentElement!;
      return box;
    });
    const score = (i: number) => scores.get(items[i].id!)!;
    // The same product shown twice (a featured copy, a page's mistake): the first copy moves, the others stay
    // where the page put them; with one score, all copies would otherwise end up next to each other.
    // Copies with another title are not the same product: the page's mistake, which also records the clicks and
    // impressions of both as one item. Logged once per id: nothing else tells the shop (its order is kept as above).
    const firsts = new Map<string, GridItem>();
    for (const it of items) if (it.id && copyMovers.has(it.el)) firsts.set(it.id, it);
    const repeated = items.map((it) => {
      const first = it.id ? firsts.get(it.id) : undefined;
      const a = first?.features?.title;
      const b = it.features?.title;
      if (first && a && b && a !== b && !mixedUp.has(it.id!)) {
        mixedUp.add(it.id!);
        console.warn(
          `[reco] ${grid.listId ? `grid "${grid.listId}"` : 'a grid'}: the id "${it.id}" marks two different products ("${a}" and "${b}"); ` +
            'their clicks and impressions are recorded as one item. The later card keeps its place.',
        );
      }
      if (it.id && !first) firsts.set(it.id, it);
      return !!first && first !== it;
    });
    for (const it of firsts.values()) copyMovers.add(it.el);
    // Scored: a number, not NaN (an item without an id has no score either).
    const slots = items.flatMap((it, i) =>
      boxes[i] && !it.pinned && !repeated[i] && typeof score(i) === 'number' && score(i) === score(i) ? [i] : [],
    );
    // Items move only among the slots of their own parent: a card never leaves the wrapper it is in (a framework's
    // row owns its children; moving one into another row breaks the framework's next removeChild or insertBefore).
    const groups = new Map<Node, number[]>();
    for (const i of slots) groups.set(boxes[i]!.parentNode!, [...(groups.get(boxes[i]!.parentNode!) ?? []), i]);
    const next = [...items];
    // The moving boxes: the box in a slot now -> the box that goes there.
    const moving = new Map<Node, Element>();
    let changed = false;
    const view = container.ownerDocument.defaultView;
    for (const [parent, group] of groups) {
      const style = parent instanceof Element ? view?.getComputedStyle(parent) : undefined;
      const backwards = !!style?.display.includes('flex') && style.flexDirection.endsWith('-reverse');
      // Stable: ties keep their order. Shown first, in a backwards box, means last in the DOM.
      const order = [...group].sort((a, b) => (backwards ? score(a) - score(b) : score(b) - score(a)));
      group.forEach((slot, k) => {
        next[slot] = items[order[k]];
        moving.set(boxes[slot]!, boxes[order[k]]!);
        changed ||= order[k] !== slot;
      });
    }
    if (!changed) return [...items];
    const movers = [...moving.keys()] as Element[];
    // Every parent's final child list is known before the first move.
    const finals = [...new Set(movers.map((b) => b.parentNode!))].map(
      (parent) => [parent, Array.from(parent.childNodes, (n) => moving.get(n) ?? n)] as const,
    );

    const doc = container.ownerDocument;
    const animate = opts.animate !== false && !doc.defaultView?.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
    const before = animate ? new Map(movers.map((b) => [b, b.getBoundingClientRect()])) : null;

    const focused = doc.activeElement;

    for (const [parent, final] of finals) {
      // The moving nodes that can stay put: the longest run already in the right relative order (a longest
      // increasing subsequence of current positions) that keeps every fixed node, so the fewest nodes move.
      // Fixed nodes weigh more than all moving ones together, so the best run always holds them all.
      const pos = new Map<Node, number>();
      parent.childNodes.forEach((n, i) => pos.set(n, i));
      const nodes = final.filter((n) => pos.has(n));
      const len: number[] = [];
      const prev: number[] = [];
      nodes.forEach((n, i) => {
        const weight = moving.has(n) ? 1 : 1e9;
        len[i] = weight;
        for (let j = 0; j < i; j++) {
          if (pos.get(nodes[j])! < pos.get(n)! && len[j] + weight > len[i]) {
            len[i] = len[j] + weight;
            prev[i] = j;
          }
        }
      });
      const stay = new Set<Node>();
      // The run's first node has no prev: undefined >= 0 is false.
      for (let i = len.indexOf(Math.max(...len)); i >= 0; i = prev[i]) stay.add(nodes[i]);
      for (let i = final.length - 1; i >= 0; i--) {
        if (!stay.has(final[i])) parent.insertBefore(final[i], final[i + 1] ?? null); // fixed nodes always stay
      }
    }

    // Moving a node blurs what has focus inside it; focus stays where it was (it is still in the container).
    if (container.contains(focused) && doc.activeElement !== focused) (focused as HTMLElement).focus?.({ preventScroll: true });
    // A carousel may move slides itself as it takes the new order in: the order is then the one the DOM has.
    const told = updateCarousel(container);
    // FLIP (https://aerotwist.com/blog/flip-your-animations/): start each box where it was, glide to where it is.
    before?.forEach((first, el) => {
      const last = el.getBoundingClientRect();
      const dx = first.left - last.left;
      const dy = first.top - last.top;
      if (dx || dy) {
        el.animate([{ transform: `translate(${dx}px, ${dy}px)` }, { transform: 'none' }], {
          duration: opts.durationMs ?? 250,
          easing: 'ease-out',
        });
      }
    });
    return told ? inDocumentOrder(items) : next;
  } catch (err) {
    if (!warned) console.warn('[reco] a grid could not be re-ordered; it keeps its order', err);
    warned = true;
    return inDocumentOrder(items);
  }
}

const inDocumentOrder = (items: readonly GridItem[]): GridItem[] =>
  [...items].sort((a, b) => (a.el.compareDocumentPosition(b.el) & 4 ? -1 : 1));

/** What Reco calls of a Swiper instance (https://swiperjs.com/swiper-api#methods). */
interface Swiper {
  destroyed?: boolean;
  params?: { loop?: boolean };
  slidesEl?: Element;
  update(): void;
  slideToLoop?(index: number, speed: number, runCallbacks: boolean): void;
}

/** Where Swiper's loop mode numbers each slide in its order. */
const SLIDE_INDEX = 'data-swiper-slide-index';

/**
 * A carousel that lays out its slides from its own list of them is told that they moved, so that its positions, active
 * slide and navigation follow the new order: Swiper (https://swiperjs.com), whose instance is the `swiper` property of
 * its element (the grid's parent, or the grid itself), reads its slides again on `update()` (Swiper 9 and later). In
 * loop mode it numbers its slides (`data-swiper-slide-index`) in the order it found them, and turns it by moving them
 * from one end to the other: they are numbered again in the new order and it shows the first, so that its pagination
 * and `realIndex` count from the shopper's first. Other carousels: the README's recipe (their refresh in a `ranked`
 * listener).
 * @returns whether a carousel was told (and may have moved slides itself)
 */
function updateCarousel(container: Element): boolean {
  for (let el: Element | null = container, up = 0; el && up < 2; el = el.parentElement, up++) {
    const swiper = (el as Element & { swiper?: Partial<Swiper> }).swiper;
    // Its slides in the grid (not an outer carousel whose slide holds the grid); Swiper 9 and later (`slidesEl`).
    if (!swiper?.slidesEl || !container.contains(swiper.slidesEl) || typeof swiper.update !== 'function' || swiper.destroyed) continue;
    try {
      swiper.update();
      if (swiper.params?.loop) {
        // From the DOM, not swiper.slides: a carousel without a size (in a hidden tab) keeps its old list on update().
        let index = 0;
        for (const slide of swiper.slidesEl.children) if (slide.hasAttribute(SLIDE_INDEX)) slide.setAttribute(SLIDE_INDEX, String(index++));
        swiper.slideToLoop?.(0, 0, false);
      }
    } catch (err) {
      console.warn('[reco] a carousel (Swiper) around a re-ordered grid failed to update; its slides may be out of place', err);
    }
    return true;
  }
  return false;
}

/**
 * Says why a grid keeps the page's order from now on: the page put its own order back `times` times, each right after
 * Reco re-ordered it (a framework that renders the list itself from its own state).
 */
export function keepPageOrder(listId: string, times: number): void {
  console.warn(
    `[reco] grid "${listId}": the page put its own order back ${times} times right after Reco re-ordered it, so Reco leaves ` +
      "this grid in the page's order. A framework that renders the list itself can order it with rank() instead (see the README).",
  );
}
