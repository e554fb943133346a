import { beforeAll, describe, expect, it } from 'vitest';
import { catalogIndex } from '../../scripts/index-catalog.ts';
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
