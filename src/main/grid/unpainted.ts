/**
 * Which grids the browser has not drawn yet when init() runs in a document that has loaded. A single-page app's
 * router renders the new route's listing and then calls init() (after destroy() of the last route's instance, or
 * for the first time), often in the same task or a microtask later: no frame has shown that grid, so it is held and
 * ranked like a grid of a page still loading, not left in the shop's order as one the shopper may be looking at.
 * Between instances (from the script's start, and from each destroy() to the next init()), a mutation observer notes
 * the frame in which nodes were added; a frame has been drawn since once the frame after them has been painted.
 */
let observer: MutationObserver | null = null;
let frame = 0;
let frameAsked = false;
const addedIn = new WeakMap<Node, number>();

function note(records: MutationRecord[]): void {
  for (const r of records) for (const node of r.addedNodes) addedIn.set(node, frame);
  if (records.length && !frameAsked) {
    frameAsked = true;
    // Counted once the frame is painted: after every animation frame callback of it (an app's own, which may call
    // init(), included), so in a task of its own.
    requestAnimationFrame(() =>
      setTimeout(() => {
        frame++;
        frameAsked = false;
      }),
    );
  }
}

/** Starts noting where nodes are added (no-op where there is no document, or while already noting). */
export function watchInsertions(): void {
  if (observer || typeof MutationObserver !== 'function' || typeof document === 'undefined') return;
  observer = new MutationObserver(note);
  observer.observe(document.documentElement, { childList: true, subtree: true });
}

/**
 * Stops noting (the new instance's own observer takes over) and tells, for an element, whether it or the subtree it
 * came in with was added since the last frame was drawn.
 */
export function stopWatching(): (el: Element) => boolean {
  if (observer) {
    note(observer.takeRecords()); // added in this very task: not delivered yet
    observer.disconnect();
    observer = null;
  }
  const now = frame;
  return (el) => {
    for (let n: Node | null = el; n; n = n.parentNode) {
      const at = addedIn.get(n);
      if (at !== undefined) return at === now;
    }
    return false;
  };
}
