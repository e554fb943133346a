/**
 * A hash router's route in the page's fragment (`#/products/42`, `#!/products/42`), or '' when the fragment is none
 * (an anchor on the page, or no fragment): part of the route's address for the tracker's page views
 * (src/tracker/tracker.ts) and for the orders a grid keeps on a return by Back (src/main/route.ts).
 */
export const hashRoute = (): string => (/^#!?\//.test(location.hash) ? location.hash : '');
