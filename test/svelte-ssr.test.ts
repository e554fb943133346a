// @vitest-environment node
/**
 * reco-sdk/svelte where a SvelteKit app's pages are rendered on a server: no document, no window. The list renders
 * in the order given (the browser's init() personalizes it), and nothing is started or thrown.
 */
import { render } from 'svelte/server';
import { expect, it } from 'vitest';
import { status } from '../src/index.ts';
import Products from './svelte/Products.svelte';

it("Svelte's server render of a list ordered by ranked(): the order given, and nothing started", () => {
  expect(typeof document).toBe('undefined');
  const products = [
    { sku: 'p2', price: 2 },
    { sku: 'p1', price: 1 },
  ];
  const { body } = render(Products, { props: { products } });
  const ids = [...body.matchAll(/data-reco-id="([^"]+)"/g)].map((m) => m[1]);
  expect(ids).toEqual(['p2', 'p1']);
  expect(status()).toMatchObject({ ready: false, engine: 'off' });
});
