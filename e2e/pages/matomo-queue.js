// A stand-in for matomo.js in e2e/pages/matomo.html (this repository cannot ship Matomo's tracker): what matomo.js does
// with the page's _paq as it loads, and nothing else. It applies each queued call, taking its method name off with
// shift() as matomo.js does (a function in the queue is called), then replaces the array by an object whose push applies
// each call at once. It sends nothing: the calls it applied are listed in window.matomoApplied.
(function () {
  window.matomoApplied = [];
  function apply() {
    for (var i = 0; i < arguments.length; i++) {
      var call = arguments[i];
      var f = call.shift();
      if (typeof f === 'function') f.apply(null, call);
      else window.matomoApplied.push([f].concat(call));
    }
  }
  for (var i = 0; i < _paq.length; i++) apply(_paq[i]);
  _paq = { push: apply };
})();
