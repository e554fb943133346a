// Reco's placements in the demo shop: the product view's "Similar items" and "Because you viewed" rows, the
// home page's "Recently viewed" row (all filled by Reco.render from the templates in index.html), the
// merchandising rules panel, the switch between the shop's order and the personalized one, and the
// "simulate shoppers" panel. Every call to Reco is guarded: the shop works the same without it.

import { simulateShoppers } from './simulate.js';

const $ = (id) => document.getElementById(id);
const ROW = { limit: 6, currency: 'EUR' };
const PRODUCT_ROW = { limit: 4, currency: 'EUR' };

/**
 * @param {object} shop what the shop shares with its Reco extras
 * @param {() => any} shop.reco the Reco instance, or null while it starts or when it is unavailable
 * @param {() => any[]} shop.catalog the catalog (catalog.json order)
 * @param {() => string[]} shop.homeOrder ids of the home grid in the shop's own order (no filter, no search)
 * @param {() => string | null} shop.pinnedId the item pinned in the home grid
 * @param {() => void} shop.renderHome re-renders the home grid in the shop's order
 * @param {() => void} shop.explainHome says why the home grid is in its order (the shop's, or the shopper's and why)
 * @param {() => void} shop.personalizeHome asks Reco to order the home grid now
 * @param {(what: string, err: unknown) => void} shop.warn
 */
export function createDemoPlacements(shop) {
  let openId = null;
  /** Calls of render() per row, so that only the latest one shows or hides its section. */
  const renders = new Map();

  /**
   * Reco.render, guarded: before init() resolves the global one reserves the row's space at once. A row that comes
   * back empty (no history yet, consent denied, Reco off) hides its section, heading included; a row is shown again
   * when it has items. While a row is being filled its section keeps its place (the page does not jump).
   */
  function render(selector, options) {
    const section = document.querySelector(selector)?.closest('section');
    const asked = (renders.get(selector) ?? 0) + 1;
    renders.set(selector, asked);
    const show = (items) => {
      if (section && renders.get(selector) === asked) section.hidden = !items?.length; // the latest call decides
    };
    const target = shop.reco() ?? window.Reco;
    if (typeof target?.render !== 'function') return show([]);
    try {
      Promise.resolve(target.render(selector, options)).then(
        (items) => show(items),
        (err) => {
          show([]);
          shop.warn('reco.render failed', err);
        },
      );
    } catch (err) {
      show([]);
      shop.warn('reco.render failed', err);
    }
  }

  const renderRecent = () => render('#recent', { placement: 'recently-viewed', ...ROW, itemId: openId ?? undefined });

  function renderProduct() {
    if (!openId) return;
    render('#pd-similar', { placement: 'similar', itemId: openId, ...PRODUCT_ROW });
    render('#pd-byv', { placement: 'because-you-viewed', ...PRODUCT_ROW });
  }

  // ---------- rules panel ----------

  function rulesFromPanel() {
    const rules = { hideUnavailable: $('rule-stock').checked };
    const diversity = $('rule-diversity').value;
    if (diversity === 'mmr') rules.diversity = { mmr: 0.7 };
    else if (diversity) rules.diversity = { by: diversity, max: 2, within: 8 };
    const brand = $('rule-brand').value;
    const weight = Number($('rule-weight').value);
    if (brand && weight) rules.boost = [{ brand, weight }];
    const category = $('rule-category').value;
    const maxPrice = Number($('rule-price').value);
    const filter = {};
    if (category) filter.category = category;
    if (maxPrice < Number($('rule-price').max)) filter.price = { max: maxPrice };
    if (Object.keys(filter).length) rules.filter = filter;
    return rules;
  }

  async function applyRules() {
    const weight = Number($('rule-weight').value);
    $('rule-weight-out').textContent = weight > 0 ? `+${weight}` : String(weight);
    const price = Number($('rule-price').value);
    $('rule-price-out').textContent = price < Number($('rule-price').max) ? `€${price}` : 'any';
    const rules = rulesFromPanel();
    $('rules-json').textContent = JSON.stringify(rules, null, 1);
    const reco = shop.reco();
    if (typeof reco?.setRules !== 'function') return;
    try {
      await reco.setRules(rules);
    } catch (err) {
      shop.warn('reco.setRules failed', err);
    }
    renderRecent();
    renderProduct();
  }

  function wireRules() {
    const catalog = shop.catalog();
    const options = (values) => values.map((v) => Object.assign(document.createElement('option'), { value: v, textContent: v }));
    $('rule-brand').append(...options([...new Set(catalog.map((item) => item.brand))].sort()));
    $('rule-category').append(...options([...new Set(catalog.map((item) => item.category.split(' > ')[0]))]));
    for (const id of ['rule-stock', 'rule-diversity', 'rule-brand', 'rule-weight', 'rule-category', 'rule-price'])
      $(id).addEventListener('change', applyRules);
    for (const id of ['rule-weight', 'rule-price']) $(id).addEventListener('input', applyRules);
    $('rules-json').textContent = JSON.stringify(rulesFromPanel(), null, 1);
  }

  // ---------- the shop's order or the personalized one ----------

  function wireSwitch() {
    $('order-switch').addEventListener('change', (e) => {
      const grid = $('grid-home');
      // data-reco-track-only: Reco records the grid's impressions and clicks and never moves its items.
      grid.toggleAttribute('data-reco-track-only', !e.target.checked);
      shop.renderHome();
      shop.explainHome();
      if (e.target.checked) shop.personalizeHome();
    });
  }

  // ---------- simulate shoppers ----------

  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  const interval = (x) => `${pct(x.mean)} (95% CI ${pct(x.low)}–${pct(x.high)})`;

  async function simulate() {
    const reco = shop.reco();
    const out = $('simulate-result');
    if (typeof reco?.rank !== 'function' || !reco.status().ready) {
      out.textContent = 'Reco is not ready: the simulation needs the model.';
      return;
    }
    $('simulate').disabled = true;
    try {
      const res = await fetch('shoppers.json');
      if (!res.ok) throw new Error(`shoppers.json: HTTP ${res.status}`);
      const data = await res.json();
      const started = performance.now();
      const result = await simulateShoppers({
        rank: (items, options) => reco.rank(items, options),
        catalog: shop.catalog(),
        grid: shop.homeOrder(),
        pinned: shop.pinnedId(),
        data,
        onProgress: (n) => (out.textContent = `Replaying shopper ${n} of ${data.shoppers.length}…`),
      });
      const points = (x) => `${x >= 0 ? '+' : ''}${(100 * x).toFixed(1)}`;
      out.innerHTML = '';
      const lines = [
        `Clicks in the first 8 places, ${result.shoppers} shoppers (${((performance.now() - started) / 1000).toFixed(1)} s):`,
        `Shop's order: ${interval(result.shop)}`,
        `Personalized: ${interval(result.personalized)}`,
        `Lift: ${points(result.lift.mean)} points (95% CI ${points(result.lift.low)} to ${points(result.lift.high)})`,
      ];
      for (const line of lines)
        out.append(Object.assign(document.createElement('span'), { textContent: line }), document.createElement('br'));
    } catch (err) {
      out.textContent = `The simulation failed: ${err?.message ?? err}`;
    } finally {
      $('simulate').disabled = false;
    }
  }

  return {
    /** The rules the panel shows, for init(): grids are arranged by them from the first ranking. */
    rules: () => rulesFromPanel(),
    /** The shop has its catalog: wire the panels and reserve the rows (Reco may still be starting). */
    start() {
      wireRules();
      wireSwitch();
      $('simulate').addEventListener('click', simulate);
      renderRecent();
    },
    /** Reco is ready: apply the rules the panel shows (the same rules as init()'s move nothing), fill the rows. */
    ready() {
      void applyRules();
    },
    /** A product view opened (after its view_item was tracked). */
    productOpened(id) {
      openId = id;
      renderProduct();
      renderRecent();
    },
    productClosed() {
      openId = null;
      renderRecent();
    },
  };
}
