// Owns reading package.json for tests: each public subpath of "exports" with the src/ file behind it (its dist
// path mapped back to the source, so tests load the entries without a build), and the installed packages a set
// of dependencies may load (their dependency closure in node_modules).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

interface PackageJson {
  exports?: Record<string, string | { types?: string }>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, unknown>;
}

const readPackage = (path: string) => JSON.parse(readFileSync(path, 'utf8')) as PackageJson;

export const packageJson = readPackage(join(root, 'package.json'));

export interface PackageEntry {
  /** How an app imports it: `gatehouse`, `gatehouse/verify`, … */
  specifier: string;
  /** The src/ file behind it (absolute). */
  source: string;
}

/** Every subpath of "exports" with a `types` target (so not `./package.json`), mapped to its source file. */
export function packageEntries(): PackageEntry[] {
  return Object.entries(packageJson.exports ?? {}).flatMap(([subpath, target]) => {
    if (typeof target === 'string' || target.types === undefined) return [];
    const source = join(root, target.types.replace(/^\.\/dist\//, 'src/').replace(/\.d\.ts$/, '.ts'));
    return [{ specifier: `gatehouse${subpath.slice(1)}`, source }];
  });
}

/** Where `name` is installed as seen from `from` (a package directory), the way Node looks it up; or null. */
function locate(name: string, from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(dir) === dir) return null;
  }
}

/** `names` and every package they depend on, transitively (optional and peer ones too, when installed). */
export function dependencyClosure(names: readonly string[]): Set<string> {
  const closure = new Set<string>();
  const queue = names.map((name) => ({ name, from: root }));
  for (let next = queue.shift(); next; next = queue.shift()) {
    const dir = locate(next.name, next.from);
    if (dir === null || closure.has(`${next.name}\0${dir}`)) continue;
    closure.add(`${next.name}\0${dir}`);
    const pkg = readPackage(join(dir, 'package.json'));
    const { dependencies, optionalDependencies, peerDependencies, peerDependenciesMeta } = pkg;
    for (const dep of Object.keys({ ...dependencies, ...optionalDependencies, ...peerDependencies, ...peerDependenciesMeta })) {
      queue.push({ name: dep, from: dir });
    }
  }
  return new Set([...closure].map((key) => key.split('\0')[0] ?? ''));
}
