import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogIndex, readCatalog } from '../../scripts/index-catalog.ts';
import { encodeModel, loadAnyModel, parseCatalogIndex, type LoadedPairModel } from '../../src/model/io.ts';
import { PAIR_DEFAULTS, pairInitWeights } from '../../src/model/pair-scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';
import { ModelError } from '../../src/shared/errors.ts';

beforeAll(async () => {
  await setupTf('wasm');
});

const items = [
  { id: 'a', title: 'Red Lipstick', brand: 'Aurelle', category: 'Makeup > Lips' },
  { id: 'b', title: 'Red Nail Polish', category: 'Makeup > Nails' },
  { id: 'c', title: 'Shampoo' },
];

describe('npm run index', () => {
  it('counts in how many items each word occurs', () => {
    const index = catalogIndex(items);
    expect(index).toMatchObject({ format: 'reco-catalog-index', version: 1, docs: 3 });
    expect(index.df).toMatchObject({ red: 2, makeup: 2, lipstick: 1, shampoo: 1, aurelle: 1 });
  });

  it('ships with a pair model: the manifest names the file and loading reads it as the IDF', async () => {
    const { manifest, bin } = await encodeModel(
      { id: 'p', version: '1', config: PAIR_DEFAULTS },
      pairInitWeights(PAIR_DEFAULTS, rng(1)),
      null,
    );
    const files: Record<string, string | ArrayBuffer> = {
      'm/model.json': JSON.stringify({ ...manifest, index: 'index.json' }),
      'm/weights.bin': bin,
      'm/index.json': JSON.stringify(catalogIndex(items)),
    };
    const fetchFn = (async (u: string) =>
      new Response(files[u] ?? null, { status: files[u] === undefined ? 404 : 200 })) as unknown as typeof fetch;
    const model = (await loadAnyModel('m/model.json', fetchFn)) as LoadedPairModel;
    expect(model.index?.docs).toBe(3);
    expect(model.index?.df.get('red')).toBe(2);
  });

  it('names the field of a bad index', () => {
    const bad = (o: unknown) => () => parseCatalogIndex(o, 'x/index.json');
    expect(bad({ format: 'other', version: 1 })).toThrow(ModelError);
    expect(bad({ format: 'reco-catalog-index', version: 1, docs: 0, df: {} })).toThrow(
      /catalog index x\/index.json: docs: expected a positive integer, got 0/,
    );
    expect(bad({ format: 'reco-catalog-index', version: 1, docs: 2, df: { red: 3 } })).toThrow(
      /df\["red"\]: expected a whole number from 1 to docs, got 3/,
    );
  });
});

describe('npm run index, --out holding a model', () => {
  const root = mkdtempSync(join(tmpdir(), 'reco-index-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const run = (args: string[]) =>
    spawnSync(join('node_modules', '.bin', 'tsx'), ['scripts/index-catalog.ts', ...args], { encoding: 'utf8' });
  const catalog = join(root, 'catalog.jsonl');
  writeFileSync(catalog, '{"id":"z","title":"New Shop Item"}\n');
  /** A trained hybrid's directory: its manifest checks its own index.json by hash. */
  const hybridDir = (name: string) => {
    const dir = join(root, name);
    mkdirSync(dir);
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ formatVersion: 5, hybrid: { index: { file: 'index.json', sha256: 'x' } } }));
    writeFileSync(join(dir, 'index.json'), '{"the":"hybrid\'s own"}\n');
    return dir;
  };

  it("refuses to overwrite a trained model's index.json, and names --out", () => {
    const dir = hybridDir('h1');
    const r = run(['--catalog', catalog, '--out', dir]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--out .*h1: holds a trained model \(formatVersion 5\) whose own index\.json this would overwrite/);
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe('{"the":"hybrid\'s own"}\n');
  }, 30_000);

  it('says the bytes it wrote (UTF-8, as on disk) for a catalog in Japanese', () => {
    const ja = join(root, 'ja.jsonl');
    writeFileSync(ja, '{"id":"j1","title":"全自動コーヒーメーカー"}\n{"id":"j2","title":"保湿クリームしっとり"}\n');
    const out = join(root, 'ja-index');
    const r = run(['--catalog', ja, '--out', out]);
    expect(r.status).toBe(0);
    const written = readFileSync(join(out, 'index.json'));
    expect(r.stdout).toContain(`${written.length} bytes`);
    expect(written.length).toBeGreaterThan(written.toString('utf8').length); // more bytes than characters
  }, 30_000);

  it('says when no item has text: the index holds no words', () => {
    const ids = join(root, 'ids.jsonl');
    writeFileSync(ids, '{"id":"i1"}\n{"id":"i2","price":9}\n');
    const r = run(['--catalog', ids, '--out', join(root, 'ids-index')]);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(
      `--catalog ${ids}: none of its 2 items has a title, brand or category: the index holds no words, and the default model has none to compare items by`,
    );
    // A catalog with words says nothing of the kind.
    const words = join(root, 'words.jsonl');
    writeFileSync(words, items.map((it) => JSON.stringify(it)).join('\n') + '\n');
    expect(run(['--catalog', words, '--out', join(root, 'words-index')]).stdout).not.toContain('has a title, brand or category');
  }, 30_000);

  it('--out naming a file stops before anything is read or written', () => {
    const file = join(root, 'not-a-dir');
    writeFileSync(file, 'keep');
    const r = run(['--catalog', catalog, '--out', file]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^index: --out .*not-a-dir: expected a directory, got a file/);
    expect(readFileSync(file, 'utf8')).toBe('keep');
  }, 30_000);

  it('writes nothing when --model is not a pair model', () => {
    const dir = hybridDir('h2');
    const r = run(['--catalog', catalog, '--out', dir, '--model', dir]);
    expect(r.stderr).toMatch(/--model .*h2: formatVersion \d+, not a pair model \(formatVersion 3\)/);
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe('{"the":"hybrid\'s own"}\n');
    const fresh = join(root, 'fresh');
    expect(run(['--catalog', catalog, '--out', fresh, '--model', dir]).status).toBe(1);
    expect(existsSync(fresh)).toBe(false);
  }, 30_000);
});

describe('npm run index, a bad catalog file', () => {
  const root = mkdtempSync(join(tmpdir(), 'reco-index-catalog-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const file = (name: string, text: string) => {
    writeFileSync(join(root, name), text);
    return join(root, name);
  };

  it('names the line and field of a bad row instead of failing inside the text code', () => {
    expect(() => readCatalog(file('t.jsonl', '{"id":"a","title":"Red"}\n\n{"id":"b","title":5}\n'))).toThrow(
      /t\.jsonl:3: "title" expected a string, got 5/,
    );
    expect(() => readCatalog(file('n.json', '[{"id":"a","title":"Red"},null]'))).toThrow(/n\.json: item 2: expected an object/);
    expect(() => readCatalog(file('i.json', '[{"title":"Red"}]'))).toThrow(/i\.json: item 1: "id" expected a non-empty string/);
  });

  it('refuses an id given twice, which counted its words twice', () => {
    expect(() => readCatalog(file('d.jsonl', '{"id":"a","title":"Red Lip"}\n{"id":"a","title":"Red Lip"}\n'))).toThrow(
      /d\.jsonl:2: "id" expected a unique id, got "a" again \(first at .*d\.jsonl:1\)/,
    );
  });

  it('a dataset directory gives the same index as its catalog.jsonl: items only the interactions name are no documents', () => {
    const dir = join(root, 'shop');
    mkdirSync(dir);
    writeFileSync(join(dir, 'catalog.jsonl'), '{"id":"a","title":"Red Lip"}\n{"id":"b","title":"Blue Nail"}\n');
    const t = Date.UTC(2024, 0, 1);
    // "gone" was deleted from the catalog: it counted as a third document, with no words (QA: 1400 items against 1200).
    writeFileSync(
      join(dir, 'interactions.jsonl'),
      ['a', 'b', 'gone'].map((item, k) => JSON.stringify({ user: 'u1', item, ts: t + k, type: 'view_item' })).join('\n'),
    );
    const fromDir = catalogIndex(readCatalog(dir));
    expect(fromDir.docs).toBe(2);
    expect(fromDir).toEqual(catalogIndex(readCatalog(join(dir, 'catalog.jsonl'))));
  });

  it('reads a good catalog as before', () => {
    expect(readCatalog(file('g.jsonl', '{"id":"a","title":"Red","price":"3"}\n{"id":7}\n'))).toEqual([
      { id: 'a', title: 'Red', brand: undefined, category: undefined, price: 3 },
      { id: '7', title: undefined, brand: undefined, category: undefined, price: undefined },
    ]);
  });
});
