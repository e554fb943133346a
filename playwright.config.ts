import { defineConfig } from '@playwright/test';

// e2e tests run against the built bundle (npm run build) served as a shop serves it, in the system
// Chromium with WebGPU enabled (SwiftShader on machines without a GPU).
const port = Number(process.env['E2E_PORT'] ?? 5174);

export default defineConfig({
  testDir: 'e2e',
  // Playwright empties its outputDir at start: keep it apart from the unit-test report in test-results/.
  outputDir: 'test-results/e2e',
  timeout: 120_000,
  workers: 1,
  reporter: process.env['CI'] ? [['list'], ['json', { outputFile: 'test-results/e2e.json' }]] : 'list',
  use: {
    baseURL: `http://localhost:${port}`,
    launchOptions: {
      executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
      args: ['--enable-unsafe-webgpu', '--disable-quic'],
    },
  },
  webServer: { command: `npx tsx scripts/serve.ts --port ${port}`, url: `http://localhost:${port}/`, reuseExistingServer: false },
});
