/**
 * WebKit (Safari's engine) as Debian ships it: WebKitGTK's MiniBrowser driven by WebKitWebDriver over classic
 * WebDriver (HTTP), under Xvfb. One Xvfb, one driver and one recording proxy per Playwright worker; one WebDriver
 * session (a MiniBrowser process with an ephemeral profile) per test session, always deleted: the driver accepts one
 * session at a time.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { callSource, type BrowserPage, type BrowserSession, type EngineDriver, type Key, type SessionOptions } from './page.ts';
import { startProxy, type RecordingProxy } from './proxy.ts';

export const WEBKIT_DRIVER_PATH = process.env['WEBKIT_DRIVER_PATH'] ?? '/usr/bin/WebKitWebDriver';
/** MiniBrowser ships in libwebkit2gtk-4.1-0 under the architecture's library folder, e.g. /usr/lib/x86_64-linux-gnu. */
export const MINIBROWSER_PATH =
  process.env['MINIBROWSER_PATH'] ??
  readdirSync('/usr/lib')
    .map((dir) => `/usr/lib/${dir}/webkit2gtk-4.1/MiniBrowser`)
    .find((path) => existsSync(path)) ??
  '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = process.env['XVFB_PATH'] ?? '/usr/bin/Xvfb';
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';
/** The first element matching `arguments[0]` in the document or any open shadow root under it, else null (WebDriver script). */
const DEEP_FIND = `const find = (root) => {
  const el = root.querySelector(arguments[0]);
  if (el) return el;
  for (const host of root.querySelectorAll('*')) if (host.shadowRoot) { const inner = find(host.shadowRoot); if (inner) return inner; }
  return null;
};
return find(document);`;

class WebDriverError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(`WebDriver ${code}: ${message}`);
    this.name = 'WebDriverError';
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts Xvfb on a display number it picks itself (-displayfd), so parallel runs never collide. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
  });
  const display = await new Promise<string>((resolve, reject) => {
    let out = '';
    xvfb.stdio[3]!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve(`:${out.trim()}`);
    });
    xvfb.on('error', reject);
    xvfb.on('exit', (code) => reject(new Error(`Xvfb exited with ${code} before it was ready`)));
  });
  return { display, process: xvfb };
}

/** A minimal classic WebDriver client: one JSON request per command, errors thrown with their W3C code. */
function client(base: () => string) {
  return async function command<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, timeoutMs = 180_000): Promise<T> {
    const res = await fetch(base() + path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const json = (await res.json()) as { value: T & { error?: string; message?: string } };
    if (json.value && typeof json.value === 'object' && 'error' in json.value && json.value.error)
      throw new WebDriverError(json.value.error, json.value.message ?? '');
    return json.value;
  };
}

/** The lines an init script collects: WebKit's driver has no console access. */
function collectConsole(): void {
  const w = window as unknown as { __e2eConsole?: string[]; __e2eErrors?: string[] };
  if (w.__e2eConsole) return;
  const lines: string[] = (w.__e2eConsole = []);
  const errors: string[] = (w.__e2eErrors = []);
  const text = (args: unknown[]) =>
    args
      .map((a) =>
        a instanceof Error
          ? `${a.name}: ${a.message}`
          : typeof a === 'object'
            ? (() => {
                try {
                  return JSON.stringify(a);
                } catch {
                  return String(a);
                }
              })()
            : String(a),
      )
      .join(' ');
  for (const type of ['log', 'info', 'warn', 'error', 'debug'] as const) {
    const original = console[type].bind(console);
    console[type] = (...args: unknown[]) => {
      lines.push(`${type}: ${text(args)}`);
      original(...args);
    };
  }
  addEventListener('error', (e) => {
    errors.push(e.message);
    lines.push(`pageerror: ${e.message}`);
  });
  addEventListener('unhandledrejection', (e) => {
    const message = e.reason instanceof Error ? e.reason.message : String(e.reason);
    errors.push(message);
    lines.push(`pageerror: ${message}`);
  });
}

/**
 * The session's commands, one at a time (the driver runs a session's commands in order; a command for another tab
 * first switches the session's current window to it).
 */
function sessionChannel(command: ReturnType<typeof client>, sessionId: string) {
  let current: string | null = null;
  let queue: Promise<unknown> = Promise.resolve();
  return function inWindow<T>(handle: string, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const next = queue.then(async () => {
      if (current !== handle) {
        await command('POST', `/session/${sessionId}/window`, { handle });
        current = handle;
      }
      return command<T>(method, `/session/${sessionId}${path}`, body);
    });
    queue = next.catch(() => {});
    return next;
  };
}

function webkitPage(
  channel: ReturnType<typeof sessionChannel>,
  handle: string,
  baseURL: string,
  proxy: RecordingProxy,
): BrowserPage & { drain(): Promise<void> } {
  const command = <T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown) => channel<T>(handle, method, path, body);
  const s = (path: string) => path;
  const lines: string[] = [];
  const errors: string[] = [];

  const run = async <R>(source: string): Promise<R> => {
    // execute/async: the last argument is the callback; errors come back as values so their message survives.
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => ${source}).then((v) => done({ ok: true, v: v === undefined ? null : v }), (e) => done({ ok: false, e: e && e.stack ? String(e) + '\\n' + e.stack : String(e) }));`;
    const r = await command<{ ok: boolean; v: R; e: string }>('POST', s('/execute/async'), { script, args: [] });
    if (!r.ok) throw new Error(`evaluate failed in WebKit: ${r.e}`);
    return r.v;
  };
  /** Moves the page's console lines into this session's log (before the document goes away). */
  const drain = async () => {
    try {
      const got = await run<{ lines: string[]; errors: string[] } | null>(
        '(() => window.__e2eConsole ? { lines: window.__e2eConsole.splice(0), errors: window.__e2eErrors.splice(0) } : null)()',
      );
      if (got) {
        lines.push(...got.lines);
        errors.push(...got.errors);
      }
    } catch {
      // A page that cannot run scripts (an error page) has no lines to give.
    }
  };

  const page: BrowserPage & { drain(): Promise<void> } = {
    engine: 'webkit',
    drain,
    async goto(path) {
      await drain();
      await command('POST', s('/url'), { url: new URL(path, baseURL).href });
    },
    async reload() {
      await drain();
      await command('POST', s('/refresh'), {});
    },
    evaluate: (fn, arg) => run(callSource(fn as (a: never) => unknown, arg)),
    async waitForFunction(fn, arg, opts = {}) {
      const timeout = opts.timeout ?? 90_000;
      const source = callSource(fn as (a: never) => unknown, arg);
      const end = Date.now() + timeout;
      for (;;) {
        if (await run<unknown>(source)) return;
        if (Date.now() > end)
          throw new Error(`${opts.message ?? 'waitForFunction'}: not true within ${timeout} ms: ${fn.toString().slice(0, 200)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async click(selector) {
      // As Playwright does: wait for the element to exist and accept the click (a dialog still opening does not).
      const end = Date.now() + 30_000;
      for (;;) {
        try {
          // WebDriver's CSS search stops at shadow roots: an element in an open one (a web component's card) is found by script.
          const el = await command<Record<string, string>>('POST', s('/element'), { using: 'css selector', value: selector }).catch(
            async (err: WebDriverError) => {
              if (err.code !== 'no such element') throw err;
              const found = await command<Record<string, string> | null>('POST', s('/execute/sync'), {
                script: DEEP_FIND,
                args: [selector],
              });
              if (!found) throw err;
              return found;
            },
          );
          await command('POST', s(`/element/${el[ELEMENT]}/click`), {});
          return;
        } catch (err) {
          const code = (err as WebDriverError).code;
          if (
            !['no such element', 'element not interactable', 'element click intercepted', 'stale element reference'].includes(code) ||
            Date.now() > end
          )
            throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    async clickAt(x, y) {
      // WebDriver's actions: a mouse moved to the point (whole CSS pixels), pressed and released.
      const move = { type: 'pointerMove', duration: 0, x: Math.round(x), y: Math.round(y), origin: 'viewport' };
      const actions = [move, { type: 'pointerDown', button: 0 }, { type: 'pointerUp', button: 0 }];
      await command('POST', s('/actions'), { actions: [{ type: 'pointer', id: 'mouse', parameters: { pointerType: 'mouse' }, actions }] });
      await command('DELETE', s('/actions'), {});
    },
    async press(key) {
      // WebDriver's actions: the key's code point in its table (a key down, then up), sent to the focused element.
      const value = WEBDRIVER_KEYS[key];
      const actions = [
        { type: 'keyDown', value },
        { type: 'keyUp', value },
      ];
      await command('POST', s('/actions'), { actions: [{ type: 'key', id: 'keyboard', actions }] });
      await command('DELETE', s('/actions'), {});
    },
    async setViewport(width, height) {
      // WebDriver sizes the window, MiniBrowser's frame around the page included, and the window manager applies the
      // size a moment later: sized by what the page measures short, until the page measures the size asked for.
      const inner = () => run<{ w: number; h: number }>('({ w: innerWidth, h: innerHeight })');
      let now = await inner();
      for (let attempt = 0; attempt < 3 && (now.w !== width || now.h !== height); attempt++) {
        const rect = await command<{ width: number; height: number }>('GET', s('/window/rect'));
        await command('POST', s('/window/rect'), { width: rect.width + width - now.w, height: rect.height + height - now.h });
        const was = now;
        for (const end = Date.now() + 2000; Date.now() < end;) {
          now = await inner();
          if (now.w !== was.w || now.h !== was.h) break;
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      if (now.w !== width || now.h !== height)
        throw new Error(`setViewport: WebKit's viewport is ${now.w} × ${now.h}, not ${width} × ${height}`);
    },
    addInitScript: async (fn, arg) => void proxy.initScripts.push(callSource(fn as (a: never) => unknown, arg)),
    requests: () => proxy.requests,
    consoleLines: async () => (await drain(), lines),
    pageErrors: async () => (await drain(), errors),
  };
  return page;
}

/** The keys of {@link Key} as WebDriver's key table has them. */
const WEBDRIVER_KEYS: Record<Key, string> = { Tab: '\uE004', Escape: '\uE00C', Enter: '\uE007' };

/** `pid` and every process below it (MiniBrowser and its web processes under WebKitWebDriver). */
function processTree(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // The process ended while we looked.
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]!) ?? []));
  return out;
}

export async function webkitDriver(baseURL: string): Promise<EngineDriver> {
  const xvfb = await startXvfb();
  const proxy = await startProxy();
  let port = 0;
  let driver: ChildProcess | null = null;
  const command = client(() => `http://127.0.0.1:${port}`);
  /** Ends the driver and the browsers it started (a session it could not create may have left one behind). */
  const stopDriver = () => {
    if (driver?.pid) for (const pid of processTree(driver.pid).reverse()) process.kill(pid, 'SIGKILL');
    driver = null;
  };
  const startDriver = async () => {
    port = await freePort();
    driver = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`], { env: { ...process.env, DISPLAY: xvfb.display }, stdio: 'ignore' });
    for (let i = 0; i < 100; i++) {
      if ((await command<{ ready: boolean }>('GET', '/status', undefined, 2_000).catch(() => null))?.ready) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    stopDriver();
    throw new Error(`${WEBKIT_DRIVER_PATH} did not start on port ${port}`);
  };
  const stop = async () => {
    stopDriver();
    xvfb.process.kill();
    await proxy.close();
  };
  try {
    await startDriver();
  } catch (err) {
    await stop();
    throw err;
  }
  const version =
    /[\d.]+/.exec(spawnSync(MINIBROWSER_PATH, ['--version'], { env: { ...process.env, DISPLAY: xvfb.display } }).stdout.toString())?.[0] ??
    'unknown';
  let open = false;

  return {
    name: 'webkit',
    version,
    async newSession(opts: SessionOptions = {}): Promise<BrowserSession> {
      if (open) throw new Error('WebKitWebDriver runs one session at a time: close the open session before opening another');
      open = true;
      const release = () => void (open = false);
      proxy.reset();
      const capabilities = {
        alwaysMatch: {
          'webkitgtk:browserOptions': {
            binary: MINIBROWSER_PATH,
            args: [
              '--automation',
              ...(opts.private ? ['--private'] : []),
              ...(opts.indexedDB === false ? ['--features=-IndexedDBAPI'] : []),
            ],
          },
          proxy: { proxyType: 'manual', httpProxy: `127.0.0.1:${proxy.port}`, sslProxy: `127.0.0.1:${proxy.port}` },
          timeouts: { script: 120_000, pageLoad: 120_000 },
        },
      };
      let id: string | undefined;
      try {
        // MiniBrowser starts in about 2 s; once in a while here a start hung. Then the driver and what it started
        // are ended, and one more try is made with a fresh driver.
        for (let attempt = 1; !id; attempt++) {
          try {
            id = (await command<{ sessionId: string }>('POST', '/session', { capabilities }, 30_000)).sessionId;
          } catch (err) {
            if (attempt > 1) throw err;
            stopDriver();
            await startDriver();
          }
        }
        await command('POST', `/session/${id}/window/rect`, { width: 1280, height: 720 });
      } catch (err) {
        if (id) await command('DELETE', `/session/${id}`).catch(() => {});
        release();
        throw err;
      }
      const sessionId = id;
      proxy.initScripts.push(callSource(collectConsole, undefined));
      const channel = sessionChannel(command, sessionId);
      const first = await command<string>('GET', `/session/${sessionId}/window`);
      const pages = [webkitPage(channel, first, baseURL, proxy)];
      return {
        page: pages[0]!,
        async newPage() {
          const { handle } = await channel<{ handle: string }>(first, 'POST', '/window/new', { type: 'tab' });
          const page = webkitPage(channel, handle, baseURL, proxy);
          pages.push(page);
          return page;
        },
        async close() {
          try {
            for (const page of pages) await page.drain();
            await command('DELETE', `/session/${sessionId}`, undefined, 30_000);
          } catch {
            // A session that cannot be deleted would refuse the next one: a fresh driver instead.
            stopDriver();
            await startDriver();
          } finally {
            release();
          }
        },
      };
    },
    close: stop,
  };
}
