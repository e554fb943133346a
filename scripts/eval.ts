/**
 * Evaluates baselines and model directories on a dataset's test split (../shared/data/README.md protocol).
 *
 *   npm run eval -- --data ../shared/data/beauty [--models runs/teacher/float,runs/teacher] [--json FILE] [--users N]
 *
 * Rows: popularity, item-to-item co-occurrence, every model under public/models/ (not with --only), then the --models dirs,
 * then --teachers DIR:BETA (a model plus the co-occurrence memory, beta * log(1 + count): the teacher of a
 * distillation run with --memory-beta BETA).
 * Prints the tables to stdout (progress to stderr); --json FILE writes one entry per row.
 * --users N evaluates the first N test users (dataset order); --withhold F --seed S define the cold-start
 * items for the baselines when no model's manifest does (training.withhold > 0); --sample-seed S fixes the
 * sampled negatives (default 2020); --click-top K is the click threshold (top K of the 100 candidates).
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { checkWritable, parseFlags } from './lib/cli.ts';
import {
  catalogItems,
  dataSha256,
  heldOutItems,
  makeCatalog,
  loadDataset,
  splitLeaveOneOut,
  withheldItems,
  type Dataset,
} from './lib/data.ts';
import {
  baselineSpecs,
  chooseBlendWeight,
  contentIndex,
  type BaselineSpec,
  type ContentIndex,
  cooccurrenceTable,
  dropItems,
  popularityScorer,
  withMemory,
  type BatchScorer,
} from './lib/baselines.ts';
import {
  hybridScorer,
  modelScorer,
  pairModelScorer,
  runScorer,
  summarize,
  testUsers,
  type ClickMetrics,
  type EvalUser,
  type Outcomes,
} from './lib/evaluate.ts';
import type { RankingMetrics } from './lib/metrics.ts';
import { fewUsersNote } from './lib/standing.ts';
import { measureAsTrained } from './lib/hybrid.ts';
import { readAnyModel, readModel } from '../src/model/train/model-files.ts';
import { isPairModel, type LoadedModel } from '../src/model/io.ts';
import type { Sequence } from '../src/model/train/trainer.ts';
import { rng } from '../src/model/rng.ts';
import { termStats, type TermStats } from '../src/model/text.ts';
import { setupTf } from '../src/model/train/setup-tf.ts';

const USAGE =
  'usage: npm run eval -- --data DIR [--models DIR,DIR [--only]] [--teachers DIR:BETA,...] [--json FILE] [--stamp] [--transfer] [--users N] [--withhold F --seed S] [--sample-seed S] [--click-top K]';
const NEGATIVES = 99;

const { values: a } = parseFlags('eval', USAGE, {
  options: {
    data: { type: 'string' },
    models: { type: 'string' },
    only: { type: 'boolean', default: false },
    teachers: { type: 'string' },
    json: { type: 'string' },
    stamp: { type: 'boolean', default: false },
    transfer: { type: 'boolean', default: false },
    idf: { type: 'string', default: 'catalog' },
    users: { type: 'string' },
    withhold: { type: 'string', default: '0' },
    seed: { type: 'string', default: '42' },
    'sample-seed': { type: 'string', default: '2020' },
    'click-top': { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});

type Metrics = Omit<RankingMetrics, 'n'> & { n: number };

interface ColdStart extends Metrics {
  /** Fraction and seed that define the withheld items (scripts/lib/data.ts withheldItems). */
  withhold: number;
  seed: number;
  withheldItems: number;
  /** Popularity counted without the withheld items, on the same users (model rows only). */
  popularity?: Metrics;
}

interface EvalEntry {
  name: string;
  kind: 'baseline' | 'model' | 'teacher';
  /** Model id and version from the manifest (models only). */
  id?: string;
  version?: string;
  /** weights.bin bytes for models; count tables as they would ship for baselines. */
  bytes: number;
  sampled: Metrics;
  full: Metrics;
  click: ClickMetrics;
  coldStart: ColdStart | null;
  seconds: number;
  /** What a baseline computes, exactly (baselines only). */
  definition?: string;
  /** The blend's weight as chosen on validation targets, with the NDCG@10 of every weight tried. */
  chosen?: ReturnType<typeof chooseBlendWeight>;
  /** --transfer: full ranking on the test users whose target is in categories the model never saw (see transferViews). */
  transfer?: TransferResult[];
}

interface TransferResult {
  /** Top-level categories the model was trained without, or "all" when it never saw this data at all. */
  heldOut: string[] | 'all';
  heldOutItems: number;
  full: Metrics;
}

function num(name: keyof typeof a): number {
  const v = Number(a[name]);
  if (a[name] === undefined || !Number.isFinite(v)) throw new Error(`--${name}: expected a number, got ${JSON.stringify(a[name])}`);
  return v;
}

/** A count flag: a whole number of at least `min` (a negative or fractional count was taken as another one). */
function whole(name: keyof typeof a, min: number): number {
  const v = num(name);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name}: expected a whole number of at least ${min}, got ${JSON.stringify(a[name])}`);
  return v;
}

/** Model dirs: every public/models/* with a model.json (unless --only), then --models (deduplicated by path). */
function modelDirs(): string[] {
  const dirs: string[] = [];
  const pub = 'public/models';
  if (existsSync(pub) && !a.only) {
    for (const d of readdirSync(pub).sort()) if (existsSync(join(pub, d, 'model.json'))) dirs.push(join(pub, d));
  }
  for (const d of (a.models ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const dir = d.endsWith('model.json') ? join(d, '..') : d;
    if (!existsSync(join(dir, 'model.json'))) throw new Error(`--models: ${dir}/model.json not found`);
    if (!dirs.some((x) => resolve(x) === resolve(dir))) dirs.push(dir.replace(/(.)\/+$/, '$1'));
  }
  return dirs;
}

interface ColdSet {
  withhold: number;
  seed: number;
  items: Set<number>;
  /** Indices (into the evaluated users) of users whose test target is withheld. */
  users: number[];
}

function coldSet(ds: Dataset, users: readonly EvalUser[], withhold: number, seed: number): ColdSet {
  const items = withheldItems(ds.items.length, withhold, seed);
  return { withhold, seed, items, users: [...users.keys()].filter((u) => items.has(users[u]!.target)) };
}

function timed<T>(label: string, f: () => T): { value: T; seconds: number } {
  const t0 = performance.now();
  process.stderr.write(`${label} ...`);
  const value = f();
  const seconds = (performance.now() - t0) / 1000;
  process.stderr.write(` ${seconds.toFixed(1)} s\n`);
  return { value, seconds };
}

async function main(): Promise<void> {
  if (a.help) {
    console.log(USAGE);
    return;
  }
  if (!a.data) throw new Error(USAGE);
  // Every flag checked before any work.
  const clickTop = whole('click-top', 1);
  const userLimit = a.users === undefined ? undefined : whole('users', 1);
  const withhold = num('withhold');
  if (withhold < 0 || withhold >= 1)
    throw new Error(`--withhold: expected a fraction from 0 to below 1, got ${JSON.stringify(a.withhold)}`);
  const [seed, sampleSeed] = [num('seed'), num('sample-seed')];
  // A directory here failed only when the report was written, after every row was computed.
  if (a.json) checkWritable('--json', a.json, 'file');
  // It was checked only after the models had loaded.
  if (!/^(catalog|seen:[1-9]\d*)$/.test(a.idf ?? 'catalog'))
    throw new Error(`--idf: expected "catalog" or "seen:N" (N items, at least 1), got ${JSON.stringify(a.idf)}`);
  await setupTf('wasm');
  const ds = loadDataset(a.data);
  const split = splitLeaveOneOut(ds);
  const N = ds.items.length;
  const users = testUsers(ds, split, { seed: sampleSeed, negatives: NEGATIVES, limit: userLimit });
  if (users.length === 0) throw new Error(`--data ${a.data}: no user has 3 or more events, nothing to test`);
  const few = fewUsersNote(users.length);
  const dirs = modelDirs();

  // Training data the baselines count: the split's training part (last two events of each user held out).
  const trainSeqs = split.train;
  const coldCache = new Map<string, ColdSet>();
  const getCold = (withhold: number, seed: number) => {
    const key = `${withhold}:${seed}`;
    if (!coldCache.has(key)) coldCache.set(key, coldSet(ds, users, withhold, seed));
    return coldCache.get(key)!;
  };
  // Cold-start baselines: counted without the withheld items, as the model never saw them.
  const coldBaseline = (cs: ColdSet, make: (seqs: typeof trainSeqs) => BatchScorer): Metrics => {
    const seqs = trainSeqs.map((s) => dropItems(s, cs.items));
    const sub = cs.users.map((u) => users[u]!);
    return summarize(runScorer(make(seqs), sub, N)).full;
  };
  const coldPopularity = new Map<string, Metrics>();
  const popFor = (cs: ColdSet) => {
    const key = `${cs.withhold}:${cs.seed}`;
    if (!coldPopularity.has(key))
      coldPopularity.set(
        key,
        coldBaseline(cs, (s) => popularityScorer(s, N)),
      );
    return coldPopularity.get(key)!;
  };

  const entries: EvalEntry[] = [];
  const modelCold: (ColdSet | null)[] = [];
  const warnings: string[] = few ? [few] : [];

  const modelRuns: { entry: EvalEntry; outcomes: Outcomes; training: Record<string, unknown> | undefined; trainedHere: boolean }[] = [];
  let hash: string | undefined;
  for (const dir of dirs) {
    const any = await readAnyModel(dir);
    const m = any.manifest;
    const withhold = Number(m.training?.['withhold'] ?? 0);
    const trainedHere = withhold > 0 || a.transfer ? trainedOn(dir, m.training, ds, (hash ??= dataSha256(ds)), warnings) : false;
    let cs: ColdSet | null = null;
    if (withhold > 0) {
      if (!trainedHere) warnings.push(`${dir}: trained on ${JSON.stringify(m.training?.['data'])}, not on this data: no cold-start view`);
      else cs = getCold(withhold, Number(m.training?.['seed'] ?? 42));
    }
    modelCold.push(cs);
    let o: Outcomes;
    let seconds: number;
    // A hybrid's tables ship with its weights: its bytes count both.
    let tableBytes = 0;
    if (isPairModel(any)) {
      const { stats, what } = pairIdf(ds);
      const scorer = pairModelScorer(dir, any.bytes, any.weights, any.manifest.config, ds.items, stats);
      ({ value: o, seconds } = timed(`${dir} (${m.id} ${m.version}, pair model, IDF of ${what})`, () =>
        runScorer(scorer, users, N, { maxLen: any.manifest.config.maxLen, batch: 32 }),
      ));
    } else if ((any as LoadedModel).hybrid) {
      const model = any as LoadedModel & { bytes: number };
      const rebuilt = await measureAsTrained(dir, model, ds, trainSeqs);
      if (rebuilt) warnings.push(rebuilt);
      const h = model.hybrid!;
      tableBytes = [
        h.config.neighbours.file,
        h.config.index.file,
        ...(h.config.knn ? [h.config.knn.file] : []),
        ...(h.config.transitions ? [h.config.transitions.file] : []),
      ].reduce((s, f) => s + statSync(join(dir, f)).size, 0);
      const scorer = hybridScorer(dir, model.bytes, model, ds.items);
      const w = h.config.weights;
      ({ value: o, seconds } = timed(
        `${dir} (${m.id} ${m.version}, hybrid: transformer ${w.transformer.toPrecision(3)}, content ${w.content}, co-occurrence ${w.cooccurrence.toPrecision(3)}${h.knn ? `, kNN ${w.knn ?? 0}` : ''}${h.transitions ? `, transitions ${w.transitions ?? 0}` : ''}; ${h.neighbours.counts.length} neighbour pairs${h.knn ? `, ${h.knn.counts.length} kNN pairs` : ''}${h.transitions ? `, ${h.transitions.counts.length} transition pairs` : ''}, ~${tableBytes} bytes)`,
        () => runScorer(scorer, users, N, { maxLen: model.manifest.config.features.maxLen }),
      ));
      scorer.dispose();
    } else {
      const model = any as LoadedModel & { bytes: number };
      const vocab = model.vocab;
      const cat = makeCatalog(ds.items, model.manifest.config.features, (i) => vocab?.get(ds.items[i]!.id) ?? 0);
      const known = vocab ? cat.idRows.reduce((s, r) => s + (r > 0 ? 1 : 0), 0) : 0;
      const scorer = modelScorer(dir, model.bytes, model.weights, model.manifest.config, cat);
      ({ value: o, seconds } = timed(`${dir} (${m.id} ${m.version}${vocab ? `, ${known}/${N} item ids known` : ', text only'})`, () =>
        runScorer(scorer, users, N, { maxLen: model.manifest.config.features.maxLen }),
      ));
      scorer.dispose();
    }
    for (const t of Object.values(any.weights)) t.dispose();
    const s = summarize(o, undefined, clickTop);
    const entry: EvalEntry = {
      name: dir,
      kind: 'model',
      id: m.id,
      version: m.version,
      bytes: any.bytes + tableBytes,
      sampled: s.sampled,
      full: s.full,
      click: s.click,
      seconds: Number(seconds.toFixed(1)),
      coldStart: cs
        ? { withhold: cs.withhold, seed: cs.seed, withheldItems: cs.items.size, ...summarize(o, cs.users).full, popularity: popFor(cs) }
        : null,
    };
    entries.push(entry);
    modelRuns.push({ entry, outcomes: o, training: m.training, trainedHere });
  }

  // Teachers: a transformer plus the co-occurrence memory of the same training sequences.
  const teacherTable = a.teachers ? cooccurrenceTable(trainSeqs, N) : null;
  for (const spec of (a.teachers ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean)) {
    const m = /^(.+):([\d.]+)$/.exec(spec);
    if (!m) throw new Error(`--teachers: expected DIR:BETA (e.g. runs/teacher/float:2), got "${spec}"`);
    const [, dir, beta] = m as unknown as [string, string, string];
    const model = await readModel(dir);
    const cat = makeCatalog(ds.items, model.manifest.config.features, (i) => model.vocab?.get(ds.items[i]!.id) ?? 0);
    const base = modelScorer(dir, model.bytes, model.weights, model.manifest.config, cat);
    const scorer = withMemory(base, teacherTable!, Number(beta));
    const { value: o, seconds } = timed(scorer.name, () => runScorer(scorer, users, N, { maxLen: model.manifest.config.features.maxLen }));
    base.dispose();
    for (const t of Object.values(model.weights)) t.dispose();
    const sm = summarize(o, undefined, clickTop);
    entries.push({
      name: scorer.name,
      kind: 'teacher',
      bytes: scorer.bytes,
      sampled: sm.sampled,
      full: sm.full,
      click: sm.click,
      seconds: Number(seconds.toFixed(1)),
      coldStart: null,
    });
  }

  // Baselines' cold-start set: --withhold/--seed, else the first model's.
  const baseCold = withhold > 0 ? getCold(withhold, seed) : (modelCold.find((c) => c) ?? null);
  const index = timed('tf-idf index of the catalog', () => contentIndex(ds.items, catalogItems(ds))).value;
  const table = cooccurrenceTable(trainSeqs, N);
  // The blend's weight, on validation targets (history = the training part of each user).
  const validUsers = testUsers(ds, split, {
    seed: sampleSeed,
    negatives: 0,
    targets: 'valid',
    limit: userLimit,
  });
  const blend = timed(`blend weight on ${validUsers.length} validation targets`, () =>
    chooseBlendWeight(ds.items, trainSeqs, validUsers, { index, table }),
  ).value;
  const baselines = baselineSpecs(ds.items, blend.weight);
  const baseEntries = baselines.map(({ name, definition, make }): EvalEntry => {
    const scorer = make(trainSeqs, { index, table });
    const { value: o, seconds } = timed(name, () => runScorer(scorer, users, N));
    const s = summarize(o, undefined, clickTop);
    return {
      name,
      kind: 'baseline',
      bytes: scorer.bytes,
      definition,
      sampled: s.sampled,
      full: s.full,
      click: s.click,
      seconds: Number(seconds.toFixed(1)),
      ...(name.startsWith('tf-idf +') ? { chosen: blend } : {}),
      coldStart: baseCold
        ? {
            withhold: baseCold.withhold,
            seed: baseCold.seed,
            withheldItems: baseCold.items.size,
            ...coldBaseline(baseCold, (seqs) => make(seqs, { index })),
          }
        : null,
    };
  });
  entries.unshift(...baseEntries);
  if (a.transfer) transferViews(ds, users, trainSeqs, modelRuns, baselines, index, baseEntries, warnings);

  printReport(ds, users, split.test.length, entries, clickTop, num('sample-seed'));
  if (a.transfer) printTransfer(entries);
  for (const w of warnings) console.log(`note: ${w}`);
  if (a.json) {
    writeFileSync(a.json, JSON.stringify(entries, null, 1) + '\n');
    console.log(`wrote ${a.json}`);
  }
  // --stamp: record what each model reached in its own manifest (the weights hash is unaffected).
  if (a.stamp) {
    for (const e of entries) {
      if (e.kind !== 'model') continue;
      const path = join(e.name, 'model.json');
      const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      manifest['metrics'] = {
        data: ds.name,
        users: e.full.n,
        evaluatedAt: new Date().toISOString().slice(0, 10),
        full: e.full,
        sampled: e.sampled,
        click: e.click,
        coldStart: e.coldStart,
      };
      writeFileSync(path, JSON.stringify(manifest, null, 1) + '\n');
      console.log(`stamped ${path}`);
    }
  }
}

/**
 * --idf: where the pair model's IDF comes from. `catalog` (default): all items of the data, as a shipped
 * catalog index (npm run index) gives it; `seen:N`: N items drawn at random (seed 7), as the worker knows
 * them from the pages a shopper has seen when no index is shipped.
 */
function pairIdf(ds: Dataset): { stats: TermStats; what: string } {
  const spec = a.idf ?? 'catalog';
  if (spec === 'catalog') {
    const catalog = catalogItems(ds);
    return { stats: termStats(catalog), what: `the ${catalog.length} catalog items` };
  }
  const m = /^seen:(\d+)$/.exec(spec)!; // checked with the other flags, before any work
  const r = rng(7);
  const pick = [...ds.items]
    .map((it) => [r(), it] as const)
    .sort((x, y) => x[0] - y[0])
    .slice(0, Number(m[1]))
    .map(([, it]) => it);
  return { stats: termStats(pick), what: `${pick.length} random items (as if seen)` };
}

/**
 * Whether a model trained on this data (or on it as --extra-data): by the hash of the interactions its manifest
 * records (training.dataSha256, the same for the same events in any format, row order or directory). A model from
 * before that field is judged by the directory's name, as before, with a note saying so: a copy of the training data
 * under another name counted as data it never saw, and another month's export under the same name as seen.
 */
function trainedOn(dir: string, training: Record<string, unknown> | undefined, ds: Dataset, hash: string, warnings: string[]): boolean {
  const t = training ?? {};
  if (typeof t['dataSha256'] === 'string')
    return [t['dataSha256'], ...((t['extraDataSha256'] as string[] | undefined) ?? [])].includes(hash);
  warnings.push(
    `${dir}: its manifest records no training.dataSha256 (trained before it was recorded): whether it trained on this data is judged by the directory's name, ${JSON.stringify(ds.name)}`,
  );
  const names = [t['data'], ...((t['extraData'] as string[] | undefined) ?? []).map((d) => d.split('/').filter(Boolean).pop())];
  return names.includes(ds.name);
}

/**
 * The transfer view: each model that was trained without some top-level categories of this data (manifest
 * training.heldOut), or never on this data at all, on the test users whose target lies in what it never saw;
 * the baselines on the same users, counted without those items (TF-IDF needs no counts, only the catalog).
 */
function transferViews(
  ds: Dataset,
  users: readonly EvalUser[],
  trainSeqs: readonly Sequence[],
  runs: readonly { entry: EvalEntry; outcomes: Outcomes; training: Record<string, unknown> | undefined; trainedHere: boolean }[],
  baselines: readonly BaselineSpec[],
  index: ContentIndex,
  baseEntries: readonly EvalEntry[],
  warnings: string[],
): void {
  const N = ds.items.length;
  const views = new Map<string, { heldOut: string[] | 'all'; items: Set<number>; runs: (typeof runs)[number][] }>();
  for (const run of runs) {
    const cats = (run.training?.['heldOut'] as string[] | undefined) ?? [];
    let heldOut: string[] | 'all';
    if (!run.trainedHere) heldOut = 'all';
    else if (cats.length > 0) heldOut = cats;
    else {
      warnings.push(`${run.entry.name}: trained on all of ${ds.name}, no transfer view`);
      continue;
    }
    const key = JSON.stringify(heldOut);
    if (!views.has(key))
      views.set(key, { heldOut, items: heldOut === 'all' ? new Set(ds.items.keys()) : heldOutItems(ds.items, heldOut), runs: [] });
    views.get(key)!.runs.push(run);
  }
  for (const v of views.values()) {
    const which = [...users.keys()].filter((u) => v.items.has(users[u]!.target));
    const seqs = trainSeqs.map((s) => dropItems(s, v.items));
    const sub = which.map((u) => users[u]!);
    const result = (full: Metrics): TransferResult => ({ heldOut: v.heldOut, heldOutItems: v.items.size, full });
    baselines.forEach((b, i) => {
      const o = timed(`transfer ${JSON.stringify(v.heldOut)}: ${b.name}`, () => runScorer(b.make(seqs, { index }), sub, N)).value;
      (baseEntries[i]!.transfer ??= []).push(result(summarize(o).full));
    });
    for (const run of v.runs) (run.entry.transfer ??= []).push(result(summarize(run.outcomes, which).full));
  }
}

function printTransfer(entries: readonly EvalEntry[]): void {
  const views = new Map<string, EvalEntry[]>();
  for (const e of entries)
    for (const t of e.transfer ?? []) {
      const key = JSON.stringify(t.heldOut);
      if (!views.has(key)) views.set(key, []);
      views.get(key)!.push(e);
    }
  if (views.size === 0) {
    console.log('\ntransfer: no model was trained without part of this data (manifest training.heldOut) or without it entirely');
    return;
  }
  const f4 = (x: number) => x.toFixed(4).padStart(8);
  const width = Math.max(14, ...entries.map((e) => e.name.length));
  for (const [key, rows] of views) {
    const first = rows[0]!.transfer!.find((t) => JSON.stringify(t.heldOut) === key)!;
    const what =
      first.heldOut === 'all'
        ? `the whole catalog (${first.heldOutItems} items): the model never trained on this data`
        : `top-level categories ${first.heldOut.join(', ')} (${first.heldOutItems} items)`;
    console.log(
      `\ntransfer: ${first.full.n} test users whose target is in ${what}; full ranking against all items, history excluded. Models never trained on these items; baselines counted without them (popularity and co-occurrence give them nothing; TF-IDF needs only the catalog's text).`,
    );
    console.log(`${'name'.padEnd(width)} ${['HR@1', 'HR@5', 'HR@10', 'NDCG@5', 'NDCG@10', 'MRR'].map((c) => c.padStart(8)).join(' ')}`);
    for (const e of rows) {
      const t = e.transfer!.find((x) => JSON.stringify(x.heldOut) === key)!;
      console.log(
        `${e.name.padEnd(width)} ${(['HR@1', 'HR@5', 'HR@10', 'NDCG@5', 'NDCG@10', 'MRR'] as const).map((c) => f4(t.full[c])).join(' ')}`,
      );
    }
  }
}

function printReport(
  ds: Dataset,
  users: readonly EvalUser[],
  all: number,
  entries: readonly EvalEntry[],
  clickTop: number,
  sampleSeed: number,
): void {
  const N = ds.items.length;
  const which = users.length < all ? `the first ${users.length} of ${all} test users` : `${users.length} test users`;
  console.log(
    `${ds.name}: ${which} (the last step of each user with 3+ steps, a step being an event or a run of consecutive events of one item; history = all steps before it), ${N} items.`,
  );
  console.log(
    `full: the target ranked against all ${N} items, the user's history items excluded (the target itself always ranked). Ties count against the target.`,
  );
  console.log(
    `sampled: the target against ${NEGATIVES} negatives drawn uniformly without replacement (seed ${sampleSeed}) from items the user never interacted with; the same negatives for every row.`,
  );
  console.log(
    `click: AUC = per-user AUC of the target vs its sampled negatives (ties half), averaged over users; predicted click = in the top ${clickTop} of the user's ${NEGATIVES + 1} candidates.`,
  );
  console.log(`baselines count training interactions only (each user's last two events held out):`);
  for (const e of entries) if (e.definition) console.log(`  ${e.name}: ${e.definition}`);
  const chosen = entries.find((e) => e.chosen)?.chosen;
  if (chosen)
    console.log(
      `  blend weight on ${chosen.users} validation targets (NDCG@10, full ranking): ${chosen.grid.map((g) => `${g.weight}: ${g.validNdcg10.toFixed(4)}`).join(', ')}`,
    );
  console.log(
    `bytes: weights.bin for models (a hybrid: plus its neighbours.bin, index.json, and knn.bin and transitions.bin when it has them); popularity 4 per item (int32 counts); co-occurrence int32 CSR (offsets, neighbour + count per pair) plus popularity; tf-idf int32 term ids + float32 weights per item and per term (both directions); item-kNN int32 user lists per item and item lists per user.`,
  );
  const rankCols = ['HR@1', 'HR@5', 'HR@10', 'NDCG@5', 'NDCG@10', 'MRR'] as const;
  const width = Math.max(14, ...entries.map((e) => e.name.length));
  const f4 = (x: number) => x.toFixed(4).padStart(8);
  const table = (title: string, cols: readonly string[], rows: [string, string, string[]][]) => {
    console.log(`\n${title}`);
    console.log(`${'name'.padEnd(width)} ${'bytes'.padStart(10)} ${cols.map((c) => c.padStart(8)).join(' ')}`);
    for (const [name, bytes, cells] of rows) console.log(`${name.padEnd(width)} ${bytes.padStart(10)} ${cells.join(' ')}`);
  };
  const rows = (pick: (e: EvalEntry) => string[]) => entries.map((e): [string, string, string[]] => [e.name, String(e.bytes), pick(e)]);
  table(
    'full ranking (primary)',
    rankCols,
    rows((e) => rankCols.map((c) => f4(e.full[c]))),
  );
  table(
    `sampled (${NEGATIVES} negatives)`,
    rankCols,
    rows((e) => rankCols.map((c) => f4(e.sampled[c]))),
  );
  table(
    `click prediction (top ${clickTop} of ${NEGATIVES + 1})`,
    ['AUC', 'prec', 'recall', 'F1'],
    rows((e) => [e.click.AUC, e.click.precision, e.click.recall, e.click.F1].map(f4)),
  );
  const cold = entries.filter((e) => e.coldStart);
  if (cold.length > 0) {
    console.log(
      '\ncold start: test users whose target was withheld from training, full ranking; "pop" = popularity counted without the withheld items, same users',
    );
    console.log(
      `${'name'.padEnd(width)} ${'withheld'.padStart(10)} ${'users'.padStart(6)} ${'HR@10'.padStart(8)} ${'NDCG@10'.padStart(8)} ${'MRR'.padStart(8)} ${'popHR@10'.padStart(8)} ${'popNDCG'.padStart(8)}`,
    );
    for (const e of cold) {
      const c = e.coldStart!;
      const pop = c.popularity ? [f4(c.popularity['HR@10']), f4(c.popularity['NDCG@10'])] : ['', ''].map((s) => s.padStart(8));
      console.log(
        `${e.name.padEnd(width)} ${`${c.withheldItems} (${c.withhold})`.padStart(10)} ${String(c.n).padStart(6)} ${f4(c['HR@10'])} ${f4(c['NDCG@10'])} ${f4(c.MRR)} ${pop.join(' ')}`,
      );
    }
  } else {
    console.log('\ncold start: no model withholds items (training.withhold = 0) and no --withhold given: coldStart null');
  }
}

main().catch((err: Error) => {
  console.error(`eval: ${err.message}`);
  process.exit(1);
});
