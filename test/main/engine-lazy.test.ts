// @vitest-environment happy-dom
import { describe, expect, it, vi } from 'vitest';
import type { EngineClient } from '../../src/main/engine-client.ts';
import { lazyEngineClient } from '../../src/main/engine-lazy.ts';
import { createPageLearning } from '../../src/main/scheduler.ts';
import type { EngineModule } from '../../src/main/engine-module.ts';
import { startingNow } from '../../src/main/worker-source.ts';

/** An engine client that answers status() and records terminate(). */
function fakeClient(log: string[]): EngineClient {
  return {
    status: async () => ({ backend: 'cpu', backends: [], model: null, learning: null }) as never,
    rank: async (req) => ({ scores: req.candidates.map(() => 1), source: 'model' }),
    changed: () => {},
    remember: (items) => void log.push(`remember ${items.map((i) => i.id).join(' ')}`),
    settle: async () => {},
    rankFor: async (_g, candidates) => candidates.map(() => 1),
    arrange: async () => ({ order: null, source: 'none' }),
    setRules: async () => false,
    recommend: async () => ({}) as never,
    catalog: async () => null,
    round: async () => ({}) as never,
    forget: async () => null,
    explain: async () => [],
    state: () => 'ready',
    terminate: () => void log.push('terminated'),
  };
}

/** reco.engine.js as these tests need it: the fake client, the real learning scheduler, nothing else used. */
const moduleWith = (log: string[]): EngineModule => ({
  createEngineClient: () => fakeClient(log),
  engineInit: null!,
  createPageLearning,
  createPlacements: null!,
  createRanker: null!,
  createHistory: null!,
  readStored: null!,
  openPageStore: null!,
  itemFeatures: null!,
  reorderGrid: null!,
  keepPageOrder: null!,
  writeArm: null!,
});

describe('lazyEngineClient: the engine client while reco.engine.js loads', () => {
  it('calls made before the module arrived wait for it and get its answers', async () => {
    let arrive!: (m: EngineModule) => void;
    const log: string[] = [];
    const engine = lazyEngineClient(new Promise((r) => (arrive = r)), '/reco.engine.js', (m) =>
      m.createEngineClient(null!, null!, null!, null!),
    );
    expect(engine.state()).toBe('starting');
    const ranked = engine.rank({ pending: [], known: [], now: 0, candidates: [{ id: 'a' }, { id: 'b' }] });
    arrive(moduleWith(log));
    expect(await ranked).toEqual({ scores: [1, 1], source: 'model' });
    expect(engine.state()).toBe('ready');
  });

  it('a module that cannot load: every call rejects with a WorkerCrashedError naming the file, and the engine is down', async () => {
    const engine = lazyEngineClient(
      Promise.reject(new TypeError('Failed to fetch dynamically imported module')),
      '/x/reco.engine.js',
      () => {
        throw new Error('never made');
      },
    );
    await expect(engine.status()).rejects.toMatchObject({
      name: 'WorkerCrashedError',
      message: 'could not load the engine client /x/reco.engine.js: Failed to fetch dynamically imported module',
    });
    await expect(engine.rank({ pending: [], known: [], now: 0, candidates: [] })).rejects.toMatchObject({ name: 'WorkerCrashedError' });
    expect(engine.state()).toBe('down');
  });

  it('terminate() before the module arrived terminates the client it makes', async () => {
    let arrive!: (m: EngineModule) => void;
    const log: string[] = [];
    const engine = lazyEngineClient(new Promise((r) => (arrive = r)), '/reco.engine.js', (m) =>
      m.createEngineClient(null!, null!, null!, null!),
    );
    engine.terminate();
    arrive(moduleWith(log));
    await engine.status();
    expect(log).toEqual(['terminated']);
  });
});

describe('startingNow: the first worker starts before the engine client asks for it', () => {
  class FakeWorker extends EventTarget {
    static made = 0;
    constructor() {
      super();
      FakeWorker.made++;
    }
  }

  it('starts one worker at once, hands that one over first, and a fresh one on the next start', () => {
    FakeWorker.made = 0;
    const source = startingNow({ url: '/reco.worker.js', start: () => new FakeWorker() as unknown as Worker });
    expect(FakeWorker.made).toBe(1);
    const first = source.start();
    expect(FakeWorker.made).toBe(1);
    expect(source.start()).not.toBe(first);
    expect(FakeWorker.made).toBe(2);
  });

  it('an error the worker had before it was handed over is dispatched again to whoever listens after', async () => {
    const made: FakeWorker[] = [];
    const source = startingNow({ url: '/reco.worker.js', start: () => made[made.push(new FakeWorker()) - 1] as unknown as Worker });
    // The script is missing: the worker fails before the engine client has loaded and listens.
    made[0]!.dispatchEvent(new ErrorEvent('error', { message: 'HTTP 404', cancelable: true }));
    const worker = source.start();
    const heard: string[] = [];
    worker.addEventListener('error', (e) => heard.push((e as ErrorEvent).message));
    await vi.waitFor(() => expect(heard).toEqual(['HTTP 404']));
    // Later errors reach the listener once, as they happen.
    worker.dispatchEvent(new ErrorEvent('error', { message: 'crashed' }));
    expect(heard).toEqual(['HTTP 404', 'crashed']);
  });

  it('a worker that cannot be started now is started when asked for (and fails there, where it is reported)', () => {
    let tries = 0;
    const source = startingNow({
      url: '/reco.worker.js',
      start: () => {
        tries++;
        throw new Error('refused by the policy');
      },
    });
    expect(tries).toBe(1);
    expect(() => source.start()).toThrow('refused by the policy');
    expect(tries).toBe(2);
  });
});
