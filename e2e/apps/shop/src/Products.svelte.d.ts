// Products.svelte as TypeScript sees it: e2e/helpers/tarball-app.ts compiles it to Products.svelte.js before the build,
// as a Svelte app's build does (vite-plugin-svelte), so that the build keeps needing no configuration.
import type { Component } from 'svelte';
import type { Product } from './catalog.ts';

declare const Products: Component<{ products: Product[] }>;
export default Products;
