// The script tag of reco.js from the CDN named by ?from=ORIGIN/PATH (cdn-csp.html), written while the page is parsed.
document.write('<script src="' + new URLSearchParams(location.search).get('from') + '/reco.js"></script>');
