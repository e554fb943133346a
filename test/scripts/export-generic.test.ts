/** scripts/export-generic.ts on a shop's own export: it never replaces its input, and names a category it cannot find. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyDataset } from './tiny-data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-export-cli-'));
const data = join(root, 'data');
const exportGeneric = (args: string[]) =>
  spawnSync(join('node_modules', '.bin', 'tsx'), ['scripts/export-generic.ts', ...args], { encoding: 'utf8', timeout: 30_000 });
let before: { catalog: string; interactions: string };

beforeAll(() => {
  writeTinyDataset(data, { users: 20, seed: 1 });
  before = {
    catalog: readFileSync(join(data, 'catalog.jsonl'), 'utf8'),
    interactions: readFileSync(join(data, 'interactions.jsonl'), 'utf8'),
  };
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('export-generic', () => {
  it('refuses --out set to the --data directory, leaving the shop export as it was', () => {
    const r = exportGeneric(['--data', data, '--out', `${data}/`, '--categories', 'Hair']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^export-generic: --out .*data\/: the --data directory itself, whose files the export would replace/);
    expect(readFileSync(join(data, 'catalog.jsonl'), 'utf8')).toBe(before.catalog);
    expect(readFileSync(join(data, 'interactions.jsonl'), 'utf8')).toBe(before.interactions);
  }, 40_000);

  it('names the categories it cannot find and the ones there are, writing nothing', () => {
    const out = join(root, 'none');
    const r = exportGeneric(['--data', data, '--out', out, '--categories', 'Hiar']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(
      /--categories: no item of .* is in Hiar; expected some of its top-level categories \(fragrance, hair, makeup, skin care\)/,
    );
    expect(existsSync(out)).toBe(false);
  }, 40_000);

  it('exports the categories asked for', () => {
    const out = join(root, 'hair');
    const r = exportGeneric(['--data', data, '--out', out, '--categories', 'hair']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/: 5 shoppers, 9 items, \d+ interactions \(top-level hair\)\n$/);
  }, 40_000);
});
