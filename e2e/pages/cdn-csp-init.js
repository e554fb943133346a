// The shop's own file that starts Reco (a policy without 'unsafe-inline' refuses an inline Reco.init()).
window.recoStarted = Reco.init({ backends: ['wasm'] });
