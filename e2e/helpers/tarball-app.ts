/**
 * A shop's Vite app that installed the packed package, as a shop would: `npm pack` of this repository (dist/ must
 * be built: the package's prepack, which builds it, is not run here), the app in e2e/apps/shop copied to a folder outside the repository (so nothing resolves from this
 * repository's node_modules), the tarball, React, Vue, Svelte and Angular installed from the npm cache, its Svelte component
 * compiled, `tsc` run on it (the type test)
 * and `vite build` run on it, and webpack 5 and esbuild with their defaults (no configuration file) on its plain
 * script. Done once per content of the tarball and the app: a second run reuses the folder. The app's servers (vite
 * dev, vite preview), webpack and esbuild are this repository's, run in the app's folder.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { PRODUCTS } from '../apps/shop/src/catalog.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TEMPLATE = join(ROOT, 'e2e/apps/shop');
const VITE = join(ROOT, 'node_modules/vite/bin/vite.js');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const WEBPACK = join(ROOT, 'node_modules/webpack/lib/index.js');
/** esbuild's own binary (its platform's package installs it here). */
const ESBUILD = join(ROOT, 'node_modules/esbuild/bin/esbuild');

export interface TarballApp {
  /** The app's folder (node_modules/reco-sdk is the unpacked tarball). */
  dir: string;
  /** The tarball's name, e.g. reco-sdk-0.1.0.tgz. */
  tarball: string;
  /** `tsc -p` of the app: exit code and everything it printed (empty when the types are right). */
  tsc: { code: number; output: string };
  /** The same with TypeScript's older module resolution, `node` (node10), which reads no `exports`. */
  tscNode10: { code: number; output: string };
  /** Files of the production build (dist/), relative to it. */
  built: string[];
  /** Files of the production build with the worker as an ES module (`worker: { format: 'es' }`, dist-es/), and their bytes. */
  builtEs: { file: string; bytes: number }[];
  /** webpack 5's production build of src/script.mjs (dist-webpack/, with a page of the shop's cards): its files and its
   * warnings (`module`: the file it warns about, when it names one). */
  webpack: { built: string[]; warnings: { module: string | null; message: string }[] };
  /** esbuild's bundle of src/script.mjs as it makes one by default, a classic script (dist-esbuild/main.js, with a page of
   * the shop's cards), and the package's dist/ served by the shop itself beside it (dist-esbuild/reco/). */
  esbuild: { built: string[]; output: string };
}

const files = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)))
    .sort();

/** Packs, installs, type-checks and builds the app, or finds it done. */
export function tarballApp(): TarballApp {
  if (!existsSync(join(ROOT, 'dist/reco.mjs'))) throw new Error('dist/ is not built: run `npm run build` first');
  const packDir = join(tmpdir(), 'reco-e2e-pack');
  rmSync(packDir, { recursive: true, force: true });
  mkdirSync(packDir, { recursive: true });
  const [{ filename }] = JSON.parse(
    // dist/ as the run built it: not built again by the package's prepack (the run's servers serve it meanwhile).
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: ROOT, encoding: 'utf8' }),
  ) as {
    filename: string;
  }[];
  const tgz = join(packDir, filename);
  const hash = createHash('sha256').update(readFileSync(tgz));
  for (const f of files(TEMPLATE)) hash.update(f).update(readFileSync(join(TEMPLATE, f)));
  const dir = join(tmpdir(), `reco-e2e-app-${hash.digest('hex').slice(0, 16)}`);
  const done = join(dir, 'done.json');
  if (existsSync(done)) return JSON.parse(readFileSync(done, 'utf8')) as TarballApp;

  // Apps of earlier tarballs are of no further use.
  for (const old of readdirSync(tmpdir()))
    if (old.startsWith('reco-e2e-app-')) rmSync(join(tmpdir(), old), { recursive: true, force: true });
  cpSync(TEMPLATE, dir, { recursive: true });
  cpSync(tgz, join(dir, filename));
  const dev = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies;
  const pick = (...names: string[]) => Object.fromEntries(names.map((n) => [n, dev[n]!]));
  const pkg = {
    name: 'a-shop',
    private: true,
    type: 'module',
    dependencies: {
      'reco-sdk': `file:./${filename}`,
      ...pick(
        'react',
        'react-dom',
        'vue',
        'svelte',
        '@angular/core',
        '@angular/common',
        '@angular/compiler',
        '@angular/platform-browser',
        'rxjs',
      ),
    },
    devDependencies: pick('@types/react', '@types/react-dom'),
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(pkg, null, 2));
  const npm = (...args: string[]) =>
    spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...args], { cwd: dir, encoding: 'utf8' });
  // From the npm cache that `npm ci` of this repository filled; the registry only if something is missing there.
  let install = npm('--offline');
  if (install.status !== 0) install = npm('--prefer-offline');
  if (install.status !== 0) throw new Error(`npm install in ${dir} failed:\n${install.stdout}${install.stderr}`);
  compileSvelte(dir);

  const tsc = spawnSync(process.execPath, [TSC, '-p', dir], { cwd: dir, encoding: 'utf8' });
  // Svelte 5's own types need moduleResolution bundler or node16, so a Svelte app never compiles under node10: its
  // files, and main.ts that imports them, are left out of that check (reco-sdk/svelte's types resolve there, as
  // reco-sdk/react's do: src/node10-svelte.ts).
  // Angular's own types need them too (its package has no typesVersions), so its files are left out with them.
  const bundlerOnlyFiles = [
    'src/main.ts',
    'src/svelte.ts',
    'src/svelte-types.ts',
    'src/Products.svelte.d.ts',
    'src/angular.ts',
    'src/angular-types.ts',
  ];
  writeFileSync(join(dir, 'tsconfig.node10.json'), JSON.stringify({ extends: './tsconfig.json', exclude: bundlerOnlyFiles }));
  writeFileSync(join(dir, 'src/node10-svelte.ts'), NODE10_SVELTE);
  const tscNode10 = spawnSync(
    process.execPath,
    [TSC, '-p', join(dir, 'tsconfig.node10.json'), '--moduleResolution', 'node10', '--module', 'esnext'],
    {
      cwd: dir,
      encoding: 'utf8',
    },
  );
  const build = spawnSync(process.execPath, [VITE, 'build', '--logLevel', 'warn'], { cwd: dir, encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`vite build of the app failed:\n${build.stdout}${build.stderr}`);
  // The README's one line of Vite config that keeps the worker's chunks (tfjs, each backend) loaded on demand.
  writeFileSync(join(dir, 'vite.es.config.mjs'), "export default { worker: { format: 'es' }, build: { outDir: 'dist-es' } };\n");
  const es = spawnSync(process.execPath, [VITE, 'build', '--logLevel', 'warn', '--config', 'vite.es.config.mjs'], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (es.status !== 0) throw new Error(`vite build of the app (worker format es) failed:\n${es.stdout}${es.stderr}`);
  const webpack = webpackBuild(dir);
  const esbuild = esbuildBuild(dir);
  const app: TarballApp = {
    dir,
    tarball: filename,
    tsc: { code: tsc.status ?? -1, output: `${tsc.stdout}${tsc.stderr}`.trim() },
    tscNode10: { code: tscNode10.status ?? -1, output: `${tscNode10.stdout}${tscNode10.stderr}`.trim() },
    built: files(join(dir, 'dist')),
    builtEs: files(join(dir, 'dist-es')).map((file) => ({ file, bytes: statSync(join(dir, 'dist-es', file)).size })),
    webpack: { built: files(join(dir, 'dist-webpack')), warnings: webpack.warnings },
    esbuild: { built: files(join(dir, 'dist-esbuild')), output: esbuild },
  };
  writeFileSync(done, JSON.stringify(app, null, 2));
  return app;
}

/** reco-sdk/svelte's types under node10, without Svelte's (src/node10-svelte.ts, for that check only). */
const NODE10_SVELTE = `import type { RankedStore, UseRankedOptions } from 'reco-sdk/svelte';
export type Check = [RankedStore<string>, UseRankedOptions<string>];
`;

/**
 * The app's Svelte component compiled by the Svelte it installed, as a Svelte app's build compiles it (vite-plugin-svelte
 * runs the same compiler): src/Products.svelte to src/Products.svelte.js, which Vite then bundles with no configuration.
 */
function compileSvelte(dir: string): void {
  const script = `
    import { compile } from 'svelte/compiler';
    import { readFileSync, writeFileSync } from 'node:fs';
    const { js } = compile(readFileSync('src/Products.svelte', 'utf8'), { filename: 'Products.svelte', generate: 'client' });
    writeFileSync('src/Products.svelte.js', js.code);`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`svelte's compiler failed on the app's component:\n${run.stdout}${run.stderr}`);
}

/**
 * webpack 5 as a shop runs it with no configuration file (mode production; only the entry, the app's plain script, and
 * the output folder named), then the page its server would render: the shop's cards, and the bundle.
 */
function webpackBuild(dir: string): { warnings: { module: string | null; message: string }[] } {
  const script = `
    const webpack = require(${JSON.stringify(WEBPACK)});
    const options = { mode: 'production', context: process.cwd(), entry: './src/script.mjs', output: { path: process.cwd() + '/dist-webpack' } };
    webpack(options, (error, stats) => {
      if (error) throw error;
      const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
      const report = (w) => ({ module: w.moduleName ?? null, message: w.message });
      console.log(JSON.stringify({ errors: errors.map(report), warnings: warnings.map(report) }));
    });`;
  const run = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' });
  const result =
    run.status === 0 ? (JSON.parse(run.stdout) as { errors: unknown[]; warnings: { module: string | null; message: string }[] }) : null;
  if (!result || result.errors.length) throw new Error(`webpack build of the app failed:\n${run.stdout}${run.stderr}`);
  writeShopPage(join(dir, 'dist-webpack'), 'webpack');
  return { warnings: result.warnings };
}

/**
 * esbuild as a shop runs it with no configuration: `esbuild src/script.mjs --bundle --outfile=…` (a classic script,
 * esbuild's default for the browser), then the page its server would render; the package's dist/ copied beside it, as
 * the README says to serve it where the bundler copied no worker.
 * @returns what esbuild printed
 */
function esbuildBuild(dir: string): string {
  const out = join(dir, 'dist-esbuild');
  const run = spawnSync(ESBUILD, ['src/script.mjs', '--bundle', `--outfile=${join(out, 'main.js')}`], {
    cwd: dir,
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`esbuild of the app failed:\n${run.stdout}${run.stderr}`);
  cpSync(join(dir, 'node_modules/reco-sdk/dist'), join(out, 'reco'), { recursive: true });
  writeShopPage(out, 'esbuild');
  return `${run.stdout}${run.stderr}`;
}

/** The shop's server-rendered page, with the cards of the app's catalog and the bundle `main.js`, as `dir`/index.html. */
function writeShopPage(dir: string, bundler: string): void {
  const html = (text: string | number) => String(text).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  const cards = PRODUCTS.map(
    (p) =>
      `<li data-reco-id="${html(p.sku)}" data-reco-title="${html(p.title)}" data-reco-brand="${html(p.brand)}" ` +
      `data-reco-category="${html(p.category)}" data-reco-price="${p.price}">${html(p.title)}</li>`,
  );
  const page = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>A shop whose script ${bundler} bundled</title><style>.below-the-fold { height: 150vh; }</style></head>
<body>
<div class="below-the-fold"></div>
<ul id="list" data-reco-grid="home">
${cards.join('\n')}
</ul>
<script src="main.js"></script>
</body>
</html>
`;
  writeFileSync(join(dir, 'index.html'), page);
}

/**
 * Starts `vite` (dev server) or `vite preview` (the production build; `webpack`, `esbuild`: their builds) in the app's folder on 127.0.0.1:`port`,
 * and resolves with its URL once it answers.
 * @returns the URL and a function that stops the server
 */
export async function serveApp(
  app: TarballApp,
  mode: 'dev' | 'preview' | 'webpack' | 'esbuild',
  port: number,
): Promise<{ url: string; stop: () => void }> {
  const modeArgs = {
    dev: [],
    preview: ['preview'],
    webpack: ['preview', '--outDir', 'dist-webpack'],
    esbuild: ['preview', '--outDir', 'dist-esbuild'],
  }[mode];
  const args = [VITE, ...modeArgs, '--host', '127.0.0.1', '--port', String(port), '--strictPort'];
  const server = spawn(process.execPath, args, { cwd: app.dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  server.stdout.on('data', (d) => (log += d));
  server.stderr.on('data', (d) => (log += d));
  const url = `http://127.0.0.1:${port}/`;
  for (let i = 0; ; i++) {
    if (server.exitCode !== null) throw new Error(`vite ${mode} exited:\n${log}`);
    try {
      if ((await fetch(url)).ok) break;
    } catch {
      // not listening yet
    }
    if (i > 600) throw new Error(`vite ${mode} did not answer on ${url}:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop: () => server.kill() };
}
