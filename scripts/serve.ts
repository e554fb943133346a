/**
 * Serves the demo shop the way a shop serves Reco: the page from demo/, the SDK from dist/ at the
 * site root, the model from public/ (so /models/default/model.json). Files carry CORS headers, as a CDN's do, so
 * the e2e tests can load them from another origin too (http://127.0.0.1:PORT for a page on http://localhost:PORT).
 * Under /npm/reco-sdk/ it serves the package's own layout, as a CDN does (dist/ and public/models/ apart).
 *
 *   npx tsx scripts/serve.ts [--port 5173] [--host 127.0.0.1]
 */
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { port: { type: 'string', default: '5173' }, host: { type: 'string', default: '127.0.0.1' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port: expected a port number, got ${values.port}`);

const ROOTS = ['demo', 'dist', 'public', '.'].map((d) => resolve(import.meta.dirname, '..', d));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.wasm': 'application/wasm',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
};

/** The package as a CDN serves it (jsDelivr's /npm/NAME@VERSION/…): its files only, dist/ and public/models/ apart. */
const PACKAGE = '/npm/reco-sdk/';
const PACKAGE_FILES = ['dist/', 'public/models/', 'LICENSE', 'package.json'];
/**
 * A framework or library the e2e fixtures load as a shop would from its own server (e2e/pages/vue*.html,
 * carousel.html), from node_modules.
 */
const VENDOR: Record<string, string> = {
  '/e2e/pages/vendor/vue.global.prod.js': 'node_modules/vue/dist/vue.global.prod.js',
  '/e2e/pages/vendor/vue.esm-browser.prod.js': 'node_modules/vue/dist/vue.esm-browser.prod.js',
  '/e2e/pages/vendor/swiper-bundle.min.js': 'node_modules/swiper/swiper-bundle.min.js',
  '/e2e/pages/vendor/swiper-bundle.min.css': 'node_modules/swiper/swiper-bundle.min.css',
  '/e2e/pages/vendor/swiper-element-bundle.min.js': 'node_modules/swiper/swiper-element-bundle.min.js',
};
function find(path: string): string | null {
  const rel = normalize(decodeURIComponent(path)).replace(/^(\.\.[/\\])+/, '');
  if (VENDOR[rel]) return join(ROOTS[3]!, VENDOR[rel]);
  if (rel.startsWith(PACKAGE)) {
    const inPackage = rel.slice(PACKAGE.length);
    if (!PACKAGE_FILES.some((f) => inPackage === f || (f.endsWith('/') && inPackage.startsWith(f)))) return null;
    const file = join(ROOTS[3]!, inPackage);
    try {
      return file.startsWith(ROOTS[3]!) && statSync(file).isFile() ? file : null;
    } catch {
      return null;
    }
  }
  for (const root of ROOTS) {
    // The repository root only serves the e2e fixtures, and public/models/ where the package has it: the ES
    // module build, loaded without a bundler, finds the model at ../public/models/ from dist/ (here the root).
    if (root === ROOTS[3] && !rel.startsWith('/e2e/pages/') && !rel.startsWith('/public/models/')) continue;
    const file = join(root, rel.endsWith('/') ? rel + 'index.html' : rel);
    if (!file.startsWith(root)) continue;
    try {
      if (statSync(file).isFile()) return file;
    } catch {
      /* try the next root */
    }
  }
  return null;
}

/**
 * For the e2e suite: `?csp=<name>` on a page serves it, and everything the browser asks for afterwards (the SDK,
 * its worker, wasm and model files), with that Content-Security-Policy (a cookie carries the choice), the way a
 * shop's server sends one header everywhere. Violations are reported to /csp-report (GET lists them, DELETE clears).
 * `?stall` on any path never answers (a stalled download).
 */
const REPORT = 'report-uri /csp-report';
const POLICIES: Record<string, string> = {
  // What Reco needs (README "Content-Security-Policy"), with nothing else allowed.
  strict: `default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; ${REPORT}`,
  // reco.js from a CDN (this server's other origin, http://127.0.0.1:PORT), as the README's policy for that case says.
  cdn: `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' http://127.0.0.1:${port}; worker-src 'self' blob: http://127.0.0.1:${port}; connect-src 'self' http://127.0.0.1:${port}; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; ${REPORT}`,
  // The policy for a self-hosted reco.js (strict) on a page that loads it from a CDN: the worker cannot start.
  cdnblocked: `default-src 'none'; script-src 'self' 'wasm-unsafe-eval' http://127.0.0.1:${port}; worker-src 'self' blob:; connect-src 'self' http://127.0.0.1:${port}; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; ${REPORT}`,
  // The same without 'wasm-unsafe-eval': the wasm backend cannot compile.
  nowasm: `default-src 'none'; script-src 'self'; worker-src 'self'; connect-src 'self'; img-src 'self'; style-src 'self'; base-uri 'none'; form-action 'none'; ${REPORT}`,
};
const reports: unknown[] = [];

function cspReports(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse): void {
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      try {
        reports.push(JSON.parse(body));
      } catch {
        reports.push({ unparsed: body });
      }
      res.writeHead(204).end();
    });
    return;
  }
  if (req.method === 'DELETE') reports.length = 0;
  res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(reports));
}

/**
 * For the e2e suite, in any engine: a path's requests held back, as a slow network holds them (the model still
 * downloading while the shopper clicks). POST /e2e/hold?path=P holds every request for P until DELETE /e2e/hold?path=P,
 * or 30 s (a spec that failed before its release stalls the next one no longer); GET /e2e/hold?path=P says whether one came (`{"asked": true}`).
 * Instead of holding, until the same DELETE or 30 s, the requests for P are answered at once: with `&status=404` (any
 * HTTP status) with that status, a file missing from the server; with `&corrupt` with the file's bytes damaged (as
 * /e2e/corrupt/ serves it); with `&body` with the POST's own body (200, application/json), e.g. a manifest cut short.
 */
const HOLD_MAX_MS = 30_000;
interface Hold {
  asked: boolean;
  /** How the requests are answered at once; null: held until released. */
  answer: { status: number } | { corrupt: true } | { body: string } | null;
  released: Promise<void>;
  release: () => void;
}
const holds = new Map<string, Hold>();

/** Holds (answer null) or answers the requests for `path` from now on, until released or HOLD_MAX_MS. */
function startHold(res: import('node:http').ServerResponse, path: string, answer: Hold['answer']): void {
  holds.get(path)?.release();
  let done = () => {};
  const hold: Hold = {
    asked: false,
    answer,
    released: new Promise<void>((resolve) => (done = resolve)),
    release() {
      clearTimeout(timer);
      done();
      if (holds.get(path) === hold) holds.delete(path);
    },
  };
  const timer = setTimeout(() => hold.release(), HOLD_MAX_MS);
  holds.set(path, hold);
  res.writeHead(204).end();
}

function holdRequests(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL): void {
  const path = url.searchParams.get('path') ?? '';
  if (req.method === 'POST') {
    const status = url.searchParams.has('status') ? Number(url.searchParams.get('status')) : null;
    if (status !== null && !(Number.isInteger(status) && status >= 200 && status <= 599)) {
      res.writeHead(400).end(`/e2e/hold: status expected an HTTP status (200 to 599), got ${url.searchParams.get('status')}`);
      return;
    }
    const q = url.searchParams;
    if (q.has('body')) {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => startHold(res, path, { body: Buffer.concat(chunks).toString('utf8') }));
    } else startHold(res, path, status !== null ? { status } : q.has('corrupt') ? { corrupt: true } : null);
  } else if (req.method === 'DELETE') {
    holds.get(path)?.release();
    res.writeHead(204).end();
  } else {
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify({ asked: !!holds.get(path)?.asked }));
  }
}

/**
 * For the e2e suite, in any engine: what the browser sent for a path. POST /e2e/seen?path=P starts a list (emptied);
 * GET /e2e/seen?path=P answers the requests for P since, each `{ headers, status }` (the request's headers, lowercase,
 * and the status it was answered with), e.g. to check that no cookie went with a request.
 */
const seen = new Map<string, { headers: import('node:http').IncomingHttpHeaders; status: number }[]>();

function seenRequests(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL): void {
  const path = url.searchParams.get('path') ?? '';
  if (req.method === 'POST') {
    seen.set(path, []);
    res.writeHead(204).end();
  } else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(seen.get(path) ?? []));
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  if (url.pathname === '/csp-report') return cspReports(req, res);
  if (url.pathname === '/e2e/hold') return holdRequests(req, res, url);
  if (url.pathname === '/e2e/seen') return seenRequests(req, res, url);
  const watched = seen.get(url.pathname);
  if (watched) res.on('finish', () => watched.push({ headers: req.headers, status: res.statusCode }));
  if (url.searchParams.has('stall')) return; // never answered
  const held = holds.get(url.pathname);
  if (held) {
    held.asked = true;
    const answer = held.answer;
    if (!answer) void held.released.then(() => serve(req, res, url));
    else if ('status' in answer)
      res
        .writeHead(answer.status, { 'content-type': 'text/plain', 'cache-control': 'no-store' })
        .end(`HTTP ${answer.status} (the e2e suite's /e2e/hold)`);
    else if ('corrupt' in answer) serveCorrupt(res, url.pathname);
    else res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(answer.body);
    return;
  }
  serve(req, res, url);
}).listen(port, values.host, () => console.log(`Reco demo shop: http://localhost:${port}/`));

/**
 * For the e2e suite, in any engine: /e2e/corrupt/PATH serves PATH with its .bin files damaged (a byte flipped every 997
 * from the 100th, as a bad disk or a proxy's rewrite would), so a model at /e2e/corrupt/models/… has corrupt weights.
 */
const CORRUPT = '/e2e/corrupt/';

function serveCorrupt(res: import('node:http').ServerResponse, path: string): void {
  const file = find(path);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    return;
  }
  const body = readFileSync(file);
  if (extname(file) === '.bin') for (let i = 100; i < body.length; i += 997) body[i]! ^= 0xff;
  res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': 'no-store' }).end(body);
}

function serve(req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: URL): void {
  if (url.pathname.startsWith(CORRUPT)) return serveCorrupt(res, `/${url.pathname.slice(CORRUPT.length)}`);
  const asked = url.searchParams.get('csp');
  const cookie = /(?:^|;\s*)reco-csp=(\w+)/.exec(req.headers.cookie ?? '')?.[1];
  const policy = POLICIES[asked ?? cookie ?? ''];
  if (asked !== null) res.setHeader('set-cookie', `reco-csp=${POLICIES[asked] ? asked : ''}; Path=/; SameSite=Strict`);
  if (policy) res.setHeader('content-security-policy', policy);
  const file = find(url.pathname);
  if (!file) {
    res.writeHead(404, { 'content-type': 'text/plain', 'access-control-allow-origin': '*' }).end('not found');
    return;
  }
  // Revalidated caching, as a shop's static host does: a second load gets 304s instead of the bytes.
  const { mtime, size } = statSync(file);
  // The policy is part of the tag: a response cached under one policy is never revalidated (a 304) under another.
  const etag = `"${size.toString(36)}-${mtime.getTime().toString(36)}${policy ? `-${asked ?? cookie}` : ''}"`;
  const headers = {
    'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
    'content-length': String(size),
    'cache-control': 'no-cache',
    // As a CDN does, so that pages of other origins can load the script, the worker and the model from here.
    'access-control-allow-origin': '*',
    etag,
    'last-modified': mtime.toUTCString(),
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, headers);
  createReadStream(file).pipe(res);
}
