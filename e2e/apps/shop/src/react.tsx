// The README's React example: the app renders the list in the shopper's order; Reco never moves its nodes.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import * as Reco from 'reco-sdk';
import { useRanked } from 'reco-sdk/react';
import { PRODUCTS, type Product } from './catalog.ts';

/** ?soldout=SKU: the app's data says that product is out of stock. */
const soldOut = new URLSearchParams(location.search).get('soldout');

function Products({ products }: { products: Product[] }) {
  const ordered = useRanked(products, {
    id: (p) => p.sku,
    features: (p) => ({
      title: p.title,
      brand: p.brand,
      category: p.category,
      price: p.price,
      ...(p.sku === soldOut && { available: false }),
    }),
  });
  // data-reco-track-only: Reco records impressions and clicks of this list, and leaves its order to React.
  return (
    <ul id="list" data-reco-grid="react-home" data-reco-track-only="">
      {ordered.map((p) => (
        <li key={p.sku} data-reco-id={p.sku}>
          <a href={`#${p.sku}`}>{p.title}</a>
        </li>
      ))}
    </ul>
  );
}

function App() {
  const [renders, setRenders] = useState(0);
  return (
    <main>
      <button id="rerender" type="button" onClick={() => setRenders(renders + 1)}>
        Re-render ({renders})
      </button>
      <Products products={PRODUCTS} />
    </main>
  );
}

(window as unknown as { Reco: typeof Reco }).Reco = Reco;
void Reco.init({ backends: ['wasm'] });
createRoot(document.getElementById('root')!).render(<App />);
