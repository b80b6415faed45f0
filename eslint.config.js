// Typed lint for the whole repository, and the layers rule: each folder of src/ (a layer) imports only the src/
// folders and the packages listed for it in LAYERS below; anything else is an error that says the rule. Imports
// point inward, and each store loads only its own driver:
//
//   layer            may import from src/                               packages (node: built-ins too, but client/)
//   core/            core/                                              jose, @zxcvbn-ts/core and language-common, argon2,
//                                                                      @oslojs/otp and @oslojs/encoding (TOTP),
//                                                                      @simplewebauthn/server (passkeys, loaded on first use)
//   stores/memory/   core/, stores/memory/                              —
//   stores/sql/      core/, stores/sql/                                 kysely
//   stores/sqlite/   core/, stores/sql/, stores/sqlite/                 kysely, better-sqlite3
//   stores/postgres/ core/, stores/sql/, stores/postgres/               kysely, pg
//   stores/redis/    core/, stores/redis/                               ioredis
//   http/            core/, http/                                       fastify, express, hono, cookie, prom-client
//   verify/          core/, verify/                                     jose
//   server/          core/, http/, stores/, server/                     fastify, pino, kysely, nodemailer
//   cli/             core/, stores/, server/, cli/                      —
//   testing/         core/, testing/                                    —
//   index.ts         core/                                              —
//   client/          client/ (browser code: no server code at all)      — (no node: built-ins either)
//   client/passkeys/ client/ (gatehouse/client/passkeys)                @simplewebauthn/browser (no node: built-ins)
//   ui/              ui/, client/ (the hosted pages, bundled to dist/ui)  preact, htm, uqr, @simplewebauthn/browser (no node:)
//
// Static imports, `export … from`, `import('…')` calls and `import('…')` types all count; tests (*.test.ts) are not a
// layer and may import anything. A file in a folder with no entry is an error too: give the folder a layer.
import { isBuiltin } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const SRC = join(import.meta.dirname, 'src');

/** @type {Record<string, { folders: string[], packages: string[], builtins?: false, why: string }>} */
const LAYERS = {
  core: {
    folders: ['core'],
    packages: ['jose', '@zxcvbn-ts/core', '@zxcvbn-ts/language-common', 'argon2', '@oslojs/otp', '@oslojs/encoding', '@simplewebauthn/server'],
    why: 'core/ is the inner ring: it does I/O only through the interfaces it is handed',
  },
  'stores/memory': { folders: ['core', 'stores/memory'], packages: [], why: 'a store depends on core/ only' },
  'stores/sql': { folders: ['core', 'stores/sql'], packages: ['kysely'], why: 'the SQL queries depend on core/ and Kysely only' },
  'stores/sqlite': {
    folders: ['core', 'stores/sql', 'stores/sqlite'],
    packages: ['kysely', 'better-sqlite3'],
    why: 'a store depends on core/ and loads its own driver only',
  },
  'stores/postgres': {
    folders: ['core', 'stores/sql', 'stores/postgres'],
    packages: ['kysely', 'pg'],
    why: 'a store depends on core/ and loads its own driver only',
  },
  'stores/redis': { folders: ['core', 'stores/redis'], packages: ['ioredis'], why: 'a store depends on core/ and loads its own driver only' },
  http: {
    folders: ['core', 'http'],
    packages: ['fastify', 'express', 'hono', 'cookie', 'prom-client'],
    why: 'the HTTP API depends on core/ only; the server, not http/, picks the store',
  },
  verify: { folders: ['core', 'verify'], packages: ['jose'], why: 'gatehouse/verify checks tokens with jose alone: no server code' },
  server: {
    folders: ['core', 'http', 'stores', 'server'],
    packages: ['fastify', 'pino', 'kysely', 'nodemailer'],
    why: 'the standalone server assembles the inner layers; nothing imports it but cli/',
  },
  cli: { folders: ['core', 'stores', 'server', 'cli'], packages: [], why: 'the command line is the outermost ring' },
  testing: { folders: ['core', 'testing'], packages: [], why: 'the conformance suite tests a store through the core/ contracts only' },
  '.': { folders: ['core'], packages: [], why: 'the root entry `gatehouse` is the engine only (the server is gatehouse/server)' },
  client: {
    folders: ['client'],
    packages: [],
    builtins: false,
    why: 'client/ runs in the browser: it imports no server code and no Node built-in',
  },
  'client/passkeys': {
    folders: ['client'],
    packages: ['@simplewebauthn/browser'],
    builtins: false,
    why: 'gatehouse/client/passkeys is the one client entry with a dependency, so that gatehouse/client keeps none',
  },
  ui: {
    folders: ['ui', 'client'],
    packages: ['preact', 'htm', 'uqr', '@simplewebauthn/browser'],
    builtins: false,
    why: 'the hosted pages run in the browser and speak to the server through gatehouse/client only',
  },
};

/**
 * The layer a src/ path (relative, `/`-separated) belongs to: the longest LAYERS key containing it.
 * @param {string} path
 * @returns {string | undefined}
 */
function layerOf(path) {
  const folder = dirname(path);
  return Object.keys(LAYERS)
    .filter((layer) => folder === layer || folder.startsWith(`${layer}/`) || (layer === '.' && path === 'index.ts'))
    .sort((a, b) => b.length - a.length)[0];
}

const packageName = (/** @type {string} */ specifier) => specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');

/**
 * The local rule `gatehouse/layers`: every import of a file in src/ against its layer's allow-list.
 * @type {import('eslint').Rule.RuleModule}
 */
const layersRule = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      denied: '{{ what }}: {{ layer }} may import only {{ allowed }} ({{ why }}).',
      unlayered: 'src/{{ path }} is in no layer: add its folder to LAYERS in eslint.config.js, with what it may import.',
    },
  },
  create(context) {
    const path = relative(SRC, context.filename).split(sep).join('/');
    if (path.startsWith('..') || path.endsWith('.test.ts')) return {};
    const layer = layerOf(path);
    const rules = layer === undefined ? undefined : LAYERS[layer];
    if (layer === undefined || rules === undefined) return { Program: (node) => context.report({ node, messageId: 'unlayered', data: { path } }) };
    /** @param {import('eslint').Rule.Node} node @param {unknown} source */
    const check = (node, source) => {
      if (typeof source !== 'object' || source === null || !('type' in source) || !('value' in source)) return;
      if (source?.type !== 'Literal' || typeof source.value !== 'string') return;
      const specifier = source.value;
      let what = null;
      if (specifier.startsWith('.')) {
        const target = relative(SRC, join(dirname(context.filename), specifier)).split(sep).join('/');
        const folder = target.startsWith('..') ? undefined : layerOf(target) ?? dirname(target);
        const allowed = folder !== undefined && rules.folders.some((f) => folder === f || folder.startsWith(`${f}/`));
        if (!allowed) what = `'${specifier}' (${target.startsWith('..') ? 'outside src/' : `src/${dirname(target)}/`})`;
      } else if (isBuiltin(specifier)) {
        if (rules.builtins === false) what = `the Node built-in '${specifier}'`;
      } else if (!rules.packages.includes(packageName(specifier))) {
        what = `the package '${packageName(specifier)}'`;
      }
      if (what === null) return;
      const allowed = [
        rules.folders.map((f) => `src/${f}/`).join(', '),
        rules.packages.length > 0 ? `the packages ${rules.packages.join(', ')}` : 'no package',
        rules.builtins === false ? 'no Node built-in' : 'node: built-ins',
      ].join('; ');
      context.report({ node, messageId: 'denied', data: { what, layer: layer === '.' ? 'src/index.ts' : `src/${layer}/`, allowed, why: rules.why } });
    };
    return {
      ImportDeclaration: (node) => check(node, node.source),
      ExportNamedDeclaration: (node) => check(node, node.source),
      ExportAllDeclaration: (node) => check(node, node.source),
      ImportExpression: (node) => check(node, node.source),
      /** `import('x').T` in a type: typescript-eslint's node, which ESLint's types do not know. */
      TSImportType: (/** @type {import('eslint').Rule.Node & { argument?: { literal?: unknown } }} */ node) =>
        check(node, node.argument?.literal ?? node.argument),
    };
  },
};

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['eslint.config.js', 'scripts/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-for-in-array': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      // Async functions that implement Promise-returning contracts without awaiting are intended.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { gatehouse: { rules: { layers: layersRule } } },
    rules: { 'gatehouse/layers': 'error' },
  },
  {
    // The example apps are plain JavaScript, run as they are (no tsconfig project): linted without types.
    files: ['examples/**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      globals: Object.fromEntries(
        ['console', 'process', 'URL', 'document', 'location', 'FormData'].map((name) => [name, 'readonly']),
      ),
    },
  },
  {
    // Build scripts: plain Node ESM.
    files: ['scripts/**/*.mjs'],
    languageOptions: { globals: Object.fromEntries(['console', 'process', 'URL'].map((name) => [name, 'readonly'])) },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts', 'src/testing/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': 'off', // node:test's describe/it return promises by design
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
);
