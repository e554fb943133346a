import { expect, test } from './helpers/test.ts';
import { shopperScenario } from './helpers/reco.ts';

// The real shopper path: open five products of one category from the home grid, reload, look at the top of the
// page without scrolling. The home grid is in view from the first moment, so only a ranking that arrives within
// the anti-flicker hold can re-order it (a later one waits until the grid is out of sight: e2e/first-view.spec.ts).
test('a shopper who opens 5 products of one category sees more of it in the first 8 places after a reload, without scrolling', async ({
  tab,
}) => {
  const { afterCount, beforeCount } = await shopperScenario(tab, { clicks: 5, top: 8 });
  expect(afterCount).toBeGreaterThan(beforeCount);
});
