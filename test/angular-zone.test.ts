// @vitest-environment happy-dom
// An app with zone.js (Angular's change detection before zoneless): zone.js patches the browser's APIs first.
import './webidl-enumerable.ts';
import 'zone.js';
import { provideZoneChangeDetection } from '@angular/core';
import { vi } from 'vitest';

vi.mock('../src/main/instance.ts', () => ({ listHold: { ms: 400, byRules: false } }));
vi.mock('../src/index.ts', () => import('./bindings-sdk.ts'));
const { angularSuite } = await import('./angular-suite.ts');

angularSuite('zone.js', provideZoneChangeDetection());
