import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vitest/config';

const SVELTE_TESTS = ['test/svelte.test.ts', 'test/svelte-ssr.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: SVELTE_TESTS } },
      // Svelte's components compiled as a Svelte app's build compiles them, and its browser runtime (a test in Node
      // would otherwise get the server's, which mounts nothing).
      {
        extends: true,
        plugins: [svelte()],
        resolve: { conditions: ['browser'] },
        test: { name: 'svelte', include: ['test/svelte.test.ts'] },
      },
      // The same components rendered as a SvelteKit server renders them.
      { extends: true, plugins: [svelte()], test: { name: 'svelte-server', include: ['test/svelte-ssr.test.ts'] } },
    ],
  },
});
