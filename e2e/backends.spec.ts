import { expect, test } from './helpers/test.ts';
import { waitForReady } from './helpers/reco.ts';
import { recordSupport } from './helpers/support.ts';

/** What this browser offers a dedicated worker, probed by a worker of the test's own. */
interface WorkerCaps {
  gpu: boolean;
  adapter: boolean;
  /** The adapter is a software one: a fallback adapter, or a software rasterizer by name. */
  softwareAdapter: boolean;
  webgl2: boolean;
  /** The WebGL renderer is a software rasterizer (SwiftShader, llvmpipe, ...). */
  softwareWebgl: boolean;
  wasm: boolean;
}

test('status() reports the backend that really runs, and why each backend before it does not; a software GPU is skipped', async ({
  tab,
  engine,
}, testInfo) => {
  await tab.goto('/');
  const status = await waitForReady(tab);
  const caps = await tab.evaluate(async () => {
    const source = `(async () => {
      const soft = /swiftshader|llvmpipe|lavapipe|softpipe|microsoft basic render/i;
      const gpu = !!self.navigator.gpu;
      const a = gpu ? await self.navigator.gpu.requestAdapter().catch(() => null) : null;
      const info = (a && a.info) || {};
      const softwareAdapter = !!a && (a.isFallbackAdapter === true || info.isFallbackAdapter === true || soft.test([info.vendor, info.architecture, info.device, info.description].join(' ')));
      let webgl2 = false, softwareWebgl = false;
      try {
        const gl = typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(1, 1).getContext('webgl2') : null;
        webgl2 = !!gl;
        const ext = gl && gl.getExtension('WEBGL_debug_renderer_info');
        softwareWebgl = !!gl && soft.test(String(gl.getParameter(ext ? ext.UNMASKED_RENDERER_WEBGL : gl.RENDERER)));
      } catch {}
      postMessage({ gpu, adapter: !!a, softwareAdapter, webgl2, softwareWebgl, wasm: typeof WebAssembly === 'object' });
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
  else if (caps.softwareAdapter) expect(tried.get('webgpu')?.reason).toMatch(/^skipped: a software adapter/);
  if (tried.has('webgl') && !caps.webgl2) expect(tried.get('webgl')?.reason).toMatch(/WebGL2|OffscreenCanvas/);
  else if (tried.has('webgl') && caps.softwareWebgl) expect(tried.get('webgl')?.reason).toMatch(/^skipped: a software renderer/);
  expect(caps.wasm).toBe(true);
  // A hardware GPU the browser offers is used unless one before it runs (the engine prefers the first that works);
  // a software one never is by default: wasm is faster than SwiftShader or llvmpipe.
  if (caps.adapter && !caps.softwareAdapter) expect(tried.get('webgpu')?.ok ?? true, tried.get('webgpu')?.reason).toBe(true);
  else if (caps.webgl2 && !caps.softwareWebgl) expect(tried.get('webgl')?.ok ?? true, tried.get('webgl')?.reason).toBe(true);
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
