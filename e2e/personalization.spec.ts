import { expect, test } from './helpers/test.ts';
import { shopperScenario } from './helpers/reco.ts';

// The real shopper path: open five products of one category, reload, look at the top of the page.
// Issue 9: the first ranking of a page view arrives after the 400 ms anti-flicker hold (the worker starts TensorFlow.js
// and the model from nothing), so Reco defers re-ordering the visible grid until it leaves the viewport and the
// shopper sees the shop's order. Fails today in Chromium, Firefox and WebKit alike; the fix is issue 9's.
test.fixme('a shopper who opens 5 products of one category sees more of it in the first 8 places after a reload, without scrolling', async ({
  tab,
}) => {
  const { afterCount, beforeCount } = await shopperScenario(tab, { clicks: 5, top: 8, scroll: false });
  expect(afterCount).toBeGreaterThan(beforeCount);
});

// What does work today in every engine: a ranking that arrives after the hold is applied once the grid is out of
// sight, so a shopper who scrolls down and back up finds it personalized.
test('a shopper who opens 5 products of one category, reloads and scrolls down and back sees more of it in the first 8 places', async ({
  tab,
}) => {
  const { afterCount, beforeCount } = await shopperScenario(tab, { clicks: 5, top: 8, scroll: true });
  expect(afterCount).toBeGreaterThan(beforeCount);
});
