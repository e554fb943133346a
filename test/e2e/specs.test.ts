import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const E2E = resolve(import.meta.dirname, '../../e2e');
const specs = readdirSync(E2E).filter((f) => f.endsWith('.spec.ts'));

// The firefox and webkit projects run every spec but *.chromium.spec.ts; Playwright's own `page` there would try to
// launch Playwright's browser builds, which this project does not use. So each spec says which kind it is.
describe('e2e specs: three engines, or Chromium only by name', () => {
  it('has specs of both kinds', () => {
    expect(specs.filter((f) => f.endsWith('.chromium.spec.ts')).length).toBeGreaterThan(0);
    expect(specs.filter((f) => !f.endsWith('.chromium.spec.ts')).length).toBeGreaterThan(0);
  });

  for (const file of specs) {
    const chromiumOnly = file.endsWith('.chromium.spec.ts');
    it(`${file} ${chromiumOnly ? 'may use Playwright directly' : "uses the cross-engine test from './helpers/test.ts'"}`, () => {
      const source = readFileSync(resolve(E2E, file), 'utf8');
      const crossEngine = /import \{[^}]*\btest\b[^}]*\} from '\.\/helpers\/test\.ts'/.test(source);
      const playwright = /import \{[^}]*\btest\b[^}]*\} from '@playwright\/test'/.test(source);
      if (chromiumOnly) expect(crossEngine || playwright).toBe(true);
      else {
        expect(crossEngine, `${file}: import { test } from './helpers/test.ts', or name it *.chromium.spec.ts`).toBe(true);
        expect(playwright, `${file}: Playwright's own test runs in Chromium only; name it *.chromium.spec.ts`).toBe(false);
      }
    });
  }
});
