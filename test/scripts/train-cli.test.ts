/** The training and evaluation CLIs end to end on a tiny generated shop (generic format). */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { readModel } from '../../src/model/train/model-files.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { loadDataset, splitLeaveOneOut } from '../../scripts/lib/data.ts';
import { rebuiltTables } from '../../scripts/lib/hybrid.ts';
import { writeTinyDataset } from './tiny-data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-cli-'));
const data = join(root, 'data');
const tsx = join('node_modules', '.bin', 'tsx');
const run = (script: string, args: string[]) =>
  execFileSync(tsx, [script, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const train = (out: string, extra: string[] = []) =>
  run('scripts/train.ts', [
    '--data',
    data,
    '--out',
    join(root, out),
    '--preset',
    'student',
    '--d',
    '16',
    '--text-buckets',
    '128',
    '--epochs',
    '2',
    '--batch',
    '32',
    '--seed',
    '3',
    '--quiet',
    ...extra,
  ]);

beforeAll(() => writeTinyDataset(data, { users: 120, seed: 2 }));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('npm run train / eval', () => {
  let log: string;
  beforeAll(() => {
    log = train('a');
  }, 120_000);

  it('writes the quantized model, the float model and a checkpoint, and logs each epoch', () => {
    for (const f of [
      'model.json',
      'weights.bin',
      'vocab.json',
      'neighbours.bin',
      'index.json',
      'float/model.json',
      'checkpoint/state.json',
    ])
      expect(existsSync(join(root, 'a', f)), f).toBe(true);
    expect(log).toMatch(/epoch 1: loss [\d.]+, valid NDCG@10 [\d.]+/);
    expect(log).toMatch(/epoch 2: /);
    const m = JSON.parse(readFileSync(join(root, 'a', 'model.json'), 'utf8'));
    expect(m.config).toMatchObject({ d: 16, blocks: 2, inputScale: 4 });
    // The student is a hybrid by default: its tables ship beside it, its weights chosen on validation. The kNN and
    // transition tables ship only when validation gives their part a weight (format 5 with kNN, 6 with transitions);
    // otherwise it is a format 4 hybrid.
    const knn = m.hybrid.weights.knn !== undefined;
    const transitions = m.hybrid.weights.transitions !== undefined;
    expect(m.formatVersion).toBe(transitions ? 6 : knn ? 5 : 4);
    expect(m.hybrid.neighbours).toMatchObject({ file: 'neighbours.bin', window: 3, top: 20 });
    expect(Object.keys(m.hybrid.weights)).toEqual([
      'transformer',
      'content',
      'cooccurrence',
      ...(knn ? ['knn'] : []),
      ...(transitions ? ['transitions'] : []),
    ]);
    expect(existsSync(join(root, 'a', 'knn.bin'))).toBe(knn);
    expect(existsSync(join(root, 'a', 'transitions.bin'))).toBe(transitions);
    if (knn) {
      expect(m.hybrid.weights.knn).toBeGreaterThan(0);
      expect(m.hybrid.knn).toMatchObject({ file: 'knn.bin', top: 20 });
    } else expect(m.hybrid.knn).toBeUndefined();
    if (transitions) {
      expect(m.hybrid.weights.transitions).toBeGreaterThan(0);
      expect(m.hybrid.transitions).toMatchObject({ file: 'transitions.bin', top: 20, last: [1, 0.7, 0.49, 0.343, 0.2401] });
    } else expect(m.hybrid.transitions).toBeUndefined();
    expect(log).toMatch(/transition part: weight [\d.]+, co-occurrence [\d.]+: valid NDCG@10 [\d.]+ \(without it [\d.]+; 41 points\)/);
    expect(m.training).toMatchObject({ preset: 'student', seed: 3, negatives: 256 });
  });

  it("ships tables of every event, each shopper's last two included, and is measured, by train and by eval, with the training sequences' tables", async () => {
    await setupTf('wasm');
    const dir = join(root, 'a');
    const model = await readModel(dir);
    tf.dispose(Object.values(model.weights));
    expect(model.manifest.training?.['hybrid']).toMatchObject({ tablesFrom: 'every event' });
    const ds = loadDataset(data, { note: () => {} });
    const split = splitLeaveOneOut(ds);
    // The pairs (within the table's window) that only the shoppers' last two events hold, between items the model knows.
    const row = (i: number) => model.vocab!.get(ds.items[i]!.id) ?? 0;
    const inTraining = new Set<string>();
    for (const s of split.train)
      for (let p = 0; p < s.items.length; p++)
        for (let q = p + 1; q <= p + 3 && q < s.items.length; q++) inTraining.add(`${row(s.items[p]!)}>${row(s.items[q]!)}`);
    const newest = new Set<string>();
    for (const { seq } of ds.users) {
      const n = seq.items.length;
      for (let q = Math.max(1, n - 2); q < n; q++)
        for (let p = Math.max(0, q - 3); p < q; p++) {
          const key = `${row(seq.items[p]!)}>${row(seq.items[q]!)}`;
          if (row(seq.items[p]!) > 0 && row(seq.items[q]!) > 0 && !inTraining.has(key)) newest.add(key);
        }
    }
    expect(newest.size).toBeGreaterThan(0);
    const pairs = (t: { offsets: ArrayLike<number>; ids: ArrayLike<number> }) => {
      const out = new Set<string>();
      for (let a = 0; a + 1 < t.offsets.length; a++) for (let e = t.offsets[a]!; e < t.offsets[a + 1]!; e++) out.add(`${a}>${t.ids[e]!}`);
      return out;
    };
    const shipped = pairs(model.hybrid!.neighbours);
    expect([...newest].filter((k) => shipped.has(k)).length).toBeGreaterThan(0);
    // Rebuilt from the training sequences, as npm run train and npm run eval measure it: none of them.
    const held = pairs((await rebuiltTables(model.hybrid!, ds.items, split.train, ds.items)).neighbours);
    expect([...newest].filter((k) => held.has(k))).toEqual([]);
    // npm run eval on this data says so and gives the figure npm run train printed (its own tables hold the targets).
    const trained = /on the 120 test users \(with the training sequences' tables\): NDCG@10 ([\d.]+), HR@10 ([\d.]+)/.exec(log);
    expect(trained).not.toBeNull();
    const json = join(root, 'same.json');
    const out = run('scripts/eval.ts', ['--data', data, '--models', dir, '--only', '--json', json]);
    expect(out).toContain(`note: ${dir}: its tables hold every event of this data, the targets included: measured with tables rebuilt`);
    const row10 = (JSON.parse(readFileSync(json, 'utf8')) as { name: string; full: Record<string, number> }[]).find((r) => r.name === dir)!;
    expect(row10.full['NDCG@10']!.toFixed(4)).toBe(trained![1]);
    expect(row10.full['HR@10']!.toFixed(4)).toBe(trained![2]);
    // Other data (here: this data less its last row, another hash) is scored with the tables it ships, without a note.
    const past = join(root, 'past');
    cpSync(data, past, { recursive: true });
    const lines = readFileSync(join(data, 'interactions.jsonl'), 'utf8').trim().split('\n');
    writeFileSync(join(past, 'interactions.jsonl'), lines.slice(0, -1).join('\n') + '\n');
    expect(run('scripts/eval.ts', ['--data', past, '--models', dir, '--only', '--users', '20'])).not.toContain(
      'its tables hold every event',
    );
    // Another shop's data given as --extra-data counts whole in the tables: eval on that data says its figures are not held out.
    const other = join(root, 'other');
    writeTinyDataset(other, { users: 60, seed: 9 });
    train('x', ['--extra-data', other]);
    expect(run('scripts/eval.ts', ['--data', other, '--models', join(root, 'x'), '--only'])).toContain(
      `note: ${join(root, 'x')}: its tables hold every event of this data (--extra-data when it trained), the targets included: these figures are not held out`,
    );
    // On its own data, its held-out tables are rebuilt from this data alone: eval says the other data is not in them.
    expect(run('scripts/eval.ts', ['--data', data, '--models', join(root, 'x'), '--only', '--users', '20'])).toContain(
      'as npm run train measured it, less the other data it counted (--extra-data): its figures can differ a little from those train printed',
    );
  }, 120_000);

  it('prints the baselines at its start and where the model stands against each at its end', () => {
    const start = log.indexOf('baselines on the ');
    const end = log.indexOf('against each baseline:');
    expect(start).toBeGreaterThanOrEqual(0);
    expect(end).toBeGreaterThan(log.indexOf('epoch 2: '));
    for (const row of ['popularity', 'co-occurrence', 'item-kNN', 'tf-idf', 'tf-idf + co-occurrence (w '])
      expect(log.slice(start, log.indexOf('epoch 1: '))).toContain(row);
    // One line per baseline row, each saying beats or BELOW, then the verdict.
    const standing = log
      .slice(end)
      .split('\n')
      .filter((l) => /^\s+(beats|BELOW)\s/.test(l));
    expect(standing.length).toBe(
      log
        .slice(start, log.indexOf('epoch 1: '))
        .split('\n')
        .filter((l) => /HR@10 [\d.]+\s+NDCG@10/.test(l)).length,
    );
    expect(log).toMatch(/the model (beats every baseline row|does not beat .+) on both NDCG@10 and HR@10/);
    // 120 shoppers: figures at this size are noisy, and the standing says so.
    expect(log).toMatch(/note: only 120 test users: figures at this size are noisy \(one user's hit is 0\.0083 of HR@10\)/);
  });

  it('trains the transformer alone with --plain (format 2, no tables)', () => {
    train('p', ['--plain', '--epochs', '1']);
    const m = JSON.parse(readFileSync(join(root, 'p', 'model.json'), 'utf8'));
    expect(m.formatVersion).toBe(2);
    expect(m.hybrid).toBeUndefined();
    expect(existsSync(join(root, 'p', 'neighbours.bin'))).toBe(false);
  }, 120_000);

  it('is deterministic for a seed: the same weights byte for byte', () => {
    train('b');
    expect(readFileSync(join(root, 'b', 'float', 'weights.bin')).equals(readFileSync(join(root, 'a', 'float', 'weights.bin')))).toBe(true);
  }, 120_000);

  it('resumes from its checkpoint at the next epoch', () => {
    const more = train('a', ['--epochs', '3', '--resume']);
    expect(more).toMatch(/resuming at epoch 3/);
    expect(more).toMatch(/epoch 3: /);
    expect(more).not.toMatch(/epoch 1: /);
  }, 120_000);

  it('distills from a teacher with the co-occurrence memory', () => {
    const out = train('c', [
      '--teacher',
      join(root, 'a', 'float'),
      '--memory-beta',
      '2',
      '--extra',
      '4',
      '--alpha',
      '0.8',
      '--epochs',
      '1',
    ]);
    expect(out).toMatch(/distilling from .* \+ co-occurrence \(beta 2, 4 extra candidates\)/);
    const m = JSON.parse(readFileSync(join(root, 'c', 'model.json'), 'utf8'));
    expect(m.training.teacherMemory).toEqual({ kind: 'co-occurrence', beta: 2, extra: 4 });
  }, 120_000);

  it('names the bad flag', () => {
    expect(() => train('d', ['--input-scale', 'big'])).toThrow(/--input-scale: expected "sqrt" or a positive number, got "big"/);
  }, 60_000);

  it('eval --transfer knows its training data by the hash in the manifest, not by the directory name', () => {
    const m = JSON.parse(readFileSync(join(root, 'a', 'model.json'), 'utf8'));
    expect(m.training.dataSha256).toMatch(/^[0-9a-f]{64}$/);
    // The same files under another name were taken for data the model never saw: in-sample figures shown as transfer.
    const copy = join(root, 'copy');
    cpSync(data, copy, { recursive: true });
    const same = run('scripts/eval.ts', ['--data', copy, '--models', join(root, 'a'), '--only', '--transfer', '--users', '20']);
    expect(same).toContain(`note: ${join(root, 'a')}: trained on all of copy, no transfer view`);
    expect(same).not.toMatch(/the model never trained on this data/);
    expect(same).toContain('note: only 20 test users: figures at this size are noisy');
    // A model from before the hash: the old rule (the name), and a note saying so.
    const old = join(root, 'old');
    cpSync(join(root, 'a'), old, { recursive: true });
    delete m.training.dataSha256;
    writeFileSync(join(old, 'model.json'), JSON.stringify(m));
    const byName = run('scripts/eval.ts', ['--data', copy, '--models', old, '--only', '--transfer', '--users', '20']);
    expect(byName).toMatch(/note: .*old: its manifest records no training\.dataSha256 .*judged by the directory's name, "copy"/);
    expect(byName).toMatch(/the model never trained on this data/);
  }, 120_000);

  it('evaluates the model beside the baselines and the teacher', () => {
    const out = run('scripts/eval.ts', ['--data', data, '--models', join(root, 'a'), '--teachers', `${join(root, 'a', 'float')}:2`]);
    expect(out).toMatch(/full ranking \(primary\)/);
    for (const row of ['popularity', 'co-occurrence', join(root, 'a'), `${join(root, 'a', 'float')} + co-occurrence (beta 2)`])
      expect(out).toContain(row);
  }, 120_000);
});
