// The app's entry, as a bundler would build it: the ES module build of the package, imported and started.
import * as Reco from '/reco.mjs';

window.Reco = Reco;
Reco.init({ backends: ['wasm'] });
