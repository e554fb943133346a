import { beforeAll, describe, expect, it } from 'vitest';
import { encodeModel, isPairModel, loadAnyModel, loadModel, type ModelManifest } from '../../src/model/io.ts';
import { sha256Hex } from '../../src/model/sha256.ts';
import { PAIR_FEATURE_COUNT } from '../../src/model/pair-features.ts';
import { pairInitWeights, pairWeightShapes, type PairConfig } from '../../src/model/pair-scorer.ts';
import { ModelError } from '../../src/shared/errors.ts';
import { initWeights, weightShapes, type ModelConfig } from '../../src/model/scorer.ts';
import { rng } from '../../src/model/rng.ts';
import { setupTf } from '../../src/model/train/setup-tf.ts';

const cfg: ModelConfig = { d: 8, blocks: 1, heads: 2, ffn: 16, features: { textBuckets: 64, tokensPerItem: 4, maxLen: 10, idVocab: 3 } };
const meta = { id: 'io-test', version: '1', config: cfg };
const vocab = ['a', 'b', 'c'];

beforeAll(async () => {
  await setupTf('wasm');
});

/** A fetch over in-memory files, so each case can break exactly one thing. */
function memFetch(files: Record<string, string | ArrayBuffer>): typeof fetch {
  return (async (url: string) => {
    const body = files[url];
    return body === undefined ? new Response(null, { status: 404 }) : new Response(body, { status: 200 });
  }) as unknown as typeof fetch;
}

async function encoded(weights = initWeights(cfg, rng(1))) {
  const { manifest, bin, vocabJson } = await encodeModel(meta, weights, vocab);
  return { manifest, bin, files: { 'm/model.json': JSON.stringify(manifest), 'm/weights.bin': bin, 'm/vocab.json': vocabJson! } };
}

async function failure(files: Record<string, string | ArrayBuffer>): Promise<ModelError> {
  const err = await loadModel('m/model.json', memFetch(files)).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelError);
  return err as ModelError;
}

const withManifest = (files: Record<string, string | ArrayBuffer>, edit: (m: ModelManifest) => void) => {
  const m = JSON.parse(files['m/model.json'] as string) as ModelManifest;
  edit(m);
  return { ...files, 'm/model.json': JSON.stringify(m) };
};

describe('loadModel', () => {
  it('loads what encodeModel wrote, with the vocabulary as 1-based rows', async () => {
    const w = initWeights(cfg, rng(1));
    const { files } = await encoded(w);
    const model = await loadModel('m/model.json', memFetch(files));
    expect(model.manifest.id).toBe('io-test');
    expect([...model.vocab!]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ]);
    for (const [name, shape] of weightShapes(cfg)) {
      expect(model.weights[name]!.shape).toEqual(shape);
      expect(Array.from(model.weights[name]!.dataSync())).toEqual(Array.from(w[name]!));
    }
  });

  it('rejects a manifest of another format or version', async () => {
    const { files } = await encoded();
    expect((await failure(withManifest(files, (m) => ((m as { format: string }).format = 'tfjs-layers')))).message).toBe(
      'model manifest m/model.json: format: expected "reco-scorer", got "tfjs-layers"',
    );
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 7)))).message).toMatch(/formatVersion: expected 1 to 6, got 7/);
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 2.5)))).message).toMatch(/formatVersion: expected 1 to 6, got 2.5/);
    // Format 4 is the hybrid: without its tables it is an error that names the field.
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 4)))).message).toMatch(
      /hybrid: expected an object in a format 4 manifest/,
    );
    // Format 3 is the pair model: a transformer config under it is an error that names the field.
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 3)))).message).toMatch(
      /config\.kind: expected "pair" in a format 3 manifest, got undefined/,
    );
  });

  it('writes format 1 unless the model uses inputScale (format 2), and checks inputScale', async () => {
    const { files } = await encoded();
    expect((JSON.parse(files['m/model.json'] as string) as ModelManifest).formatVersion).toBe(1);
    // A format 1 reader would ignore inputScale and mis-score: it must come with format 2.
    expect((await failure(withManifest(files, (m) => (m.config.inputScale = 8)))).message).toMatch(
      /config\.inputScale: expected a positive number in a format 2 manifest, got 8/,
    );
    expect((await failure(withManifest(files, (m) => ((m.formatVersion = 2), (m.config.inputScale = -1))))).message).toMatch(
      /config\.inputScale/,
    );
    const scaled = { ...cfg, inputScale: 8 };
    const { manifest } = await encodeModel({ id: 'io-test', version: '1', config: scaled }, initWeights(scaled, rng(1)), ['a', 'b', 'c'], {
      embeddings: 'none',
      dense: 'none',
    });
    expect(manifest.formatVersion).toBe(2);
  });

  it('rejects weights whose shapes do not match the config', async () => {
    const { files } = await encoded();
    const err = await failure(withManifest(files, (m) => (m.weightsManifest[0]!.weights[0]!.shape = [63, 8])));
    expect(err.message).toMatch(/^model manifest m\/model\.json: weightsManifest: weights do not match the config/);
    const err2 = await failure(withManifest(files, (m) => (m.config.d = 16)));
    expect(err2.message).toMatch(/weights do not match the config/);
  });

  it('rejects a malformed weights manifest with a ModelError, not a TypeError', async () => {
    const { files } = await encoded();
    const err = await failure(withManifest(files, (m) => (m.weightsManifest = [{} as ModelManifest['weightsManifest'][0]])));
    expect(err.message).toMatch(/weightsManifest: expected \{ paths: \[file\], weights: \[\.\.\.\] \}/);
    expect((await failure({ ...files, 'm/model.json': '{"format": "reco-scorer",' })).message).toBe(
      'model manifest m/model.json: not valid JSON',
    );
  });

  it('rejects a weights file with a flipped byte (sha256 mismatch)', async () => {
    const { files, bin } = await encoded();
    const flipped = new Uint8Array(bin.slice(0));
    flipped[17]! ^= 0x01;
    const err = await failure({ ...files, 'm/weights.bin': flipped.buffer });
    expect(err.message).toBe('m/weights.bin: checksum mismatch (corrupt or partial download)');
  });

  it('names the missing file and the HTTP status', async () => {
    const { files } = await encoded();
    const { 'm/weights.bin': _, ...noBin } = files;
    expect((await failure(noBin)).message).toBe('could not fetch m/weights.bin: HTTP 404');
    expect((await failure({})).message).toBe('could not fetch m/model.json: HTTP 404');
  });

  it('names an HTML page answered instead of a file (a dev server or SPA fallback), not "not valid JSON"', async () => {
    const { files } = await encoded();
    const html = (url: string) =>
      (async (u: string) =>
        u === url
          ? new Response('<!doctype html><title>Shop</title>', { headers: { 'content-type': 'text/html; charset=utf-8' } })
          : memFetch(files)(u)) as unknown as typeof fetch;
    const error = (url: string) => loadModel('m/model.json', html(url)).catch((e: Error) => e.message);
    expect(await error('m/model.json')).toBe('expected a model manifest, got text/html from m/model.json: is the path right?');
    expect(await error('m/weights.bin')).toBe('expected the model weights, got text/html from m/weights.bin: is the path right?');
    expect(await error('m/vocab.json')).toBe('expected the item vocabulary, got text/html from m/vocab.json: is the path right?');
  });

  it('finds files where the caller says (a bundler renames them), the others next to model.json', async () => {
    const { files } = await encoded();
    const moved = {
      'm/model.json': files['m/model.json'],
      'assets/w-1a2b.bin': files['m/weights.bin'],
      'm/vocab.json': files['m/vocab.json'],
    };
    const loaded = await loadModel('m/model.json', memFetch(moved), { 'weights.bin': 'assets/w-1a2b.bin' });
    expect(loaded.vocab?.get('c')).toBe(3);
    expect((await failure(moved)).message).toBe('could not fetch m/weights.bin: HTTP 404');
  });

  it('rejects a vocabulary of the wrong length', async () => {
    const { files } = await encoded();
    expect((await failure({ ...files, 'm/vocab.json': '["a","b"]' })).message).toBe('m/vocab.json: expected 3 item ids');
  });
});

describe('quantization', () => {
  it('float16 keeps values near a power of two (rounding carries into the exponent)', async () => {
    const w = initWeights(cfg, rng(3));
    const values = [1.9999, -1.9999, 3.99995, 0.49999, 1000.7, 0.1, -0.3, 1e-7];
    w['head.c']!.set(values);
    const { manifest, bin } = await encodeModel(meta, w, vocab, { embeddings: 'none', dense: 'float16' });
    const model = await loadModel(
      'm/model.json',
      memFetch({ 'm/model.json': JSON.stringify(manifest), 'm/weights.bin': bin, 'm/vocab.json': JSON.stringify(vocab) }),
    );
    const back = model.weights['head.c']!.dataSync();
    values.forEach((v, i) => expect(Math.abs(back[i]! - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 1e-4));
  });

  it('uint8 keeps every value within half a step of (max - min) / 255', async () => {
    const w = initWeights(cfg, rng(4));
    const { manifest, bin } = await encodeModel(meta, w, vocab, { embeddings: 'uint8', dense: 'uint8' });
    const model = await loadModel(
      'm/model.json',
      memFetch({ 'm/model.json': JSON.stringify(manifest), 'm/weights.bin': bin, 'm/vocab.json': JSON.stringify(vocab) }),
    );
    for (const [name] of weightShapes(cfg)) {
      const src = w[name]!;
      const back = model.weights[name]!.dataSync();
      const step = (Math.max(...src) - Math.min(...src)) / 255;
      for (let i = 0; i < src.length; i++) expect(Math.abs(back[i]! - src[i]!)).toBeLessThanOrEqual(step / 2 + 1e-6);
    }
  });
});

describe('the pair model format (3)', () => {
  const pcfg: PairConfig = { kind: 'pair', features: PAIR_FEATURE_COUNT, hidden: [6, 4], maxLen: 5 };
  const pmeta = { id: 'pair-test', version: '1', config: pcfg };

  it('round-trips through encodeModel and loadAnyModel, and loadModel (transformer only) says what it got', async () => {
    const w = pairInitWeights(pcfg, rng(3));
    const { manifest, bin, vocabJson } = await encodeModel(pmeta, w, null);
    expect(manifest.formatVersion).toBe(3);
    expect(vocabJson).toBeNull();
    const files = { 'm/model.json': JSON.stringify(manifest), 'm/weights.bin': bin };
    const model = await loadAnyModel('m/model.json', memFetch(files));
    expect(isPairModel(model)).toBe(true);
    for (const [name, shape] of pairWeightShapes(pcfg)) {
      expect(model.weights[name]!.shape).toEqual(shape);
      expect(Array.from(model.weights[name]!.dataSync())).toEqual(Array.from(w[name]!));
    }
    expect((await failure(files)).message).toMatch(/a pair model \(format 3\), expected a transformer scorer here/);
  });

  it('names the field when a pair manifest does not fit this SDK', async () => {
    const { manifest, bin } = await encodeModel(pmeta, pairInitWeights(pcfg, rng(3)), null);
    const files = { 'm/model.json': JSON.stringify(manifest), 'm/weights.bin': bin };
    const bad = async (edit: (m: { config: Record<string, unknown>; weightsManifest: { weights: { shape: number[] }[] }[] }) => void) => {
      const m = JSON.parse(JSON.stringify(manifest));
      edit(m);
      const err = await loadAnyModel('m/model.json', memFetch({ ...files, 'm/model.json': JSON.stringify(m) })).then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ModelError);
      return (err as Error).message;
    };
    expect(await bad((m) => (m.config.features = 99))).toMatch(/config\.features: this SDK computes \d+ pair features, the model reads 99/);
    expect(await bad((m) => (m.config.hidden = [6]))).toMatch(/config\.hidden: expected two positive integers/);
    expect(await bad((m) => (m.config.maxLen = 0))).toMatch(/config\.maxLen: expected a positive integer, got 0/);
    expect(await bad((m) => (m.weightsManifest[0]!.weights[0]!.shape = [3, 6]))).toMatch(/weights do not match the config/);
  });
});

describe('the hybrid format (4)', () => {
  // Tables for the vocabulary a, b, c (rows 1..3): a → b (3), a → c (1), b → c (2); see test/model/hybrid.test.ts.
  const neighbours = () => {
    const buf = new ArrayBuffer(13);
    new Uint8Array(buf, 0, 4).set([0, 2, 1, 0]);
    new Uint16Array(buf, 4, 3).set([2, 3, 3]);
    new Uint8Array(buf, 10, 3).set([3, 1, 2]);
    return buf;
  };
  const index = JSON.stringify({ format: 'reco-catalog-index', version: 1, docs: 3, df: { red: 2, lipstick: 1 } });

  // The kNN table (format 5): a ~ a 255, a ~ b 153, b ~ b 255, c ~ c 255 (in 255ths).
  const knn = () => {
    const buf = new ArrayBuffer(4 + 4 * 2 + 4);
    new Uint8Array(buf, 0, 4).set([0, 2, 1, 1]);
    new Uint16Array(buf, 4, 4).set([1, 2, 2, 3]);
    new Uint8Array(buf, 12, 4).set([255, 153, 255, 255]);
    return buf;
  };

  async function hybridFiles(withKnn = false, withTransitions = false) {
    const nb = neighbours();
    const kn = knn();
    // A transition table in the same layout: a → b 153, b → c 255.
    const tr = (() => {
      const buf = new ArrayBuffer(4 + 2 * 2 + 2);
      new Uint8Array(buf, 0, 4).set([0, 1, 1, 0]);
      new Uint16Array(buf, 4, 2).set([2, 3]);
      new Uint8Array(buf, 8, 2).set([153, 255]);
      return buf;
    })();
    const ix = new TextEncoder().encode(index).buffer as ArrayBuffer;
    const hybrid = {
      weights: {
        transformer: 0.5,
        content: 1,
        cooccurrence: 0.5,
        ...(withKnn ? { knn: 2 } : {}),
        ...(withTransitions ? { transitions: 0.25 } : {}),
      },
      last: [1, 0.5, 0.25],
      neighbours: { file: 'neighbours.bin', sha256: await sha256Hex(nb), rows: 4, pairs: 3, window: 3, top: 20 },
      index: { file: 'index.json', sha256: await sha256Hex(ix) },
      ...(withKnn ? { knn: { file: 'knn.bin', sha256: await sha256Hex(kn), rows: 4, pairs: 4, top: 20, last: [1, 0.5] } } : {}),
      ...(withTransitions
        ? { transitions: { file: 'transitions.bin', sha256: await sha256Hex(tr), rows: 4, pairs: 2, top: 20, last: [1, 0.7] } }
        : {}),
    };
    const { manifest, bin, vocabJson } = await encodeModel({ ...meta, hybrid }, initWeights(cfg, rng(1)), vocab);
    return {
      manifest,
      files: {
        'm/model.json': JSON.stringify(manifest),
        'm/weights.bin': bin,
        'm/vocab.json': vocabJson!,
        'm/neighbours.bin': nb,
        'm/index.json': ix,
        ...(withKnn ? { 'm/knn.bin': kn } : {}),
        ...(withTransitions ? { 'm/transitions.bin': tr } : {}),
      } as Record<string, string | ArrayBuffer>,
    };
  }

  it('is written as format 4 and loads with its tables checked and decoded', async () => {
    const { manifest, files } = await hybridFiles();
    // SDKs before format 4 stop at "formatVersion: expected 1 to 3, got 4" rather than serve the transformer alone.
    expect(manifest.formatVersion).toBe(4);
    const model = await loadModel('m/model.json', memFetch(files));
    const h = model.hybrid!;
    expect(h.config.weights).toEqual({ transformer: 0.5, content: 1, cooccurrence: 0.5 });
    expect(Array.from(h.neighbours.offsets)).toEqual([0, 0, 2, 3, 3]);
    expect(h.idf.df.get('red')).toBe(2);
    expect(h.ids).toEqual(['', 'a', 'b', 'c']);
    expect(h.vocab.get('c')).toBe(3);
    expect(h.knn).toBeUndefined();
  });

  it("takes a hybrid's tables already read from these files (the worker's early path) instead of reading them again", async () => {
    const { files } = await hybridFiles(true);
    const asked: string[] = [];
    const counting = (all: Record<string, string | ArrayBuffer>) =>
      (async (url: string) => (asked.push(url), memFetch(all)(url))) as unknown as typeof fetch;
    const first = await loadAnyModel('m/model.json', counting(files));
    if (isPairModel(first)) throw new Error('expected a hybrid');
    asked.length = 0;
    const again = await loadAnyModel('m/model.json', counting(files), {}, first.hybrid!);
    if (isPairModel(again)) throw new Error('expected a hybrid');
    expect(again.hybrid).toBe(first.hybrid);
    expect(again.vocab).toBe(first.hybrid!.vocab);
    expect(asked, 'model.json and the weights only').toEqual(['m/model.json', 'm/weights.bin']);
    // Tables of other files (another version's checksums) are not used: this model's own are read.
    const other = {
      ...first.hybrid!,
      config: { ...first.hybrid!.config, index: { ...first.hybrid!.config.index, sha256: 'f'.repeat(64) } },
    };
    asked.length = 0;
    const own = await loadAnyModel('m/model.json', counting(files), {}, other);
    if (isPairModel(own)) throw new Error('expected a hybrid');
    expect(own.hybrid).not.toBe(other);
    expect(asked).toContain('m/index.json');
  });

  it('with a kNN table is written as format 5 and loads it checked and decoded', async () => {
    const { manifest, files } = await hybridFiles(true);
    // SDKs before format 5 stop at "formatVersion: expected 1 to 4, got 5" rather than serve it without its kNN part.
    expect(manifest.formatVersion).toBe(5);
    const h = (await loadModel('m/model.json', memFetch(files))).hybrid!;
    expect(h.config.weights.knn).toBe(2);
    expect(Array.from(h.knn!.offsets)).toEqual([0, 0, 2, 3, 4]);
    expect(Array.from(h.knn!.counts)).toEqual([255, 153, 255, 255]);
    const flipped = new Uint8Array(knn());
    flipped[13]! ^= 1;
    expect((await failure({ ...files, 'm/knn.bin': flipped.buffer })).message).toBe(
      'm/knn.bin: checksum mismatch with hybrid.knn.sha256 (corrupt or partial download)',
    );
    const { 'm/knn.bin': _, ...missing } = files;
    expect((await failure(missing)).message).toBe('could not fetch m/knn.bin: HTTP 404');
    expect((await failure(withManifest(files, (m) => (m.hybrid!.knn!.pairs = 3)))).message).toMatch(
      /m\/knn\.bin: expected 13 bytes for hybrid\.knn \(rows 4, pairs 3\), got 16/,
    );
    expect((await failure(withManifest(files, (m) => (m.hybrid!.knn!.rows = 5)))).message).toMatch(
      /hybrid\.knn\.rows: expected 4 \(the id vocabulary \+ 1\), got 5/,
    );
    // The version and the table go together: a format 4 manifest with one, or a format 5 without, names the field.
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 4)))).message).toMatch(
      /hybrid\.knn: only format 5 manifests have it, this one is format 4/,
    );
    expect((await failure(withManifest(files, (m) => ((m.hybrid!.weights.knn = undefined), (m.hybrid!.knn = undefined))))).message).toMatch(
      /hybrid\.knn: a format 5 manifest needs its kNN table/,
    );
    expect((await failure(withManifest(files, (m) => (m.hybrid = undefined)))).message).toMatch(
      /hybrid: expected an object in a format 5 manifest/,
    );
  });

  it('with a transition table is written as format 6 (with or without kNN) and loads it checked and decoded', async () => {
    for (const withKnn of [false, true]) {
      const { manifest, files } = await hybridFiles(withKnn, true);
      // SDKs before format 6 stop at "formatVersion: expected 1 to 5, got 6" rather than serve it without that part.
      expect(manifest.formatVersion).toBe(6);
      const h = (await loadModel('m/model.json', memFetch(files))).hybrid!;
      expect(h.config.weights.transitions).toBe(0.25);
      expect(h.knn === undefined).toBe(!withKnn);
      expect(Array.from(h.transitions!.offsets)).toEqual([0, 0, 1, 2, 2]);
      expect(Array.from(h.transitions!.counts)).toEqual([153, 255]);
      const flipped = new Uint8Array(files['m/transitions.bin'] as ArrayBuffer).slice();
      flipped[9]! ^= 1;
      expect((await failure({ ...files, 'm/transitions.bin': flipped.buffer })).message).toBe(
        'm/transitions.bin: checksum mismatch with hybrid.transitions.sha256 (corrupt or partial download)',
      );
      const { 'm/transitions.bin': _, ...missing } = files;
      expect((await failure(missing)).message).toBe('could not fetch m/transitions.bin: HTTP 404');
      expect((await failure(withManifest(files, (m) => (m.hybrid!.transitions!.rows = 5)))).message).toMatch(
        /hybrid\.transitions\.rows: expected 4 \(the id vocabulary \+ 1\), got 5/,
      );
      // The version and the table go together.
      expect((await failure(withManifest(files, (m) => (m.formatVersion = withKnn ? 5 : 4)))).message).toMatch(
        new RegExp(`hybrid\\.transitions: only format 6 manifests have it, this one is format ${withKnn ? 5 : 4}`),
      );
      expect(
        (await failure(withManifest(files, (m) => ((m.hybrid!.weights.transitions = undefined), (m.hybrid!.transitions = undefined)))))
          .message,
      ).toMatch(/hybrid\.transitions: a format 6 manifest needs its transition table/);
    }
  });

  it('rejects a table whose bytes do not match its sha256, naming the file and the field', async () => {
    const { files } = await hybridFiles();
    const flipped = new Uint8Array(neighbours());
    flipped[11]! ^= 1;
    expect((await failure({ ...files, 'm/neighbours.bin': flipped.buffer })).message).toBe(
      'm/neighbours.bin: checksum mismatch with hybrid.neighbours.sha256 (corrupt or partial download)',
    );
    expect((await failure({ ...files, 'm/index.json': '{}' })).message).toBe(
      'm/index.json: checksum mismatch with hybrid.index.sha256 (corrupt or partial download)',
    );
    const { 'm/neighbours.bin': _, ...missing } = files;
    expect((await failure(missing)).message).toBe('could not fetch m/neighbours.bin: HTTP 404');
  });

  it('names the field of a hybrid block that does not fit', async () => {
    const { files } = await hybridFiles();
    expect((await failure(withManifest(files, (m) => (m.hybrid!.neighbours.rows = 9)))).message).toMatch(
      /hybrid\.neighbours\.rows: expected 4 \(the id vocabulary \+ 1\), got 9/,
    );
    expect((await failure(withManifest(files, (m) => (m.hybrid!.neighbours.pairs = 2)))).message).toMatch(
      /m\/neighbours\.bin: expected 10 bytes for hybrid\.neighbours \(rows 4, pairs 2\), got 13/,
    );
    expect((await failure(withManifest(files, (m) => (m.formatVersion = 2)))).message).toMatch(
      /hybrid: only format 4, 5, 6 manifests have it, this one is format 2/,
    );
    expect((await failure(withManifest(files, (m) => ((m as { vocab: string | null }).vocab = null)))).message).toMatch(
      /vocab: a hybrid \(format 4\) needs the item-id vocabulary/,
    );
  });
});
