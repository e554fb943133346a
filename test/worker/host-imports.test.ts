/**
 * The worker's entry (the host) answers a page view's first rankings before TensorFlow.js loads: from the snapshot,
 * or with the pair model on arrays. Nothing it imports statically may import tfjs, or reco.worker.js would carry tfjs
 * and the first rankings would wait for it to be evaluated. (The engine, tfjs.ts, is imported on demand.)
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/** Static imports and re-exports of a module that load code (not `import type`, not dynamic import()). */
function staticImports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of src.matchAll(/^(?:import|export)\s+(?!type\s)(?:[^'"`;]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) found.push(m[1]!);
  return found;
}

/** Each module reached from `entry`, with the chain of imports that reaches it first. */
function reach(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec) : spec;
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (spec.startsWith('.')) queue.push(target);
    }
  }
  return chains;
}

describe('the worker entry (host)', () => {
  it('imports no TensorFlow.js, directly or through what it imports', () => {
    const chains = reach(resolve('src/worker/engine.worker.ts'));
    const tfjs = [...chains]
      .filter(([m]) => m.startsWith('@tensorflow/'))
      .map(([, chain]) => chain.map((f) => f.replace(`${process.cwd()}/`, '')).join(' -> '));
    expect(tfjs).toEqual([]);
    // It does reach the pair model's forward pass on arrays (what it ranks with before tfjs).
    expect(chains.has(resolve('src/model/pair-plain.ts'))).toBe(true);
  });
});
