import type { Consent } from '../shared/options.ts';

/**
 * Decides where events go.
 * @param consent `'denied'` → `'off'`: nothing is recorded at all
 * @param respectGpc when true, `navigator.globalPrivacyControl === true` → `'memory'` (this page view only)
 * @returns `'persist'` (IndexedDB), `'memory'` or `'off'`
 */
export function storageMode(consent: Consent, respectGpc: boolean): 'persist' | 'memory' | 'off' {
  const gpc = (globalThis.navigator as { globalPrivacyControl?: unknown } | undefined)?.globalPrivacyControl;
  return consent === 'denied' ? 'off' : respectGpc && gpc === true ? 'memory' : 'persist';
}
