import { expect, test } from './helpers/test.ts';
import { waitForReady } from './helpers/reco.ts';
import { recordSupport } from './helpers/support.ts';

/** What this browser offers a dedicated worker, probed by a worker of the test's own. */
interface WorkerCaps {
  gpu: boolean;
  adapter: boolean;
  webgl2: boolean;
  wasm: boolean;
}

test('status() reports the backend that really runs, and why each backend before it does not', async ({ tab, engine }, testInfo) => {
  await tab.goto('/');
  const status = await waitForReady(tab);
  const caps = await tab.evaluate(async () => {
    const source = `(async () => {
      const gpu = !!self.navigator.gpu;
      const adapter = gpu && !!(await self.navigator.gpu.requestAdapter().catch(() => null));
      let webgl2 = false;
      try { webgl2 = typeof OffscreenCanvas === 'function' && !!new OffscreenCanvas(1, 1).getContext('webgl2'); } catch {}
      postMessage({ gpu, adapter, webgl2, wasm: typeof WebAssembly === 'object' });
    })()`;
    const worker = new Worker(URL.createObjectURL(new Blob([source])));
    const caps = await new Promise<WorkerCaps>((resolve) => (worker.onmessage = (e) => resolve(e.data as WorkerCaps)));
    worker.terminate();
    return caps;
  });
  console.log(`[${engine.name} ${engine.version}] worker: ${JSON.stringify(caps)}; status().backends: ${JSON.stringify(status.backends)}`);

  // Tried in order, up to the first that runs: that one is status().backend; every one before it says why not.
  const ran = status.backends.filter((b) => b.ok);
  expect(ran.map((b) => b.backend)).toEqual([status.backend]);
  expect(status.backends.at(-1)).toEqual({ backend: status.backend, ok: true });
  for (const b of status.backends.slice(0, -1)) expect(b.reason, `why ${b.backend} is not used`).toEqual(expect.any(String));
  expect(status.backends.map((b) => b.backend)).toEqual(['webgpu', 'webgl', 'wasm', 'cpu'].slice(0, status.backends.length));

  // The reasons agree with what the browser really offers a worker.
  const tried = new Map(status.backends.map((b) => [b.backend, b]));
  if (!caps.gpu) expect(tried.get('webgpu')?.reason).toMatch(/no navigator\.gpu/);
  else if (!caps.adapter) expect(tried.get('webgpu')?.reason).toMatch(/no WebGPU adapter/);
  if (tried.has('webgl') && !caps.webgl2) expect(tried.get('webgl')?.reason).toMatch(/WebGL2|OffscreenCanvas/);
  expect(caps.wasm).toBe(true);
  // A backend the browser offers is used unless one before it runs (the engine prefers the first that works).
  if (caps.adapter) expect(tried.get('webgpu')?.ok ?? true, tried.get('webgpu')?.reason).toBe(true);
  else if (caps.webgl2) expect(tried.get('webgl')?.ok ?? true, tried.get('webgl')?.reason).toBe(true);
  else expect(status.backend).toBe('wasm');

  // The model really scores on it: a history changes the ranking.
  const ids = await tab.evaluate(() =>
    [...document.querySelectorAll('#grid-home [data-reco-id]')].slice(0, 12).map((el) => el.getAttribute('data-reco-id')!),
  );
  await tab.evaluate((id) => window.Reco.track('view_item', id), ids[11]!);
  const ranked = await tab.evaluate((items) => window.Reco.rank(items), ids);
  expect(ranked.some((r) => r.score !== 0)).toBe(true);
  expect(status.model).toMatchObject({ id: expect.any(String), version: expect.any(String) });
  recordSupport(testInfo, engine, { backend: status.backend, backends: status.backends, storage: status.storage });
});
