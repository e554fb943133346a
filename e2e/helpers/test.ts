/**
 * The cross-engine test object. A spec that imports `test` from here and uses its fixtures (`tab`; `session` for a
 * second tab with `session.newPage()`; `openSession` for private browsing or a browser without IndexedDB; `engine`
 * for the engine's name and version) runs in the three Playwright projects: chromium, firefox and webkit. Specs that
 * need Chromium internals (Playwright's own `page`, WebGPU, layout-shift entries, request routing) are named
 * `*.chromium.spec.ts` and run in the chromium project only (test/e2e/specs.test.ts holds every spec to this).
 *
 *   import { expect, test } from './helpers/test.ts';
 *   test('…', async ({ tab }) => { await tab.goto('/'); … });
 */
import { test as base, type TestInfo } from '@playwright/test';
import { chromiumDriver } from './engines/chromium.ts';
import { firefoxDriver } from './engines/firefox.ts';
import type { BrowserPage, BrowserSession, EngineDriver, EngineName, SessionOptions } from './engines/page.ts';
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
  /**
   * Opens a session with options (private browsing, IndexedDB refused) and returns its tab; closed after the test.
   * WebKit's driver runs one session at a time: a test uses `tab` or `openSession`, not both, and closes one
   * session (`close()`) before opening the next.
   */
  openSession: (opts?: SessionOptions) => Promise<BrowserPage & { close(): Promise<void> }>;
}

/** What a session's page said and requested, read before the session closes. */
interface SessionLog {
  name: string;
  engine: EngineName;
  console: readonly string[];
  requests: readonly string[];
}

async function readLog(session: BrowserSession, name: string): Promise<SessionLog> {
  const lines = await session.page.consoleLines().catch((err: Error) => [`(console unavailable: ${err.message})`]);
  return { name, engine: session.page.engine, console: [...lines], requests: session.page.requests().map((r) => `${r.method} ${r.url}`) };
}

/** Attaches the logs to a failed test's report, so a failure in any engine can be read there. */
async function attachLogs(testInfo: TestInfo, logs: SessionLog[]): Promise<void> {
  if (testInfo.status === testInfo.expectedStatus) return;
  for (const log of logs) {
    await testInfo.attach(`${log.name} console (${log.engine})`, { body: log.console.join('\n') || '(none)', contentType: 'text/plain' });
    await testInfo.attach(`${log.name} requests (${log.engine})`, { body: log.requests.join('\n') || '(none)', contentType: 'text/plain' });
  }
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
      const log = await readLog(session, 'page');
      await session.close();
      await attachLogs(testInfo, [log]);
    }
  },
  tab: async ({ session }, use) => use(session.page),
  openSession: async ({ engine }, use, testInfo) => {
    const open = new Set<BrowserSession>();
    const logs: SessionLog[] = [];
    const close = async (session: BrowserSession, name: string) => {
      if (!open.delete(session)) return;
      logs.push(await readLog(session, name));
      await session.close();
    };
    try {
      await use(async (opts) => {
        const session = await engine.newSession(opts);
        const name = `session ${logs.length + open.size + 1} ${JSON.stringify(opts ?? {})}`;
        open.add(session);
        return { ...session.page, close: () => close(session, name) };
      });
    } finally {
      for (const session of [...open]) await close(session, 'session');
      await attachLogs(testInfo, logs);
    }
  },
});
