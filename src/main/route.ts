/**
 * The page's route as the worker keeps a grid's order by (src/worker/back-orders.ts): its address (a hash router's
 * fragment included), and whether the shopper reached it by Back or Forward. At the document's load the browser says so (its navigation
 * type); in a single-page app, its router's `popstate` does, where the page's load says nothing of the routes after it.
 * Part of reco.engine.js, which stays loaded for every init() of the document: an app that ends Reco on each route and
 * starts it again (destroy(), init()) is told of a Back all the same.
 */
import { hashRoute } from '../shared/hash-route.ts';
import type { PageRoute } from '../shared/protocol.ts';

/**
 * The route's address: the page's, without its fragment (an anchor on the page), unless the fragment is a hash router's
 * route (`#/products/42`, `#!/products/42`), which is then the route.
 */
const address = (): string => location.origin + location.pathname + location.search + hashRoute();

/** The address the document loaded at (as first asked), the popstates heard, the latest one and where it led. */
let watch: { loaded: string; arrivals: number; heard: Event | null; popped: string | null } | null = null;

/** Counts a popstate event once, whichever of Reco's listener and pageRoute() meets it first. */
function arrived(e: Event | undefined): void {
  if (!watch || e?.type !== 'popstate' || e === watch.heard) return;
  watch.heard = e;
  watch.arrivals++;
  watch.popped = address();
}

/** The route now: where the page is, and whether the latest Back or Forward (or the page's load) brought it here. */
export function pageRoute(): PageRoute {
  if (!watch) {
    watch = { loaded: address(), arrivals: 0, heard: null, popped: null };
    addEventListener('popstate', arrived, true);
  }
  // An app's router whose listener came first renders the route and calls personalize() from it, before Reco's listener
  // runs: the event being dispatched (window.event, set while its listeners and their promise callbacks run) counts then.
  arrived((globalThis as { event?: Event }).event);
  const url = address();
  // A route pushed since (history.pushState: a link the shopper followed) is at another address than the one popped.
  const back = watch.arrivals ? url === watch.popped : url === watch.loaded && navigationType() === 'back_forward';
  return { url, back, arrival: watch.arrivals };
}

/** How this document was loaded ('navigate', 'reload', 'back_forward', 'prerender'), or '' where the browser does not say. */
function navigationType(): string {
  const [nav] = performance.getEntriesByType?.('navigation') ?? [];
  return (nav as PerformanceNavigationTiming | undefined)?.type ?? '';
}
