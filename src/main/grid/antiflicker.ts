/**
 * Against visible layout jumps.
 *
 * Re-ordering a grid the shopper is already looking at makes cards jump under the cursor and counts as
 * layout shift (CLS, https://web.dev/articles/cls). So:
 * 1. Grids found before ranking is ready are held: `visibility: hidden !important` set on the grid's own style
 *    through the CSSOM (plus a `data-reco-pending` attribute). Unlike `display: none` this keeps their box, so
 *    nothing around them moves when they appear. No `<style>` element is injected: a Content-Security-Policy with
 *    `style-src 'self'` refuses injected style elements and style attributes in markup, but not CSSOM changes
 *    (https://www.w3.org/TR/CSP3/#directive-style-src). If the SDK never runs, nothing is hidden.
 * 2. A held grid is shown as soon as it is ranked, or after `timeoutMs` (400 ms) at the latest, so a slow
 *    model never costs more than that.
 * 3. A grid counts as held only while the browser really hides it (its computed visibility): should hiding fail,
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
   * Hides a grid (or items) until release() or the timeout; an element is held at most once, unless `again`
   * says that nothing of it was seen yet (a grid that was empty when shown).
   */
  hold(container: Element, again?: boolean): void;
  /** The element is hidden now. */
  isHeld(el: Element): boolean;
  /** Shows a held grid (its own visibility style comes back). */
  release(container: Element): void;
  /** True while the grid is really hidden by hold(), off-screen, or the tab is hidden: re-ordering it now makes no visible jump. */
  shouldReorder(container: Element): boolean;
  /** Shows every held grid. */
  destroy(): void;
}

/**
 * Create the anti-flicker guard described above.
 * @param options `timeoutMs`: the longest a grid stays hidden (default 400)
 * @returns `hold`, `release`, `shouldReorder` and `destroy` (shows every held grid)
 */
export function createAntiFlicker({ timeoutMs = 400 }: { timeoutMs?: number } = {}): AntiFlicker {
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  const held = new WeakSet<Element>();
  /** The grid's own inline visibility (value, priority) before hold(), put back on release(). */
  const saved = new Map<Element, [string, string]>();
  const styleOf = (el: Element): CSSStyleDeclaration | undefined => (el as HTMLElement).style;

  const release = (container: Element) => {
    clearTimeout(timers.get(container));
    timers.delete(container);
    container.removeAttribute(HELD);
    const own = saved.get(container);
    saved.delete(container);
    const style = styleOf(container);
    if (!own || !style) return;
    if (own[0]) style.setProperty('visibility', own[0], own[1]);
    else style.removeProperty('visibility');
  };

  /** Held, and the browser really hides it. */
  const hidden = (container: Element): boolean => {
    if (!container.hasAttribute(HELD)) return false;
    const win = container.ownerDocument.defaultView;
    return win?.getComputedStyle(container).visibility === 'hidden';
  };

  return {
    hold(container, again = false) {
      if (held.has(container) && !again) return;
      held.add(container);
      const style = styleOf(container);
      if (!style) return; // not an HTML or SVG element: it cannot be hidden this way, so it is never held
      // Held again while still held (the page emptied and refilled the grid meanwhile): the grid's own style is the
      // one saved the first time, not this hold's hidden, which release() would put back for good.
      if (!saved.has(container)) saved.set(container, [style.getPropertyValue('visibility'), style.getPropertyPriority('visibility')]);
      style.setProperty('visibility', 'hidden', 'important');
      container.setAttribute(HELD, '');
      clearTimeout(timers.get(container));
      timers.set(container, setTimeout(release, timeoutMs, container));
    },
    release,
    isHeld: (el) => el.hasAttribute(HELD),
    shouldReorder(container) {
      if (hidden(container)) return true;
      // Off-screen: out of the viewport, without a box, or in a hidden tab.
      const doc = container.ownerDocument;
      const win = doc.defaultView;
      if (!win || doc.visibilityState === 'hidden') return true;
      const r = container.getBoundingClientRect();
      return !(r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < win.innerHeight && r.left < win.innerWidth);
    },
    destroy() {
      timers.forEach((_, container) => release(container));
    },
  };
}
