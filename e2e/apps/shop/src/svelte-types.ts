// The Svelte binding's types as a strict Svelte app uses them (compiled by the type test, not run).
import { toStore, writable, type Readable } from 'svelte/store';
import { ranked, type RankedStore, type UseRankedOptions } from 'reco-sdk/svelte';

interface Product {
  sku: string;
  title: string;
  price: number;
}
const products = writable<Product[]>([]);
const options: UseRankedOptions<Product> = { id: (p) => p.sku, features: (p) => ({ title: p.title, price: p.price }) };
export const ordered: RankedStore<Product> = ranked(products, options);
// A Svelte store is what it gives: readable as $ordered, and by svelte/store's helpers.
export const readable: Readable<readonly Product[]> = ordered;
export const fromProp = ranked(
  toStore(() => [] as Product[]),
  { id: (p) => p.sku },
);
export const fromArray = ranked(['a', 'b']);
// @ts-expect-error the items are an array or a store of one
ranked('a');
