/**
 * When an impression counts: the MRC viewable-impression standard, one clock per item.
 */

/** MRC viewable impression: at least 50% of the pixels in view for at least one continuous second. */
export const VIEWABLE_RATIO = 0.5;
const VIEWABLE_MS = 1000;

/**
 * One item's MRC viewability clock: calls `onViewable` once, after the item has been at least
 * 50% in view, in a visible tab, for one continuous second. Fed by IntersectionObserver ratios
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

  /** The item's current intersection ratio (0 when not intersecting). */
  setRatio(ratio: number): void {
    this.#inView = ratio >= VIEWABLE_RATIO;
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
