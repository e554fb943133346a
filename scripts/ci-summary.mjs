// Prints "N passed, N failed" from the unit (vitest) and e2e (Playwright) JSON reports.
// A suite that stopped before its tests ran (type errors, build failure) counts as one failure.
import { existsSync, readFileSync } from 'node:fs';

const read = (f) => (existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null);
const unit = read('test-results/unit.json');
const e2e = read('test-results/e2e.json');
let passed = 0;
let failed = 0;
let skipped = 0;
if (unit) {
  passed += unit.numPassedTests;
  failed += unit.numFailedTests;
  skipped += unit.numPendingTests + unit.numTodoTests;
}
if (e2e) {
  passed += e2e.stats.expected + e2e.stats.flaky;
  failed += e2e.stats.unexpected;
  skipped += e2e.stats.skipped;
  // The same behaviour specs run in each engine (Playwright project): say how each did.
  const engines = new Map();
  const flaky = [];
  const walk = (suite) => {
    for (const child of suite.suites ?? []) walk(child);
    for (const spec of suite.specs ?? []) {
      for (const t of spec.tests) {
        const e = engines.get(t.projectName) ?? { passed: 0, failed: 0, skipped: 0 };
        e[t.status === 'unexpected' ? 'failed' : t.status === 'skipped' ? 'skipped' : 'passed']++;
        engines.set(t.projectName, e);
        if (t.status === 'flaky') flaky.push(`[${t.projectName}] ${spec.file}:${spec.line} ${spec.title}`);
      }
    }
  };
  for (const suite of e2e.suites) walk(suite);
  const each = [...engines].map(
    ([name, e]) => `${name} ${e.passed} passed / ${e.failed} failed${e.skipped ? ` / ${e.skipped} skipped` : ''}`,
  );
  if (each.length) console.log(`e2e by engine: ${each.join('; ')}`);
  // A test that failed and then passed on a retry (playwright.config.ts) counts as passed, and is named here.
  for (const name of flaky) console.log(`flaky (failed, then passed on a retry): ${name}`);
}
if (process.argv[2] !== '0' && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
