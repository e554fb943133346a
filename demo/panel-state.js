// The "Reco inside" panel opens as the shopper left it (open by default on windows 1200 px and wider) before the
// page is first painted: opened later, it would narrow the whole page under the shopper's eyes (a layout shift).
// A classic script at the top of <body>, so it runs before anything below it is laid out; shop.js wires the panel.
(() => {
  let stored = null;
  try {
    stored = localStorage.getItem('lumiere-panel');
  } catch {
    // Private modes may block storage; the default applies.
  }
  document.body.classList.toggle('panel-open', stored ? stored === 'open' : window.matchMedia('(min-width: 1200px)').matches);
})();
