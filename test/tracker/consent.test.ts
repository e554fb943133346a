// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { storageMode } from '../../src/tracker/consent.ts';

function setGpc(value: boolean | undefined): void {
  Object.defineProperty(navigator, 'globalPrivacyControl', { value, configurable: true });
}

afterEach(() => setGpc(undefined));

describe('storageMode', () => {
  it('records nothing when consent is denied, GPC or not', () => {
    expect(storageMode('denied', true)).toBe('off');
    setGpc(true);
    expect(storageMode('denied', false)).toBe('off');
  });

  it('persists with consent and no GPC signal', () => {
    expect(storageMode('granted', true)).toBe('persist');
    setGpc(false);
    expect(storageMode('granted', true)).toBe('persist');
  });

  it('keeps events in memory only when GPC is on and respected', () => {
    setGpc(true);
    expect(storageMode('granted', true)).toBe('memory');
    expect(storageMode('granted', false)).toBe('persist');
  });
});
