// A shop whose server renders the cards and whose script a bundler makes with no configuration (webpack 5, esbuild):
// install the package, import it, call init(). (Plain JavaScript: neither reads TypeScript without a loader.)
import * as Reco from 'reco-sdk';

// For the tests: the same API a script tag's window.Reco has.
window.Reco = Reco;
// ?worker=URL&model=URL: the package's dist/ served by the shop itself, where the bundler copied no worker.
const given = new URLSearchParams(location.search);
const urls = Object.fromEntries(
  [
    ['workerUrl', given.get('worker')],
    ['modelUrl', given.get('model')],
  ].filter(([, url]) => url),
);
void Reco.init({ backends: ['wasm'], ...urls });
