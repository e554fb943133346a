// The Angular binding's types as a strict Angular app uses them (compiled by the type test, not run).
import { Injector, input, signal, type Signal } from '@angular/core';
import { ranked, type RankedOptions, type UseRankedOptions } from 'reco-sdk/angular';

interface Product {
  sku: string;
  title: string;
  price: number;
}
const products = signal<Product[]>([]);
const read: UseRankedOptions<Product> = { id: (p) => p.sku, features: (p) => ({ title: p.title, price: p.price }) };
export const ordered: Signal<readonly Product[]> = ranked(products, read);
export const fromInput = ranked(input<Product[]>([]), { id: (p) => p.sku });
export const fromGetter = ranked(() => products().slice(0, 4), { id: (p) => p.sku });
export const fromArray: Signal<readonly string[]> = ranked(['a', 'b']);
const outside: RankedOptions<Product> = { ...read, injector: Injector.create({ providers: [] }) };
export const elsewhere = ranked(products, outside);
// @ts-expect-error the items are an array, a signal of one or a function returning one
ranked(42);
