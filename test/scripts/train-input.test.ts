/** npm run train on bad flags and on data it cannot train on: a message naming the flag or the data, before any work. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyDataset } from './tiny-data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-train-input-'));
const data = join(root, 'data');
/** Runs the CLI with a tiny model; a run that does not stop by itself (the old --batch 0) is cut off and fails. */
const train = (dataDir: string, out: string, extra: string[]) =>
  spawnSync(
    join('node_modules', '.bin', 'tsx'),
    ['scripts/train.ts', '--data', dataDir, '--out', join(root, out), '--d', '16', '--text-buckets', '128', '--quiet', ...extra],
    { encoding: 'utf8', timeout: 40_000 },
  );
/** A generic-format directory whose shoppers have `events` events each. */
const shortData = (name: string, events: number) => {
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'catalog.jsonl'), ['a', 'b', 'c'].map((id) => JSON.stringify({ id, title: `item ${id}` })).join('\n'));
  const rows: string[] = [];
  for (let u = 0; u < 5; u++)
    for (let k = 0; k < events; k++)
      rows.push(JSON.stringify({ user: `u${u}`, item: 'abc'[(u + k) % 3], ts: 1_700_000_000_000 + k, type: 'view_item' }));
  writeFileSync(join(dir, 'interactions.jsonl'), rows.join('\n'));
  return dir;
};

beforeAll(() => writeTinyDataset(data, { users: 40, seed: 2 }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run train, bad input', () => {
  const bad: [string, string[], RegExp][] = [
    ['a batch of 0 (it looped forever)', ['--batch', '0'], /--batch: expected a whole number of at least 1, got "0"/],
    ['a negative batch', ['--batch=-4'], /--batch: expected a whole number of at least 1, got "-4"/],
    ['a negative epoch count (it saved an untrained model)', ['--epochs=-1'], /--epochs: expected a whole number of at least 1, got "-1"/],
    ['no epochs without --init', ['--epochs', '0'], /--epochs: expected a whole number of at least 1, got "0"/],
    ['a fractional patience', ['--patience', '1.5'], /--patience: expected a whole number of at least 1, got "1.5"/],
    [
      'a temperature that is not a number (it failed after the tables were built)',
      ['--temperature', 'warm'],
      /--temperature: expected a number, got "warm"/,
    ],
    ['a learning rate that is not a number', ['--lr', 'fast'], /--lr: expected a number, got "fast"/],
    // Each of these trained and saved a model (QA D6): --lr=-1 to a loss of 298549, --dropout=1.5 likewise.
    ['a negative learning rate', ['--lr=-1'], /--lr: expected a learning rate above 0, got "-1"/],
    ['a learning rate of 0', ['--lr', '0'], /--lr: expected a learning rate above 0, got "0"/],
    ['a negative final learning rate', ['--lr-end=-0.1'], /--lr-end: expected a learning rate of 0 or more, got "-0.1"/],
    ['a dropout of 1 or more', ['--dropout', '1.5'], /--dropout: expected a fraction from 0 to below 1, got "1.5"/],
    // It stopped with "a prior needs sampled negatives", the wrong cause.
    ['a negative count of negatives', ['--negatives=-3'], /--negatives: expected a whole number of at least 0, got "-3"/],
    ['a fractional count of negatives', ['--negatives', '2.5'], /--negatives: expected a whole number of at least 0, got "2.5"/],
    ['a teacher weight above 1', ['--alpha', '2'], /--alpha: expected a weight from 0 to 1 .*, got "2"/],
    ['a temperature of 0', ['--temperature', '0'], /--temperature: expected a number above 0, got "0"/],
    ['a negative memory weight', ['--memory-beta=-1'], /--memory-beta: expected a number of 0 \(no memory\) or more, got "-1"/],
    ['a negative count of extra candidates', ['--extra=-2'], /--extra: expected a whole number of at least 0, got "-2"/],
    ['a negative time budget', ['--minutes=-5'], /--minutes: expected a number of minutes, 0 \(no limit\) or more, got "-5"/],
    ['a withheld fraction of 1 or more', ['--withhold', '2'], /--withhold: expected a fraction from 0 to below 1, got "2"/],
    ['a history length of 0', ['--max-len', '0'], /--max-len: expected a whole number of at least 1, got "0"/],
  ];
  for (const [what, flags, message] of bad) {
    it(`names the flag for ${what} and writes no model`, () => {
      const out = `bad${bad.findIndex((b) => b[0] === what)}`;
      const r = train(data, out, flags);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(join(root, out, 'model.json'))).toBe(false);
    }, 60_000);
  }

  it('--out naming a file, or a path under one, stops before any work (it was a raw ENOTDIR after the baselines)', () => {
    writeFileSync(join(root, 'afile'), 'keep');
    for (const [out, message] of [
      ['afile', /--out .*afile: expected a directory, got a file/],
      ['afile/model', /--out .*afile\/model: expected a directory, but .*afile is a file, not a directory/],
    ] as const) {
      const r = train(data, out, ['--epochs', '1']);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).not.toMatch(/baselines on the/);
    }
    expect(readFileSync(join(root, 'afile'), 'utf8')).toBe('keep');
  }, 60_000);

  it('--resume with a checkpoint of another configuration names the flag (it ended in a tensor shape error)', () => {
    expect(train(data, 'resumed', ['--epochs', '1']).status).toBe(0);
    const r = train(data, 'resumed', ['--epochs', '2', '--resume', '--d', '8']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--resume: the checkpoint in .*resumed\/checkpoint is of another model .*run without --resume to start over/);
  }, 120_000);

  it('says so when no shopper has 2 events, instead of failing after building its tables', () => {
    const r = train(shortData('single', 1), 'single', ['--epochs', '1']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--data .*single: no shopper has 2 or more events \(5 shoppers\): nothing to train on/);
  }, 60_000);

  it('says so when no shopper has 3 events (no validation target to choose the epoch by)', () => {
    const r = train(shortData('pairs', 2), 'pairs', ['--epochs', '1', '--plain']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--data .*pairs: no shopper has 3 or more events: no validation target/);
    expect(existsSync(join(root, 'pairs', 'model.json'))).toBe(false);
  }, 60_000);
});
