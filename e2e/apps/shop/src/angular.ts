// The Angular app: the list is Angular's (a standalone component, zoneless), ordered by reco-sdk/angular's signal.
// Compiled at run time (JIT: @angular/compiler first), so that Vite builds it with no configuration; an app built by
// the Angular CLI writes `@Component({ … })` on the class, which is the same call.
import '@angular/compiler';
import { Component, computed, provideZonelessChangeDetection, signal } from '@angular/core';
import { bootstrapApplication } from '@angular/platform-browser';
import * as Reco from 'reco-sdk';
import { ranked } from 'reco-sdk/angular';
import { PRODUCTS } from './catalog.ts';

/** The README's Angular example: Angular renders the list in the shopper's order, and a price sort the shopper picks is the sort they get. */
class Products {
  readonly products = signal(PRODUCTS);
  readonly ordered = ranked(this.products, { id: (p) => p.sku }); // title, category, brand, price read from the items
  readonly byPrice = signal(false);
  readonly shown = computed(() => (this.byPrice() ? [...this.products()].sort((a, b) => a.price - b.price) : this.ordered()));
}
Component({
  selector: 'shop-products',
  // data-reco-track-only: Reco records impressions and clicks of this list, and leaves its order to Angular.
  template: `
    <button id="by-price" type="button" (click)="byPrice.set(!byPrice())">Price: low to high</button>
    <ul id="list" data-reco-grid="angular-home" data-reco-track-only>
      @for (p of shown(); track p.sku) {
        <li [attr.data-reco-id]="p.sku" [attr.data-price]="p.price"><a [href]="'#' + p.sku">{{ p.title }}</a></li>
      }
    </ul>
  `,
})(Products);

(window as unknown as { Reco: typeof Reco }).Reco = Reco;
void Reco.init({ backends: ['wasm'] });
document.getElementById('root')!.append(document.createElement('shop-products'));
void bootstrapApplication(Products, { providers: [provideZonelessChangeDetection()] });
