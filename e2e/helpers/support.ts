/**
 * Facts about each engine that the cross-engine specs measure and the README's browser support table shows:
 * each spec adds what it saw as a `browser-support` annotation; scripts/browser-support.ts reads them from the
 * JSON report (test-results/e2e.json) into reports/browsers.json and the README.
 */
import type { TestInfo } from '@playwright/test';
import type { BackendTried } from '../../src/index.ts';
import type { EngineDriver } from './engines/page.ts';

export interface SupportFacts {
  /** status().backend with the default backends. */
  backend: string | null;
  /** status().backends with the default backends: what was tried and why each other one is not used. */
  backends: BackendTried[];
  /** status().storage in a normal window. */
  storage: string;
  /** status().storage (and GPC) in the engine's private browsing mode. */
  privateStorage: string;
  privateGpc: boolean;
  /** Events recorded in a private window survive a reload within it. */
  privateSurvivesReload: boolean;
}

export const SUPPORT_ANNOTATION = 'browser-support';

/** Adds `facts` (measured by this test) to the report, with the engine's name and version. */
export function recordSupport(testInfo: TestInfo, engine: EngineDriver, facts: Partial<SupportFacts>): void {
  testInfo.annotations.push({
    type: SUPPORT_ANNOTATION,
    description: JSON.stringify({ engine: engine.name, version: engine.version, ...facts }),
  });
}
