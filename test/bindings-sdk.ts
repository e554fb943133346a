/**
 * The SDK as the Vue and Svelte bindings see it (src/index.ts, for `vi.mock`): rank() best first by a score table the
 * test sets, and events the test fires. The bindings' shared part, src/list-order.ts, is the real one.
 */
export const sdk = {
  ready: true,
  scores: {} as Record<string, number>,
  readyListeners: new Set<() => void>(),
  rulesListeners: new Set<() => void>(),
  eventListeners: new Set<(e: { type: string }) => void>(),
  ranked: [] as string[][],
  events: 1,
};

/** The app's products, as the tests' lists have them: the SDK's scores order them c, a, b; their prices b, c, a. */
export interface Product {
  sku: string;
  price: number;
}
export const PRODUCTS: Product[] = [
  { sku: 'a', price: 3 },
  { sku: 'b', price: 1 },
  { sku: 'c', price: 2 },
];

/** Each test from the same start: ready, scores c > a > b, a shopper with a history, no listener. */
export function resetSdk(): void {
  Object.assign(sdk, { ready: true, scores: { c: 3, a: 2, b: 1 }, ranked: [], events: 1 });
  sdk.readyListeners.clear();
  sdk.rulesListeners.clear();
  sdk.eventListeners.clear();
}

export const status = () => ({
  ready: sdk.ready,
  storage: 'indexeddb',
  storageReason: null,
  engine: 'ready',
  control: false,
  events: sdk.events,
});

export function on(type: 'ready' | 'rules' | 'event', fn: (e: { type: string }) => void): () => void {
  const listeners: Set<(e: { type: string }) => void> =
    type === 'ready' ? sdk.readyListeners : type === 'rules' ? sdk.rulesListeners : sdk.eventListeners;
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export async function rank(items: { id: string }[]): Promise<{ id: string; score: number }[]> {
  sdk.ranked.push(items.map((i) => i.id));
  const score = (id: string) => (sdk.ready ? (sdk.scores[id] ?? 0) : 0);
  return items.map((i) => ({ id: i.id, score: score(i.id) })).sort((a, b) => b.score - a.score);
}
