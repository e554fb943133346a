/**
 * When an impression counts: the MRC viewable-impression standard, one clock per item.
 */

/**
 * MRC viewable impression: at least 50% of the pixels in view for at least one continuous second; 30% for a large
 * item (242,500 pixels or more, MRC's large-ad rule: a card that big rarely fits half in view on a phone).
 */
export const VIEWABLE_RATIOS = [0.3, 0.5];
const LARGE_ITEM_PIXELS = 242_500;
const VIEWABLE_MS = 1000;

/**
 * One item's MRC viewability clock: calls `onViewable` once, after the item has been at least
 * 50% in view (30% when large), in a visible tab, for one continuous second. Fed by IntersectionObserver ratios
 * and page visibility; uses `setTimeout`, so fake timers drive it in tests.
 */
export class ViewabilityTimer {
  done = false;
  #inView = false;
  #pageVisible: boolean;
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onViewable: () => void;

  constructor(onViewable: () => void, pageVisible = true) {
    this.#onViewable = onViewable;
    this.#pageVisible = pageVisible;
  }

  /** The item's current intersection ratio (0 when not intersecting), and its area in CSS pixels. */
  setRatio(ratio: number, area = 0): void {
    this.#inView = ratio >= VIEWABLE_RATIOS[area < LARGE_ITEM_PIXELS ? 1 : 0]!;
    this.#update();
  }

  setPageVisible(visible: boolean): void {
    this.#pageVisible = visible;
    this.#update();
  }

  stop(): void {
    this.done = true;
    this.#update();
  }

  #update(): void {
    if (this.done || !this.#inView || !this.#pageVisible) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else {
      this.#timer ??= setTimeout(() => {
        this.stop();
        this.#onViewable();
      }, VIEWABLE_MS);
    }
  }
}
