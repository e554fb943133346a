// The Svelte app: the list is Svelte's (Products.svelte), ordered by reco-sdk/svelte's store.
import { mount } from 'svelte';
import * as Reco from 'reco-sdk';
import { PRODUCTS } from './catalog.ts';
import Products from './Products.svelte.js';

(window as unknown as { Reco: typeof Reco }).Reco = Reco;
void Reco.init({ backends: ['wasm'] });
mount(Products, { target: document.getElementById('root')!, props: { products: PRODUCTS } });
