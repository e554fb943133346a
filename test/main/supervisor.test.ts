import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSupervisor, type SupervisorState } from '../../src/main/supervisor.ts';

/** A fake worker: answers calls when told to, can crash (its error event) or hang (answers nothing, not even the probe). */
interface FakeWorker {
  id: number;
  crash(msg?: string): void;
  hung: boolean;
  stopped: boolean;
  /** Calls waiting for an answer, by name. */
  pending: { what: string; resolve: (v: string) => void }[];
}

function harness(opts: { readyResult?: () => Promise<string>; restarts?: number } = {}) {
  const workers: FakeWorker[] = [];
  const states: [SupervisorState, string | null][] = [];
  const sup = createSupervisor<FakeWorker, string>({
    start(crashed) {
      const w: FakeWorker = {
        id: workers.length + 1,
        crash: () => {},
        hung: false,
        stopped: false,
        pending: [],
      };
      w.crash = (msg = 'boom') => {
        const err = new Error(`worker ${w.id} crashed: ${msg}`);
        err.name = 'WorkerCrashedError';
        crashed(err);
      };
      workers.push(w);
      return { handle: w, ready: opts.readyResult?.() ?? Promise.resolve(`ready ${w.id}`) };
    },
    stop: (w) => void (w.stopped = true),
    probe: (w) => (w.hung ? new Promise(() => {}) : Promise.resolve('alive')),
    restarts: opts.restarts,
    initMs: 60_000,
    probeMs: 5_000,
    onState: (s, why) => states.push([s, why?.message ?? null]),
  });
  /** A call that waits until the test answers it (or the worker crashes or hangs). */
  const ask = (what: string, ms = 15_000) =>
    sup.call(what, (w) => new Promise<string>((resolve) => w.pending.push({ what, resolve: (v) => resolve(`${v} from ${w.id}`) })), ms);
  return { sup, workers, states, ask };
}

/** Lets promise callbacks run (no timers move). */
const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('supervisor', () => {
  it('a crash rejects every call in flight at once, counts once, and each call is answered by the new worker', async () => {
    const { sup, workers, states, ask } = harness();
    await settle();
    const rank = ask('rank()');
    const explain = ask('explain()');
    await settle();
    expect(workers[0]!.pending.map((p) => p.what)).toEqual(['rank()', 'explain()']);

    workers[0]!.crash();
    await settle();
    // No timer had to run: both calls were asked again of worker 2 at once.
    expect(workers).toHaveLength(2);
    expect(workers[0]!.stopped).toBe(true);
    expect(sup.failures()).toBe(1);
    expect(sup.generation()).toBe(2);
    expect(workers[1]!.pending.map((p) => p.what)).toEqual(['rank()', 'explain()']);
    workers[1]!.pending.forEach((p) => p.resolve(p.what));
    await expect(rank).resolves.toBe('rank() from 2');
    await expect(explain).resolves.toBe('explain() from 2');
    expect(sup.state()).toBe('ready');
    expect(states.map(([s]) => s)).toEqual(['ready', 'restarting', 'ready']);
  });

  it('the timeouts of calls made to the dead worker never touch the new one', async () => {
    const { sup, workers, ask } = harness();
    await settle();
    const calls = [ask('rank()'), ask('explain()'), ask('round()', 120_000)];
    await settle();
    workers[0]!.crash();
    await settle();
    // Long past every timeout of the calls sent to worker 1: worker 2 still serves.
    await vi.advanceTimersByTimeAsync(10_000);
    workers[1]!.pending.forEach((p) => p.resolve('ok'));
    await expect(Promise.all(calls)).resolves.toEqual(['ok from 2', 'ok from 2', 'ok from 2']);
    await vi.advanceTimersByTimeAsync(200_000);
    expect(sup.failures()).toBe(1);
    expect(sup.state()).toBe('ready');
    expect(workers[1]!.stopped).toBe(false);
    const later = ask('rank()');
    await settle();
    workers[1]!.pending.at(-1)!.resolve('later');
    await expect(later).resolves.toBe('later from 2');
  });

  it('a call that times out while the worker still answers rejects alone: a busy worker is not killed', async () => {
    const { sup, workers, ask } = harness();
    await settle();
    const round = ask('round()', 120_000);
    const outcome = round.catch((e: Error) => e);
    await vi.advanceTimersByTimeAsync(120_000);
    const err = await outcome;
    expect(err).toMatchObject({ name: 'EngineTimeoutError', message: 'the worker is busy: round() got no answer within 120 s' });
    expect(sup.failures()).toBe(0);
    expect(workers).toHaveLength(1);
    expect(workers[0]!.stopped).toBe(false);
    expect(sup.state()).toBe('ready');
  });

  it('a hung worker (no answer to the call, nor to the probe) fails once for all its calls, and is replaced', async () => {
    const { sup, workers, ask } = harness();
    await settle();
    const a = ask('rank()').catch((e: Error) => e);
    const b = ask('explain()').catch((e: Error) => e);
    await settle();
    workers[0]!.hung = true;
    await vi.advanceTimersByTimeAsync(15_000 + 5_000);
    expect(sup.failures()).toBe(1);
    expect(workers).toHaveLength(2);
    // Both were asked again of worker 2.
    expect(workers[1]!.pending.map((p) => p.what)).toEqual(['rank()', 'explain()']);
    workers[1]!.pending.forEach((p) => p.resolve('ok'));
    expect(await a).toBe('ok from 2');
    expect(await b).toBe('ok from 2');
  });

  it("a call the worker answers early (a ranking sent while the model loads) is timed from the worker's being ready: a slow load does not fail it, a hang after does, within the call's deadline", async () => {
    let loaded!: () => void;
    const { sup, workers } = harness({ readyResult: () => new Promise((resolve) => (loaded = () => resolve('ready'))) });
    await settle();
    const rank = sup.call('rank()', (w) => new Promise<string>((resolve) => w.pending.push({ what: 'rank()', resolve })), 15_000, true);
    const outcome = rank.then(
      (v) => v,
      (e: Error) => e,
    );
    await vi.advanceTimersByTimeAsync(40_000); // the model takes 40 s: no deadline runs meanwhile
    expect(sup.failures()).toBe(0);
    loaded();
    await settle();
    workers[0]!.hung = true;
    await vi.advanceTimersByTimeAsync(15_000 + 5_000);
    expect(sup.failures()).toBe(1); // 20 s after it was ready, not the 60 s of initMs
    expect(workers).toHaveLength(2);
    workers[1]!.pending.forEach((p) => p.resolve('ok'));
    expect(await outcome).toBe('ok');
  });

  it('a second failure takes the engine down: calls reject at once with why, and no third worker starts', async () => {
    const { sup, workers, states, ask } = harness();
    await settle();
    workers[0]!.crash('first');
    await settle();
    const call = ask('rank()').catch((e: Error) => e);
    await settle();
    workers[1]!.crash('second');
    const err = await call;
    expect(err).toMatchObject({ name: 'WorkerCrashedError' });
    expect((err as Error).message).toMatch(/^worker 2 crashed: second; the worker failed 2 times, so personalization is off/);
    expect(sup.state()).toBe('down');
    expect(states.at(-1)![0]).toBe('down');
    await expect(ask('rank()')).rejects.toThrow(/personalization is off/);
    expect(workers).toHaveLength(2);
    expect(sup.failures()).toBe(2);
  });

  it('a worker that cannot be constructed counts as a failure and another start is tried', async () => {
    let n = 0;
    const sup = createSupervisor<number, string>({
      start() {
        if (++n === 1) throw new Error('blocked by CSP');
        return { handle: n, ready: Promise.resolve('ok') };
      },
      stop: () => {},
      probe: async () => 'alive',
      initMs: 1000,
      probeMs: 1000,
    });
    await expect(sup.ready()).resolves.toBe('ok');
    expect(sup.failures()).toBe(1);
  });

  it("the engine's own init error (no model) takes it down without a restart", async () => {
    const modelError = Object.assign(new Error('could not fetch model.json: HTTP 404'), { name: 'ModelError' });
    const { sup, workers, ask } = harness({ readyResult: () => Promise.reject(modelError) });
    await expect(sup.ready()).rejects.toBe(modelError);
    expect(sup.state()).toBe('down');
    await expect(ask('rank()')).rejects.toBe(modelError);
    expect(workers).toHaveLength(1);
    expect(sup.failures()).toBe(0);
  });

  it('init that never answers fails the worker after the init deadline, and a new one is started', async () => {
    let n = 0;
    const sup = createSupervisor<number, string>({
      start: () => ({ handle: ++n, ready: n === 1 ? new Promise<string>(() => {}) : Promise.resolve('ready 2') }),
      stop: () => {},
      probe: async () => 'alive',
      initMs: 60_000,
      probeMs: 5_000,
    });
    const ready = sup.ready();
    await vi.advanceTimersByTimeAsync(60_000);
    await expect(ready).resolves.toBe('ready 2');
    expect(sup.failures()).toBe(1);
  });

  it('terminate() rejects calls in flight and stops the worker', async () => {
    const { sup, workers, ask } = harness();
    await settle();
    const call = ask('rank()').catch((e: Error) => e.message);
    await settle();
    sup.terminate();
    expect(await call).toMatch(/stopped/);
    expect(workers[0]!.stopped).toBe(true);
    expect(sup.state()).toBe('down');
  });
});
