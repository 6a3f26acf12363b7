// ESLint's and typescript-eslint's recommended rules, the two promise rules that need types, and
// the layer rule of STYLE.md as far as an import's text can say it. test/checkLayers.js checks
// the rest (resolved paths, `import()`, cycles between sub-folders) on every `npm test`.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';
import { ioModules, layers, pureLayers } from './test/layers.js';

/** `../` n times, as a regex. */
const up = (n) => `(\\.\\./){${n}}`;

/**
 * What a file `depth` folders below the root of the repo, inside `layer`, may not import: the
 * text of a relative import says which folder it reaches once the `../` are counted.
 */
function layerPatterns(layer, depth) {
  const rank = layers.indexOf(layer);
  const higher = layers.slice(rank + 1);
  const lower = layers.slice(0, rank);
  const patterns = [
    {
      regex: `^${up(depth)}(?!(${layers.join('|')})/)`,
      message: 'Imports stay inside the source folders (schemas, log, projections, actors, runtime).',
    },
  ];
  if (higher.length > 0) {
    patterns.push({
      regex: `^${up(depth)}(${higher.join('|')})(/|$)`,
      message: `${layer}/ may not import ${higher.join('/, ')}/: imports point schemas <- log <- projections <- actors <- runtime.`,
    });
  }
  if (lower.length > 0) {
    patterns.push({
      regex: `^${up(depth)}(${lower.join('|')})/(?!index\\.ts$)`,
      message: "Another folder is reached only through its index.ts, the folder's public face.",
    });
  }
  if (depth === 1) {
    patterns.push({ regex: '^\\./[^/]+/(?!index\\.ts$)', message: "A sub-folder is reached only through its index.ts, the sub-folder's public face." });
  } else {
    patterns.push(
      {
        regex: `^${up(depth - 1)}(?!\\.\\./)[^/]+/(?!index\\.ts$)`,
        message: "Another sub-folder is reached only through its index.ts, the sub-folder's public face.",
      },
      { regex: `^${up(depth - 1)}index\\.ts$`, message: `Import the sub-folder needed, not ${layer}/index.ts (it re-exports this sub-folder too).` },
    );
  }
  if (pureLayers.includes(layer)) patterns.push({ regex: ioModules.source, message: `${layer}/ stays pure: no I/O.` });
  return patterns;
}

const depthsMax = 5;
const layerBlocks = layers.flatMap((layer) =>
  Array.from({ length: depthsMax }, (_, i) => ({
    files: [`${layer}/${'*/'.repeat(i)}*.ts`],
    rules: { 'no-restricted-imports': ['error', { patterns: layerPatterns(layer, i + 1) }] },
  })),
);

const pureBlock = {
  files: pureLayers.map((layer) => `${layer}/**/*.ts`),
  rules: {
    'no-restricted-properties': [
      'error',
      { object: 'Date', property: 'now', message: 'Pure folders take time as an argument.' },
      { object: 'performance', property: 'now', message: 'Pure folders take time as an argument.' },
      { object: 'Math', property: 'random', message: 'Pure folders take randomness as an argument.' },
    ],
    'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Pure folders take time as an argument.' }],
  },
};

// The few Node globals the plain .js files use (tsc checks names in the .ts files).
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'TextEncoder',
    'TextDecoder',
    'performance',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores(['dist/', '.data/', 'node_modules/', 'web/vendor/', 'test/screenshots/']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    rules: {
      // `_` marks what is left out on purpose, as tsc's noUnusedLocals/noUnusedParameters read it.
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // A `let` read by a callback that may run before its one assignment (an unsubscribe handle) cannot be const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Control characters are matched on purpose: refused in state paths, stripped from terminal output.
      'no-control-regex': 'off',
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
    },
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },
  { files: ['**/*.js'], languageOptions: { globals: nodeGlobals } },
  {
    files: ['test/**/*.ts'],
    rules: {
      // Tests read untyped JSON (HTTP bodies, child process output) and poke at it.
      '@typescript-eslint/no-explicit-any': 'off',
      // Patterns that match printed, aligned output read best with the spaces as printed.
      'no-regex-spaces': 'off',
    },
  },
  ...layerBlocks,
  pureBlock,
  {
    // The dashboard runs in a browser, served as it is written (runtime/web): it reaches outside web/ only for
    // types and the proof checks written to run there.
    files: ['web/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex: ioModules.source, message: 'web/ runs in a browser: no node modules, no I/O but fetch and EventSource.' },
            {
              regex:
                '^\\.\\./\\.\\./(?!web/|schemas/index\\.ts$|projections/state/(verifyProofBrowser|checkProof)\\.ts$|log/crypto/verifyTxProof\\.ts$)[a-z]+/',
              message: 'web/ imports web/, types from schemas/index.ts, and the browser-safe proof checks only.',
            },
          ],
        },
      ],
    },
  },
);
