/**
 * Against visible layout jumps.
 *
 * Re-ordering a grid the shopper is already looking at makes cards jump under the cursor and counts as
 * layout shift (CLS, https://web.dev/articles/cls). So:
 * 1. Grids found before ranking is ready are held: clipped away whole, `clip-path: inset(50%) !important` set on the
 *    grid's own style through the CSSOM (plus a `data-reco-pending` attribute). Unlike `display: none` this keeps
 *    their box, so nothing around them moves when they appear. Unlike `visibility: hidden` it keeps keyboard focus,
 *    so a page that moves focus to its first result as it renders (a filtered grid, a "load more" button) still can,
 *    and no card shows through it (a card styled `visibility: visible` does through `visibility: hidden`); unlike
 *    `opacity: 0` it takes no click, and page styles rarely transition it. An element laid out as
 *    `display: contents` has no box to clip: it is held with `visibility: hidden`, which its children inherit.
 *    No `<style>` element is injected: a Content-Security-Policy with `style-src 'self'` refuses injected style
 *    elements and style attributes in markup, but not CSSOM changes
 *    (https://www.w3.org/TR/CSP3/#directive-style-src). If the SDK never runs, nothing is hidden.
 * 2. A held grid is shown as soon as it is ranked, or after `timeoutMs` (400 ms) at the latest, so a slow
 *    model never costs more than that. Items the page adds to a grid already shown (load more) are held the same way.
 * 3. A grid counts as held only while the browser really hides it (its computed style): should hiding fail,
 *    it is treated as shown. Ranking that arrives after the grid was shown re-orders it only while it is
 *    off-screen (or the tab is hidden): what the shopper has seen stays where it is until it is out of sight (the
 *    instance waits for that moment). A container is held at most once, so a grid that was shown never blinks again;
 *    what the shopper has not seen can be (a grid shown empty that gets its first items, items added to a grid).
 *
 * Use: `hold(c)` on discovery; when scores arrive `if (shouldReorder(c)) reorderGrid(...)`, then `release(c)`.
 */
import { HELD } from '../../shared/held.ts';

/** The anti-flicker guard of one instance. */
export interface AntiFlicker {
  /**
   * Hides a grid (or an item the page added to a shown grid), still focusable, until release() or the timeout; an
   * element is held at most once, unless `again` says that nothing of it was seen yet (a grid that was empty when shown).
   */
  hold(container: Element, again?: boolean): void;
  /** The element is hidden now. */
  isHeld(el: Element): boolean;
  /** Ends a hold: the element is no longer held, and shown (its own style back) once the next frame is painted. */
  release(container: Element): void;
  /** True while the grid is really hidden by hold(), off-screen, or the tab is hidden: re-ordering it now makes no visible jump. */
  shouldReorder(container: Element): boolean;
  /** Shows every held grid at once. */
  destroy(): void;
}

/**
 * The element's computed style hides it and all it holds: `visibility: hidden`, or clipped away whole as a hold does
 * (`clip-path: inset(50%)`, which an element laid out as `display: contents` ignores).
 */
export function hiddenByStyle(el: Element): boolean {
  const style = el.ownerDocument.defaultView?.getComputedStyle(el);
  if (!style) return false;
  if (style.visibility === 'hidden') return true;
  return style.display !== 'contents' && style.getPropertyValue('clip-path').replace(/\s/g, '').startsWith('inset(50%');
}

/**
 * Create the anti-flicker guard described above.
 * @param options `timeoutMs`: the longest a grid stays hidden (default 400)
 * @returns `hold`, `release`, `shouldReorder` and `destroy` (shows every held grid)
 */
export function createAntiFlicker({ timeoutMs = 400 }: { timeoutMs?: number } = {}): AntiFlicker {
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  const held = new WeakSet<Element>();
  /** The element's own inline style of the property that holds it (property, value, priority), put back on release(). */
  const saved = new Map<Element, [property: string, value: string, priority: string]>();
  const styleOf = (el: Element): CSSStyleDeclaration | undefined => (el as HTMLElement).style;

  /** Released elements whose own style comes back once a frame is painted (the animation frame asked for it). */
  const showing = new Map<Element, number>();
  /** Puts the element's own style back: it is shown. */
  const show = (el: Element) => {
    showing.delete(el);
    const own = saved.get(el);
    saved.delete(el);
    const style = styleOf(el);
    if (!own || !style) return;
    if (own[1]) style.setProperty(own[0], own[1], own[2]);
    else style.removeProperty(own[0]);
  };
  const stopShowing = (el: Element) => {
    el.ownerDocument.defaultView?.cancelAnimationFrame(showing.get(el)!);
    showing.delete(el);
  };

  /**
   * No longer held now (isHeld() is false), shown one painted frame later: cards moved while the grid is clipped away
   * and shown in the same frame count as a layout shift in Chromium, which compares them with their places in the
   * frame before (laid out there, only clipped); so a frame is painted with them in place, still clipped, first.
   */
  const release = (el: Element) => {
    clearTimeout(timers.get(el));
    timers.delete(el);
    el.removeAttribute(HELD);
    const win = el.ownerDocument.defaultView;
    if (!saved.has(el) || showing.has(el)) return;
    if (!win?.requestAnimationFrame) return show(el);
    showing.set(
      el,
      win.requestAnimationFrame(() =>
        showing.set(
          el,
          win.requestAnimationFrame(() => show(el)),
        ),
      ),
    );
  };

  const hold = (el: Element, again = false) => {
    if (held.has(el) && !again) return;
    held.add(el);
    if (showing.has(el)) stopShowing(el); // released, not shown yet: held on
    const style = styleOf(el);
    if (!style) return; // not an HTML or SVG element: it cannot be hidden this way, so it is never held
    // Held again while still held (the page emptied and refilled the grid meanwhile): the element's own style is the
    // one saved the first time, not this hold's, which release() would put back for good.
    let own = saved.get(el);
    if (!own) {
      const property = el.ownerDocument.defaultView?.getComputedStyle(el).display === 'contents' ? 'visibility' : 'clip-path';
      own = [property, style.getPropertyValue(property), style.getPropertyPriority(property)];
      saved.set(el, own);
    }
    style.setProperty(own[0], own[0] === 'visibility' ? 'hidden' : 'inset(50%)', 'important');
    el.setAttribute(HELD, '');
    clearTimeout(timers.get(el));
    timers.set(el, setTimeout(release, timeoutMs, el));
  };

  return {
    hold,
    release,
    isHeld: (el) => el.hasAttribute(HELD),
    shouldReorder(container) {
      // Held, and the browser really hides it.
      if (container.hasAttribute(HELD) && hiddenByStyle(container)) return true;
      // Off-screen: out of the viewport, without a box, or in a hidden tab.
      const doc = container.ownerDocument;
      const win = doc.defaultView;
      if (!win || doc.visibilityState === 'hidden') return true;
      const r = container.getBoundingClientRect();
      return !(r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < win.innerHeight && r.left < win.innerWidth);
    },
    destroy() {
      timers.forEach((_, container) => release(container));
      for (const el of [...showing.keys()]) {
        stopShowing(el);
        show(el);
      }
    },
  };
}
