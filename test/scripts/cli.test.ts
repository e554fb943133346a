/** What the command-line tools share: flags they do not know, bad counts, and files that are not UTF-8. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readText } from '../../scripts/lib/cli.ts';
import { loadDataset } from '../../scripts/lib/data.ts';

const root = mkdtempSync(join(tmpdir(), 'reco-cli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const run = (script: string, args: string[]) =>
  spawnSync(join('node_modules', '.bin', 'tsx'), [`scripts/${script}.ts`, ...args], { encoding: 'utf8', timeout: 60_000 });

describe('flags', () => {
  it.each([
    ['train', ['--data', root, '--out', join(root, 'm'), '--epoch', '3'], /^train: Unknown option '--epoch'/],
    ['eval', ['--data', root, '--user', '5'], /^eval: Unknown option '--user'/],
    ['eval-placements', ['--data', root, '--modle', 'x'], /^eval:placements: Unknown option '--modle'/],
  ])('%s: a flag it does not know (a typo) is named in one line with the usage, not a stack trace', (script, args, message) => {
    const res = run(script, args);
    expect(res.status).toBe(2);
    expect(res.stderr).toMatch(message);
    expect(res.stderr).toContain('usage:');
    expect(res.stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    [['--users=-5'], /--users: expected a whole number of at least 1, got "-5"/],
    [['--users', '2.5'], /--users: expected a whole number of at least 1, got "2.5"/],
    [['--click-top', '0'], /--click-top: expected a whole number of at least 1, got "0"/],
    [['--withhold', '1.5'], /--withhold: expected a fraction from 0 to below 1, got "1.5"/],
    [['--idf', 'seen:abc'], /--idf: expected "catalog" or "seen:N" \(N items, at least 1\), got "seen:abc"/],
    // A directory failed only when the report was written, after every row was computed.
    [['--json', tmpdir()], /--json .*: expected a file, got a directory/],
  ])('eval %j: stops naming the flag, before reading the data', (args, message) => {
    const res = run('eval', ['--data', join(root, 'no-such-dir'), ...args]);
    expect(res.status).toBe(1);
    expect(res.stderr).toMatch(message);
  });
});

describe('readText', () => {
  it('reads UTF-8 (a byte-order mark dropped) and names the file and line of text in another encoding', () => {
    const good = join(root, 'good.jsonl');
    writeFileSync(good, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"title":"Crème brûlée"}\n')]));
    expect(readText(good)).toBe('{"title":"Crème brûlée"}\n');
    const latin1 = join(root, 'latin1.jsonl');
    writeFileSync(
      latin1,
      Buffer.concat([Buffer.from('{"id":"a","title":"Rose"}\n'), Buffer.from('{"id":"b","title":"Crème"}\n', 'latin1')]),
    );
    expect(() => readText(latin1)).toThrow(`${latin1}, line 2: not UTF-8 text (save the file as UTF-8)`);
  });

  it('a shop export saved as Latin-1 stops the data loader, instead of being trained on as mangled words', () => {
    const dir = join(root, 'export');
    mkdirSync(dir);
    writeFileSync(join(dir, 'catalog.jsonl'), Buffer.from('{"id":"a","title":"Crème Brûlée Lip Balm"}\n', 'latin1'));
    writeFileSync(join(dir, 'interactions.jsonl'), '{"user":"u1","item":"a","ts":1,"type":"view_item"}\n');
    expect(() => loadDataset(dir)).toThrow(/catalog\.jsonl, line 1: not UTF-8 text/);
  });
});
