/**
 * The origins the e2e server answers on. One server (scripts/serve.ts, on 127.0.0.1) serves them all:
 * - the shop: `http://localhost:PORT` (Playwright's baseURL; a secure context, as localhost is);
 * - a CDN: `http://127.0.0.1:PORT`, another origin for the browser (it sends CORS headers, as CDNs do);
 * - a staging host on plain HTTP: `http://reco-staging.test:PORT`, which each engine maps to 127.0.0.1
 *   (`STAGING_HOST` in e2e/helpers/engines/server.ts). Not localhost, so not a secure context: no crypto.subtle,
 *   no WebGPU, no Web Locks, no Cache Storage. Traffic stays on this machine.
 */
import { BASE_URL, E2E_PORT, STAGING_HOST } from './engines/server.ts';

export const PORT = E2E_PORT;
export const SHOP = BASE_URL;
export const CDN = `http://127.0.0.1:${PORT}`;
export const STAGING = `http://${STAGING_HOST}:${PORT}`;
