/**
 * The cross-engine test object. A spec that imports `test` from here and uses only the `tab` (and `engine`)
 * fixtures runs in the three Playwright projects: chromium, firefox and webkit. Specs that need Chromium
 * internals (Playwright's own `page`, WebGPU, layout-shift entries, request routing) are named `*.chromium.spec.ts`
 * and run in the chromium project only.
 *
 *   import { expect, test } from './helpers/test.ts';
 *   test('…', async ({ tab }) => { await tab.goto('/'); … });
 */
import { test as base, type TestInfo } from '@playwright/test';
import { chromiumDriver } from './engines/chromium.ts';
import { firefoxDriver } from './engines/firefox.ts';
import type { BrowserPage, BrowserSession, EngineDriver, EngineName } from './engines/page.ts';
import { BASE_URL, CHROMIUM_LAUNCH } from './engines/server.ts';
import { webkitDriver } from './engines/webkit.ts';

export { expect } from '@playwright/test';
export type { BrowserPage, BrowserSession, EngineDriver, EngineName } from './engines/page.ts';

export interface WorkerFixtures {
  /** Which engine this project runs (set per project in playwright.config.ts). */
  engineName: EngineName;
  /** The browser of this worker: hands out isolated sessions. */
  engine: EngineDriver;
}

interface TestFixtures {
  /** A fresh profile for this test, closed after it (its console lines are attached when the test fails). */
  session: BrowserSession;
  /** The session's tab. */
  tab: BrowserPage;
}

/** Attaches what the page said and requested, so a failure in any engine can be read from the report. */
export async function attachLogs(testInfo: TestInfo, session: BrowserSession, name = 'page'): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus) return;
  const lines = await session.page.consoleLines().catch((err: Error) => [`(console unavailable: ${err.message})`]);
  await testInfo.attach(`${name} console (${session.page.engine})`, { body: lines.join('\n') || '(none)', contentType: 'text/plain' });
  const requests = session.page.requests().map((r) => `${r.method} ${r.url}`);
  await testInfo.attach(`${name} requests (${session.page.engine})`, { body: requests.join('\n') || '(none)', contentType: 'text/plain' });
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
  engineName: ['chromium', { scope: 'worker', option: true }],
  engine: [
    async ({ engineName, playwright }, use) => {
      const driver =
        engineName === 'firefox'
          ? await firefoxDriver(BASE_URL)
          : engineName === 'webkit'
            ? await webkitDriver(BASE_URL)
            : chromiumDriver(await playwright.chromium.launch(CHROMIUM_LAUNCH), BASE_URL);
      try {
        await use(driver);
      } finally {
        await driver.close();
      }
    },
    { scope: 'worker', timeout: 60_000 },
  ],
  session: async ({ engine }, use, testInfo) => {
    const session = await engine.newSession();
    try {
      await use(session);
    } finally {
      await attachLogs(testInfo, session);
      await session.close();
    }
  },
  tab: async ({ session }, use) => use(session.page),
});
