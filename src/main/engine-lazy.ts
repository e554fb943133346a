/**
 * The engine client as the page holds it while its module may still be loading (reco.js loads it from
 * reco.engine.js, see engine-module.script.ts): usable at once, every call waits for it.
 */
import { WorkerCrashedError } from '../shared/errors.ts';
import type { EngineClient } from './engine-client.ts';
import type { EngineModule } from './engine-module.ts';

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
  return {
    status: () => loaded.then((c) => c.status()),
    rank: (history, candidates) => loaded.then((c) => c.rank(history, candidates)),
    rankFor: (given, candidates) => loaded.then((c) => c.rankFor(given, candidates)),
    arrange: (...a) => loaded.then((c) => c.arrange(...a)),
    setRules: (rules) => loaded.then((c) => c.setRules(rules)),
    recommend: (...a) => loaded.then((c) => c.recommend(...a)),
    round: (force) => loaded.then((c) => c.round(force)),
    forget: () => loaded.then((c) => c.forget()),
    explain: (history, item) => loaded.then((c) => c.explain(history, item)),
    state: () => client?.state() ?? (failed ? 'down' : 'starting'),
    terminate() {
      stopped = true;
      client?.terminate();
    },
  };
}
