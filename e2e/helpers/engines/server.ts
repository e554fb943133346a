/** Where the e2e server listens and how each engine is found: shared by playwright.config.ts and the fixtures. */
import type { LaunchOptions } from '@playwright/test';

export const E2E_PORT = Number(process.env['E2E_PORT'] ?? 5174);
export const BASE_URL = `http://localhost:${E2E_PORT}`;

/**
 * The system Chromium with WebGPU on (SwiftShader where there is no GPU). reco-staging.test is a plain-HTTP host
 * that is not localhost, mapped to this machine (e2e/helpers/origins.ts).
 */
export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-quic', '--host-resolver-rules=MAP reco-staging.test 127.0.0.1'],
};
