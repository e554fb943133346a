// Lint: typescript-eslint's recommended rules, and the import boundaries that keep each thread's code apart:
// a file's folder says whether it may touch the DOM or tfjs, so an import across the wrong boundary is an
// error here, not a surprise in a bundle. test/eslint-config.test.ts proves each rule fires on a bad import.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** An import whose path (relative or bare) matches one of `regexes` is an error, with `message`. */
const forbid = (message, ...regexes) => regexes.map((regex) => ({ regex, message }));

const TFJS = forbid('page code never loads TensorFlow.js: it runs in the worker (src/worker, src/model)', '^@tensorflow/');
/** Relative paths that climb into a top-level folder of src/, from any depth below it. */
const into = (...folders) => `^(\\.\\./)+(${folders.join('|')})/`;

/** Folder → what its files must not import. Paths are relative imports, as written in the source. */
export const BOUNDARIES = {
  'src/main/**': [
    ...forbid('the page never imports worker or model code; talk to the worker through src/shared/protocol.ts', into('worker', 'model')),
    ...TFJS,
  ],
  'src/tracker/**': [...forbid('the tracker is page capture: it imports only src/shared', into('worker', 'model', 'main')), ...TFJS],
  'src/worker/**': [
    ...forbid('the worker never imports page code (src/main, src/tracker)', into('main', 'tracker')),
    ...forbid('the worker never imports Node-only training (src/model/train)', '(^|/)model/train/'),
  ],
  'src/model/*.ts': forbid('serving and fine-tuning code never imports Node-only training (src/model/train)', '^\\./train/'),
  'src/shared/**': forbid(
    'src/shared imports only src/shared and idb: no DOM, no tfjs, nothing thread-specific',
    '^\\.\\./',
    '^(?!\\./|idb$)',
  ),
};
/** Serving never imports fine-tuning: rank and explain run the same forward pass whether or not learning is on. */
const SERVING = ['src/model/predict.ts', 'src/model/serving-cache.ts', 'src/model/explain.ts'];

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'test-results/', 'public/', 'reports/', '.cache/', 'runs/', 'checkpoints/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { console: 'readonly' } },
    rules: {
      // tsc checks unused names (noUnusedLocals) and undefined globals; these two would repeat it, less well.
      '@typescript-eslint/no-unused-vars': 'off',
      'no-undef': 'off',
    },
  },
  ...Object.entries(BOUNDARIES).map(([files, patterns]) => ({
    files: [files],
    rules: { 'no-restricted-imports': ['error', { patterns }] },
  })),
  {
    files: SERVING,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...BOUNDARIES['src/model/*.ts'],
            ...forbid('serving never imports fine-tuning (src/model/finetune.ts)', '^\\./finetune\\.ts$'),
          ],
        },
      ],
    },
  },
);
