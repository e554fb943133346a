import { defineConfig } from '@playwright/test';
import { BASE_URL, CHROMIUM_LAUNCH, E2E_PORT } from './e2e/helpers/engines/server.ts';
import type { WorkerFixtures } from './e2e/helpers/test.ts';

// e2e tests run against the built bundle (npm run build) served as a shop serves it, in three engines from
// Debian's packages: Chromium (Playwright; WebGPU on SwiftShader without a GPU), Firefox ESR (WebDriver BiDi)
// and WebKitGTK (classic WebDriver). Specs written with e2e/helpers/test.ts run in all three; `*.chromium.spec.ts`
// use Playwright's own page and Chromium internals, and run in Chromium only.
const CHROMIUM_ONLY = /\.chromium\.spec\.ts$/;

export default defineConfig<object, Pick<WorkerFixtures, 'engineName'>>({
  testDir: 'e2e',
  // Playwright empties its outputDir at start: keep it apart from the unit-test report in test-results/.
  outputDir: 'test-results/e2e',
  timeout: 120_000,
  workers: 1,
  // In CI a failed test runs twice more: a few timing-bound tests (the first view within its 400 ms hold, WebKit's
  // reload-then-forget) fail now and then on a loaded 2-core machine, one run in many, each a different one; while
  // the machine stays loaded, a first retry can fail too (the WebKit CSP test twice in a row, once). A test that
  // passes on a retry is reported as flaky by name (scripts/ci-summary.mjs); one that fails three times fails CI.
  retries: process.env['CI'] ? 2 : 0,
  // The JSON report feeds the CI summary line and reports/browsers.json (scripts/browser-support.ts).
  reporter: [['list'], ['json', { outputFile: 'test-results/e2e.json' }]],
  use: { baseURL: BASE_URL, launchOptions: CHROMIUM_LAUNCH },
  projects: [
    { name: 'chromium', use: { browserName: 'chromium', engineName: 'chromium' } },
    { name: 'firefox', testIgnore: CHROMIUM_ONLY, use: { engineName: 'firefox' } },
    { name: 'webkit', testIgnore: CHROMIUM_ONLY, use: { engineName: 'webkit' } },
  ],
  webServer: { command: `npx tsx scripts/serve.ts --port ${E2E_PORT}`, url: `${BASE_URL}/`, reuseExistingServer: false },
});
