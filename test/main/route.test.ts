// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { pageRoute } from '../../src/main/route.ts';

describe("the page's route (what a grid's order is kept and restored by on a return by Back)", () => {
  it("a single-page app's popstate is an arrival by Back at the address it leads to; a route pushed since is not; a fragment that is no route (an anchor) is not part of it", () => {
    history.replaceState(null, '', '/app/list?c=hair');
    const list = location.origin + '/app/list?c=hair';
    // The document's load: no Back (happy-dom's navigation type is not 'back_forward').
    expect(pageRoute()).toEqual({ url: list, back: false, arrival: 0 });
    // The shopper opens a product: a pushed route.
    history.pushState(null, '', '/app/p/42');
    expect(pageRoute()).toEqual({ url: location.origin + '/app/p/42', back: false, arrival: 0 });
    // Back: the router hears popstate, at the listing's address again.
    history.replaceState(null, '', '/app/list?c=hair#top');
    dispatchEvent(new PopStateEvent('popstate'));
    expect(pageRoute()).toEqual({ url: list, back: true, arrival: 1 });
    expect(pageRoute(), 'asked again in the same arrival').toEqual({ url: list, back: true, arrival: 1 });
    // A link to another listing (pushed): not a return.
    history.pushState(null, '', '/app/list?c=nails');
    expect(pageRoute()).toEqual({ url: location.origin + '/app/list?c=nails', back: false, arrival: 1 });
    // Back again: the next arrival.
    history.replaceState(null, '', '/app/list?c=hair');
    dispatchEvent(new PopStateEvent('popstate'));
    expect(pageRoute()).toEqual({ url: list, back: true, arrival: 2 });
  });

  it("a hash router's fragment is the route: after a Back, a route pushed since is not a return", () => {
    history.replaceState(null, '', '/shop/#/list?c=hair');
    const list = location.origin + '/shop/#/list?c=hair';
    const before = pageRoute().arrival ?? 0;
    history.pushState(null, '', '/shop/#/p/42');
    expect(pageRoute()).toMatchObject({ url: location.origin + '/shop/#/p/42', back: false });
    // Back to the listing: the router hears popstate there.
    history.replaceState(null, '', '/shop/#/list?c=hair');
    dispatchEvent(new PopStateEvent('popstate'));
    expect(pageRoute()).toEqual({ url: list, back: true, arrival: before + 1 });
    // A link to a product (pushed, as hash routers push): not a return, though the path and query did not change.
    history.pushState(null, '', '/shop/#!/p/43');
    expect(pageRoute()).toEqual({ url: location.origin + '/shop/#!/p/43', back: false, arrival: before + 1 });
  });
});
