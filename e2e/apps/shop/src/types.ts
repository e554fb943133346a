// The type test: a consumer compiled against the installed package with skipLibCheck: false, strict and
// exactOptionalPropertyTypes (tsconfig.json). Each @ts-expect-error must be an error, or tsc fails.
import {
  BACKENDS,
  destroy,
  explain,
  export as exportAll,
  exportData,
  forget,
  init,
  on,
  personalize,
  rank,
  status,
  track,
  train,
  type Backend,
  type ExportData,
  type GridConfig,
  type ItemFeatures,
  type RecoErrorName,
  type RecoEvent,
  type RecoInstance,
  type RecoOptions,
  type RecoStatus,
} from 'reco-sdk';
import { useRanked, type UseRankedOptions } from 'reco-sdk/react';

const grid: GridConfig = { container: '.grid', item: '.card', id: (el) => el.getAttribute('data-sku'), price: '.price' };
const options: RecoOptions = { backends: ['wasm', 'cpu'], holdout: 0.1, dataLayer: 'read', grids: [grid], consent: 'granted' };
const backend: Backend = BACKENDS[0];

export async function run(): Promise<void> {
  const reco: RecoInstance = await init(options);
  const s: RecoStatus = status();
  const ready: boolean = reco.status().ready && s.ready;
  track('add_to_cart', 'sku-1', { value: 24.9, currency: 'EUR' });
  const ranked: { id: string; score: number }[] = await rank([
    'sku-1',
    { id: 'sku-2', title: 'Lipstick', price: 9 } satisfies ItemFeatures,
  ]);
  const off: () => void = on('event', (e: RecoEvent) => e.itemId);
  on('error', (e) => (e.name as RecoErrorName | 'TypeError') === 'ModelError');
  const data: ExportData = await exportData();
  const same: ExportData = await exportAll();
  await Promise.all([personalize(document), train(), explain('sku-1'), forget()]);
  off();
  await destroy();
  void [backend, ready, ranked, data, same];

  // @ts-expect-error an event type GA4 does not have
  track('add_to_card', 'sku-1');
  // @ts-expect-error impressions and clicks are measured, never reported: track() refuses them
  track('select_item', 'sku-1');
  // The README's examples: a grid's id read from the card's dataset, and the backends in their default order.
  void init({
    grids: [{ container: '.product-grid', item: '.card', id: (el) => el.dataset['sku'], title: '.card-title' }],
    backends: BACKENDS,
  });
  // @ts-expect-error holdout is a number
  void init({ holdout: '0.1' });
  // @ts-expect-error no such backend
  void init({ backends: ['metal'] });
  // @ts-expect-error dataLayer is true, false, 'read' or 'write'
  void init({ dataLayer: 'both' });
  // @ts-expect-error on() knows its events
  on('loaded', () => {});
  // @ts-expect-error extra values are strings, numbers or booleans
  track('purchase', 'sku-1', { items: ['sku-1'] });
}

interface Product {
  sku: string;
  name: string;
}
const byName: UseRankedOptions<Product> = { id: (p) => p.sku, features: (p) => ({ title: p.name }) };
export function useOrdered(products: Product[]): readonly Product[] {
  return useRanked(products, byName);
}
// @ts-expect-error the items keep their type
export const wrong: readonly string[] = useRanked([{ sku: 'a', name: 'b' }], byName);
