// @vitest-environment node
/**
 * The ES build imported where the app's pages are rendered on a server (Next.js, Nuxt, Remix, Astro): no document, no
 * window, no IndexedDB. init() must not take the server down (an unhandled rejection ends a Node process).
 */
import { expect, it } from 'vitest';
import { init, rank, status } from '../src/index.ts';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { useRanked } from '../src/react.ts';
import { createSSRApp, defineComponent, h } from 'vue';
import { renderToString as renderVueToString } from 'vue/server-renderer';
import { useRanked as useRankedVue } from '../src/vue.ts';

it('init() on a server resolves an instance that starts nothing: the given order, no items, and status() says why', async () => {
  expect(typeof document).toBe('undefined');
  const reco = await init({ holdout: 0.1 });
  expect(reco.status()).toMatchObject({ ready: false, engine: 'off', storage: 'off' });
  expect(reco.status().lastError).toBe(
    'Reco runs in the browser: init() was called where there is no document (server-side rendering), and started nothing',
  );
  reco.track('view_item', 'sku-1');
  expect(await reco.rank(['b', 'a'])).toEqual([
    { id: 'b', score: 0 },
    { id: 'a', score: 0 },
  ]);
  expect(await reco.recommend({ placement: 'for-you' })).toEqual([]);
  expect(await rank(['c'])).toEqual([{ id: 'c', score: 0 }]);
  expect(status().ready).toBe(false);
  // React's server render of a list ordered by useRanked: the order given.
  const List = () => createElement('ul', null, ...useRanked(['p2', 'p1'], { id: (p) => p }).map((p) => createElement('li', { key: p }, p)));
  expect(renderToString(createElement(List))).toBe('<ul><li>p2</li><li>p1</li></ul>');
  // Vue's (Nuxt): the same.
  const VueList = defineComponent({
    setup() {
      const ordered = useRankedVue(['p2', 'p1'], { id: (p) => p });
      return () =>
        h(
          'ul',
          ordered.value.map((p) => h('li', { key: p }, p)),
        );
    },
  });
  expect(await renderVueToString(createSSRApp(VueList))).toBe('<ul><li>p2</li><li>p1</li></ul>');
});
