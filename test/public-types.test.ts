// Owns the check that the package's public declarations type-check for users without skipLibCheck: the
// .d.ts files reachable from package.json "exports" (emitted in memory from src/) may import only packages
// that ship their own types, so no @types/* devDependency of ours is needed by an app.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types?: string }>;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

/** Packages the app brings its own types for, and why. */
const APP_PROVIDES_TYPES: Record<string, string> = {
  express: 'gatehouse/express is for Express apps, which have @types/express already',
};

/** Every declaration file the build would emit, by path relative to dist/. */
function emitDeclarations(): { files: Map<string, string>; options: ts.CompilerOptions } {
  const parsed = ts.getParsedCommandLineOfConfigFile(join(root, 'tsconfig.build.json'), {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(ts.flattenDiagnosticMessageText(d.messageText, '\n')),
  });
  assert.ok(parsed);
  const options = { ...parsed.options, noEmit: false, declaration: true, emitDeclarationOnly: true, sourceMap: false, declarationMap: false };
  const program = ts.createProgram(parsed.fileNames, options);
  const outDir = resolve(root, 'dist');
  const files = new Map<string, string>();
  const result = program.emit(undefined, (fileName, text) => {
    files.set(fileName.slice(outDir.length + 1), text);
  });
  assert.deepEqual(result.diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')), []);
  return { files, options };
}

/** Bare module specifiers a declaration file imports (`from 'x'`, `import('x')`, `/// <reference types="x">`). */
function bareImports(text: string): { relative: string[]; bare: string[] } {
  const specifiers = [...text.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]|<reference\s+types="([^"]+)"/g)]
    .map((m) => m[1] ?? m[2] ?? '');
  return { relative: specifiers.filter((s) => s.startsWith('.')), bare: specifiers.filter((s) => !s.startsWith('.')) };
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

/** Where TypeScript finds the types of `specifier` imported from a file in dist/: `own`, `@types`, or none. */
function typesOf(specifier: string, options: ts.CompilerOptions): 'own' | '@types' | undefined {
  const containing = join(root, 'dist', 'index.d.ts');
  const { resolvedModule } = ts.resolveModuleName(specifier, containing, options, ts.sys, undefined, undefined, ts.ModuleKind.ESNext);
  if (!resolvedModule || !/\.d\.[cm]?ts$/.test(resolvedModule.resolvedFileName)) return undefined;
  return resolvedModule.resolvedFileName.includes('/node_modules/@types/') ? '@types' : 'own';
}

describe('public declarations', () => {
  it('import only packages that ship types (no skipLibCheck needed by users)', () => {
    const { files, options } = emitDeclarations();
    const entries = Object.values(pkg.exports)
      .map((target) => (typeof target === 'string' ? undefined : target.types))
      .filter((types): types is string => types !== undefined)
      .map((types) => types.replace(/^\.\/dist\//, ''));
    assert.ok(entries.length > 5, 'the export map lists the entry points');

    const seen = new Set<string>();
    const problems: string[] = [];
    const queue = [...entries];
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      if (seen.has(file)) continue;
      seen.add(file);
      const text = files.get(file);
      if (text === undefined) {
        problems.push(`${file}: not emitted`);
        continue;
      }
      const { relative, bare } = bareImports(text);
      for (const specifier of relative) queue.push(join(dirname(file), specifier).replace(/\.js$/, '.d.ts'));
      for (const specifier of bare) {
        const name = packageName(specifier);
        if (name.startsWith('node:') || builtinModules.includes(name) || APP_PROVIDES_TYPES[name]) continue;
        const declared = (dependency: string) =>
          pkg.dependencies?.[dependency] ?? pkg.optionalDependencies?.[dependency] ?? pkg.peerDependencies?.[dependency];
        const types = typesOf(specifier, options);
        if (declared(name) === undefined) problems.push(`${file}: imports ${specifier}, which is not a dependency`);
        else if (types === undefined) problems.push(`${file}: imports ${specifier}, which has no types`);
        else if (types === '@types' && declared(`@types/${name.replace(/^@(.*)\//, '$1__')}`) === undefined) {
          problems.push(`${file}: imports ${specifier}, whose types (@types) are not a dependency`);
        }
      }
    }
    assert.deepEqual(problems, []);
  });
});
