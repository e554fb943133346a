// The test's Svelte components, as TypeScript sees them (the Svelte plugin compiles them for Vitest).
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>, Record<string, unknown>>;
  export default component;
}
