/**
 * An HTTP proxy between WebKit and the e2e server. Classic WebDriver has no network events and no init scripts,
 * so the browser is configured (W3C `proxy` capability) to send every request through this proxy, localhost and
 * its workers' fetches included: it records each request, answers any other origin with 502 (nothing leaves the
 * machine), and injects the session's init scripts at the top of each HTML document.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
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

/** Starts the proxy; requests to `target`'s origin (localhost or 127.0.0.1 on its port) are forwarded there. */
export async function startProxy(target: string): Promise<RecordingProxy> {
  const { port: targetPort } = new URL(target);
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
    if (!['localhost', '127.0.0.1'].includes(u.hostname) || u.port !== targetPort) {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`e2e proxy: ${u.origin} is not the shop's origin`);
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
      { host: '127.0.0.1', port: targetPort, path: u.pathname + u.search, method: req.method, headers },
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
  // HTTPS and WebSockets ask for a tunnel: recorded and refused.
  server.on('connect', (req, socket) => {
    requests.push({ method: 'CONNECT', url: `https://${req.url}/` });
    socket.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
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
