import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SDK_VERSION } from '../../src/shared/version.ts';

describe('SDK_VERSION', () => {
  it("is package.json's version (cached wasm files are keyed by it)", () => {
    expect(SDK_VERSION).toBe(JSON.parse(readFileSync('package.json', 'utf8')).version);
  });
});
