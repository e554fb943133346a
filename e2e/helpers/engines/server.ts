/** Where the e2e server listens and how each engine is found: shared by playwright.config.ts and the fixtures. */
import type { LaunchOptions } from '@playwright/test';

export const E2E_PORT = Number(process.env['E2E_PORT'] ?? 5174);
export const BASE_URL = `http://localhost:${E2E_PORT}`;

/**
 * A plain-HTTP host that is not localhost (so not a secure context), which each engine maps to this machine: Chromium
 * by its resolver rules (below), Firefox by `network.dns.localDomains`, WebKit through the proxy all its requests take
 * (e2e/helpers/origins.ts).
 */
export const STAGING_HOST = 'reco-staging.test';

/** The system Chromium with WebGPU on (SwiftShader where there is no GPU), the staging host mapped to this machine. */
export const CHROMIUM_LAUNCH: LaunchOptions = {
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: ['--enable-unsafe-webgpu', '--disable-quic', `--host-resolver-rules=MAP ${STAGING_HOST} 127.0.0.1`],
};
