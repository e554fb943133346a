// @vitest-environment happy-dom
import { provideZonelessChangeDetection } from '@angular/core';
import { vi } from 'vitest';

vi.mock('../src/main/instance.ts', () => ({ listHold: { ms: 400, byRules: false } }));
vi.mock('../src/index.ts', () => import('./bindings-sdk.ts'));
const { angularSuite } = await import('./angular-suite.ts');

angularSuite('zoneless', provideZonelessChangeDetection());
