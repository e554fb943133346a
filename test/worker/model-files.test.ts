/**
 * The model's files in Cache Storage when the shop deploys a new model: each file is kept by its own hash where the
 * manifest gives one, and under the model's id and the file's name, whatever URL it was served from.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { catalogIndex } from '../../scripts/index-catalog.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { sha256Hex } from '../../src/model/sha256.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { createEngine } from '../../src/worker/engine.ts';
import { createFiles } from '../../src/worker/files.ts';
import { CATALOG } from '../../fixtures/shopper.ts';
import { fakeCaches } from './fake-caches.ts';

const file = (dir: string, name: string) => new Uint8Array(readFileSync(resolve(dir, name)));
const json = (dir: string) => JSON.parse(readFileSync(resolve(dir, 'model.json'), 'utf8')) as Record<string, unknown>;
const now = Date.now();
const history: HistoryEntry[] = CATALOG.slice(0, 4).map((item, i) => ({ item, type: 'select_item', ts: now - 60_000 + i }));
const candidates = CATALOG.slice(30, 54);

/** A page view's engine over `serve` (URL → body) and this shopper's Cache Storage; its status, or the error of init(). */
async function pageView(serve: (u: string) => string | Uint8Array | null, caches: CacheStorage | null, modelUrl: string) {
  const requested: string[] = [];
  const fetchFn = (async (u: string) => {
    requested.push(u);
    const body = serve(u);
    return body === null ? new Response(null, { status: 404 }) : new Response(body as BodyInit);
  }) as unknown as typeof fetch;
  const engine = createEngine({ fetch: fetchFn, files: createFiles({ fetch: fetchFn, caches }) });
  try {
    await engine.init({ modelUrl, backends: ['wasm'] });
    return { loaded: true, scores: await engine.rank(history, candidates, now), requested };
  } catch (err) {
    return { loaded: `${(err as Error).name}: ${(err as Error).message}`, scores: null, requested };
  } finally {
    engine.dispose();
  }
}

beforeAll(async () => {
  await setupTf('wasm');
});

describe("the model's files in Cache Storage", () => {
  it('a model deployed under a new path each time is kept once, by its id and file names: earlier deploys leave nothing behind', async () => {
    const { caches, stores } = fakeCaches();
    const dir = 'public/models/default';
    const id = json(dir)['id'] as string;
    const hashes: string[] = [];
    for (const day of [1, 2, 3, 4]) {
      // Each deploy retrained: other weights (one number changed), under a path of its own.
      const weights = file(dir, 'weights.bin');
      weights[0] = weights[0]! ^ day;
      const sha256 = await sha256Hex(weights.buffer);
      hashes.push(sha256);
      const serve = (u: string) =>
        u.endsWith('model.json') ? JSON.stringify({ ...json(dir), version: `2026120${day}.0`, sha256 }) : weights;
      expect((await pageView(serve, caches, `https://shop.example/models/${day}/model.json`)).loaded).toBe(true);
    }
    // The current and the previous deploy's weights, not all four.
    const kept = [...stores.get('reco-model')!.keys()].map((k) => k.split('/').slice(-2).map(decodeURIComponent).join(' '));
    expect(kept).toEqual([`${id}/weights.bin ${hashes[2]}`, `${id}/weights.bin ${hashes[3]}`]);
  });

  it("a hybrid whose tables changed under the same weights and version loads the new tables on the shopper's next page view", async () => {
    const dir = 'public/models/beauty-student';
    const base = 'https://shop.example/models/myshop/';
    const shipped = json(dir) as { hybrid: Record<'neighbours' | 'knn' | 'transitions' | 'index', { sha256: string }> };
    // Yesterday's run of the same training: the same tables with other counts, and their hashes in the manifest.
    const older = new Map([
      ['neighbours.bin', file(dir, 'neighbours.bin')],
      ['knn.bin', file(dir, 'knn.bin')],
      ['transitions.bin', file(dir, 'transitions.bin')],
    ]);
    for (const bytes of older.values()) bytes[bytes.length - 1] = (bytes[bytes.length - 1]! + 1) % 256;
    older.set('index.json', new TextEncoder().encode(new TextDecoder().decode(file(dir, 'index.json')) + ' '));
    const olderManifest = structuredClone(shipped);
    olderManifest.hybrid.neighbours.sha256 = await sha256Hex(older.get('neighbours.bin')!.buffer);
    olderManifest.hybrid.knn.sha256 = await sha256Hex(older.get('knn.bin')!.buffer);
    olderManifest.hybrid.transitions.sha256 = await sha256Hex(older.get('transitions.bin')!.buffer);
    olderManifest.hybrid.index.sha256 = await sha256Hex(older.get('index.json')!.buffer);
    const serving = (manifest: unknown, files: Map<string, Uint8Array>) => (u: string) => {
      const name = u.slice(base.length);
      return name === 'model.json' ? JSON.stringify(manifest) : (files.get(name) ?? file(dir, name));
    };
    const { caches } = fakeCaches();
    expect((await pageView(serving(olderManifest, older), caches, base + 'model.json')).loaded).toBe(true);
    const today = await pageView(serving(shipped, new Map()), caches, base + 'model.json');
    expect(today.loaded).toBe(true);
    expect(today.requested.filter((u) => !u.endsWith('model.json')).sort()).toEqual(
      ['index.json', 'knn.bin', 'neighbours.bin', 'transitions.bin'].map((n) => base + n),
    );
  });

  it('a catalog index the shop re-ran (`npm run index`) under the same weights reaches a returning shopper', async () => {
    const base = 'https://shop.example/models/myshop-default/';
    let index = JSON.stringify(catalogIndex(CATALOG.slice(0, 10))) + '\n';
    const serve = async () => {
      const manifest = {
        ...json('public/models/default'),
        index: 'index.json',
        indexSha256: await sha256Hex(new TextEncoder().encode(index).buffer),
      };
      return (u: string) =>
        u.endsWith('model.json')
          ? JSON.stringify(manifest)
          : u.endsWith('index.json')
            ? index
            : file('public/models/default', 'weights.bin');
    };
    const { caches } = fakeCaches();
    const first = await pageView(await serve(), caches, base + 'model.json');
    index = JSON.stringify(catalogIndex(CATALOG)) + '\n'; // the catalog grew
    const fresh = await pageView(await serve(), null, base + 'model.json');
    expect(fresh.scores).not.toEqual(first.scores);
    const returning = await pageView(await serve(), caches, base + 'model.json');
    expect(returning.requested).toContain(base + 'index.json');
    expect(returning.scores).toEqual(fresh.scores);
    // A copy that does not match its hash is refused, naming the file.
    const corrupt = await serve();
    const broken = await pageView(
      (u) => (u.endsWith('index.json') ? index.replace('"df"', '"df" ') : corrupt(u)),
      null,
      base + 'model.json',
    );
    expect(broken.loaded).toBe(`ModelError: ${base}index.json: checksum mismatch with indexSha256 (corrupt or partial download)`);
  });
});

describe("another tab's forget() while this worker opens its caches", () => {
  /** A Cache Storage whose opens wait until `settle()`: opening creates the cache, as in browsers. */
  function slowCaches() {
    const names = new Set<string>();
    const waiting: (() => void)[] = [];
    const caches = {
      open: (name: string) =>
        new Promise((resolve) =>
          waiting.push(() => {
            names.add(name);
            resolve({ match: async () => undefined, put: async () => {}, keys: async () => [], delete: async () => true });
          }),
        ),
      delete: async (name: string) => names.delete(name),
    } as unknown as CacheStorage;
    return { caches, names, settle: () => waiting.splice(0).forEach((go) => go()) };
  }

  it('a cache its open made again after the other page deleted them all is deleted once the open settles, heard before or after', async () => {
    for (const heard of ['before', 'after'] as const) {
      const { caches, names, settle } = slowCaches();
      const files = createFiles({ fetch: (async () => new Response('wasm')) as unknown as typeof fetch, caches });
      const wasm = files.get('/reco.wasm', { bucket: 'wasm', name: 'reco.wasm', version: '1' });
      const feed = files.storage()!.open('reco-feed');
      names.clear(); // the forgetting page deleted every reco- cache
      if (heard === 'before') files.close();
      settle(); // the opens complete, each making its cache anew
      await Promise.all([wasm.catch(() => {}), feed]);
      if (heard === 'after') {
        expect([...names].sort()).toEqual(['reco-feed', 'reco-wasm']);
        files.close();
      }
      await new Promise((r) => setTimeout(r, 0));
      expect([...names], heard).toEqual([]);
      expect(files.storage()).toBeNull();
    }
  });
});

describe('a file whose server sends nothing', () => {
  it('is given up after 20 s without data, naming the file (a wasm binary that never comes lets the next backend start)', async () => {
    vi.useFakeTimers();
    try {
      const never: typeof fetch = (_url, init) =>
        new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason as Error)));
      const files = createFiles({ fetch: never, caches: null });
      const url = 'https://shop.example/reco.tfjs-backend-wasm-simd.wasm';
      const got = files.get(url, { bucket: 'wasm', name: 'tfjs-backend-wasm-simd.wasm', version: 'v' }).catch((e: Error) => e);
      await vi.advanceTimersByTimeAsync(19_000);
      let settled = false;
      void got.then(() => (settled = true));
      await vi.advanceTimersByTimeAsync(0);
      expect(settled).toBe(false);
      await vi.advanceTimersByTimeAsync(1_000);
      expect(await got).toMatchObject({ message: `could not fetch ${url}: no data for 20 s (stalled download)` });
    } finally {
      vi.useRealTimers();
    }
  });

  it('a slow download that keeps receiving bytes is not cut', async () => {
    vi.useFakeTimers();
    try {
      const trickle: typeof fetch = async () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(c) {
              for (let i = 0; i < 5; i++) {
                await new Promise((r) => setTimeout(r, 10_000)); // a chunk every 10 s: 50 s in all
                c.enqueue(new Uint8Array([i]));
              }
              c.close();
            },
          }),
        );
      const files = createFiles({ fetch: trickle, caches: null });
      const got = files.get('https://shop.example/weights.bin', { bucket: 'model', name: 'weights.bin', version: 'v' });
      await vi.advanceTimersByTimeAsync(60_000);
      expect([...new Uint8Array((await got).bytes)]).toEqual([0, 1, 2, 3, 4]);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('Cache Storage that throws as it is asked (Firefox, in the worker of a sandboxed frame)', () => {
  const fetchFn = (async () => new Response(new Uint8Array([1, 2, 3]))) as unknown as typeof fetch;
  const request = { bucket: 'model', name: 'weights.bin', version: 'v1' } as const;
  /** An XPCOM exception, as Firefox throws it: not an Error, and not something postMessage can send. */
  const nsFailure = () => ({ name: 'NS_ERROR_FAILURE', result: 0x80004005 });

  it('`caches` that throws as it is read: no cache, every file downloaded, nothing thrown', async () => {
    // Firefox there throws as `caches` is read, `typeof caches` included. Before, that throw left the worker's init()
    // with a value the page could not receive ("Unserializable return value"), after the page's first ranking had
    // waited 15 s for an answer.
    const global = globalThis as { caches?: unknown };
    const before = Object.getOwnPropertyDescriptor(global, 'caches');
    Object.defineProperty(global, 'caches', {
      configurable: true,
      get() {
        throw nsFailure();
      },
    });
    try {
      const files = createFiles({ fetch: fetchFn });
      expect(await files.available()).toBe(false);
      const got = await files.get('http://shop.test/models/default/weights.bin', request);
      expect({ from: got.from, bytes: [...new Uint8Array(got.bytes)] }).toEqual({ from: 'network', bytes: [1, 2, 3] });
    } finally {
      if (before) Object.defineProperty(global, 'caches', before);
      else delete global.caches;
    }
  });

  it('an open() that throws at once instead of rejecting: no cache either', async () => {
    const throwing = {
      open: () => {
        throw nsFailure();
      },
    } as unknown as CacheStorage;
    const files = createFiles({ fetch: fetchFn, caches: throwing });
    expect(await files.available()).toBe(false);
    expect((await files.get('http://shop.test/models/default/weights.bin', request)).from).toBe('network');
  });
});
