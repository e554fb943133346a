/**
 * The engine client as the page holds it while its module may still be loading (reco.js loads it from
 * reco.engine.js, see engine-module.script.ts): usable at once, every call waits for it.
 */
import { WorkerCrashedError } from '../shared/errors.ts';
import type { EngineClient } from './engine-client.ts';
import type { EngineModule } from './engine-module.ts';

/** The engine client's methods that call the worker and answer (all but state(), terminate(), and changed() and remember(), which answer nothing). */
const CALLS = [
  'status',
  'rank',
  'settle',
  'rankFor',
  'arrange',
  'setRules',
  'recommend',
  'catalog',
  'round',
  'forget',
  'explain',
] as const satisfies readonly Exclude<keyof EngineClient, 'state' | 'terminate' | Told>[];
/** The calls that answer nothing: told to the client once it is there (to none when it could not load). */
type Told = 'changed' | 'remember';

/**
 * @param module the engine client module, loading
 * @param url where it loads from, for the message when it cannot
 * @param create makes the client once the module is there
 */
export function lazyEngineClient(module: Promise<EngineModule>, url: string, create: (m: EngineModule) => EngineClient): EngineClient {
  let client: EngineClient | null = null;
  let failed = false;
  let stopped = false;
  const loaded = module.then(
    (m) => {
      client = create(m);
      if (stopped) client.terminate();
      return client;
    },
    (err: unknown) => {
      failed = true;
      throw new WorkerCrashedError(`could not load the engine client ${url}: ${(err as Error)?.message ?? String(err)}`);
    },
  );
  loaded.catch(() => {}); // heard by whoever calls the engine; never an unhandled rejection in the page
  // Every call to the worker waits for the client, then is its call.
  const calls = Object.fromEntries(
    CALLS.map((name) => [name, (...args: unknown[]) => loaded.then((c) => (c[name] as (...a: unknown[]) => unknown)(...args))]),
  ) as Pick<EngineClient, (typeof CALLS)[number]>;
  const tell =
    <K extends Told>(name: K) =>
    (arg: Parameters<EngineClient[K]>[0]) =>
      void loaded.then(
        (c) => (c[name] as (a: typeof arg) => void)(arg),
        () => {},
      );
  return {
    ...calls,
    changed: tell('changed'),
    remember: tell('remember'),
    state: () => client?.state() ?? (failed ? 'down' : 'starting'),
    terminate() {
      stopped = true;
      client?.terminate();
    },
  };
}
