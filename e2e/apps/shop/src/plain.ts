// The README's bundler path: install the package, import it, call init(). No copy step, no configuration.
import * as Reco from 'reco-sdk';
import { PRODUCTS } from './catalog.ts';

const list = document.createElement('ul');
list.id = 'list';
list.dataset['recoGrid'] = 'home';
for (const p of PRODUCTS) {
  const li = document.createElement('li');
  li.dataset['recoId'] = p.sku;
  li.dataset['recoTitle'] = p.title;
  li.dataset['recoBrand'] = p.brand;
  li.dataset['recoCategory'] = p.category;
  li.dataset['recoPrice'] = String(p.price);
  li.textContent = p.title;
  list.append(li);
}
document.getElementById('root')!.append(list);

// For the tests: the same API a script tag's window.Reco has.
(window as unknown as { Reco: typeof Reco }).Reco = Reco;
// ?worker=URL: an app whose bundler did not copy the worker passes its own workerUrl.
const workerUrl = new URLSearchParams(location.search).get('worker');
void Reco.init({ backends: ['wasm'], ...(workerUrl ? { workerUrl } : {}) });
