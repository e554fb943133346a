/**
 * Against visible layout jumps.
 *
 * Re-ordering a grid the shopper is already looking at makes cards jump under the cursor and counts as
 * layout shift (CLS, https://web.dev/articles/cls). So:
 * 1. Grids found before ranking is ready are held: `visibility: hidden` (one injected style rule on a
 *    `data-reco-pending` attribute). Unlike `display: none` this keeps their box, so nothing around
 *    them moves when they appear. If the SDK never runs, the rule is never injected and nothing is hidden.
 * 2. A held grid is shown as soon as it is ranked, or after `timeoutMs` (400 ms) at the latest, so a slow
 *    model never costs more than that.
 * 3. Ranking that arrives after the grid was shown re-orders it only while it is off-screen (or the tab is
 *    hidden): what the shopper has seen stays where it is until it is out of sight (the instance waits for
 *    that moment). A container is held at most once, so a grid that was shown never blinks again; what the
 *    shopper has not seen can be (a grid shown empty that gets its first items, items added to a grid).
 *
 * Use: `hold(c)` on discovery; when scores arrive `if (shouldReorder(c)) reorderGrid(...)`, then `release(c)`.
 */

const ATTR = 'data-reco-pending';

/** The anti-flicker guard of one instance. */
export interface AntiFlicker {
  /**
   * Hides a grid (or items) until release() or the timeout; an element is held at most once, unless `again`
   * says that nothing of it was seen yet (a grid that was empty when shown).
   */
  hold(container: Element, again?: boolean): void;
  /** The element is hidden now. */
  isHeld(el: Element): boolean;
  /** Shows a held grid. */
  release(container: Element): void;
  /** True while the grid is held, off-screen, or the tab is hidden: re-ordering it now makes no visible jump. */
  shouldReorder(container: Element): boolean;
  /** Shows every held grid and removes the style rule. */
  destroy(): void;
}

/**
 * Create the anti-flicker guard described above.
 * @param options `timeoutMs`: the longest a grid stays hidden (default 400)
 * @returns `hold`, `release`, `shouldReorder` and `destroy` (shows every held grid and removes the style rule)
 */
export function createAntiFlicker({ timeoutMs = 400 }: { timeoutMs?: number } = {}): AntiFlicker {
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  const held = new WeakSet<Element>();
  let style: HTMLStyleElement | null = null;

  const release = (container: Element) => {
    clearTimeout(timers.get(container));
    timers.delete(container);
    container.removeAttribute(ATTR);
  };

  return {
    hold(container, again = false) {
      if (held.has(container) && !again) return;
      held.add(container);
      const doc = container.ownerDocument;
      if (!style?.isConnected) {
        style = doc.createElement('style');
        style.textContent = `[${ATTR}]{visibility:hidden!important}`;
        (doc.head ?? doc.documentElement).append(style);
      }
      container.setAttribute(ATTR, '');
      clearTimeout(timers.get(container));
      timers.set(container, setTimeout(release, timeoutMs, container));
    },
    release,
    isHeld: (el) => el.hasAttribute(ATTR),
    shouldReorder(container) {
      if (container.hasAttribute(ATTR)) return true;
      // Off-screen: out of the viewport, without a box, or in a hidden tab.
      const doc = container.ownerDocument;
      const win = doc.defaultView;
      if (!win || doc.visibilityState === 'hidden') return true;
      const r = container.getBoundingClientRect();
      return !(r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < win.innerHeight && r.left < win.innerWidth);
    },
    destroy() {
      timers.forEach((_, container) => release(container));
      style?.remove();
    },
  };
}
