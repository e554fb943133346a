/**
 * An HTTP proxy between WebKit and the e2e server. Classic WebDriver has no network events and no init scripts,
 * so the browser is configured (W3C `proxy` capability) to send every request through this proxy, localhost and
 * its workers' fetches included: it records each request, answers an origin off this machine with 502 (nothing leaves
 * it; localhost and 127.0.0.1 on any port are forwarded: the e2e server, and the apps a spec serves beside it), and
 * injects the session's init scripts at the top of each HTML document.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { STAGING_HOST } from './server.ts';
import type { SeenRequest } from './page.ts';

export interface RecordingProxy {
  readonly port: number;
  /** Requests seen since the last `reset()`. */
  readonly requests: SeenRequest[];
  /** Scripts (source text) run at the top of every HTML document from now on. */
  readonly initScripts: string[];
  /** Forgets the requests and init scripts (a new session starts). */
  reset(): void;
  close(): Promise<void>;
}

/** Inserts `<script>` tags after the doctype and `<head>` (before the page's own scripts), never before the doctype (quirks mode). */
export function injectScripts(html: string, scripts: readonly string[]): string {
  if (!scripts.length) return html;
  const tags = scripts.map((s) => `<script>${s.replace(/<\/script/gi, '<\\/script')}</script>`).join('');
  const at = /<head[^>]*>/i.exec(html) ?? /<html[^>]*>/i.exec(html) ?? /<!doctype[^>]*>/i.exec(html);
  const i = at ? at.index + at[0].length : 0;
  return html.slice(0, i) + tags + html.slice(i);
}

/**
 * This machine's origins (localhost, 127.0.0.1 and the staging host of e2e/helpers/origins.ts, any port): the only
 * ones the proxy forwards, each to 127.0.0.1.
 */
const onThisMachine = (hostname: string) => hostname === 'localhost' || hostname === '127.0.0.1' || hostname === STAGING_HOST;

/** Starts the proxy; requests to this machine's origins (the e2e server's among them) are forwarded there. */
export async function startProxy(): Promise<RecordingProxy> {
  const requests: SeenRequest[] = [];
  const initScripts: string[] = [];
  const server = createServer((req, res) => {
    const url = req.url ?? '';
    requests.push({ method: req.method ?? 'GET', url });
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      res.writeHead(400).end('absolute URL expected');
      return;
    }
    if (!onThisMachine(u.hostname)) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`e2e proxy: ${u.origin} is not on this machine`);
      return;
    }
    const headers: IncomingHttpHeaders = { ...req.headers };
    delete headers['proxy-connection'];
    const document = /text\/html/.test(String(headers['accept'])) && initScripts.length > 0;
    if (document) {
      // A 304 would let the browser reuse a copy without this session's scripts.
      delete headers['if-none-match'];
      delete headers['if-modified-since'];
      delete headers['accept-encoding'];
    }
    const upstream = httpRequest(
      { host: '127.0.0.1', port: u.port || 80, path: u.pathname + u.search, method: req.method, headers },
      (up) => {
        if (!document || !/text\/html/.test(String(up.headers['content-type']))) {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
          return;
        }
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const body = Buffer.from(injectScripts(Buffer.concat(chunks).toString('utf8'), initScripts));
          const out = { ...up.headers, 'content-length': String(body.length), 'cache-control': 'no-store' };
          delete out['etag'];
          delete out['last-modified'];
          res.writeHead(up.statusCode ?? 200, out).end(body);
        });
      },
    );
    upstream.on('error', (err) => res.writeHead(502).end(String(err)));
    req.pipe(upstream);
  });
  // HTTPS and WebSockets ask for a tunnel: recorded, and opened to this machine only (a dev server's WebSocket).
  server.on('connect', (req, socket, head) => {
    requests.push({ method: 'CONNECT', url: `https://${req.url}/` });
    const [host, port] = (req.url ?? '').split(':');
    if (!onThisMachine(host ?? '') || !port) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(Number(port), '127.0.0.1', () => {
      socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    requests,
    initScripts,
    reset() {
      requests.length = 0;
      initScripts.length = 0;
    },
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}
