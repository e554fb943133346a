import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../src/worker/engine.ts';
import type { HistoryEntry } from '../../src/shared/types.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { CATALOG, T0, shopper } from '../../fixtures/shopper.ts';

const fileFetch = (async (u: string) => new Response(readFileSync(resolve(u)), { status: 200 })) as unknown as typeof fetch;
const engine = createEngine({ fetch: fileFetch });
const history: HistoryEntry[] = CATALOG.slice(0, 4).map((item, i) => ({ item, type: 'select_item', ts: T0 + i * 1000 }));
const candidates = CATALOG.slice(20, 44);
const rank = () => engine.rank(history, candidates, T0 + 10_000);

beforeAll(async () => {
  await setupTf('wasm');
  await engine.init({ modelUrl: 'public/models/default/model.json', backends: ['wasm'] });
});

describe('engine learning (in-process, as in the worker)', () => {
  it('uses an accepted head for rank(), and goes back to the shipped one with setHead(null) and rollback()', async () => {
    const shippedScores = await rank();
    // A brand-loyal shopper's round: the guardrail may find one's held-out gain within noise, not three in a row.
    let result = await engine.train(shopper(1, 'brand').events, CATALOG, {});
    for (let seed = 2; seed <= 3 && !result.accepted; seed++) result = await engine.train(shopper(seed, 'brand').events, CATALOG, {});
    expect(result.accepted).toBe(true);
    const tuned = await rank();
    expect(tuned).not.toEqual(shippedScores);

    expect(engine.rollback()).toBe('shipped');
    expect(await rank()).toEqual(shippedScores);

    expect(engine.setHead(result.head, null)).toBe('personal');
    expect(await rank()).toEqual(tuned);
    expect(engine.setHead(null)).toBe('shipped');
    expect(await rank()).toEqual(shippedScores);
  });

  it('keeps the head in use when a round is rejected', async () => {
    engine.setHead(null);
    const before = await rank();
    let rejected = 0;
    for (let seed = 1; seed <= 3; seed++) {
      const result = await engine.train(shopper(seed, 'random').events, CATALOG, {});
      if (result.accepted) engine.setHead(null);
      else {
        rejected++;
        expect(await rank()).toEqual(before);
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('refuses a head that does not fit the model', () => {
    expect(() => engine.setHead({ w: new Float32Array(3), c: new Float32Array(3) })).toThrow(TypeError);
  });

  it('explains with the head in use', async () => {
    const because = await engine.explain(history, candidates[0]!, T0 + 10_000);
    expect(because.map((b) => b.itemId).sort()).toEqual(history.map((h) => h.item.id).sort());
    expect(because[0]!.weight).toBeGreaterThanOrEqual(because[because.length - 1]!.weight);
  });
});

describe('engine failures', () => {
  it('no tensor is left behind by 1,000 rankings (new histories and repeated ones) and 50 explanations', async () => {
    engine.setHead(null);
    await rank();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) {
      // Every 10th ranking has a history not seen before, so the shopper vector is computed anew, not cached.
      const h = i % 10 ? history : history.map((e, k) => ({ ...e, ts: e.ts + i * 10 + k }));
      await engine.rank(h, candidates, T0 + 10_000 + i);
    }
    for (let i = 0; i < 50; i++) await engine.explain(history, candidates[i % candidates.length]!, T0 + 10_000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('"no tfjs backend could start" lists every backend tried with its reason', async () => {
    const broken = createEngine({
      fetch: fileFetch,
      load: async (b) => {
        if (b === 'cpu') throw new Error('cpu refused on purpose');
      },
    });
    const err = await broken.init({ modelUrl: 'public/models/default/model.json', backends: ['webgpu', 'cpu'] }).catch((e: Error) => e);
    expect(err).toMatchObject({ name: 'NoBackendError' });
    expect((err as Error).message).toMatch(/^no tfjs backend could start: webgpu \(.+\), cpu \(cpu refused on purpose\)$/);
    expect(broken.status().backends).toHaveLength(2);
    await tf.setBackend('wasm');
  });
});
