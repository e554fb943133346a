// A shop whose server renders the cards and whose script webpack 5 bundles, with no configuration file: install the
// package, import it, call init(). No copy step. (Plain JavaScript: webpack reads no TypeScript without a loader.)
import * as Reco from 'reco-sdk';

// For the tests: the same API a script tag's window.Reco has.
window.Reco = Reco;
void Reco.init({ backends: ['wasm'] });
