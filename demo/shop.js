// Lumière Beauty, the Reco demo shop. Plain JS, no build step. The shop renders its own grids in its own
// order; Reco (loaded by the <script src="/reco.js"> tag) re-orders them for this shopper. Everything
// Reco-related is wrapped so that the shop works exactly the same when Reco is missing or fails.

import { createDemoPlacements } from './placements.js';

const CURRENCY = 'EUR';
const SHOP_SEED = 42;
const HOME_SIZE = 48;
const NEW_SIZE = 12;
const MAX_EVENTS_SHOWN = 60;
const TOPS = ['Makeup', 'Skin Care', 'Hair Care', 'Fragrance', 'Nails', 'Bath & Body'];
/** What the home shelf says about its order: only what is true of the grid the shopper sees. */
const SUBS = {
  ranked: 'Ordered for you by Reco, on this device',
  browsing: 'Reco orders this shelf for you as you browse, on this device',
  switchedOff: 'In the shop’s own order: personalization is switched off',
  off: 'In the shop’s own order: Reco is off on this page',
};

const $ = (id) => document.getElementById(id);
const money = new Intl.NumberFormat('en-IE', { style: 'currency', currency: CURRENCY });
const clock = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const params = new URLSearchParams(location.search);

/** @type {any} the Reco instance, or null when it is unavailable */
let reco = null;
/** Reco could not start (reco.js missing, init() failed): the shop runs in its own order. */
let recoFailed = false;
let catalog = [];
/** @type {Map<string, any>} */
let byId = new Map();
let shopOrder = [];
let pinnedId = null;
let newCutoff = '';
let lastRanked = null;
const rankedLists = new Set();
let openId = null;
/** A product opened before Reco was ready; its view is tracked once Reco starts. */
let pendingView = null;
let impressions = 0;
/** The shopper has done something (a click, a product view, the bag) on this visit or an earlier one. */
let shopperActed = false;
/** The shopper has done something since the home grid was last ranked. */
let unranked = false;
/** Whether the shop hears Reco's events through the global Reco.on() (subscribed before init()). */
let listening = false;
const placements = createDemoPlacements({
  reco: () => reco,
  catalog: () => catalog,
  homeOrder: () => shopOrder.slice(0, HOME_SIZE).map((item) => item.id),
  pinnedId: () => pinnedId,
  renderHome: () => renderHome(),
  explainHome: () => explainHome(),
  personalizeHome: () => personalizeHome(),
  warn: (what, err) => warnOnce(what, err),
});
const shownEvents = new Set();
const state = { category: 'All', query: '' };
const cart = loadCart();

// ---------- data ----------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The shop's own merchandising order: the catalog shuffled by a fixed seed, the same on every visit. */
function shuffled(items, seed) {
  const rng = mulberry32(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

const topOf = (item) => item.category.split(' > ')[0];
/** The shopper's "Personalized order" switch (off: Reco records the home grid and never moves it). */
const personalized = () => $('order-switch').checked;
/**
 * An element built from data without ever parsing it as HTML: attributes are set as attributes (true: present,
 * false or null: absent), children are nodes or text. Catalog data is never trusted: a hostile id or title stays text.
 */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value !== false && value != null) el.setAttribute(name, value === true ? '' : String(value));
  }
  el.append(...children.filter((c) => c != null && c !== false).map((c) => (typeof c === 'object' ? c : String(c))));
  return el;
}
/** An image of the shop's own origin, or none: a catalog can never make the page load another site's URL. */
const ownImage = (url) => {
  try {
    return new URL(String(url), location.href).origin === location.origin ? String(url) : null;
  } catch {
    return null;
  }
};
/** "Brand Product, Shade" without the size, for compact mentions. */
const mention = (item) => item.title.replace(/, [\d.x ]+(fl oz|oz)$/, '');
/** Shops show the brand on its own line, so the title under it drops the brand prefix. */
const shortTitle = (item) => (item.title.startsWith(`${item.brand} `) ? item.title.slice(item.brand.length + 1) : item.title);

// ---------- rendering ----------

function card(item, { pinned = false } = {}) {
  const isNew = item.added >= newCutoff;
  const badge = pinned ? h('span', { class: 'badge badge-promo' }, 'Promoted') : isNew ? h('span', { class: 'badge' }, 'New') : null;
  return h(
    'article',
    {
      class: 'card',
      'data-reco-id': item.id,
      'data-reco-title': item.title,
      'data-reco-category': item.category,
      'data-reco-brand': item.brand,
      'data-reco-price': item.price,
      'data-reco-pin': pinned,
    },
    h(
      'a',
      { class: 'card-link', href: `#/p/${encodeURIComponent(item.id)}` },
      h('span', { class: 'card-media' }, h('img', { src: ownImage(item.image), alt: '', width: 200, height: 200, decoding: 'async' })),
      badge,
      h('span', { class: 'card-brand' }, item.brand),
      h('span', { class: 'card-title' }, shortTitle(item)),
    ),
    rating(item),
    h(
      'div',
      { class: 'card-foot' },
      h('span', { class: 'price' }, money.format(item.price)),
      h('button', { class: 'add', type: 'button', 'data-add': item.id, 'aria-label': `Add ${item.title} to cart` }, 'Add to cart'),
    ),
  );
}

function rating(item) {
  const stars = h('span', { class: 'stars', 'aria-hidden': 'true' }, '★★★★★');
  // Through the CSSOM, not a style attribute: a strict Content-Security-Policy (style-src 'self') allows it.
  stars.style.setProperty('--rating', String(Number(item.rating) || 0));
  return h(
    'p',
    { class: 'rating' },
    stars,
    h('span', { class: 'visually-hidden' }, `${item.rating} out of 5 stars,`),
    ' ',
    h('span', { class: 'reviews' }, `${Number(item.reviews).toLocaleString('en-IE')} reviews`),
  );
}

function renderChips() {
  $('chips').replaceChildren(
    ...['All', ...TOPS].map((top) =>
      h('button', { type: 'button', class: 'chip', 'data-category': top, 'aria-pressed': String(top === state.category) }, top),
    ),
  );
}

function renderHome() {
  const words = state.query.toLowerCase().split(/\s+/).filter(Boolean);
  const filtering = state.category !== 'All' || words.length > 0;
  // The shop's own search: products with every word, title matches before category matches (its relevance order).
  const relevance = (item) => words.reduce((n, w) => n + (item.title.toLowerCase().includes(w) ? 2 : 1), 0);
  const items = shopOrder
    .filter((item) => state.category === 'All' || topOf(item) === state.category)
    .filter((item) => words.every((w) => `${item.title} ${item.category}`.toLowerCase().includes(w)))
    .sort((a, b) => relevance(b) - relevance(a))
    .slice(0, HOME_SIZE);
  const grid = $('grid-home');
  // Search results: Reco blends the shop's relevance order with the shopper's (data-reco-query).
  if (words.length) grid.dataset.recoQuery = state.query.trim();
  else delete grid.dataset.recoQuery;
  grid.replaceChildren(...items.map((item) => card(item, { pinned: !filtering && item.id === pinnedId })));
  grid.removeAttribute('aria-busy');
  const forYou = personalized() ? ', recommended for you' : '';
  $('home-title').textContent = words.length
    ? `Results for “${state.query.trim()}”`
    : state.category === 'All'
      ? forYou
        ? 'Recommended for you'
        : 'Our selection'
      : `${state.category}${forYou}`;
  $('home-count').textContent = `${items.length} products`;
  $('home-empty').hidden = items.length > 0;
  for (const chip of document.querySelectorAll('.chip'))
    chip.setAttribute('aria-pressed', String(chip.dataset.category === state.category));
}

function renderNew() {
  const items = [...catalog].sort((a, b) => b.added.localeCompare(a.added) || a.id.localeCompare(b.id)).slice(0, NEW_SIZE);
  $('grid-new').replaceChildren(...items.map((item) => card(item)));
  $('grid-new').removeAttribute('aria-busy');
}

// ---------- Reco (all calls guarded: the shop must never break because of it) ----------

const warned = new Set();
function warnOnce(what, err) {
  if (warned.has(what)) return;
  warned.add(what);
  console.warn(`[shop] ${what}:`, err);
}

function track(type, id, extra) {
  if (!reco) return;
  try {
    if (extra === undefined) reco.track(type, id);
    else reco.track(type, id, extra);
  } catch (err) {
    warnOnce('reco.track failed', err);
  }
}

function recoOptions() {
  // The catalog is also the feed Reco's placements draw from (similar items, recently viewed, ...).
  const options = {
    modelUrl: params.get('model') || '/models/default/model.json',
    catalogUrl: 'catalog.json',
    rules: placements.rules(),
  };
  // ?backends=wasm,cpu: only names the SDK knows (its own list, Reco.BACKENDS), so a typo never stops Reco.
  const known = window.Reco.BACKENDS ?? [];
  const backends = (params.get('backends') || '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => known.includes(b));
  if (backends.length) options.backends = backends;
  // ?allowSoftwareGpu: run WebGPU and WebGL on a software adapter too (SwiftShader on machines without a GPU).
  if (params.has('allowSoftwareGpu')) options.allowSoftwareGpu = true;
  if (params.has('debug')) options.debug = true;
  const consent = params.get('consent');
  if (consent === 'granted' || consent === 'denied') options.consent = consent;
  // ?learnEvery=N: a learning round after every N clicks (no interval); 0 turns automatic rounds off.
  const learnEvery = Number(params.get('learnEvery'));
  if (params.has('learnEvery') && Number.isInteger(learnEvery) && learnEvery >= 0)
    Object.assign(options, { trainAfterEvents: learnEvery, trainIntervalMinutes: 0 });
  return options;
}

/**
 * Starts Reco at once, as the README's quick start does: its worker reads the shopper's history and fetches the
 * model while the shop fetches its catalog, so the first grid is ranked within its hold. The shop wires it up
 * (startReco) once its grids are rendered.
 */
function initReco() {
  try {
    if (typeof window.Reco?.init !== 'function') throw new Error('reco.js did not load');
    listening = listen(window.Reco);
    const started = Promise.resolve(window.Reco.init(recoOptions()));
    started.catch(() => {}); // startReco reports a failure, once the page is rendered
    return started;
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * Subscribes to Reco's events before init(), through the global Reco.on(): the first grid is often ranked while
 * init() is still running, and a listener added after it would miss that ranking (and offer "Show my picks" for a
 * grid that already shows them). An SDK without the global Reco.on() is heard through its instance, once init() resolves.
 */
function listen(target) {
  if (typeof target?.on !== 'function') return false;
  try {
    target.on('event', (event) => {
      addEvent(event);
      offerPicks();
    });
    target.on('ranked', (detail) => onRanked(detail));
    target.on('error', (err) => showError(err?.message ?? String(err)));
  } catch (err) {
    warnOnce('reco.on failed', err);
  }
  return true;
}

async function startReco(started) {
  try {
    placements.start();
    reco = await started;
  } catch (err) {
    reco = null;
    recoFailed = true;
    explainHome();
    console.warn('[shop] Reco is unavailable; the shop keeps its own order.', err);
    setState('off', 'Off');
    showError(`Reco could not start: ${err?.message ?? err}. The shop shows its own order.`);
    for (const id of ['export', 'forget']) $(id).disabled = true;
    return;
  }
  if (!listening) listen(reco);
  if (pendingView) {
    track('view_item', pendingView);
    placements.productOpened(pendingView);
  }
  pendingView = null;
  placements.ready();
  refreshStatus();
  setInterval(refreshStatus, 1000);
  try {
    const data = await reco.export();
    for (const event of data.events.slice(-MAX_EVENTS_SHOWN)) addEvent(event, { stored: true });
  } catch (err) {
    warnOnce('reco.export failed', err);
  }
  explainHome();
  offerPicks();
}

function refreshStatus() {
  if (!reco) return;
  let s;
  try {
    s = reco.status();
  } catch (err) {
    warnOnce('reco.status failed', err);
    return;
  }
  if (s.ready) setState('ready', s.control ? 'Ready · control group' : 'Ready');
  else if (s.engine === 'off') setState('off', s.consent === 'denied' ? 'Off · consent denied' : 'Off');
  else if (s.lastError) setState('off', 'Shop order');
  else setState('loading', 'Loading model…');
  $('f-backend').textContent = s.backend ?? '–';
  $('f-model').textContent = s.model ? `${s.model.id} · v${s.model.version}` : '–';
  $('f-events').textContent = String(s.events ?? 0);
  $('f-storage').textContent = { indexeddb: 'IndexedDB', memory: 'Memory only', off: 'Off' }[s.storage] ?? s.storage ?? '–';
  $('f-consent').textContent = `${s.consent ?? '–'}${s.gpc ? ' · GPC on' : ''}`;
  if (s.lastRankMs != null && !lastRanked) $('f-latency').textContent = `${s.lastRankMs.toFixed(1)} ms`;
  if (s.lastError) showError(s.lastError);
}

function setState(kind, text) {
  const pill = $('reco-state');
  pill.dataset.state = kind;
  pill.textContent = text;
  $('panel-dot').dataset.state = kind;
}

/**
 * Reco never re-orders a grid the shopper is looking at (no layout jumps): when the model is ready after
 * the home grid was shown, or the shopper has opened products since its last ranking, it is re-ordered once it
 * is out of sight. The shop may instead offer the personalized order now: a click is the shopper's own action,
 * and personalize() animates the moves. Not on a first visit before any click: there is nothing to order by yet.
 */
function offerPicks() {
  const button = $('home-apply');
  const status = reco?.status?.();
  if (!status?.ready || status.control || !unranked || !personalized()) return;
  button.hidden = false;
  button.onclick = async () => {
    button.hidden = true;
    try {
      await reco.personalize($('grid-home').parentElement ?? document);
    } catch (err) {
      warnOnce('reco.personalize failed', err);
    }
  };
}

function showError(message) {
  const el = $('f-error');
  el.textContent = message;
  el.hidden = false;
}

function onRanked(detail) {
  lastRanked = detail;
  rankedLists.add(detail.listId);
  if (detail.listId === 'home') {
    unranked = false;
    $('home-apply').hidden = true;
  }
  $('f-latency').textContent = `${Number(detail.ms).toFixed(1)} ms · ${detail.listId} (${detail.order?.length ?? 0} items)`;
  if (detail.listId === 'home') explainHome(detail.order);
}

/**
 * What the home shelf's line says: "Because you viewed …" for the top pick of a grid Reco ranked, where this SDK
 * version has `explain()`; otherwise whose order it is (the shop's, until Reco has ranked it). The line is set
 * once, when its reason is known (one line, cut with an ellipsis: a longer one would push the grid and the order
 * switch down while the shopper reaches for them).
 */
let explained = 0;
async function explainHome(order = [...$('grid-home').querySelectorAll('[data-reco-id]')].map((el) => el.dataset.recoId)) {
  const asked = ++explained;
  const because = personalized() ? await reasonForTopPick(order) : null;
  if (asked !== explained) return; // a newer ranking's reason is on its way
  const sub = $('home-sub');
  if (!personalized()) $('home-apply').hidden = true;
  sub.textContent = homeLine(because);
  sub.title = sub.textContent;
  const line = $('panel-because');
  line.hidden = !because;
  if (because) line.textContent = `Pick “${because.pick}”: because you viewed ${because.names.join(' and ')}.`;
}

/** The home shelf's line for the order the shopper sees: never "for you" when it is the shop's own. */
function homeLine(because) {
  if (!personalized()) return SUBS.switchedOff;
  let engine;
  try {
    engine = reco?.status?.().engine;
  } catch (err) {
    warnOnce('reco.status failed', err);
  }
  if (recoFailed || engine === 'off' || engine === 'down') return SUBS.off;
  // Before Reco has ranked the grid, or ranked it with nothing to go by (a first visit): not yet "for you".
  if (!rankedLists.has('home') || !shopperActed) return SUBS.browsing;
  return because ? `Because you viewed ${because.names.join(' and ')}` : SUBS.ranked;
}

/** The first of the top picks that has a reason: the top pick is often an item the shopper opened already. */
async function reasonForTopPick(order) {
  if (typeof reco?.explain !== 'function' || !order?.length) return null;
  try {
    for (const top of order.filter((id) => id !== pinnedId).slice(0, 6)) {
      const { because } = await reco.explain(top);
      const names = (because ?? []).slice(0, 2).map((b) => (byId.has(b.itemId) ? mention(byId.get(b.itemId)) : b.title || b.itemId));
      if (names.length) return { pick: byId.has(top) ? mention(byId.get(top)) : top, names };
    }
  } catch (err) {
    warnOnce('reco.explain failed', err);
  }
  return null;
}

// ---------- live event list ----------

/** Shows an event in the panel: live, or `stored` (read back at start, from this visit or earlier ones). */
function addEvent(event, { stored = false } = {}) {
  if (shownEvents.has(event.id)) return;
  shownEvents.add(event.id);
  if (event.type !== 'view_item_list') {
    shopperActed = true;
    // What the shopper did that the home grid's order does not reflect yet.
    if (!(stored && rankedLists.has('home'))) unranked = true;
  }
  const list = $('events');
  const item = byId.get(event.itemId);
  const li = document.createElement('li');
  li.className = `event event-${event.type}`;
  const where = [event.listId, event.position != null ? `#${event.position + 1}` : null].filter(Boolean).join(' ');
  const value = event.extra?.value != null ? ` · ${money.format(Number(event.extra.value))}` : '';
  li.append(
    h('span', { class: 'event-type' }, event.type),
    '\n',
    h('span', { class: 'event-title' }, item?.title ?? event.itemId),
    '\n',
    h('span', { class: 'event-meta' }, `${where ? `${where} · ` : ''}${clock.format(new Date(event.ts))}${value}`),
  );
  list.prepend(li);
  while (list.children.length > MAX_EVENTS_SHOWN) list.lastElementChild.remove();
  if (event.type === 'view_item_list') $('impression-count').textContent = String(++impressions);
  updateEventsEmpty();
}

function updateEventsEmpty() {
  const selector = document.body.classList.contains('show-impressions') ? '.event' : '.event:not(.event-view_item_list)';
  $('events-empty').hidden = $('events').querySelector(selector) != null;
}

// ---------- product view, cart ----------

const dialog = $('product');

function openProduct(id) {
  const item = byId.get(id);
  if (!item) return;
  openId = id;
  $('pd-img').src = ownImage(item.image) ?? '';
  $('pd-crumbs').textContent = item.category.split(' > ').join(' / ');
  $('pd-brand').textContent = item.brand;
  $('pd-title').textContent = shortTitle(item);
  $('pd-rating').replaceChildren(...rating(item).childNodes);
  $('pd-price').textContent = money.format(item.price);
  $('pd-shade').hidden = !item.shade;
  $('pd-swatch').style.background = item.color;
  $('pd-shade-name').textContent = item.shade ? `Shade: ${item.shade} · ${item.size}` : '';
  $('pd-desc').textContent = `${item.description}${item.shade ? '' : ` Size: ${item.size}.`}`;
  $('pd-add').dataset.add = id;
  if (!dialog.open) dialog.showModal();
  if (reco) {
    track('view_item', id);
    placements.productOpened(id);
  } else pendingView = id;
}

/**
 * How many product entries the shopper's history holds above the shop page they came from: a product link pushes
 * one (#/p/id). Closing the product view (×, Esc, the backdrop) goes back that many, so that Back afterwards leaves
 * the shop as it would on any site, instead of landing on a dead entry. 0: no shop page below (the shopper arrived
 * on a product's address), so closing only drops the product from the address.
 */
let productSteps = 0;
/** The address closed the product view (Back): its close event, which comes later, leaves history alone. */
let closedByRoute = false;

function route(event) {
  const match = /^#\/p\/(.+)$/.exec(location.hash);
  let id = null;
  try {
    id = match && decodeURIComponent(match[1]);
  } catch {
    // A malformed address opens nothing.
  }
  if (id) {
    const steps = history.state?.productSteps;
    if (Number.isInteger(steps))
      productSteps = steps; // Back or Forward to an entry seen before
    else {
      // A new entry: one more above the shop page, or the shopper arrived here from elsewhere.
      productSteps = !event ? 0 : !dialog.open ? 1 : productSteps > 0 ? productSteps + 1 : 0;
      history.replaceState({ ...history.state, productSteps }, '');
    }
    if (openId !== id || !dialog.open) openProduct(id);
  } else {
    productSteps = 0;
    if (dialog.open) {
      closedByRoute = true;
      dialog.close();
    }
  }
}

dialog.addEventListener('close', () => {
  openId = null;
  placements.productClosed();
  // Closed by the shopper (×, Esc, the backdrop) rather than by Back: leave the product's history entries.
  if (closedByRoute || !location.hash.startsWith('#/p/')) {
    closedByRoute = false;
    return;
  }
  if (productSteps > 0) history.go(-productSteps);
  else history.replaceState(null, '', location.pathname + location.search);
  productSteps = 0;
});

function loadCart() {
  try {
    return JSON.parse(sessionStorage.getItem('lumiere-cart') || '[]');
  } catch {
    return [];
  }
}

function saveCart() {
  try {
    sessionStorage.setItem('lumiere-cart', JSON.stringify(cart));
  } catch {
    // A full or blocked sessionStorage only costs the bag on reload.
  }
  const count = cart.length;
  $('cart-count').textContent = String(count);
  $('cart-count').dataset.empty = String(count === 0);
  $('cart-button').setAttribute('aria-label', `Shopping bag, ${count} item${count === 1 ? '' : 's'}`);
}

function addToCart(id) {
  const item = byId.get(id);
  if (!item) return;
  cart.push(id);
  saveCart();
  track('add_to_cart', id, { value: item.price, currency: CURRENCY });
  toast(`Added to your bag: ${item.title}`);
}

function renderCart() {
  const lines = cart.flatMap((id, i) => {
    const item = byId.get(id);
    return item
      ? [
          h(
            'li',
            {},
            h('img', { src: ownImage(item.image), alt: '', width: 56, height: 56 }),
            h('span', {}, h('b', {}, item.brand), ` ${shortTitle(item)}`),
            h('span', {}, money.format(item.price)),
            h('button', { type: 'button', class: 'link', 'data-remove': i }, 'Remove'),
          ),
        ]
      : [];
  });
  $('cart-lines').replaceChildren(...lines);
  $('cart-empty').hidden = cart.length > 0;
  $('checkout').disabled = cart.length === 0;
  $('cart-total').textContent = money.format(cart.reduce((sum, id) => sum + (byId.get(id)?.price ?? 0), 0));
}

let toastTimer = 0;
function toast(text) {
  const el = $('toast');
  el.textContent = text;
  el.dataset.show = 'true';
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (el.dataset.show = 'false'), 2600);
}

// ---------- panel ----------

function setPanel(open) {
  document.body.classList.toggle('panel-open', open);
  $('panel-tab').setAttribute('aria-expanded', String(open));
  // Closed, the panel is off-screen: its controls (Forget me among them) leave the tab order and the accessibility tree.
  $('panel-body').inert = !open;
  try {
    localStorage.setItem('lumiere-panel', open ? 'open' : 'closed');
  } catch {
    // Not remembering the panel state is fine.
  }
}

async function exportData() {
  try {
    const data = await reco.export();
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' }));
    const a = Object.assign(document.createElement('a'), {
      href: url,
      download: `reco-export-${new Date().toISOString().slice(0, 10)}.json`,
    });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  } catch (err) {
    showError(`Export failed: ${err?.message ?? err}`);
  }
}

async function forgetMe() {
  try {
    await reco.forget();
    try {
      sessionStorage.removeItem('lumiere-cart');
    } catch {
      // Nothing to clear.
    }
    location.reload();
  } catch (err) {
    showError(`Forget failed: ${err?.message ?? err}`);
  }
}

// ---------- wiring ----------

function wire() {
  document.addEventListener('click', (e) => {
    const target = e.target instanceof Element ? e.target : null;
    const add = target?.closest('[data-add]');
    if (add) return addToCart(add.dataset.add);
    const chip = target?.closest('.chip');
    if (chip) {
      state.category = chip.dataset.category;
      renderHome();
      personalizeHome();
      return;
    }
    const remove = target?.closest('[data-remove]');
    if (remove) {
      const [id] = cart.splice(Number(remove.dataset.remove), 1);
      const item = byId.get(id);
      if (item) track('remove_from_cart', id, { value: item.price, currency: CURRENCY });
      saveCart();
      renderCart();
      return;
    }
    if (target?.closest('[data-close]')) target.closest('dialog')?.close();
  });
  for (const d of document.querySelectorAll('dialog')) {
    d.addEventListener('click', (e) => {
      if (e.target === d) d.close();
    });
  }
  window.addEventListener('hashchange', route);

  let searchTimer = 0;
  $('search').addEventListener('input', (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      state.query = e.target.value;
      renderHome();
      personalizeHome();
    }, 200);
  });
  $('search-form').addEventListener('submit', (e) => e.preventDefault());

  $('cart-button').addEventListener('click', () => {
    renderCart();
    $('cart').showModal();
  });
  $('checkout').addEventListener('click', () => {
    for (const id of cart) {
      const item = byId.get(id);
      if (item) track('purchase', id, { value: item.price, currency: CURRENCY });
    }
    cart.length = 0;
    saveCart();
    $('cart').close();
    toast('Thank you! This is a demo, so no order was placed.');
  });

  $('panel-tab').addEventListener('click', () => setPanel(!document.body.classList.contains('panel-open')));
  $('panel-close').addEventListener('click', () => setPanel(false));
  $('hero-panel').addEventListener('click', () => setPanel(true));
  $('show-impressions').addEventListener('change', (e) => {
    document.body.classList.toggle('show-impressions', e.target.checked);
    updateEventsEmpty();
  });
  $('export').addEventListener('click', () => reco && exportData());
  $('forget').addEventListener('click', () => reco && forgetMe());
}

/** A re-rendered grid holds new nodes: ask Reco to order it now rather than wait for its observer. */
function personalizeHome() {
  if (!reco) return;
  try {
    Promise.resolve(reco.personalize($('recommended'))).catch((err) => warnOnce('reco.personalize failed', err));
  } catch (err) {
    warnOnce('reco.personalize failed', err);
  }
}

async function main() {
  // panel-state.js opened or closed the panel before the first paint.
  setPanel(document.body.classList.contains('panel-open'));
  wire();
  saveCart();
  renderChips();
  const started = initReco();
  try {
    const res = await fetch('catalog.json');
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    catalog = await res.json();
  } catch (err) {
    console.error('[shop] could not load catalog.json', err);
    $('home-empty').textContent = 'The catalog could not be loaded.';
    $('home-empty').hidden = false;
    for (const grid of document.querySelectorAll('.grid[aria-busy]')) grid.removeAttribute('aria-busy');
    return;
  }
  byId = new Map(catalog.map((item) => [item.id, item]));
  shopOrder = shuffled(catalog, SHOP_SEED);
  newCutoff = [...catalog.map((item) => item.added)].sort().reverse()[NEW_SIZE - 1] ?? '';
  // The promoted item: this season's newest fragrance, pinned third in the home grid.
  const promo = [...catalog].filter((item) => topOf(item) === 'Fragrance').sort((a, b) => b.added.localeCompare(a.added))[0];
  if (promo) {
    pinnedId = promo.id;
    shopOrder = shopOrder.filter((item) => item.id !== promo.id);
    shopOrder.splice(2, 0, promo);
  }
  renderHome();
  renderNew();
  route();
  await startReco(started);
}

main();
