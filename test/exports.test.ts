// Owns what each public entry loads, the way jose checks its bundles: every subpath of package.json "exports" is
// imported alone in a fresh process (its src/ file, under tsx: no build), with module hooks recording every
// module resolved, and the packages and src/ folders it pulls in must be on that entry's allow-list. The
// optional dependencies (native addons, database drivers) must never load at import time: they are loaded on
// first use (src/core/optional-dependency.ts).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { after, describe, it } from 'node:test';
import { dependencyClosure, packageEntries, packageJson, root } from './package-exports.js';

/**
 * The packages core/ loads at import: whatever loads core/ may load them (@oslojs/otp and @oslojs/encoding: TOTP,
 * small and dependency-light). Not @zxcvbn-ts/core nor @zxcvbn-ts/language-common: the strength estimate loads them
 * at the first password check (password-strength.ts).
 */
const CORE = ['jose', '@oslojs/otp', '@oslojs/encoding'];

/** Per entry: the packages (with their own dependencies) and the src/ folders it may load; nothing else. */
const ALLOWED: Record<string, { packages: string[]; folders: string[] }> = {
  gatehouse: { packages: CORE, folders: ['core'] },
  'gatehouse/server': {
    packages: [...CORE, 'fastify', 'pino', 'prom-client', 'kysely', 'cookie'],
    folders: ['server', 'core', 'http', 'stores'],
  },
  'gatehouse/verify': { packages: ['jose'], folders: ['verify', 'core'] },
  'gatehouse/fastify': { packages: [...CORE, 'fastify', 'cookie'], folders: ['http', 'core'] },
  'gatehouse/express': { packages: [...CORE, 'express', 'cookie'], folders: ['http', 'core'] },
  'gatehouse/hono': { packages: [...CORE, 'hono', 'cookie'], folders: ['http', 'core'] },
  'gatehouse/stores/memory': { packages: CORE, folders: ['stores/memory', 'core'] },
  'gatehouse/stores/sqlite': { packages: ['kysely'], folders: ['stores/sqlite', 'stores/sql', 'core'] },
  'gatehouse/stores/postgres': { packages: ['kysely'], folders: ['stores/postgres', 'stores/sql', 'core'] },
  'gatehouse/stores/redis': { packages: [], folders: ['stores/redis', 'core'] },
  'gatehouse/testing': { packages: CORE, folders: ['testing', 'core'] },
  'gatehouse/client': { packages: [], folders: ['client'] },
  'gatehouse/client/passkeys': { packages: ['@simplewebauthn/browser'], folders: ['client'] },
};

/**
 * Loaded on first use only, by every entry: the optional dependencies, and the WebAuthn server library (a dependency,
 * but loaded at the first passkey request: core/passkeys-library.ts).
 */
const LAZY = [...Object.keys(packageJson.optionalDependencies ?? {}), '@simplewebauthn/server'];
/** The test's own machinery (tsx compiles the sources): not the entry's doing. */
const HARNESS = dependencyClosure(['tsx']);

/** Runs in the hooks thread: appends `parent → resolved URL` of every import to the log, synchronously. */
const HOOKS = `import { appendFileSync } from 'node:fs';
let log;
export function initialize(data) { log = data.log; }
export async function resolve(specifier, context, nextResolve) {
  const result = await nextResolve(specifier, context);
  appendFileSync(log, JSON.stringify([context.parentURL ?? null, result.url]) + '\\n');
  return result;
}`;

/**
 * The child: registers the hooks, imports the entry, then adds every CommonJS module in require.cache (what
 * CommonJS packages require among themselves never reaches the ESM hooks) and prints them all.
 */
const PROBE = `import { createRequire, register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
const [entry, log] = process.argv.slice(1);
writeFileSync(log, '');
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOKS)}), { data: { log } });
await import(entry);
const loaded = readFileSync(log, 'utf8').split('\\n').filter(Boolean).map((line) => JSON.parse(line));
const seen = new Set(loaded.map(([, url]) => url));
for (const [file, module] of Object.entries(createRequire(import.meta.url).cache)) {
  const url = pathToFileURL(file).href;
  if (!seen.has(url)) loaded.push([module?.parent?.filename ? pathToFileURL(module.parent.filename).href : null, url]);
}
process.stdout.write(JSON.stringify(loaded));`;

type Loaded = [parent: string | null, url: string][];

const dir = mkdtempSync(join(tmpdir(), 'gatehouse-exports-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function load(source: string): Promise<Loaded> {
  const log = join(dir, `${relative(root, source).replaceAll(sep, '_')}.log`);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', PROBE, pathToFileURL(source).href, log],
    { cwd: root, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
  );
  return JSON.parse(stdout) as Loaded;
}

/** What a resolved URL is: a built-in, a package (by name), a src/ folder, or something else (named as is). */
function classify(url: string): { builtin: string } | { pkg: string } | { folder: string } | { other: string } {
  if (url.startsWith('node:')) return { builtin: url };
  if (!url.startsWith('file:')) return { other: url };
  const path = fileURLToPath(url);
  const inModules = path.lastIndexOf(`${sep}node_modules${sep}`);
  if (inModules >= 0) {
    const parts = path.slice(inModules + `${sep}node_modules${sep}`.length).split(sep);
    return { pkg: parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1] ?? ''}` : (parts[0] ?? '') };
  }
  const inSrc = relative(join(root, 'src'), path);
  if (inSrc.startsWith('..')) return { other: url };
  return { folder: inSrc.split(sep).slice(0, -1).join('/') };
}

/** Who asked for it, for the failure message. */
const shortName = (url: string | null) => (url === null ? 'an unknown CommonJS module' : url.startsWith('file:') ? relative(root, fileURLToPath(url)) : url);

describe('package entries load only what they should', () => {
  const entries = packageEntries();

  it('every entry has an allow-list, and every allow-list an entry', () => {
    assert.deepEqual(entries.map((e) => e.specifier).sort(), Object.keys(ALLOWED).sort());
  });

  for (const { specifier, source } of entries) {
    it(`${specifier} (${relative(root, source)})`, async () => {
      const allowed = ALLOWED[specifier];
      assert.ok(allowed, `no allow-list for ${specifier}`);
      assert.ok(existsSync(source), `package.json exports ${specifier} from a file whose source ${relative(root, source)} does not exist`);
      const packages = dependencyClosure(allowed.packages);
      for (const lazy of LAZY) assert.ok(!packages.has(lazy), `${lazy} must not be allowed at import time (${specifier})`);
      const folderAllowed = (folder: string) =>
        folder === '' || allowed.folders.some((f) => folder === f || folder.startsWith(`${f}/`));

      /** What is wrong with loading `url`, or null when it is allowed. */
      const problemWith = (url: string): string | null => {
        const what = classify(url);
        if ('pkg' in what) {
          if (HARNESS.has(what.pkg)) return null;
          if (LAZY.includes(what.pkg)) return `${what.pkg}, an optional dependency to load on first use only`;
          return packages.has(what.pkg) ? null : `the package ${what.pkg}`;
        }
        if ('folder' in what) return folderAllowed(what.folder) ? null : `src/${what.folder}/`;
        if ('other' in what) return what.other.startsWith('data:text/javascript') ? null : what.other;
        return null;
      };
      // Each forbidden thing once, with what first imported it; not what a forbidden package imports in turn.
      const insideForbiddenPackage = (url: string | null) => url !== null && 'pkg' in classify(url) && problemWith(url) !== null;
      const problems = new Map<string, string>();
      for (const [parent, url] of await load(source)) {
        const problem = problemWith(url);
        if (problem === null || problems.has(problem) || insideForbiddenPackage(parent)) continue;
        problems.set(problem, `${problem} (imported by ${shortName(parent)})`);
      }
      assert.deepEqual([...problems.values()], [], `${specifier} loads what it should not; it may load ` +
        `${allowed.packages.join(', ') || 'no package'} and src/{${allowed.folders.join(',')}} only`);
    });
  }
});
